/* The diagnose pipeline: classify against the engine's own steps run by
 * hand, describe against direct generation, cancellation. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "attention-map.h"
#include "diagnose.h"
#include "ls-error.h"
#include "prompt.h"
#include "vit.h"

static char *
fixture (const char *name)
{
  const char *root = g_getenv ("LEAFSCOPE_FIXTURES");
  g_assert_nonnull (root);
  return g_build_filename (root, name, NULL);
}

static void
test_classify_matches_forward (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = fixture ("vit-tiny");
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
  g_autofree char *dir = fixture ("vit-tiny");
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
  g_autofree char *dir = fixture ("vit-tiny");
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
  g_autofree char *gpt2 = fixture ("gpt2-tiny");
  g_autoptr(LsDiagnoser) none = ls_diagnoser_new (gpt2, NULL, &error);
  g_assert_null (none);
  g_assert_nonnull (error);

  g_clear_error (&error);
  g_autoptr(LsDiagnoser) missing = ls_diagnoser_new ("/nonexistent/leafscope-model", NULL, &error);
  g_assert_null (missing);
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Diagnose/classify-matches-forward", test_classify_matches_forward);
  g_test_add_func ("/Engine/Diagnose/classify-cancelled", test_classify_cancelled);
  g_test_add_func ("/Engine/Diagnose/no-text-model", test_no_text_model);
  g_test_add_func ("/Engine/Diagnose/bad-models", test_bad_models);
  return g_test_run ();
}
