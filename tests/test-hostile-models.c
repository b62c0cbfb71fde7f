/* test-hostile-models.c: hostile model-folder files not covered by the
 * loader's own tests, each a regression for a crash found while fuzzing or
 * auditing: JSON nested deeply enough to overflow json-glib's recursive
 * parser in the tokenizer files, generation_config.json and
 * leafscope-prompt.json; a vocab id that would allocate gigabytes; wrong
 * types in tokenizer.json; and every input in tests/fuzz/regressions/. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include "bpe.h"
#include "bpe-private.h"
#include "diagnose.h"
#include "ls-error.h"
#include "prompt.h"
#include "test-util.h"

/* 100,000 '[': json-glib 1.6.6 overflows its stack on this (SIGSEGV). */
static char *
deep_json (void)
{
  char *deep = g_malloc (100001);
  memset (deep, '[', 100000);
  deep[100000] = '\0';
  return deep;
}

static void
test_vocab_deep (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *deep = deep_json ();
  g_autoptr(LsTokenizer) tok = ls_tokenizer_new_from_data (deep, -1, "", 0, NULL, &error);
  g_assert_null (tok);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "vocab.json nests deeper"));
}

/* Found by fuzz-tokenizer-load (a timeout): ids index a table, so one id of
 * a billion made the loader allocate and clear 8 GB. */
static void
test_vocab_huge_id (void)
{
  g_autoptr(GError) error = NULL;
  static const char vocab[] = "{\"a\": 0, \"b\": 1053014015}";
  g_autoptr(LsTokenizer) tok = ls_tokenizer_new_from_data (vocab, -1, "", 0, NULL, &error);
  g_assert_null (tok);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "out-of-range id 1053014015"));
  g_clear_error (&error);

  /* The largest id allowed still loads (one table of a million slots). */
  static const char edge[] = "{\"a\": 0, \"b\": 999999}";
  g_autoptr(LsTokenizer) ok = ls_tokenizer_new_from_data (edge, -1, "", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ls_tokenizer_get_vocab_size (ok), ==, 1000000);
  g_assert_cmpint (ls_tokenizer_token_to_id (ok, "b"), ==, 999999);
}

static void
test_tokenizer_files_deep (void)
{
  g_autofree char *deep = deep_json ();
  const char *names[] = { "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = ls_test_gpt2_tiny_with (names[i], deep);
      g_autoptr(LsTokenizer) tok = ls_tokenizer_load (dir, &error);
      g_assert_null (tok);
      g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, names[i]));
      g_assert_nonnull (strstr (error->message, "nests deeper"));
      ls_test_remove_tree (dir);
    }
}

/* json-glib's typed getters log a critical on a type mismatch (fatal in
 * tests, noise in the app): tokenizer.json's fields are checked first.
 * Entries of the wrong type are skipped. */
static void
test_tokenizer_json_types (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_gpt2_tiny_with ("tokenizer.json", "{\"added_tokens\": 5}");
  g_autoptr(LsTokenizer) tok = ls_tokenizer_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ls_tokenizer_get_vocab_size (tok), ==, 400);
  ls_test_remove_tree (dir);

  g_autofree char *dir2 = ls_test_gpt2_tiny_with ("tokenizer.json",
      "{\"added_tokens\": [3, {\"content\": \"<leaf>\", \"id\": \"7\"}]}");
  g_autoptr(LsTokenizer) tok2 = ls_tokenizer_load (dir2, &error);
  g_assert_no_error (error);
  /* An id that is not a number is no id: the token goes after the vocab. */
  g_assert_cmpint (ls_tokenizer_token_to_id (tok2, "<leaf>"), ==, 400);
  ls_test_remove_tree (dir2);
}

static void
test_generation_config_deep (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *deep = deep_json ();
  g_autofree char *text = ls_test_gpt2_tiny_with ("generation_config.json", deep);
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(LsDiagnoser) d = ls_diagnoser_new (vit, text, &error);
  g_assert_null (d);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "generation_config.json nests deeper"));
  ls_test_remove_tree (text);
}

static void
test_prompt_deep (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *deep = deep_json ();
  LsPromptFormat *format = ls_prompt_format_parse (deep, -1, "leafscope-prompt.json", &error);
  g_assert_null (format);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "leafscope-prompt.json nests deeper"));
  g_clear_error (&error);

  g_autofree char *dir = ls_test_gpt2_tiny_with (LS_PROMPT_FILE_NAME, deep);
  format = ls_prompt_format_load (dir, &error);
  g_assert_null (format);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  ls_test_remove_tree (dir);
}

/* Every input kept in tests/fuzz/regressions/, fed to the parser of the
 * target it is named after; none may crash.  (bpe-nul-byte-token: ids of the
 * NUL byte's token then "<|endoftext|>": the C-string decode ends at the NUL,
 * a limitation of the API, so only its validity is checked.) */
static void
test_fuzz_regressions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) d = g_dir_open (LEAFSCOPE_FUZZ_REGRESSIONS, 0, &error);
  g_assert_no_error (error);
  g_autofree char *gpt2 = ls_test_fixture ("gpt2-tiny", NULL);
  g_autoptr(LsTokenizer) tiny = ls_tokenizer_load (gpt2, &error);
  g_assert_no_error (error);
  int n = 0;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (LEAFSCOPE_FUZZ_REGRESSIONS, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      if (g_str_has_prefix (name, "tokenizer-load-"))
        {
          const char *nul = memchr (data, '\0', len);
          gsize vlen = nul != NULL ? (gsize) (nul - data) : len;
          g_autoptr(LsTokenizer) tok =
            ls_tokenizer_new_from_data (data, vlen, nul != NULL ? nul + 1 : "",
                                        nul != NULL ? len - vlen - 1 : 0, NULL, &error);
          g_test_message ("%s: %s", name, error != NULL ? error->message : "loads");
          g_clear_error (&error);
        }
      else if (g_str_has_prefix (name, "bpe-"))
        {
          g_autofree int *ids = g_new0 (int, len / 2 + 1);
          for (gsize i = 0; i < len / 2; i++)
            ids[i] = (gint16) ((guint8) data[2 * i] | ((guint8) data[2 * i + 1] << 8));
          g_autofree char *text = ls_tokenizer_decode (tiny, ids, len / 2, &error);
          g_assert_no_error (error);
          g_assert_true (g_utf8_validate (text, -1, NULL));
        }
      else
        g_assert_not_reached ();
      n++;
    }
  g_assert_cmpint (n, >=, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/HostileModels/vocab-deep", test_vocab_deep);
  g_test_add_func ("/Engine/HostileModels/vocab-huge-id", test_vocab_huge_id);
  g_test_add_func ("/Engine/HostileModels/tokenizer-files-deep", test_tokenizer_files_deep);
  g_test_add_func ("/Engine/HostileModels/tokenizer-json-types", test_tokenizer_json_types);
  g_test_add_func ("/Engine/HostileModels/generation-config-deep", test_generation_config_deep);
  g_test_add_func ("/Engine/HostileModels/prompt-deep", test_prompt_deep);
  g_test_add_func ("/Engine/HostileModels/fuzz-regressions", test_fuzz_regressions);
  return g_test_run ();
}
