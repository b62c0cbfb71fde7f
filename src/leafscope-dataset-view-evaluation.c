/* leafscope-dataset-view-evaluation.c: the Dataset view's evaluation: runs
 * the vision model over a split (on the worker's evaluation lane), shows the
 * accuracy and the confusion matrix, and filters the grid by a cell.  The
 * results belong to the split and the model they were measured with. */
#include "config.h"

#include "leafscope-dataset-view-private.h"
#include "leafscope-facts.h"

#include <glib/gi18n-lib.h>
#include <string.h>

void
leafscope_dataset_view_close_evaluation (LeafscopeDatasetView *self)
{
  leafscope_dataset_view_cancel_evaluation (self);
  gtk_revealer_set_reveal_child (self->eval_revealer, FALSE);
  g_clear_object (&self->evaluation);
  g_clear_pointer (&self->eval_split, g_free);
  leafscope_confusion_view_set_evaluation (self->confusion_view, NULL);
  leafscope_dataset_view_clear_cell_filter (self);
}

/* ---- evaluation ---- */

static void
update_progress (LeafscopeDatasetView *self)
{
  guint done = leafscope_evaluation_get_n_done (self->evaluation);
  guint total = leafscope_evaluation_get_n_items (self->evaluation);
  /* TRANSLATORS: evaluation progress, photos done of all */
  g_autofree char *text = g_strdup_printf (_("%u of %u photos"), done, total);

  gtk_progress_bar_set_fraction (self->eval_progress, total ? (double) done / total : 0.0);
  gtk_label_set_text (self->eval_progress_label, text);
}

static void
show_accuracy (LeafscopeDatasetView *self)
{
  LeafscopeEvaluation *ev = self->evaluation;
  guint done = leafscope_evaluation_get_n_done (ev);
  guint failed = leafscope_evaluation_get_n_failed (ev);
  guint flagged = leafscope_evaluation_get_n_flagged (ev);
  guint classified = done - failed;
  guint diagnosed = classified - flagged;
  double acc = leafscope_evaluation_get_accuracy (ev);
  guint correct = (guint) (acc * diagnosed + 0.5);
  /* TRANSLATORS: %.1f is the accuracy among the diagnosed photos, in percent */
  g_autofree char *title = g_strdup_printf (_("Accuracy %.1f %%"), 100.0 * acc);
  /* TRANSLATORS: coverage: the share of photos the model diagnosed (the
   * others were flagged uncertain, not a leaf or unusable) */
  g_autofree char *coverage = g_strdup_printf (_("Coverage %.1f %%: %u of %u photos diagnosed, %u flagged."),
                                               100.0 * leafscope_evaluation_get_coverage (ev),
                                               diagnosed, classified, flagged);
  g_autofree char *detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u diagnosed photo correct.",
                                                       "%u of %u diagnosed photos correct.", diagnosed),
                                             correct, diagnosed);
  g_autoptr(GString) text = g_string_new (coverage);

  g_string_append_printf (text, " %s", detail);
  if (failed)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, " %u photo could not be read.",
                                               " %u photos could not be read.", failed), failed);
  gtk_label_set_text (self->accuracy_label, title);
  gtk_label_set_text (self->eval_detail, text->str);
}

static void
on_eval_item (guint index, const char *label, LsDiagnosisStatus status, const GError *error, gpointer owner)
{
  LeafscopeDatasetView *self = owner;

  leafscope_evaluation_record_status (self->evaluation, index, error ? NULL : label, status);
  update_progress (self);
  leafscope_confusion_view_update (self->confusion_view);
  show_accuracy (self);
}

static void
on_eval_finished (const GError *error, gpointer owner)
{
  LeafscopeDatasetView *self = owner;

  self->evaluating = FALSE;
  gtk_widget_set_visible (self->eval_cancel, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->eval_progress), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->eval_progress_label), FALSE);
  if (error)
    {
      gtk_label_set_text (self->accuracy_label, "");
      gtk_label_set_text (self->eval_detail, error->message);
      g_signal_emit_by_name (self, "error", error->message);
    }
  else
    show_accuracy (self);
  leafscope_dataset_view_notify_can_evaluate (self);
}

static void
on_eval_cancelled (gpointer owner)
{
  LeafscopeDatasetView *self = owner;
  /* Stopped here (a diagnosis no longer cancels it: it has its own lane). */
  if (!self->evaluating)
    return;
  self->evaluating = FALSE;
  gtk_widget_set_visible (self->eval_cancel, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->eval_progress), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->eval_progress_label), FALSE);
  show_accuracy (self);
  {
    /* TRANSLATORS: the evaluation was cancelled; photos done of all */
    g_autofree char *text = g_strdup_printf (_("Cancelled after %u of %u photos."),
                                             leafscope_evaluation_get_n_done (self->evaluation),
                                             leafscope_evaluation_get_n_items (self->evaluation));
    gtk_label_set_text (self->eval_detail, text);
  }
  leafscope_dataset_view_notify_can_evaluate (self);
}

static const LeafscopeJobCallbacks eval_callbacks = {
  .item = on_eval_item,
  .finished = on_eval_finished,
  .cancelled = on_eval_cancelled,
};

void
leafscope_dataset_view_evaluate (LeafscopeDatasetView *self)
{
  const char *split = leafscope_dataset_view_current_split (self);
  g_autoptr(GListStore) items = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  guint n;

  if (self->model == NULL || self->worker == NULL || self->evaluating)
    return;
  items = g_list_store_new (LEAFSCOPE_TYPE_DATASET_ITEM);
  paths = g_ptr_array_new ();
  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LeafscopeDatasetItem) item = g_list_model_get_item (G_LIST_MODEL (self->model), i);
      if (split == NULL || strcmp (split, leafscope_dataset_item_get_split (item)) == 0)
        {
          g_list_store_append (items, item);
          g_ptr_array_add (paths, (gpointer) leafscope_dataset_item_get_path (item));
        }
    }
  g_ptr_array_add (paths, NULL);

  leafscope_dataset_view_clear_cell_filter (self);
  leafscope_dataset_view_refilter (self);
  g_clear_object (&self->evaluation);
  g_free (self->eval_split);
  self->eval_split = g_strdup (split);
  {
    g_autofree char *name = split ? leafscope_split_display_name (split) : NULL;
    /* TRANSLATORS: %s is a split of the dataset, such as "Validation" */
    g_autofree char *title = name ? g_strdup_printf (_("Evaluation of %s"), name) : g_strdup (_("Evaluation"));
    gtk_label_set_text (self->eval_title, title);
  }
  self->evaluation = leafscope_evaluation_new (leafscope_dataset_model_get_classes (self->model),
                                               G_LIST_MODEL (items));
  leafscope_confusion_view_set_evaluation (self->confusion_view, self->evaluation);
  self->evaluating = TRUE;
  gtk_widget_set_visible (self->eval_cancel, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->eval_progress), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->eval_progress_label), TRUE);
  gtk_label_set_text (self->accuracy_label, "");
  gtk_label_set_text (self->eval_detail, "");
  update_progress (self);
  gtk_revealer_set_reveal_child (self->eval_revealer, TRUE);
  leafscope_worker_evaluate (self->worker, (const char * const *) paths->pdata,
                             leafscope_settings_get_threshold (self->settings),
                             &eval_callbacks, self);
  leafscope_dataset_view_notify_can_evaluate (self);
}

void
leafscope_dataset_view_cancel_evaluation (LeafscopeDatasetView *self)
{
  if (self->evaluating)
    leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_EVALUATE);
}

void
leafscope_dataset_view_show_cell (LeafscopeDatasetView *self, guint row, guint column)
{
  g_autofree char *true_name = NULL;
  g_autofree char *pred_name = NULL;
  g_autofree char *text = NULL;

  if (self->evaluation == NULL || row >= leafscope_evaluation_get_n_rows (self->evaluation)
      || column >= leafscope_evaluation_get_n_columns (self->evaluation))
    return;
  true_name = leafscope_class_display_name (leafscope_evaluation_get_row_label (self->evaluation, row));
  if (leafscope_evaluation_is_flagged_column (self->evaluation, column))
    /* TRANSLATORS: %s is a class name */
    text = g_strdup_printf (_("Photos of %s that the model did not diagnose"), true_name);
  else
    {
      pred_name = leafscope_class_display_name (leafscope_evaluation_get_column_label (self->evaluation, column));
      /* TRANSLATORS: %s are class names */
      text = g_strdup_printf (_("Photos of %s that the model took for %s"), true_name, pred_name);
    }
  if (g_strcmp0 (self->eval_split, leafscope_dataset_view_current_split (self)) != 0)
    {
      self->updating_dropdowns = TRUE;
      leafscope_dataset_view_set_split (self, self->eval_split);
      self->updating_dropdowns = FALSE;
      leafscope_dataset_view_update_class_dropdown (self);
    }
  gtk_label_set_text (self->filter_label, text);
  self->cell_filter = TRUE;
  self->cell_row = row;
  self->cell_column = column;
  leafscope_confusion_view_set_selected (self->confusion_view, row, column);
  self->updating_dropdowns = TRUE;
  gtk_drop_down_set_selected (self->class_dropdown, 0);
  self->updating_dropdowns = FALSE;
  gtk_revealer_set_reveal_child (self->filter_revealer, TRUE);
  leafscope_dataset_view_refilter (self);
}

void
leafscope_dataset_view_on_cell_activated (LeafscopeDatasetView *self, guint row, guint column)
{
  leafscope_dataset_view_show_cell (self, row, column);
}

void
leafscope_dataset_view_on_show_all_clicked (LeafscopeDatasetView *self)
{
  leafscope_dataset_view_clear_cell_filter (self);
  leafscope_dataset_view_refilter (self);
}

void
leafscope_dataset_view_on_close_evaluation_clicked (LeafscopeDatasetView *self)
{
  leafscope_dataset_view_cancel_evaluation (self);
  gtk_revealer_set_reveal_child (self->eval_revealer, FALSE);
}

void
leafscope_dataset_view_on_cancel_evaluation_clicked (LeafscopeDatasetView *self)
{
  leafscope_dataset_view_cancel_evaluation (self);
}

