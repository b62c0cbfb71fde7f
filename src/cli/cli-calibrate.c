/* cli-calibrate.c: `leafscope-cli calibrate`, fitting a vision model's scope
 * check and calibrated confidence (engine/include/calibrate.h does the work). */
#include "config.h"

#include "cli-common.h"

#include <stdio.h>
#include <unistd.h>

#include "calibrate.h"
#include "diagnose.h"

typedef struct {
  gboolean tty;
  gboolean quiet;
} Progress;

static gboolean
on_progress (const char *stage, int done, int total, gpointer user_data)
{
  Progress *p = user_data;

  if (!p->quiet)
    {
      fprintf (stderr, p->tty ? "\rcalibrate: %s %d/%d photos%s" : "calibrate: %s %d/%d photos%s",
               stage, done, total, p->tty && done < total ? "" : "\n");
      fflush (stderr);
    }
  return TRUE;
}

int
ls_cli_calibrate (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  g_autofree char *validation = NULL;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir,
      "ViT classifier folder (default: the shipped " LS_DEFAULT_VISION_MODEL ")", "DIR" },
    { "validation", 0, 0, G_OPTION_ARG_FILENAME, &validation,
      "Labelled validation folder for the temperature and the threshold "
      "(default: every fifth training photo, held out)", "FOLDER" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress on stderr", NULL },
    { NULL }
  };

  if (!ls_cli_parse ("calibrate", "TRAIN_FOLDER", entries, &argc, &argv))
    return 2;
  if (argc != 2)
    return ls_cli_fail (NULL, "calibrate: give one TRAIN_FOLDER (one subfolder per label)");
  if (model_dir == NULL)
    model_dir = ls_cli_default_model_dir (LS_DEFAULT_VISION_MODEL);
  if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
    return ls_cli_fail (model_dir, "no such model folder");

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  Progress progress = { isatty (fileno (stderr)), quiet };
  LsCalibrateReport report = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LsScope) scope = ls_calibrate_model (model_dir, argv[1], validation, on_progress,
                                                 &progress, &report, cancellable, &error);
  if (scope == NULL && ls_cli_error_is_interrupt (error))
    {
      if (progress.tty && !quiet)
        fprintf (stderr, "\n");
      return ls_cli_interrupted ();
    }
  if (scope == NULL)
    return ls_cli_fail_error (NULL, &error);
  if (g_cancellable_is_cancelled (cancellable))
    return ls_cli_interrupted ();

  g_autofree char *written = NULL;
  if (!ls_calibrate_save (scope, model_dir, &written, &error))
    return ls_cli_fail_error (NULL, &error);

  printf ("Model:        %s\n", model_dir);
  printf ("Photos:       %d train, %d validation (%d skipped: not decodable)\n",
          report.n_train, report.n_validation, report.n_skipped);
  printf ("Temperature:  %.4f\n", report.temperature);
  printf ("Threshold:    %.3f (Mahalanobis distance; keeps %.0f %% of validation photos)\n",
          report.threshold, 100.0 * LS_SCOPE_KEEP_QUANTILE);
  printf ("Validation:   accuracy %.4f, ECE %.4f raw, %.4f calibrated\n",
          report.accuracy, report.ece_raw, report.ece_calibrated);
  printf ("Written:      %s/%s and %s\n", written, LS_SCOPE_FILE_TENSORS, LS_SCOPE_FILE_JSON);
  return 0;
}
