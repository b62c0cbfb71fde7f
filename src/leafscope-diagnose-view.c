/* leafscope-diagnose-view.c: see the header.  This file holds the view's
 * state: loading photos, the worker's callbacks, the adaptive
 * layout.  The overlay is in -overlay.c, its actions and the report in
 * -actions.c, drop and paste in
 * -dnd.c; the strip and the verdict are widgets of their own. */
#include "config.h"

#include "leafscope-diagnose-view-private.h"
#include "leafscope-adaptive.h"
#include "leafscope-facts.h"
#include "leafscope-report.h"
#include "leafscope-dataset-model.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* Below this width the photo goes above the verdict, in one column. */
#define NARROW_WIDTH 720

enum { PROP_0, PROP_CAN_STOP, PROP_CAN_REGENERATE, PROP_CAN_SAVE, PROP_BUSY, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_ERROR, SIGNAL_REPORT_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LeafscopeDiagnoseView, leafscope_diagnose_view, GTK_TYPE_WIDGET)

static void
notify_state (LeafscopeDiagnoseView *self)
{
  leafscope_diagnose_view_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_STOP]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_REGENERATE]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_SAVE]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

void
leafscope_diagnose_view_show_error (LeafscopeDiagnoseView *self, const char *message)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
}

static const LsDiagnosis *
diagnosis (LeafscopeDiagnoseView *self)
{
  return self->result ? leafscope_result_get_diagnosis (self->result) : NULL;
}

/* ---- the result ---- */

gboolean
leafscope_diagnose_view_not_judged (LeafscopeDiagnoseView *self)
{
  const LsDiagnosis *d = diagnosis (self);
  return d != NULL && (d->status == LS_DIAGNOSIS_NOT_A_LEAF || d->status == LS_DIAGNOSIS_UNUSABLE);
}

void
leafscope_diagnose_view_clear_result (LeafscopeDiagnoseView *self)
{
  g_clear_object (&self->result);
  g_clear_pointer (&self->evidence, ls_evidence_map_free);
  self->evidence_done = FALSE;
  leafscope_prediction_list_clear (self->prediction);
  leafscope_photo_view_set_heatmap (self->photo_view, NULL);
  leafscope_description_pane_set_class (self->description, NULL, FALSE);
  leafscope_description_pane_set_written (self->description, TRUE);
  leafscope_description_pane_clear (self->description);
}

static void
on_classified (LeafscopeResult *result, gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;
  const LsDiagnosis *d = leafscope_result_get_diagnosis (result);

  g_set_object (&self->result, result);
  self->classifying = FALSE;
  /* A photo the model does not judge gets no evidence map. */
  self->evidence_done = leafscope_diagnose_view_not_judged (self);
  leafscope_prediction_list_show_diagnosis (self->prediction, d);
  leafscope_description_pane_set_class (self->description, d->labels[d->top_index], d->uncertain);
  leafscope_description_pane_set_written (self->description, !leafscope_diagnose_view_not_judged (self));
  leafscope_diagnose_view_update_overlay (self);
  notify_state (self);
}

static void
on_evidence (const LsEvidenceMap *map, const LsFindings *findings, gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;

  if (map == NULL)
    self->evidence_done = TRUE;
  /* The finer stage replaces the coarser one, unless no single cell of it
   * decides while a coarser block did: then the coarse map stays, the
   * finest one that shows what decides (and agrees with the findings, which
   * follow the coarse stage). */
  else if (self->evidence == NULL || map->max_points >= LS_EVIDENCE_MIN_POINTS
           || self->evidence->max_points < LS_EVIDENCE_MIN_POINTS)
    {
      g_clear_pointer (&self->evidence, ls_evidence_map_free);
      self->evidence = ls_evidence_map_copy (map);
      self->evidence_findings = *findings;
    }
  if (map != NULL && map->final)
    self->evidence_done = TRUE;
  leafscope_prediction_list_set_note (self->prediction, leafscope_diagnose_view_evidence_note (self));
  leafscope_diagnose_view_update_overlay (self);
}

static void
on_token (const char *piece, gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;
  leafscope_description_pane_append (self->description, piece);
}

static void
on_finished (const GError *error, gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;
  g_autofree char *message = NULL;

  if (error == NULL)
    message = NULL;
  else if (g_error_matches (error, LEAFSCOPE_WORKER_ERROR, LEAFSCOPE_WORKER_ERROR_NO_TEXT_MODEL))
    message = g_strdup (error->message);
  else if (self->result != NULL)
    message = g_strdup_printf (_("The description could not be written: %s"), error->message);
  else
    {
      /* No diagnosis at all (the vision model does not load): said in
       * place of the verdict, and as a message. */
      leafscope_prediction_list_show_status (self->prediction, "dialog-warning-symbolic",
                                             _("No Diagnosis"), error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->description), FALSE);
      leafscope_diagnose_view_show_error (self, error->message);
    }
  self->classifying = FALSE;
  if (self->generating)
    {
      self->generating = FALSE;
      leafscope_description_pane_finish (self->description, message);
    }
  notify_state (self);
}

static void
on_cancelled (gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;

  /* Stop, or a new photo took the diagnosis lane. */
  if (self->classifying)
    {
      self->classifying = FALSE;
      if (!self->loading)
        leafscope_prediction_list_clear (self->prediction);
    }
  if (self->generating)
    {
      self->generating = FALSE;
      leafscope_description_pane_finish (self->description, _("Stopped."));
    }
  notify_state (self);
}

static const LeafscopeJobCallbacks diagnose_callbacks = {
  .classified = on_classified,
  .evidence = on_evidence,
  .token = on_token,
  .finished = on_finished,
  .cancelled = on_cancelled,
};

/* The engine's defaults apply; only what the user changed in Preferences
 * goes with the job (leafscope-settings.h). */
static void
fill_params (LeafscopeDiagnoseView *self, LeafscopeDiagnoseParams *params, guint64 seed)
{
  params->describe = TRUE;
  params->language = leafscope_description_language ();
  params->seed = seed;
  params->threshold = leafscope_settings_get_threshold (self->settings);
  leafscope_generate_overrides_from_settings (&params->overrides, self->settings);
}

static void
submit (LeafscopeDiagnoseView *self)
{
  LeafscopeDiagnoseParams params = { 0 };

  if (self->worker == NULL || self->image == NULL)
    return;
  /* A new photo: the engine's default seed, as leafscope-cli diagnose
   * without --seed; Regenerate draws others. */
  fill_params (self, &params, LS_GENERATE_DEFAULT_SEED);
  /* Cancel first: the old job's cancelled callback resets this view. */
  leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_DIAGNOSE);
  leafscope_diagnose_view_clear_result (self);
  self->classifying = TRUE;
  self->generating = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->description), TRUE);
  leafscope_prediction_list_show_loading (self->prediction);
  leafscope_description_pane_start (self->description);
  /* From its file the worker decodes the photo as leafscope-cli diagnose
   * does; self->image is for display. */
  leafscope_worker_diagnose (self->worker, self->photo_path ? NULL : ls_image_copy (self->image), self->photo_path,
                             &params, &diagnose_callbacks, self);
  notify_state (self);
}

void
leafscope_diagnose_view_describe_again (LeafscopeDiagnoseView *self, guint64 seed)
{
  LeafscopeDiagnoseParams params = { 0 };

  if (self->worker == NULL || self->result == NULL)
    return;
  fill_params (self, &params, seed);
  leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_DIAGNOSE);
  self->generating = TRUE;
  leafscope_description_pane_start (self->description);
  /* The kept result: no second pass through the vision model. */
  leafscope_worker_describe (self->worker, self->result, &params, &diagnose_callbacks, self);
  notify_state (self);
}

/* ---- loading photos ---- */

typedef struct
{
  LsImage    *image;
  GdkTexture *texture;
} Decoded;

static void
decoded_free (gpointer data)
{
  Decoded *d = data;
  g_clear_pointer (&d->image, ls_image_free);
  g_clear_object (&d->texture);
  g_free (d);
}

static GdkTexture *
texture_for_image (const LsImage *image)
{
  g_autoptr(GBytes) bytes = g_bytes_new (image->rgb, (gsize) image->width * image->height * 3);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize) image->width * 3);
}

static void
decode_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  GError *error = NULL;
  LsImage *image = NULL;
  Decoded *d;

  if (path != NULL)
    image = ls_image_load (path, &error);
  else
    {
      /* Not a local file (e.g. dragged from a browser as a URI). */
      g_autoptr(GBytes) bytes = g_file_load_bytes (file, cancellable, NULL, &error);
      if (bytes)
        image = ls_image_new_from_bytes (bytes, &error);
    }
  if (image == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  d = g_new0 (Decoded, 1);
  d->image = image;
  d->texture = texture_for_image (image);
  g_task_return_pointer (task, d, decoded_free);
}

static void
set_photo_name (LeafscopeDiagnoseView *self, const char *name)
{
  g_free (self->photo_name);
  self->photo_name = g_strdup (name);
  gtk_label_set_text (self->file_label, name ? name : "");
}

static void
show_image (LeafscopeDiagnoseView *self, LsImage *image, GdkTexture *texture, const char *name,
            const char *path)
{
  g_clear_pointer (&self->image, ls_image_free);
  self->image = image;
  g_free (self->photo_path);
  self->photo_path = g_strdup (path);
  set_photo_name (self, name);
  leafscope_photo_view_set_photo (self->photo_view, texture);
  gtk_stack_set_visible_child_name (self->stack, "result");
  submit (self);
}

/* Before the new photo is decoded: nothing of the old one may stay. */
static void
start_loading (LeafscopeDiagnoseView *self, const char *name)
{
  leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_DIAGNOSE);
  leafscope_diagnose_view_clear_result (self);
  g_clear_pointer (&self->image, ls_image_free);
  g_clear_pointer (&self->photo_path, g_free);
  leafscope_photo_view_set_photo (self->photo_view, NULL);
  set_photo_name (self, name);
  self->loading = TRUE;
  leafscope_prediction_list_show_loading (self->prediction);
  gtk_stack_set_visible_child_name (self->stack, "result");
}

static void
on_decoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (source);
  guint serial = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  Decoded *d = g_task_propagate_pointer (G_TASK (result), &error);
  GFile *file = g_task_get_task_data (G_TASK (result));
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *path = NULL;

  if (serial != self->load_serial)
    {
      /* A newer photo was asked for meanwhile. */
      g_clear_pointer (&d, decoded_free);
      return;
    }
  self->loading = FALSE;
  if (d == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” could not be opened as a photo: %s"),
                                                  name, error->message);
      g_autofree char *brief = g_strdup_printf (_("“%s” could not be opened as a photo."), name);
      leafscope_photo_strip_set_failed (self->strip, leafscope_photo_strip_get_current (self->strip), message);
      /* In place of the diagnosis, in full; briefly as a toast. */
      leafscope_prediction_list_show_status (self->prediction, "image-missing-symbolic",
                                             _("This File Could Not Be Opened"), message);
      gtk_widget_set_visible (GTK_WIDGET (self->description), FALSE);
      leafscope_diagnose_view_show_error (self, brief);
      notify_state (self);
      return;
    }
  path = g_file_get_path (file);
  show_image (self, g_steal_pointer (&d->image), d->texture, name, path);
  decoded_free (d);
}

void
leafscope_diagnose_view_load (LeafscopeDiagnoseView *self, guint index)
{
  GFile *file = leafscope_photo_strip_get_file (self->strip, index);
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;

  if (file == NULL)
    return;
  name = g_file_get_basename (file);
  task = g_task_new (self, NULL, on_decoded, GUINT_TO_POINTER (++self->load_serial));
  leafscope_photo_strip_set_current (self->strip, index);
  start_loading (self, name);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, decode_thread);
  notify_state (self);
}

static void
on_strip_activated (LeafscopeDiagnoseView *self, guint index)
{
  if (index == leafscope_photo_strip_get_current (self->strip) && (self->image || self->loading))
    return;
  leafscope_diagnose_view_load (self, index);
}

void
leafscope_diagnose_view_open_files (LeafscopeDiagnoseView *self, GFile **files, guint n_files)
{
  guint first;

  g_return_if_fail (LEAFSCOPE_IS_DIAGNOSE_VIEW (self));
  if (n_files == 0)
    return;
  /* Appended to the strip; the first new one is shown. */
  first = leafscope_photo_strip_append (self->strip, files, n_files);
  leafscope_diagnose_view_load (self, first);
}

void
leafscope_diagnose_view_show_empty (LeafscopeDiagnoseView *self)
{
  self->load_serial++;
  self->loading = FALSE;
  leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_DIAGNOSE);
  leafscope_diagnose_view_clear_result (self);
  g_clear_pointer (&self->image, ls_image_free);
  g_clear_pointer (&self->photo_path, g_free);
  leafscope_photo_view_set_photo (self->photo_view, NULL);
  set_photo_name (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  notify_state (self);
}

void
leafscope_diagnose_view_show_pasted (LeafscopeDiagnoseView *self, LsImage *image, const char *name)
{
  g_autoptr(GdkTexture) shown = NULL;

  /* The strip keeps its photos; none of them is the one shown. */
  self->load_serial++;
  leafscope_photo_strip_set_current (self->strip, G_MAXUINT);
  start_loading (self, name);
  self->loading = FALSE;
  shown = texture_for_image (image);
  show_image (self, image, shown, name, NULL);
}

gboolean
leafscope_diagnose_view_step (LeafscopeDiagnoseView *self, int delta)
{
  guint current = leafscope_photo_strip_get_current (self->strip);
  guint n = leafscope_photo_strip_get_n_photos (self->strip);
  int next;

  if (n < 2 || current == G_MAXUINT)
    return FALSE;
  next = (int) current + delta;
  if (next < 0 || next >= (int) n)
    return FALSE;
  leafscope_diagnose_view_load (self, (guint) next);
  return TRUE;
}

/* ---- state ---- */

gboolean
leafscope_diagnose_view_get_busy (LeafscopeDiagnoseView *self)
{
  return self->loading || self->classifying || self->generating;
}

gboolean leafscope_diagnose_view_get_generating (LeafscopeDiagnoseView *self) { return self->generating; }
const LsDiagnosis *leafscope_diagnose_view_get_diagnosis (LeafscopeDiagnoseView *self) { return diagnosis (self); }
const LsEvidenceMap *leafscope_diagnose_view_get_evidence (LeafscopeDiagnoseView *self) { return self->evidence; }
gboolean leafscope_diagnose_view_get_evidence_done (LeafscopeDiagnoseView *self) { return self->evidence_done; }
LeafscopeResult *leafscope_diagnose_view_get_result (LeafscopeDiagnoseView *self) { return self->result; }
guint leafscope_diagnose_view_get_n_photos (LeafscopeDiagnoseView *self) { return leafscope_photo_strip_get_n_photos (self->strip); }
const char *leafscope_diagnose_view_get_photo_name (LeafscopeDiagnoseView *self) { return self->photo_name; }
GtkWidget *leafscope_diagnose_view_get_photo_view (LeafscopeDiagnoseView *self) { return GTK_WIDGET (self->photo_view); }
GtkWidget *leafscope_diagnose_view_get_prediction_list (LeafscopeDiagnoseView *self) { return GTK_WIDGET (self->prediction); }
gboolean leafscope_diagnose_view_get_narrow (LeafscopeDiagnoseView *self) { return self->narrow; }

const char *
leafscope_diagnose_view_get_verdict (LeafscopeDiagnoseView *self)
{
  return leafscope_prediction_list_get_verdict (self->prediction);
}

double
leafscope_diagnose_view_get_bar_fraction (LeafscopeDiagnoseView *self, const char *label)
{
  return leafscope_prediction_list_get_bar_fraction (self->prediction, label);
}

char *
leafscope_diagnose_view_dup_description (LeafscopeDiagnoseView *self)
{
  return leafscope_description_pane_dup_text (self->description);
}

GActionGroup *
leafscope_diagnose_view_get_action_group (LeafscopeDiagnoseView *self)
{
  return G_ACTION_GROUP (self->actions);
}

/* ---- settings ---- */

static void
on_model_changed (LeafscopeDiagnoseView *self)
{
  /* The shown result came from the old model: diagnose the photo again
   * rather than leave it under the new model's name. */
  if (self->image != NULL && !self->loading)
    submit (self);
}

void
leafscope_diagnose_view_setup (LeafscopeDiagnoseView *self, LeafscopeWorker *worker, GSettings *settings)
{
  g_set_object (&self->worker, worker);
  g_set_object (&self->settings, settings);
  if (settings == NULL)
    return;
  g_settings_bind (settings, "heatmap-visible", self->heatmap_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "heatmap-opacity", gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale)),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "heatmap-method", self->method_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, leafscope_layer_get_mapping, leafscope_layer_set_mapping,
                                NULL, NULL);
  g_signal_connect_object (settings, "changed::vision-model", G_CALLBACK (on_model_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::uncertainty-threshold", G_CALLBACK (on_model_changed), self,
                           G_CONNECT_SWAPPED);
}

/* ---- adaptive layout ---- */

static void
set_narrow (LeafscopeDiagnoseView *self, gboolean narrow)
{
  if (narrow == self->narrow)
    return;
  self->narrow = narrow;
  /* Narrow: one column that scrolls as a whole: the photo, the verdict
   * right below it (on a phone it shows without scrolling), then the
   * overlay's controls.  Wide: photo and controls on the left, the side
   * panel on the right, scrolling by itself. */
  g_object_ref (self->side_scroller);
  g_object_ref (self->photo_column);
  gtk_grid_remove (self->columns, self->side_scroller);
  gtk_grid_remove (self->columns, self->photo_column);
  if (narrow)
    {
      gtk_grid_attach (self->columns, self->side_scroller, 0, 1, 1, 1);
      gtk_grid_attach (self->columns, self->photo_column, 0, 2, 1, 1);
    }
  else
    {
      gtk_grid_attach (self->columns, self->photo_column, 0, 1, 1, 1);
      gtk_grid_attach (self->columns, self->side_scroller, 1, 0, 1, 2);
    }
  g_object_unref (self->side_scroller);
  g_object_unref (self->photo_column);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER,
                                  narrow ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->side_scroller), GTK_POLICY_NEVER,
                                  narrow ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (self->side_scroller, narrow ? -1 : 360, -1);
  gtk_widget_set_size_request (GTK_WIDGET (self->photo_view), narrow ? -1 : 240, narrow ? 240 : -1);
  if (narrow)
    gtk_widget_add_css_class (GTK_WIDGET (self), "narrow");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "narrow");
}

static void
leafscope_diagnose_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (widget);

  /* See leafscope-adaptive.h. */
  set_narrow (self, width < NARROW_WIDTH);
  leafscope_allocate_remeasured (GTK_WIDGET (self->stack), width, height, baseline);
}

static void
leafscope_diagnose_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                                 int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (widget);
  /* The wide layout needs more, but fits from NARROW_WIDTH on
   * (tests/test-gui-window.c checks both). */
  leafscope_measure_adaptive (GTK_WIDGET (self->stack), orientation, for_size, minimum, natural);
}

/* ---- GObject ---- */

static void
leafscope_diagnose_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (object);
  switch (prop_id)
    {
    case PROP_CAN_STOP:
      g_value_set_boolean (value, self->generating || self->classifying);
      break;
    case PROP_CAN_REGENERATE:
      g_value_set_boolean (value, self->result != NULL && !self->classifying && !self->loading
                                  && !leafscope_diagnose_view_not_judged (self));
      break;
    case PROP_CAN_SAVE:
      g_value_set_boolean (value, self->result != NULL && !self->loading);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, leafscope_diagnose_view_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leafscope_diagnose_view_dispose (GObject *object)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (object);
  GtkWidget *child;

  if (self->worker && leafscope_diagnose_view_get_busy (self))
    leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_DIAGNOSE);
  g_clear_object (&self->worker);
  g_clear_object (&self->settings);
  g_clear_object (&self->actions);
  g_clear_object (&self->result);
  gtk_widget_dispose_template (GTK_WIDGET (self), LEAFSCOPE_TYPE_DIAGNOSE_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (leafscope_diagnose_view_parent_class)->dispose (object);
}

static void
leafscope_diagnose_view_finalize (GObject *object)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (object);
  g_clear_pointer (&self->image, ls_image_free);
  g_clear_pointer (&self->evidence, ls_evidence_map_free);
  g_free (self->shown_grid);
  g_free (self->photo_name);
  g_free (self->photo_path);
  G_OBJECT_CLASS (leafscope_diagnose_view_parent_class)->finalize (object);
}

static void
leafscope_diagnose_view_class_init (LeafscopeDiagnoseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = leafscope_diagnose_view_get_property;
  object_class->dispose = leafscope_diagnose_view_dispose;
  object_class->finalize = leafscope_diagnose_view_finalize;
  widget_class->size_allocate = leafscope_diagnose_view_size_allocate;
  widget_class->measure = leafscope_diagnose_view_measure;

  props[PROP_CAN_STOP] = g_param_spec_boolean ("can-stop", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_CAN_REGENERATE] = g_param_spec_boolean ("can-regenerate", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_CAN_SAVE] = g_param_spec_boolean ("can-save", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A report was written: its PNG. */
  signals[SIGNAL_REPORT_SAVED] = g_signal_new ("report-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);

  g_type_ensure (LEAFSCOPE_TYPE_PHOTO_VIEW);
  g_type_ensure (LEAFSCOPE_TYPE_PHOTO_STRIP);
  g_type_ensure (LEAFSCOPE_TYPE_PREDICTION_LIST);
  g_type_ensure (LEAFSCOPE_TYPE_DESCRIPTION_PANE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/leafscope/Leafscope/leafscope-diagnose-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LeafscopeDiagnoseView, name)
  BIND (stack);
  BIND (scroller);
  BIND (columns);
  BIND (photo_column);
  BIND (side_scroller);
  BIND (photo_view);
  BIND (heatmap_switch);
  BIND (opacity_scale);
  BIND (method_dropdown);
  BIND (head_dropdown);
  BIND (legend_title);
  BIND (legend_box);
  BIND (legend_picture);
  BIND (legend_low);
  BIND (legend_high);
  BIND (strip);
  BIND (file_label);
  BIND (prediction);
  BIND (description);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_strip_activated);
  gtk_widget_class_set_css_name (widget_class, "diagnoseview");
}

static void
leafscope_diagnose_view_init (LeafscopeDiagnoseView *self)
{
  self->n_heads = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  leafscope_diagnose_view_init_actions (self);
  leafscope_diagnose_view_init_dnd (self);
  leafscope_diagnose_view_init_overlay (self);
  self->narrow = TRUE;
  set_narrow (self, FALSE);
}
