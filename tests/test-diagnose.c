/* The diagnose pipeline: classify against the engine's own steps run by
 * hand, describe against direct generation, cancellation. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>
#include <math.h>
#include <string.h>
#include "attention-map.h"
#include "diagnose.h"
#include "diagnose-private.h"
#include "ls-error.h"
#include "prompt.h"
#include "vit.h"
#include "test-util.h"

static void
test_classify_matches_forward (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ls_diagnoser_has_text_model (diagnoser));

  g_autoptr(LsVit) vit = ls_vit_load (dir, &error);
  g_assert_no_error (error);

  for (int k = 0; k < 3; k++)
    {
      g_autofree char *name = g_strdup_printf ("input%d.png", k);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(LsImage) image = ls_image_load (path, &error);
      g_assert_no_error (error);

      g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, image, 0.6f, NULL, &error);
      g_assert_no_error (error);

      /* The same steps by hand. */
      int h, w;
      g_autofree float *pixels = ls_image_preprocess (image, ls_vit_get_preprocess_config (vit),
                                                      &h, &w, &error);
      g_assert_no_error (error);
      g_autoptr(LsVitOutput) out = ls_vit_forward (vit, pixels, 1, LS_VIT_OUTPUT_ATTENTIONS,
                                                   NULL, &error);
      g_assert_no_error (error);

      g_assert_cmpint (d->n_labels, ==, 3);
      g_assert_cmpstr (d->labels[0], ==, "angular_leaf_spot");
      g_assert_cmpstr (d->labels[1], ==, "bean_rust");
      g_assert_cmpstr (d->labels[2], ==, "healthy");
      g_assert_null (d->labels[3]);
      int top = 0;
      for (int i = 0; i < 3; i++)
        {
          g_assert_cmpfloat (d->probs[i], ==, out->probs[i]);
          g_assert_cmpfloat (d->logits[i], ==, out->logits[i]);
          if (out->probs[i] > out->probs[top])
            top = i;
        }
      g_assert_cmpint (d->top_index, ==, top);
      g_assert_cmpint (d->findings.top_index, ==, top);
      g_assert_cmpfloat (d->top_score, ==, out->probs[top]);
      g_assert_true (d->uncertain == (out->probs[top] < 0.6f));
      g_assert_cmpint (d->findings.runner_up_index, !=, top);
      g_assert_cmpfloat (d->findings.runner_up_score, <=, d->top_score);

      /* 32 / 8 = 4 cells a side, 4 heads. */
      g_assert_cmpint (d->grid_size, ==, 4);
      g_assert_cmpint (d->num_heads, ==, 4);
      LsAttentionStack stack = { out->attentions, out->num_layers, 1, out->num_heads, out->tokens };
      float rollout[16], last[5 * 16];
      g_assert_true (ls_attention_rollout (&stack, 0, LS_HEAD_FUSION_MEAN, 0.0f, rollout, &error));
      g_assert_true (ls_attention_last_layer (&stack, 0, last, &error));
      float max = 0.0f;
      for (int i = 0; i < 16; i++)
        {
          g_assert_cmpfloat_with_epsilon (d->rollout[i], rollout[i], 1e-6);
          max = MAX (max, d->rollout[i]);
        }
      g_assert_cmpfloat_with_epsilon (max, 1.0, 1e-6);
      for (int i = 0; i < 5 * 16; i++)
        g_assert_cmpfloat_with_epsilon (d->last_layer[i], last[i], 1e-6);

      g_assert_cmpfloat (d->findings.attention_concentration, >=, 0.0f);
      g_assert_cmpfloat (d->findings.attention_concentration, <=, 1.0f);
      g_assert_cmpfloat (d->findings.brightness, >, 0.0f);
      g_assert_cmpfloat (d->findings.brightness, <, 1.0f);
    }
}

static void
test_classify_cancelled (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *path = g_build_filename (dir, "input1.png", NULL);
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (dir, NULL, &error);
  g_autoptr(LsImage) image = ls_image_load (path, &error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, image, 0.5f, cancellable, &error);
  g_assert_null (d);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_no_text_model (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *path = g_build_filename (dir, "input0.png", NULL);
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (dir, NULL, &error);
  g_autoptr(LsImage) image = ls_image_load (path, &error);
  g_assert_no_error (error);
  g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, image, 0.5f, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (ls_diagnoser_describe (diagnoser, d, "en", NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);

  /* The prompt is the plain one, built from the same findings. */
  g_autofree char *prompt = ls_diagnoser_build_prompt (diagnoser, d, "en");
  LsPromptInput input = { "en", d->labels[d->top_index],
                          d->labels[d->findings.runner_up_index], &d->findings };
  g_autofree char *plain = ls_prompt_plain (&input);
  g_assert_cmpstr (prompt, ==, plain);
}

static void
test_bad_models (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gpt2 = ls_test_fixture ("gpt2-tiny", NULL);
  g_autoptr(LsDiagnoser) none = ls_diagnoser_new (gpt2, NULL, &error);
  g_assert_null (none);
  g_assert_nonnull (error);

  g_clear_error (&error);
  g_autoptr(LsDiagnoser) missing = ls_diagnoser_new ("/nonexistent/leafscope-model", NULL, &error);
  g_assert_null (missing);
  g_assert_nonnull (error);
}

/* ------------------------------------------------------------ describe */

typedef struct {
  GString      *text;
  int           calls;
  int           cancel_after;  /* 0: never */
  GCancellable *cancellable;
} Collect;

static gboolean
collect_piece (int token_id, const char *piece, gpointer user_data)
{
  Collect *c = user_data;
  (void) token_id;
  g_assert_true (g_utf8_validate (piece, -1, NULL));
  g_string_append (c->text, piece);
  c->calls++;
  if (c->cancel_after > 0 && c->calls == c->cancel_after)
    g_cancellable_cancel (c->cancellable);
  return TRUE;
}

static LsDiagnosis *
classify_fixture (LsDiagnoser *diagnoser)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *path = g_build_filename (dir, "input1.png", NULL);
  g_autoptr(LsImage) image = ls_image_load (path, &error);
  g_assert_no_error (error);
  /* Threshold 0: diagnosed, so that the description is the text model's
   * alone (an uncertain one starts with a fixed sentence, tested apart). */
  LsDiagnosis *d = ls_diagnoser_classify (diagnoser, image, 0.0f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_DIAGNOSED);
  return d;
}

/* What the language model writes for @prompt with @options, straight. */
static char *
direct_generation (const char *text_dir, const char *prompt, const LsGenerateOptions *options,
                   int *out_calls)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsLanguageModel) lm = ls_language_model_load (text_dir, &error);
  g_assert_no_error (error);
  Collect c = { g_string_new (NULL), 0, 0, NULL };
  LsGenerateStats stats;
  gboolean ok = ls_language_model_generate (lm, prompt, options, collect_piece, &c, NULL,
                                            &stats, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  *out_calls = c.calls;
  return g_string_free (c.text, FALSE);
}

/* A model folder holding gpt2-tiny's files and a leafscope-prompt.json. */
static char *
make_text_model (const char *prompt_json)
{
  return ls_test_gpt2_tiny_with (LS_PROMPT_FILE_NAME, prompt_json);
}

static void
test_describe_streams (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  /* gpt2-tiny's context (128) is too short for the plain prompt: a short
   * template instead. */
  g_autofree char *gpt2 = make_text_model ("{\"template\": \"{language} {label}:\"}");
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (vit, gpt2, &error);
  g_assert_no_error (error);
  g_assert_true (ls_diagnoser_has_text_model (diagnoser));
  g_autoptr(LsDiagnosis) d = classify_fixture (diagnoser);

  LsGenerateOptions options;
  ls_diagnoser_init_generate_options (diagnoser, &options);
  options.max_new_tokens = 24;
  g_assert_null (options.stop_strings); /* the prompt file names none */

  for (int l = 0; l < 2; l++)
    {
      const char *language = l == 0 ? "en" : "pt_BR";
      g_autofree char *prompt = ls_diagnoser_build_prompt (diagnoser, d, language);
      int expected_calls = 0;
      g_autofree char *generated = direct_generation (gpt2, prompt, &options, &expected_calls);
      /* An uncertain photo's description starts with the fixed sentence
       * naming both candidates (one more call, id -1). */
      g_autofree char *notice = ls_diagnosis_status_text (d, language);
      g_assert_true ((notice != NULL) == (d->status == LS_DIAGNOSIS_UNCERTAIN));
      g_autofree char *expected = g_strconcat (notice != NULL ? notice : "", generated, NULL);
      int notice_calls = notice != NULL ? 1 : 0;
      expected_calls += notice_calls;

      Collect c = { g_string_new (NULL), 0, 0, NULL };
      LsGenerateStats stats = { 0 };
      g_assert_true (ls_diagnoser_describe (diagnoser, d, language, &options, collect_piece, &c,
                                            &stats, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (c.text->str, ==, expected);
      /* One call per token, and one more (id -1) when the generator
       * flushes an unfinished character at the end. */
      g_assert_cmpint (c.calls, ==, expected_calls);
      g_assert_cmpint (c.calls - notice_calls - stats.generated_tokens, >=, 0);
      g_assert_cmpint (c.calls - notice_calls - stats.generated_tokens, <=, 1);
      g_assert_cmpint (stats.generated_tokens, >, 0);
      g_assert_cmpint (stats.prompt_tokens, >, 2);
      g_assert_cmpfloat (stats.first_token_seconds, <=, stats.total_seconds);
      g_string_free (c.text, TRUE);
    }
  ls_test_remove_tree (gpt2);
}

static void
test_describe_template_and_stop (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *gpt2 = ls_test_fixture ("gpt2-tiny", NULL);

  /* First the unstopped text for the template's prompt. */
  g_autofree char *plain_dir = make_text_model ("{\"format\": 1, \"template\": \"{label}: {confidence}%\\n\", "
                                                "\"max_new_tokens\": 30}");
  g_autoptr(LsDiagnoser) plain = ls_diagnoser_new (vit, plain_dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsDiagnosis) d = classify_fixture (plain);
  g_autofree char *prompt = ls_diagnoser_build_prompt (plain, d, "en");
  g_autofree char *want_prompt = g_strdup_printf ("%s: %d%%\n", d->labels[d->top_index],
                                                  ls_findings_percent (d->top_score));
  g_assert_cmpstr (prompt, ==, want_prompt);

  LsGenerateOptions options;
  ls_diagnoser_init_generate_options (plain, &options);
  g_assert_cmpint (options.max_new_tokens, ==, 30);
  int n_calls = 0;
  g_autofree char *full = direct_generation (gpt2, prompt, &options, &n_calls);
  g_assert_cmpint (g_utf8_strlen (full, -1), >=, 12);

  /* A stop string taken from the middle of that text: the description ends
   * just before its first occurrence, without it. */
  const char *from = g_utf8_offset_to_pointer (full, 6);
  const char *to = g_utf8_offset_to_pointer (full, 9);
  g_autofree char *stop = g_strndup (from, to - from);
  g_autofree char *want = g_strndup (full, strstr (full, stop) - full);
  g_autoptr(JsonNode) stop_node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (stop_node, stop);
  g_autofree char *stop_json = json_to_string (stop_node, FALSE);
  g_autofree char *json = g_strdup_printf ("{\"format\": 1, \"template\": \"{label}: {confidence}%%\\n\", "
                                           "\"stop\": [\"<|findings|>\", %s], \"max_new_tokens\": 30}",
                                           stop_json);
  g_autofree char *stop_dir = make_text_model (json);
  g_autoptr(LsDiagnoser) stopping = ls_diagnoser_new (vit, stop_dir, &error);
  g_assert_no_error (error);

  Collect c = { g_string_new (NULL), 0, 0, NULL };
  LsGenerateStats stats = { 0 };
  g_assert_true (ls_diagnoser_describe (stopping, d, "en", NULL, collect_piece, &c, &stats,
                                        NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (c.text->str, ==, want);
  g_assert_cmpint (stats.stop_reason, ==, LS_STOP_STOP_STRING);
  g_string_free (c.text, TRUE);

  ls_test_remove_tree (plain_dir);
  ls_test_remove_tree (stop_dir);
}

static void
test_describe_cancelled (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *gpt2 = make_text_model ("{\"template\": \"{label}\"}");
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (vit, gpt2, &error);
  g_assert_no_error (error);
  g_autoptr(LsDiagnosis) d = classify_fixture (diagnoser);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  LsGenerateOptions options;
  ls_diagnoser_init_generate_options (diagnoser, &options);
  options.max_new_tokens = 40;
  Collect c = { g_string_new (NULL), 0, 3, cancellable };
  LsGenerateStats stats = { 0 };
  g_assert_false (ls_diagnoser_describe (diagnoser, d, "en", &options, collect_piece, &c, &stats,
                                         cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (c.calls, ==, 3);
  g_string_free (c.text, TRUE);

  /* The diagnoser stays usable. */
  g_clear_error (&error);
  Collect again = { g_string_new (NULL), 0, 0, NULL };
  options.max_new_tokens = 5;
  g_assert_true (ls_diagnoser_describe (diagnoser, d, "en", &options, collect_piece, &again,
                                        NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (again.calls, ==, 5);
  g_string_free (again.text, TRUE);
  ls_test_remove_tree (gpt2);
}

static void
test_generation_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *dir = make_text_model ("{\"template\": \"{label}\", \"max_new_tokens\": 77, "
                                          "\"stop\": [\"<|findings|>\"]}");
  g_autofree char *config = g_build_filename (dir, "generation_config.json", NULL);
  g_assert_true (g_file_set_contents (config, "{\"do_sample\": true, \"temperature\": 0.7, "
                                      "\"top_k\": 40, \"top_p\": 0.95, \"max_new_tokens\": 300, "
                                      "\"repetition_penalty\": 1.2, \"eos_token_id\": 0}", -1, NULL));
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (vit, dir, &error);
  g_assert_no_error (error);

  LsGenerateOptions options;
  ls_diagnoser_init_generate_options (diagnoser, &options);
  g_assert_true (options.do_sample);
  g_assert_cmpfloat_with_epsilon (options.temperature, 0.7, 1e-6);
  g_assert_cmpint (options.top_k, ==, 40);
  g_assert_cmpfloat_with_epsilon (options.top_p, 0.95, 1e-6);
  g_assert_cmpfloat_with_epsilon (options.repetition_penalty, 1.2, 1e-6);
  g_assert_cmpint (options.max_new_tokens, ==, 77); /* the prompt file wins */
  g_assert_cmpstr (options.stop_strings[0], ==, "<|findings|>");
  g_assert_null (options.stop_strings[1]);

  /* Sampling is reproducible for a seed. */
  g_autoptr(LsDiagnosis) d = classify_fixture (diagnoser);
  options.max_new_tokens = 10;
  options.seed = 42;
  Collect a = { g_string_new (NULL), 0, 0, NULL }, b = { g_string_new (NULL), 0, 0, NULL };
  g_assert_true (ls_diagnoser_describe (diagnoser, d, "en", &options, collect_piece, &a, NULL, NULL, &error));
  g_assert_true (ls_diagnoser_describe (diagnoser, d, "en", &options, collect_piece, &b, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (a.text->str, ==, b.text->str);
  g_string_free (a.text, TRUE);
  g_string_free (b.text, TRUE);

  g_assert_true (g_file_set_contents (config, "{\"top_p\": 3}", -1, NULL));
  g_autoptr(LsDiagnoser) bad = ls_diagnoser_new (vit, dir, &error);
  g_assert_null (bad);
  g_assert_error (error, LS_ERROR, LS_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "top_p"));
  ls_test_remove_tree (dir);
}

static void
test_captioner_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *captioner = ls_test_fixture ("vit-gpt2-tiny", NULL);
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (vit, captioner, &error);
  g_assert_null (diagnoser);
  g_assert_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Diagnose/classify-matches-forward", test_classify_matches_forward);
  g_test_add_func ("/Engine/Diagnose/classify-cancelled", test_classify_cancelled);
  g_test_add_func ("/Engine/Diagnose/no-text-model", test_no_text_model);
  g_test_add_func ("/Engine/Diagnose/bad-models", test_bad_models);
  g_test_add_func ("/Engine/Diagnose/describe-streams", test_describe_streams);
  g_test_add_func ("/Engine/Diagnose/describe-template-and-stop", test_describe_template_and_stop);
  g_test_add_func ("/Engine/Diagnose/describe-cancelled", test_describe_cancelled);
  g_test_add_func ("/Engine/Diagnose/generation-defaults", test_generation_defaults);
  g_test_add_func ("/Engine/Diagnose/captioner-refused", test_captioner_refused);
  return g_test_run ();
}
