/* leafscope-diagnose-view-actions.c: the Diagnose view's actions
 * ("diagnose.*": stop, regenerate, save-report, step, clear-photos) and the
 * report they save.  The view owns them because it holds their state; the
 * window exposes the group so the header bar and the accelerators reach it. */
#include "config.h"

#include "leafscope-diagnose-view-private.h"
#include "leafscope-report.h"

#include <glib/gi18n-lib.h>
#include <string.h>

void
leafscope_diagnose_view_stop (LeafscopeDiagnoseView *self)
{
  if (self->generating || self->classifying)
    leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_DIAGNOSE);
}

void
leafscope_diagnose_view_regenerate (LeafscopeDiagnoseView *self)
{
  if (self->image == NULL || self->result == NULL)
    return;
  leafscope_diagnose_view_describe_again (self, g_random_int ());
}

void
leafscope_diagnose_view_clear_photos (LeafscopeDiagnoseView *self)
{
  leafscope_photo_strip_clear (self->strip);
  leafscope_diagnose_view_show_empty (self);
}

static char *
model_name (GSettings *settings, const char *key)
{
  g_autofree char *value = settings ? g_settings_get_string (settings, key) : NULL;
  if (value == NULL || *value == '\0')
    return g_strdup (g_str_equal (key, "vision-model") ? LS_DEFAULT_VISION_MODEL : LS_DEFAULT_TEXT_MODEL);
  return g_path_get_basename (value);
}

gboolean
leafscope_diagnose_view_write_report (LeafscopeDiagnoseView *self, GFile *png_file, gboolean overwrite,
                                      GError **error)
{
  const LsDiagnosis *d = self->result ? leafscope_result_get_diagnosis (self->result) : NULL;
  g_autoptr(GdkPixbuf) composite = NULL;
  g_autoptr(GdkPixbuf) card = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *description = leafscope_description_pane_dup_text (self->description);
  g_autofree char *vision = NULL;
  g_autofree char *text = model_name (self->settings, "text-model");
  gboolean visible = gtk_switch_get_active (self->heatmap_switch);
  LeafscopeReport report = { 0 };
  const float *grid;
  int rows = 0, cols = 0;

  if (d == NULL || self->image == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is no diagnosis to save yet."));
      return FALSE;
    }
  /* The model the diagnosis came from, not the one set now. */
  vision = leafscope_result_get_vision_model (self->result)
             ? g_path_get_basename (leafscope_result_get_vision_model (self->result))
             : model_name (self->settings, "vision-model");
  report.photo_name = self->photo_name;
  report.n_classes = d->n_labels;
  report.labels = (const char * const *) d->labels;
  report.probs = d->probs;
  report.top_index = d->top_index;
  report.uncertain = d->uncertain;
  report.status = d->status;
  report.status_reason = d->status_reason;
  report.description = description;
  report.vision_model = vision;
  report.text_model = *description ? text : NULL;
  report.date = now;
  report.verdict = leafscope_prediction_list_get_verdict (self->prediction);
  report.verdict_detail = leafscope_prediction_list_get_detail (self->prediction);
  /* The same map, legend and words as the window. */
  grid = visible ? leafscope_diagnose_view_current_grid (self, &rows, &cols) : NULL;
  if (grid != NULL)
    {
      report.legend_low = gtk_label_get_text (self->legend_low);
      report.legend_high = gtk_label_get_text (self->legend_high);
    }
  report.layer = gtk_label_get_text (self->legend_title);
  report.evidence_note = leafscope_diagnose_view_evidence_note (self);
  composite = leafscope_report_composite (self->image, grid, rows, cols,
                                          gtk_range_get_value (GTK_RANGE (self->opacity_scale)));
  card = leafscope_report_render (&report, composite);
  return leafscope_report_save (&report, card, png_file, overwrite, error);
}

static void
save_and_report (LeafscopeDiagnoseView *self, GFile *file)
{
  g_autoptr(GError) error = NULL;
  if (!leafscope_diagnose_view_write_report (self, file, TRUE, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The report could not be saved: %s"), error->message);
      leafscope_diagnose_view_show_error (self, message);
      return;
    }
  g_signal_emit_by_name (self, "report-saved", file);
}

static void
on_replace_response (GtkDialog *dialog, int response, gpointer user_data)
{
  LeafscopeDiagnoseView *self = g_object_get_data (G_OBJECT (dialog), "view");
  GFile *file = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    save_and_report (self, file);
  g_object_unref (file);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
on_save_response (GtkNativeDialog *native, int response, LeafscopeDiagnoseView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) md = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  g_object_unref (native);
  if (file == NULL)
    return;

  /* The dialog asked about the PNG; the Markdown sibling is ours to ask about. */
  md = leafscope_report_markdown_file_for (file);
  if (g_file_query_exists (md, NULL))
    {
      g_autofree char *name = g_file_get_basename (md);
      GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                  GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                  GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                                  _("Replace “%s”?"), name);
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                                _("A report with this name already exists. Replacing it overwrites its contents."));
      gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                              _("_Replace"), GTK_RESPONSE_ACCEPT, NULL);
      gtk_widget_add_css_class (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT),
                                "destructive-action");
      g_object_set_data (G_OBJECT (dialog), "view", self);
      g_signal_connect (dialog, "response", G_CALLBACK (on_replace_response), g_steal_pointer (&file));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  save_and_report (self, file);
}

void
leafscope_diagnose_view_save_report (LeafscopeDiagnoseView *self)
{
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *stem = NULL;
  g_autofree char *suggested = NULL;

  if (self->result == NULL)
    return;
  native = gtk_file_chooser_native_new (_("Save Report"), GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_filter_set_name (filter, _("PNG image with a Markdown report"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  stem = self->photo_name ? g_strdup (self->photo_name) : g_strdup ("leaf");
  if (strrchr (stem, '.') && strrchr (stem, '.') != stem)
    *strrchr (stem, '.') = '\0';
  /* TRANSLATORS: default file name of a saved report; %s is the photo's name */
  suggested = g_strdup_printf (_("%s-report.png"), stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested);
  g_signal_connect (native, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- the action group ---- */

static void
action_stop (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  leafscope_diagnose_view_stop (user_data);
}

static void
action_regenerate (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  leafscope_diagnose_view_regenerate (user_data);
}

static void
action_save_report (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  leafscope_diagnose_view_save_report (user_data);
}

static void
action_step (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  leafscope_diagnose_view_step (user_data, g_variant_get_int32 (param));
}

static void
action_clear_photos (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  leafscope_diagnose_view_clear_photos (user_data);
}

static const GActionEntry entries[] = {
  { "stop", action_stop },
  { "regenerate", action_regenerate },
  { "save-report", action_save_report },
  { "step", action_step, "i" },
  { "clear-photos", action_clear_photos },
};

static void
set_enabled (LeafscopeDiagnoseView *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
leafscope_diagnose_view_update_actions (LeafscopeDiagnoseView *self)
{
  gboolean busy = self->classifying || self->generating;

  set_enabled (self, "stop", busy);
  set_enabled (self, "regenerate", self->result != NULL && !self->classifying && !self->loading
                                   && !leafscope_diagnose_view_not_judged (self));
  set_enabled (self, "save-report", self->result != NULL && !self->loading);
  set_enabled (self, "step", leafscope_photo_strip_get_n_photos (self->strip) > 1);
  set_enabled (self, "clear-photos", leafscope_photo_strip_get_n_photos (self->strip) > 0);
}

void
leafscope_diagnose_view_init_actions (LeafscopeDiagnoseView *self)
{
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "diagnose", G_ACTION_GROUP (self->actions));
  leafscope_diagnose_view_update_actions (self);
}
