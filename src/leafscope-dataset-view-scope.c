/* leafscope-dataset-view-scope.c: the Dataset view's scope bar.  When the
 * chosen vision model has no scope check (a user's own HF ViT folder without
 * leafscope-scope.*: issue 12), a bar above the grid says so and offers to
 * calibrate the model from the open dataset: ls_calibrate_model on the
 * worker's evaluation lane (cancellable, with progress), ls_calibrate_save,
 * then the model is reloaded with its new scope. */
#include "config.h"

#include "leafscope-dataset-view-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static gboolean
has_split (LeafscopeDatasetView *self, const char *name)
{
  const char * const *splits = leafscope_dataset_model_get_splits (self->model);
  for (guint i = 0; splits[i]; i++)
    if (g_ascii_strcasecmp (splits[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* The folders to calibrate from: train (and validation) in the
 * SPLIT/CLASS layout, else the dataset folder itself with every fifth photo
 * held out by the engine. */
static void
calibration_folders (LeafscopeDatasetView *self, char **train, char **validation)
{
  const char *folder = leafscope_dataset_model_get_folder (self->model);
  const char * const *splits = leafscope_dataset_model_get_splits (self->model);

  *train = *validation = NULL;
  if (splits[0] == NULL || *splits[0] == '\0')
    {
      *train = g_strdup (folder);
      return;
    }
  *train = g_build_filename (folder, has_split (self, "train") ? "train" : splits[0], NULL);
  if (has_split (self, "validation"))
    *validation = g_build_filename (folder, "validation", NULL);
  else if (has_split (self, "val"))
    *validation = g_build_filename (folder, "val", NULL);
}

void
leafscope_dataset_view_update_scope (LeafscopeDatasetView *self)
{
  LeafscopeScopeState state = self->worker ? leafscope_worker_get_scope_state (self->worker)
                                           : LEAFSCOPE_SCOPE_UNKNOWN;
  gboolean off = self->model != NULL && state == LEAFSCOPE_SCOPE_OFF;

  if (self->calibrating)
    return;
  gtk_widget_set_visible (self->calibrate_button, off);
  gtk_widget_set_visible (self->calibrate_cancel, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->calibrate_progress), FALSE);
  if (off)
    {
      self->calibrated = FALSE;
      gtk_label_set_text (self->scope_label,
                          _("The scope check is off for this vision model: it cannot tell a bean leaf photo "
                            "from anything else, and its percentages are not calibrated. Calibrate it from "
                            "this dataset’s labelled photos (class folders named as the model’s classes)."));
    }
  gtk_revealer_set_reveal_child (self->scope_revealer, off || (self->calibrated && self->model != NULL));
}

static gboolean
probe_idle (gpointer data)
{
  LeafscopeDatasetView *self = data;
  self->probe_id = 0;
  if (self->worker)
    leafscope_worker_probe (self->worker);
  return G_SOURCE_REMOVE;
}

static void
on_scope_state (LeafscopeDatasetView *self)
{
  leafscope_dataset_view_update_scope (self);
}

static void
on_vision_model_changed (LeafscopeDatasetView *self)
{
  /* After every handler of the change ran (the window hands the worker the
   * new folder): the worker loads it and tells its scope state. */
  self->calibrated = FALSE;
  if (self->probe_id == 0)
    self->probe_id = g_idle_add (probe_idle, self);
}

void
leafscope_dataset_view_init_scope (LeafscopeDatasetView *self)
{
  if (self->worker == NULL)
    return;
  g_signal_connect_object (self->worker, "notify::scope-state", G_CALLBACK (on_scope_state), self,
                           G_CONNECT_SWAPPED);
  if (self->settings)
    g_signal_connect_object (self->settings, "changed::vision-model", G_CALLBACK (on_vision_model_changed),
                             self, G_CONNECT_SWAPPED);
  on_vision_model_changed (self);
}

/* ---- calibration ---- */

static void
calibration_ended (LeafscopeDatasetView *self)
{
  self->calibrating = FALSE;
  leafscope_dataset_view_notify_can_evaluate (self);
  leafscope_dataset_view_update_scope (self);
}

static void
on_calibrate_progress (const char *stage, guint done, guint total, gpointer owner)
{
  LeafscopeDatasetView *self = owner;
  g_autofree char *text = NULL;

  if (g_strcmp0 (stage, "validation") == 0)
    /* TRANSLATORS: calibration progress: photos done of all */
    text = g_strdup_printf (_("Calibrating: validation photos, %u of %u"), done, total);
  else
    /* TRANSLATORS: calibration progress: photos done of all */
    text = g_strdup_printf (_("Calibrating: training photos, %u of %u"), done, total);
  gtk_label_set_text (self->scope_label, text);
  gtk_progress_bar_set_fraction (self->calibrate_progress, total ? (double) done / total : 0.0);
}

static void
on_calibrated (const LsCalibrateReport *report, const char *written_dir, gpointer owner)
{
  LeafscopeDatasetView *self = owner;
  g_autofree char *where = g_filename_display_name (written_dir);
  /* TRANSLATORS: after calibration: photos used, calibration error before
   * and after (ECE, in percent), the folder written */
  g_autofree char *text = g_strdup_printf (_("Scope check on: fitted on %d photos and checked on %d; "
                                             "calibration error %.1f %% before, %.1f %% after. Saved in %s."),
                                           report->n_train, report->n_validation,
                                           100.0 * report->ece_raw, 100.0 * report->ece_calibrated, where);
  self->calibrated = TRUE;
  gtk_label_set_text (self->scope_label, text);
}

static void
on_calibrate_finished (const GError *error, gpointer owner)
{
  LeafscopeDatasetView *self = owner;
  g_autofree char *message = NULL;

  calibration_ended (self);
  if (error == NULL)
    return;
  message = g_strdup_printf (_("The vision model could not be calibrated: %s"), error->message);
  gtk_label_set_text (self->scope_label, message);
  g_signal_emit_by_name (self, "error", message);
}

static void
on_calibrate_cancelled (gpointer owner)
{
  LeafscopeDatasetView *self = owner;
  if (self->calibrating)
    calibration_ended (self);
}

static const LeafscopeJobCallbacks calibrate_callbacks = {
  .progress = on_calibrate_progress,
  .calibrated = on_calibrated,
  .finished = on_calibrate_finished,
  .cancelled = on_calibrate_cancelled,
};

void
leafscope_dataset_view_on_calibrate_clicked (LeafscopeDatasetView *self)
{
  g_autofree char *train = NULL;
  g_autofree char *validation = NULL;

  if (self->model == NULL || self->worker == NULL || self->calibrating)
    return;
  /* The evaluation shares the worker's lane: a calibration replaces it. */
  leafscope_dataset_view_cancel_evaluation (self);
  calibration_folders (self, &train, &validation);
  self->calibrating = TRUE;
  gtk_widget_set_visible (self->calibrate_button, FALSE);
  gtk_widget_set_visible (self->calibrate_cancel, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->calibrate_progress), TRUE);
  gtk_progress_bar_set_fraction (self->calibrate_progress, 0.0);
  gtk_label_set_text (self->scope_label, _("Calibrating…"));
  leafscope_worker_calibrate (self->worker, train, validation, &calibrate_callbacks, self);
  leafscope_dataset_view_notify_can_evaluate (self);
}

void
leafscope_dataset_view_on_calibrate_cancel_clicked (LeafscopeDatasetView *self)
{
  if (self->calibrating && self->worker)
    leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_EVALUATE);
}
