/* test-bpe.c: the GPT-2 tokenizer against transformers' own encodings. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "bpe.h"
#include "bpe-private.h"
#include "ls-error.h"
#include "test-util.h"

/* The id of the token made of the single byte @b (bytes_to_unicode, written
 * out again here from its definition). */
static int
byte_id (LsTokenizer *tok, guint8 b)
{
  int n = 0;
  gunichar cp = 0;
  for (int i = 0; i < 256; i++)
    {
      gboolean printable = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE);
      gunichar c = printable ? (gunichar) i : (gunichar) (256 + n++);
      if (i == b)
        cp = c;
    }
  char s[8] = { 0 };
  g_unichar_to_utf8 (cp, s);
  int id = ls_tokenizer_token_to_id (tok, s);
  g_assert_cmpint (id, >=, 0);
  return id;
}

static void
check_cases (const char *model)
{
  g_autofree char *dir = ls_test_fixture (model, NULL);
  g_autofree char *cases_path = g_build_filename (dir, "tokenizer_cases.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsTokenizer) tok = ls_tokenizer_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ls_tokenizer_get_vocab_size (tok), ==, 400);

  g_autoptr(JsonParser) parser = json_parser_new ();
  json_parser_load_from_file (parser, cases_path, &error);
  g_assert_no_error (error);
  JsonArray *cases = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (cases), >=, 20);

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      const char *text = json_object_get_string_member (o, "text");
      JsonArray *expected = json_object_get_array_member (o, "ids");
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));

      g_test_message ("case %u: %s", c, text);
      g_assert_true (ls_tokenizer_encode (tok, text, -1, ids, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ids->len, ==, json_array_get_length (expected));
      for (guint i = 0; i < ids->len; i++)
        g_assert_cmpint (g_array_index (ids, int, i), ==,
                         (int) json_array_get_int_element (expected, i));

      g_autofree char *decoded = ls_tokenizer_decode (tok, (const int *) ids->data, ids->len, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (decoded, ==, json_object_get_string_member (o, "decoded"));
      g_assert_cmpstr (decoded, ==, text);

      /* Streaming gives the same text, in whole characters only. */
      g_autoptr(LsTokenDecoder) dec = ls_token_decoder_new (tok);
      g_autoptr(GString) streamed = g_string_new (NULL);
      for (guint i = 0; i < ids->len; i++)
        {
          const char *piece = ls_token_decoder_push (dec, g_array_index (ids, int, i), &error);
          g_assert_no_error (error);
          g_assert_true (g_utf8_validate (piece, -1, NULL));
          g_string_append (streamed, piece);
        }
      g_assert_cmpstr (ls_token_decoder_flush (dec), ==, "");
      g_assert_cmpstr (streamed->str, ==, text);
    }
}

static void
test_cases_gpt2 (void)
{
  check_cases ("gpt2-tiny");
}

static void
test_cases_legacy (void)
{
  check_cases ("gpt2-tiny-legacy-layout");
}

static void
test_cases_vit_gpt2 (void)
{
  check_cases ("vit-gpt2-tiny");
}

static LsTokenizer *
load_tiny (void)
{
  g_autofree char *dir = ls_test_fixture ("gpt2-tiny", NULL);
  g_autoptr(GError) error = NULL;
  LsTokenizer *tok = ls_tokenizer_load (dir, &error);
  g_assert_no_error (error);
  return tok;
}

static void
test_streaming_emoji (void)
{
  g_autoptr(LsTokenizer) tok = load_tiny ();
  g_autoptr(GError) error = NULL;
  /* 🌱 is F0 9F 8C B1: fed one byte token at a time it must come out whole,
   * in the piece of its last byte. */
  const guint8 bytes[] = { 'a', 0xF0, 0x9F, 0x8C, 0xB1, 'b' };
  const char *expected[] = { "a", "", "", "", "\xF0\x9F\x8C\xB1", "b" };
  g_autoptr(LsTokenDecoder) dec = ls_token_decoder_new (tok);
  for (gsize i = 0; i < G_N_ELEMENTS (bytes); i++)
    {
      const char *piece = ls_token_decoder_push (dec, byte_id (tok, bytes[i]), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (piece, ==, expected[i]);
    }

  /* An unfinished character at the end becomes U+FFFD on flush. */
  g_assert_cmpstr (ls_token_decoder_push (dec, byte_id (tok, 0xE2), &error), ==, "");
  g_assert_cmpstr (ls_token_decoder_push (dec, byte_id (tok, 0x82), &error), ==, "");
  g_assert_cmpstr (ls_token_decoder_flush (dec), ==, "\xEF\xBF\xBD");
  g_assert_cmpstr (ls_token_decoder_flush (dec), ==, "");

  /* A held-back lead byte followed by ASCII is invalid at once. */
  g_assert_cmpstr (ls_token_decoder_push (dec, byte_id (tok, 0xC3), &error), ==, "");
  g_assert_cmpstr (ls_token_decoder_push (dec, byte_id (tok, 'x'), &error), ==, "\xEF\xBF\xBDx");
}

static void
test_decode_replace (void)
{
  g_autoptr(LsTokenizer) tok = load_tiny ();
  g_autoptr(GError) error = NULL;
  /* Python: b"\xe0\x80A\xed\xa0\x80\xf0\x9f\x8cZ\xff".decode("utf-8", "replace")
   * == "\ufffd\ufffdA\ufffd\ufffd\ufffd\ufffdZ\ufffd" (maximal subparts). */
  const guint8 bytes[] = { 0xE0, 0x80, 'A', 0xED, 0xA0, 0x80, 0xF0, 0x9F, 0x8C, 'Z', 0xFF };
  int ids[G_N_ELEMENTS (bytes)];
  for (gsize i = 0; i < G_N_ELEMENTS (bytes); i++)
    ids[i] = byte_id (tok, bytes[i]);
  g_autofree char *text = ls_tokenizer_decode (tok, ids, G_N_ELEMENTS (ids), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==,
                   "\xEF\xBF\xBD\xEF\xBF\xBD" "A" "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                   "\xEF\xBF\xBD" "Z" "\xEF\xBF\xBD");

  /* Streaming agrees with the whole decode. */
  g_autoptr(LsTokenDecoder) dec = ls_token_decoder_new (tok);
  g_autoptr(GString) streamed = g_string_new (NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    g_string_append (streamed, ls_token_decoder_push (dec, ids[i], &error));
  g_string_append (streamed, ls_token_decoder_flush (dec));
  g_assert_cmpstr (streamed->str, ==, text);
}

static void
test_special_tokens (void)
{
  g_autoptr(LsTokenizer) tok = load_tiny ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  int eos = ls_tokenizer_get_eos_id (tok);
  g_assert_cmpint (eos, ==, 0);

  g_assert_true (ls_tokenizer_encode (tok, "a<|endoftext|>b<|endoftext|>", -1, ids, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 4);
  g_assert_cmpint (g_array_index (ids, int, 0), ==, ls_tokenizer_token_to_id (tok, "a"));
  g_assert_cmpint (g_array_index (ids, int, 1), ==, eos);
  g_assert_cmpint (g_array_index (ids, int, 2), ==, ls_tokenizer_token_to_id (tok, "b"));
  g_assert_cmpint (g_array_index (ids, int, 3), ==, eos);
  g_autofree char *text = ls_tokenizer_decode (tok, (int *) ids->data, ids->len, &error);
  g_assert_cmpstr (text, ==, "a<|endoftext|>b<|endoftext|>");
}

static void
test_errors (void)
{
  g_autoptr(LsTokenizer) tok = load_tiny ();
  g_autoptr(GError) error = NULL;
  int bad[] = { 1, 400 };
  g_assert_null (ls_tokenizer_decode (tok, bad, 2, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  int negative = -1;
  g_autoptr(LsTokenDecoder) dec = ls_token_decoder_new (tok);
  g_assert_null (ls_token_decoder_push (dec, negative, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  g_assert_false (ls_tokenizer_encode (tok, "ab\xFF", -1, ids, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  static const char vocab[] = "{\"a\": 0, \"b\": 1, \"ab\": 2}";
  LsTokenizer *t;

  t = ls_tokenizer_new_from_data (vocab, -1, "#version: 0.2\na b\n", -1, NULL, &error);
  g_assert_no_error (error);
  ls_tokenizer_free (t);

  /* Bad JSON, wrong types, duplicate ids. */
  t = ls_tokenizer_new_from_data ("{\"a\": 0,", -1, "", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  t = ls_tokenizer_new_from_data ("[1, 2]", -1, "", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  t = ls_tokenizer_new_from_data ("{\"a\": \"0\"}", -1, "", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  t = ls_tokenizer_new_from_data ("{\"a\": 0, \"b\": 0}", -1, "", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  t = ls_tokenizer_new_from_data ("{\"a\": -3}", -1, "", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);

  /* Merges that disagree with the vocab: a part or the result missing. */
  t = ls_tokenizer_new_from_data (vocab, -1, "#version: 0.2\na c\n", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "“c”"));
  g_clear_error (&error);
  t = ls_tokenizer_new_from_data (vocab, -1, "b a\n", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "“ba”"));
  g_clear_error (&error);
  t = ls_tokenizer_new_from_data (vocab, -1, "a b c\n", -1, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);

  /* A special token missing from the vocab. */
  const char *specials[] = { "<pad>", NULL };
  t = ls_tokenizer_new_from_data (vocab, -1, "", -1, specials, &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);

  /* A folder without the files. */
  t = ls_tokenizer_load ("/nonexistent-leafscope-dir", &error);
  g_assert_null (t);
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
}

/* Merge ranks decide, not the order pieces appear: with "b c" ranked before
 * "a b", "abc" is a + bc. */
static void
test_merge_rank (void)
{
  static const char vocab[] =
    "{\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"bc\": 4, \"abc\": 5, \"aa\": 6}";
  g_autoptr(GError) error = NULL;
  g_autoptr(LsTokenizer) t = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));

  /* Bytes outside a-c have no token here: only encode a, b, c. */
  t = ls_tokenizer_new_from_data (vocab, -1, "b c\na b\na bc\na a\n", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ls_tokenizer_encode (t, "abc", -1, ids, &error));
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, int, 0), ==, 5);

  g_array_set_size (ids, 0);
  g_assert_true (ls_tokenizer_encode (t, "aaa", -1, ids, &error));
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (g_array_index (ids, int, 0), ==, 6);
  g_assert_cmpint (g_array_index (ids, int, 1), ==, 0);

  g_array_set_size (ids, 0);
  g_assert_false (ls_tokenizer_encode (t, "ad", -1, ids, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
}

/* Added tokens from tokenizer.json / tokenizer_config.json /
 * special_tokens_map.json are matched whole and decode as written. */
static void
test_added_tokens_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = ls_test_fixture ("gpt2-tiny", NULL);
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-bpe-XXXXXX", &error);
  g_assert_no_error (error);
  const char *copy[] = { "vocab.json", "merges.txt" };
  for (gsize i = 0; i < G_N_ELEMENTS (copy); i++)
    {
      g_autofree char *from = g_build_filename (src, copy[i], NULL);
      g_autofree char *to = g_build_filename (tmp, copy[i], NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (from, &data, &len, NULL));
      g_assert_true (g_file_set_contents (to, data, len, NULL));
    }
  g_autofree char *fast = g_build_filename (tmp, "tokenizer.json", NULL);
  g_autofree char *config = g_build_filename (tmp, "tokenizer_config.json", NULL);
  g_autofree char *map = g_build_filename (tmp, "special_tokens_map.json", NULL);
  g_assert_true (g_file_set_contents (fast,
    "{\"added_tokens\": [{\"id\": 400, \"content\": \"<pad>\", \"special\": true}]}", -1, NULL));
  g_assert_true (g_file_set_contents (config,
    "{\"added_tokens_decoder\": {\"0\": {\"content\": \"<|endoftext|>\"}, "
    "\"401\": {\"content\": \"<leaf>\"}}, \"eos_token\": \"<|endoftext|>\"}", -1, NULL));
  g_assert_true (g_file_set_contents (map,
    "{\"additional_special_tokens\": [\"<leaf>\", {\"content\": \"<pad>\"}]}", -1, NULL));

  LsTokenizer *tok = ls_tokenizer_load (tmp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ls_tokenizer_get_vocab_size (tok), ==, 402);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  g_assert_true (ls_tokenizer_encode (tok, "a<pad><leaf> b<|endoftext|>", -1, ids, &error));
  g_assert_no_error (error);
  int want[] = { ls_tokenizer_token_to_id (tok, "a"), 400, 401,
                 ls_tokenizer_token_to_id (tok, "\xC4\xA0" "b"), 0 };
  g_assert_cmpuint (ids->len, ==, G_N_ELEMENTS (want));
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpint (g_array_index (ids, int, i), ==, want[i]);
  g_autofree char *text = ls_tokenizer_decode (tok, (int *) ids->data, ids->len, &error);
  g_assert_cmpstr (text, ==, "a<pad><leaf> b<|endoftext|>");
  ls_tokenizer_free (tok);

  /* A file that disagrees with the vocab about an id. */
  g_assert_true (g_file_set_contents (fast,
    "{\"added_tokens\": [{\"id\": 7, \"content\": \"<|endoftext|>\"}]}", -1, NULL));
  g_assert_null (ls_tokenizer_load (tmp, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  /* Bad JSON in one of them. */
  g_assert_true (g_file_set_contents (fast, "{\"added_tokens\": [", -1, NULL));
  g_assert_null (ls_tokenizer_load (tmp, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);

  ls_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Bpe/cases/gpt2-tiny", test_cases_gpt2);
  g_test_add_func ("/Engine/Bpe/cases/legacy-layout", test_cases_legacy);
  g_test_add_func ("/Engine/Bpe/cases/vit-gpt2-tiny", test_cases_vit_gpt2);
  g_test_add_func ("/Engine/Bpe/streaming-utf8", test_streaming_emoji);
  g_test_add_func ("/Engine/Bpe/decode-replace", test_decode_replace);
  g_test_add_func ("/Engine/Bpe/special-tokens", test_special_tokens);
  g_test_add_func ("/Engine/Bpe/merge-rank", test_merge_rank);
  g_test_add_func ("/Engine/Bpe/errors", test_errors);
  g_test_add_func ("/Engine/Bpe/added-tokens-files", test_added_tokens_files);
  return g_test_run ();
}
