/* scope-cost: what the scope check (engine/include/scope.h) adds to a diagnosis.
 *
 *   build/bench/scope-cost MODEL_DIR PHOTO...
 *
 * Times ls_diagnoser_classify (decode not included: the photos are decoded
 * first) and ls_scope_judge (calibration, Mahalanobis distance, the status)
 * on the same photos, and prints both means and their ratio.  Run by
 * tools/scope/measure.py; results in tools/scope/README.md. */
#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"
#include "diagnose.h"
#include "vit.h"

int
main (int argc, char **argv)
{
  ls_cpu_ensure_blas_core (argc, argv);
  if (argc < 3)
    {
      fprintf (stderr, "usage: scope-cost MODEL_DIR PHOTO...\n");
      return 2;
    }
  g_autoptr(GError) error = NULL;
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (argv[1], NULL, &error);
  g_autoptr(LsVit) vit = diagnoser != NULL ? ls_vit_load (argv[1], &error) : NULL;
  if (vit == NULL)
    {
      fprintf (stderr, "scope-cost: %s\n", error->message);
      return 2;
    }
  const LsScope *scope = ls_diagnoser_get_scope (diagnoser, NULL);
  if (scope == NULL)
    {
      fprintf (stderr, "scope-cost: %s has no scope file\n", argv[1]);
      return 2;
    }
  const LsVitConfig *config = ls_vit_get_config (vit);
  int n = 0, C = config->num_labels;
  double diagnose_s = 0, judge_s = 0;
  const int repeats = 1000;
  g_autofree float *probs = g_new (float, C);

  for (int i = 2; i < argc; i++)
    {
      g_autoptr(LsImage) image = ls_image_load (argv[i], &error);
      if (image == NULL)
        {
          fprintf (stderr, "scope-cost: %s\n", error->message);
          g_clear_error (&error);
          continue;
        }
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, image, 0.6f, NULL, &error);
      gint64 t1 = g_get_monotonic_time ();
      int h, w;
      g_autofree float *pixels = ls_image_preprocess (image, ls_vit_get_preprocess_config (vit),
                                                      &h, &w, &error);
      g_autoptr(LsVitOutput) out = pixels != NULL
                                   ? ls_vit_forward (vit, pixels, 1, LS_VIT_OUTPUT_DEFAULT, NULL, &error)
                                   : NULL;
      if (d == NULL || out == NULL)
        {
          fprintf (stderr, "scope-cost: %s\n", error->message);
          return 2;
        }
      gint64 t2 = g_get_monotonic_time ();
      for (int r = 0; r < repeats; r++)
        {
          LsScopeVerdict verdict = { .probs = probs };
          ls_scope_judge (scope, out->logits, out->probs, C, out->last_hidden, out->tokens,
                          out->hidden_size, &d->findings, image->width, image->height,
                          image->incomplete, config->image_size, 0.6f, &verdict);
        }
      gint64 t3 = g_get_monotonic_time ();
      diagnose_s += (t1 - t0) / 1e6;
      judge_s += (t3 - t2) / 1e6 / repeats;
      n++;
    }
  if (n == 0)
    return 2;
  printf ("photos %d\ndiagnosis_ms %.3f\nscope_check_ms %.4f\nshare_percent %.4f\n", n,
          1e3 * diagnose_s / n, 1e3 * judge_s / n, 100.0 * judge_s / diagnose_s);
  return 0;
}
