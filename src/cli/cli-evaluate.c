/* cli-evaluate.c: `leafscope-cli evaluate`, a classifier measured on a
 * labelled folder: the engine scans the folder (dataset.h), judges each
 * photo (scope.h) and counts (metrics.h); this file prints. */
#include "config.h"

#include "cli-common.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-json.h"
#include "cli-vision.h"
#include "dataset.h"
#include "diagnose.h"
#include "labels.h"
#include "metrics.h"
#include "scope.h"

/* Ends the progress line that `evaluate` redraws on a terminal. */
static void
finish_progress (gboolean tty)
{
  if (tty)
    fprintf (stderr, "\n");
}

/* What the report prints. */
typedef struct {
  const char      *model_dir;
  const char      *dataset;
  char           **labels;
  int              M;
  const LsDataset *samples;
  const int       *predicted;
  const float     *scores;
  const LsDiagnosisStatus *status;
  const LsMetrics *metrics;
  double           seconds;
  gboolean         scope_checked;
  const char      *scope_note;
} Report;

static JsonArray *
confusion_rows (const Report *r, gboolean diagnosed)
{
  JsonArray *rows = json_array_new ();
  for (int t = 0; t < r->M; t++)
    {
      JsonArray *row = json_array_new ();
      for (int c = 0; c < (diagnosed ? r->M + 1 : r->M); c++)
        json_array_add_int_element (row, diagnosed
                                         ? ls_metrics_get_confusion_diagnosed (r->metrics, t, c)
                                         : ls_metrics_get_confusion (r->metrics, t, c));
      json_array_add_array_element (rows, row);
    }
  return rows;
}

static void
print_json (const Report *r)
{
  const LsMetrics *m = r->metrics;
  int n = ls_metrics_get_n (m);
  g_autoptr(JsonObject) root = json_object_new ();
  json_object_set_string_member (root, "model", r->model_dir);
  json_object_set_string_member (root, "dataset", r->dataset);
  json_object_set_double_member (root, "accuracy", ls_metrics_get_accuracy (m));
  json_object_set_int_member (root, "n", n);
  json_object_set_double_member (root, "seconds", r->seconds);
  JsonObject *scope = json_object_new ();
  json_object_set_boolean_member (scope, "checked", r->scope_checked);
  json_object_set_string_member (scope, "note", r->scope_note);
  json_object_set_object_member (root, "scope", scope);
  json_object_set_double_member (root, "coverage", ls_metrics_get_coverage (m));
  json_object_set_int_member (root, "n_diagnosed", ls_metrics_get_n_diagnosed (m));
  json_object_set_double_member (root, "accuracy_diagnosed", ls_metrics_get_accuracy_diagnosed (m));
  JsonObject *statuses = json_object_new ();
  for (int k = 0; k <= LS_DIAGNOSIS_UNUSABLE; k++)
    json_object_set_int_member (statuses, ls_diagnosis_status_name (k), ls_metrics_get_n_status (m, k));
  json_object_set_object_member (root, "statuses", statuses);
  json_object_set_array_member (root, "confusion_diagnosed", confusion_rows (r, TRUE));
  json_object_set_array_member (root, "labels", ls_cli_json_strings (r->labels));
  json_object_set_array_member (root, "confusion", confusion_rows (r, FALSE));
  JsonArray *per_class = json_array_new ();
  for (int c = 0; c < r->M; c++)
    {
      LsClassMetrics k;
      ls_metrics_get_class (m, c, &k);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "label", r->labels[c]);
      json_object_set_double_member (o, "precision", k.precision);
      json_object_set_double_member (o, "recall", k.recall);
      json_object_set_double_member (o, "f1", k.f1);
      json_object_set_int_member (o, "support", k.support);
      json_array_add_object_element (per_class, o);
    }
  json_object_set_array_member (root, "per_class", per_class);
  JsonArray *errors = json_array_new ();
  for (int i = 0; i < n; i++)
    {
      const LsDatasetPhoto *s = &r->samples->photos[i];
      if (r->predicted[i] == s->label)
        continue;
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "file", s->path);
      json_object_set_string_member (o, "label", r->labels[s->label]);
      json_object_set_string_member (o, "predicted", r->labels[r->predicted[i]]);
      json_object_set_double_member (o, "score", r->scores[i]);
      json_object_set_string_member (o, "status", ls_diagnosis_status_name (r->status[i]));
      json_array_add_object_element (errors, o);
    }
  json_object_set_array_member (root, "errors", errors);
  ls_cli_print_object (root, TRUE);
}

static void
print_text (const Report *r)
{
  const LsMetrics *m = r->metrics;
  int n = ls_metrics_get_n (m), M = r->M, correct = ls_metrics_get_n_correct (m);
  int n_diagnosed = ls_metrics_get_n_diagnosed (m);
  char **labels = r->labels;

  printf ("Model:    %s\nDataset:  %s\n", r->model_dir, r->dataset);
  printf ("Accuracy: %.4f (%d of %d) in %.1f s\n\n", ls_metrics_get_accuracy (m), correct, n,
          r->seconds);
  printf ("%-24s %9s %9s %9s %8s\n", "label", "precision", "recall", "f1", "support");
  for (int c = 0; c < M; c++)
    {
      LsClassMetrics k;
      ls_metrics_get_class (m, c, &k);
      printf ("%-24s %9.4f %9.4f %9.4f %8d\n", labels[c], k.precision, k.recall, k.f1, k.support);
    }
  printf ("\nConfusion (rows: true label, columns: predicted)\n%-24s", "");
  for (int c = 0; c < M; c++)
    printf (" %6d", c);
  printf ("\n");
  for (int t = 0; t < M; t++)
    {
      printf ("%2d %-21s", t, labels[t]);
      for (int c = 0; c < M; c++)
        printf (" %6d", ls_metrics_get_confusion (m, t, c));
      printf ("\n");
    }
  printf ("\nScope check: %s (%s)\n", r->scope_checked ? "on" : "off", r->scope_note);
  printf ("Coverage: %.4f (%d of %d diagnosed; flagged: %d uncertain, %d not_a_leaf, %d unusable)\n",
          ls_metrics_get_coverage (m), n_diagnosed, n,
          ls_metrics_get_n_status (m, LS_DIAGNOSIS_UNCERTAIN),
          ls_metrics_get_n_status (m, LS_DIAGNOSIS_NOT_A_LEAF),
          ls_metrics_get_n_status (m, LS_DIAGNOSIS_UNUSABLE));
  printf ("Accuracy among diagnosed: %.4f (%d of %d)\n", ls_metrics_get_accuracy_diagnosed (m),
          ls_metrics_get_n_correct_diagnosed (m), n_diagnosed);
  printf ("\nDiagnosed (rows: true label, columns: predicted among diagnosed, then flagged)\n%-24s", "");
  for (int c = 0; c < M; c++)
    printf (" %6d", c);
  printf (" %7s\n", "flagged");
  for (int t = 0; t < M; t++)
    {
      printf ("%2d %-21s", t, labels[t]);
      for (int c = 0; c <= M; c++)
        printf (c < M ? " %6d" : " %7d", ls_metrics_get_confusion_diagnosed (m, t, c));
      printf ("\n");
    }
  if (correct < n)
    {
      printf ("\nMisclassified:\n");
      for (int i = 0; i < n; i++)
        {
          const LsDatasetPhoto *s = &r->samples->photos[i];
          if (r->predicted[i] != s->label)
            printf ("  %s: %s, predicted %s (%.1f %%), %s\n", s->path, labels[s->label],
                    labels[r->predicted[i]], 100.0 * r->scores[i],
                    ls_diagnosis_status_name (r->status[i]));
        }
    }
}

int
ls_cli_evaluate (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model folder (default: the bundled " LS_DEFAULT_VISION_MODEL ")", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse ("evaluate", "DATASET_DIR", entries, &argc, &argv))
    return 2;
  if (argc != 2)
    return ls_cli_fail (NULL, "evaluate: give one DATASET_DIR (one subfolder per label)");
  const char *dataset = argv[1];
  if (model_dir == NULL)
    model_dir = ls_cli_default_model_dir (LS_DEFAULT_VISION_MODEL);

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_cli_load_vit (model_dir, &error);
  if (vit == NULL)
    return ls_cli_fail_named (model_dir, &error);
  const LsVitConfig *config = ls_vit_get_config (vit);
  int M = config->num_labels, S = config->image_size;
  if (M == 0)
    return ls_cli_fail (model_dir, "not an image classifier (no labels)");

  g_autoptr(LsDataset) samples = ls_dataset_scan (dataset, (const char *const *) config->labels,
                                                  NULL, &error);
  if (samples == NULL)
    return ls_cli_fail_named (dataset, &error);

  /* The scope check of this model, when it has one (engine/include/scope.h). */
  gboolean stale = FALSE;
  g_autoptr(GError) scope_error = NULL;
  g_autoptr(LsScope) scope = ls_scope_find (model_dir, M, config->hidden_size, &stale, &scope_error);
  const char *scope_note = scope != NULL ? ls_scope_get_dir (scope)
                           : scope_error != NULL ? scope_error->message
                           : stale ? "fitted on other weights: run leafscope-cli calibrate again"
                           : "no scope file: run leafscope-cli calibrate";

  int n = samples->n_photos;
  gsize per = (gsize) 3 * S * S;
  g_autofree int *predicted = g_new (int, n);
  g_autofree float *scores = g_new (float, n);
  g_autofree LsDiagnosisStatus *status = g_new (LsDiagnosisStatus, n);
  g_autofree LsFindings *photo = g_new0 (LsFindings, LS_CLI_BATCH);
  g_autofree int *sizes = g_new (int, 3 * LS_CLI_BATCH); /* width, height, incomplete */
  g_autofree float *calibrated = g_new (float, M);
  g_autofree float *batch = g_new (float, LS_CLI_BATCH * per);
  gboolean tty = isatty (fileno (stderr));
  gint64 t0 = g_get_monotonic_time ();

  for (int start = 0; start < n; start += LS_CLI_BATCH)
    {
      int b = MIN (LS_CLI_BATCH, n - start);
      if (g_cancellable_is_cancelled (cancellable))
        {
          finish_progress (tty);
          return ls_cli_interrupted ();
        }
      for (int i = 0; i < b; i++)
        {
          LsCliInput in = { 0 };
          const char *path = samples->photos[start + i].path;
          if (!ls_cli_input_from_image (&in, vit, path, TRUE, &error))
            return ls_cli_fail_named (path, &error);
          memcpy (batch + i * per, in.pixels, per * sizeof (float));
          g_autoptr(LsPhotoAnalysis) analysis = ls_photo_analysis_new (in.photo->rgb, in.photo->width,
                                                                       in.photo->height, in.photo->width * 3);
          ls_findings_set_photo (&photo[i], analysis);
          sizes[3 * i] = in.photo->width;
          sizes[3 * i + 1] = in.photo->height;
          sizes[3 * i + 2] = in.photo->incomplete;
          ls_cli_input_clear (&in);
        }
      g_autoptr(LsVitOutput) out = ls_vit_forward (vit, batch, b, LS_VIT_OUTPUT_DEFAULT,
                                                   cancellable, &error);
      if (out == NULL && ls_cli_error_is_interrupt (error))
        {
          finish_progress (tty);
          return ls_cli_interrupted ();
        }
      if (out == NULL)
        return ls_cli_fail_named (model_dir, &error);
      for (int i = 0; i < b; i++)
        {
          predicted[start + i] = ls_labels_argmax (out->probs + (gsize) i * M, M);
          scores[start + i] = out->probs[(gsize) i * M + predicted[start + i]];
          LsScopeVerdict verdict = { .probs = calibrated };
          ls_scope_judge (scope, out->logits + (gsize) i * M, out->probs + (gsize) i * M, M,
                          out->last_hidden + (gsize) i * out->tokens * out->hidden_size,
                          out->tokens, out->hidden_size, &photo[i], sizes[3 * i], sizes[3 * i + 1],
                          sizes[3 * i + 2], S, LS_SCOPE_DEFAULT_THRESHOLD, &verdict);
          status[start + i] = verdict.status;
        }
      fprintf (stderr, tty ? "\revaluate: %d/%d images" : "evaluate: %d/%d images\n",
               start + b, n);
      fflush (stderr);
    }
  double seconds = (g_get_monotonic_time () - t0) / 1e6;
  finish_progress (tty);

  g_autoptr(LsMetrics) metrics = ls_metrics_new (M);
  for (int i = 0; i < n; i++)
    ls_metrics_add (metrics, samples->photos[i].label, predicted[i], status[i]);

  Report report = {
    .model_dir = model_dir, .dataset = dataset, .labels = config->labels, .M = M,
    .samples = samples, .predicted = predicted, .scores = scores, .status = status,
    .metrics = metrics, .seconds = seconds, .scope_checked = scope != NULL,
    .scope_note = scope_note,
  };
  if (json)
    print_json (&report);
  else
    print_text (&report);
  return 0;
}
