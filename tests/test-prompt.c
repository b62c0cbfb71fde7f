/* Prompt: leafscope-prompt.json parsing and the exact prompt strings. */
#include <glib/gstdio.h>
#include "ls-error.h"
#include "prompt.h"

#define CONTRACT_TEMPLATE \
  "<|findings|>\nlanguage: {language}\ndiagnosis: {label}\nconfidence: {confidence}%\n" \
  "runner-up: {runner_up} ({runner_up_confidence}%)\nuncertain: {uncertain}\n" \
  "affected area: {affected_area}%\nattention: {attention}\nphoto: {quality}\n<|report|>\n"

static LsFindings
rust_findings (void)
{
  LsFindings f = { 0 };
  f.top_index = 1;
  f.top_score = 0.925f;         /* 92.5 -> 93 (half up) */
  f.runner_up_index = 0;
  f.runner_up_score = 0.05f;
  f.uncertain = FALSE;
  f.attention_concentration = 0.3f;
  f.affected_area = 0.1249f;    /* 12 */
  return f;
}

static void
test_template (void)
{
  LsFindings f = rust_findings ();
  LsPromptInput input = { "en", "bean_rust", "angular_leaf_spot", &f };
  g_autofree char *prompt = ls_prompt_substitute (CONTRACT_TEMPLATE, &input);

  g_assert_cmpstr (prompt, ==,
                   "<|findings|>\nlanguage: en\ndiagnosis: bean_rust\nconfidence: 93%\n"
                   "runner-up: angular_leaf_spot (5%)\nuncertain: no\n"
                   "affected area: 12%\nattention: spread\nphoto: good\n<|report|>\n");

  f.uncertain = TRUE;
  f.top_score = 0.55f;
  f.runner_up_score = 0.4449f;
  f.attention_concentration = 0.6f;
  f.too_dark = TRUE;
  f.blurred = TRUE;
  f.affected_area = 0.0f;
  input.language = "pt_BR";
  g_autofree char *other = ls_prompt_substitute (CONTRACT_TEMPLATE, &input);
  g_assert_cmpstr (other, ==,
                   "<|findings|>\nlanguage: pt_BR\ndiagnosis: bean_rust\nconfidence: 55%\n"
                   "runner-up: angular_leaf_spot (44%)\nuncertain: yes\n"
                   "affected area: 0%\nattention: diffuse\nphoto: dark,blurred\n<|report|>\n");
}

static void
test_unknown_placeholders (void)
{
  LsFindings f = rust_findings ();
  f.attention_concentration = 0.1f;
  LsPromptInput input = { "en", "bean_rust", "healthy", &f };
  g_autofree char *prompt = ls_prompt_substitute ("{label} {nope} { label } {} {attention}{ {", &input);
  g_assert_cmpstr (prompt, ==, "bean_rust {nope} { label } {} focused{ {");
}

static void
test_plain (void)
{
  LsFindings f = rust_findings ();
  LsPromptInput input = { "en", "bean_rust", "angular_leaf_spot", &f };
  g_autofree char *en = ls_prompt_plain (&input);
  g_assert_cmpstr (en, ==,
                   "Field notes on a bean leaf photo. Diagnosis: bean rust (93% confidence). "
                   "About 12% of the leaf shows lesions. Description:");

  input.language = "pt_BR";
  g_autofree char *pt = ls_prompt_plain (&input);
  g_assert_cmpstr (pt, ==,
                   "Notas de campo sobre a foto de uma folha de feijão. Diagnóstico: "
                   "ferrugem do feijoeiro (93% de confiança). Cerca de 12% da folha "
                   "apresenta lesões. Descrição:");

  f.uncertain = TRUE;
  f.top_score = 0.5f;
  f.runner_up_score = 0.3f;
  f.overexposed = TRUE;
  f.blurred = TRUE;
  input.label = "healthy";
  input.language = "en";
  g_autofree char *uncertain = ls_prompt_plain (&input);
  g_assert_cmpstr (uncertain, ==,
                   "Field notes on a bean leaf photo. Diagnosis: healthy (50% confidence). "
                   "About 12% of the leaf shows lesions. The result is uncertain; the runner-up "
                   "is angular leaf spot (30%). Photo quality: overexposed, blurred. Description:");
  input.language = "pt_BR";
  g_autofree char *incerto = ls_prompt_plain (&input);
  g_assert_cmpstr (incerto, ==,
                   "Notas de campo sobre a foto de uma folha de feijão. Diagnóstico: saudável "
                   "(50% de confiança). Cerca de 12% da folha apresenta lesões. O resultado é "
                   "incerto; a segunda hipótese é mancha angular (30%). Qualidade da foto: "
                   "superexposta, desfocada. Descrição:");
}

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  const char *json = "{\"format\": 1, \"template\": \"diagnosis: {label}\\n\", "
                     "\"stop\": [\"<|endoftext|>\", \"<|findings|>\"], \"max_new_tokens\": 200}";
  g_autoptr(LsPromptFormat) format = ls_prompt_format_parse (json, -1, "test.json", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (format->template, ==, "diagnosis: {label}\n");
  g_assert_cmpuint (g_strv_length (format->stop), ==, 2);
  g_assert_cmpstr (format->stop[1], ==, "<|findings|>");
  g_assert_cmpint (format->max_new_tokens, ==, 200);

  LsFindings f = rust_findings ();
  LsPromptInput input = { "en", "healthy", "bean_rust", &f };
  g_autofree char *prompt = ls_prompt_build (format, &input);
  g_assert_cmpstr (prompt, ==, "diagnosis: healthy\n");

  const struct { const char *json; int code; const char *needle; } bad[] = {
    { "{\"format\": 2, \"template\": \"x\"}", LS_ERROR_UNSUPPORTED, "format 2" },
    { "{\"format\": 1}", LS_ERROR_FORMAT, "\"template\"" },
    { "{\"template\": 3}", LS_ERROR_FORMAT, "\"template\"" },
    { "{\"template\": \"x\", \"stop\": \"a\"}", LS_ERROR_FORMAT, "\"stop\"" },
    { "{\"template\": \"x\", \"stop\": [\"\"]}", LS_ERROR_FORMAT, "\"stop\"[0]" },
    { "{\"template\": \"x\", \"max_new_tokens\": 0}", LS_ERROR_FORMAT, "max_new_tokens" },
    { "[1, 2]", LS_ERROR_FORMAT, "object" },
    { "{\"template\": ", LS_ERROR_FORMAT, "JSON" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(LsPromptFormat) none = ls_prompt_format_parse (bad[i].json, -1, "bad.json", &e);
      g_assert_null (none);
      g_assert_error (e, LS_ERROR, bad[i].code);
      g_assert_nonnull (strstr (e->message, "bad.json"));
      g_assert_nonnull (strstr (e->message, bad[i].needle));
    }
}

static void
test_load (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("leafscope-prompt-XXXXXX", &error);
  g_assert_no_error (error);

  /* No file: the fallback format. */
  g_autoptr(LsPromptFormat) fallback = ls_prompt_format_load (dir, &error);
  g_assert_no_error (error);
  g_assert_null (fallback->template);
  g_assert_nonnull (fallback->stop);
  g_assert_null (fallback->stop[0]);
  LsFindings f = rust_findings ();
  LsPromptInput input = { "en", "bean_rust", "healthy", &f };
  g_autofree char *plain = ls_prompt_build (fallback, &input);
  g_assert_true (g_str_has_prefix (plain, "Field notes on a bean leaf photo."));

  g_autofree char *path = g_build_filename (dir, LS_PROMPT_FILE_NAME, NULL);
  g_assert_true (g_file_set_contents (path, "{\"template\": \"{language}|{label}\"}", -1, NULL));
  g_autoptr(LsPromptFormat) format = ls_prompt_format_load (dir, &error);
  g_assert_no_error (error);
  g_assert_null (format->stop[0]);
  g_assert_cmpint (format->max_new_tokens, ==, 0);
  g_autofree char *built = ls_prompt_build (format, &input);
  g_assert_cmpstr (built, ==, "en|bean_rust");

  g_assert_true (g_file_set_contents (path, "{ oops", -1, NULL));
  g_autoptr(LsPromptFormat) broken = ls_prompt_format_load (dir, &error);
  g_assert_null (broken);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, LS_PROMPT_FILE_NAME));

  g_unlink (path);
  g_rmdir (dir);
}

/* The contract's template, if a shipped text model has one, substitutes
 * every placeholder. */
static void
test_shipped_template (void)
{
  const char *data = g_getenv ("LEAFSCOPE_DATA_DIR");
  g_autofree char *dir = data ? g_build_filename (data, "models", "leaf-gpt2", NULL) : NULL;
  g_autofree char *path = dir ? g_build_filename (dir, LS_PROMPT_FILE_NAME, NULL) : NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no data/models/leaf-gpt2/leafscope-prompt.json yet");
      return;
    }
  g_autoptr(GError) error = NULL;
  g_autoptr(LsPromptFormat) format = ls_prompt_format_load (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (format->template);
  LsFindings f = rust_findings ();
  LsPromptInput input = { "pt_BR", "bean_rust", "healthy", &f };
  g_autofree char *prompt = ls_prompt_build (format, &input);
  g_assert_null (strstr (prompt, "{label}"));
  g_assert_null (strstr (prompt, "{confidence}"));
  g_assert_null (strstr (prompt, "{affected_area}"));
  g_assert_nonnull (strstr (prompt, "bean_rust"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Prompt/template", test_template);
  g_test_add_func ("/Engine/Prompt/unknown-placeholders", test_unknown_placeholders);
  g_test_add_func ("/Engine/Prompt/plain", test_plain);
  g_test_add_func ("/Engine/Prompt/parse", test_parse);
  g_test_add_func ("/Engine/Prompt/load", test_load);
  g_test_add_func ("/Engine/Prompt/shipped-template", test_shipped_template);
  return g_test_run ();
}
