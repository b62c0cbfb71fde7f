/* leafscope-window.c: see the header. */
#include "config.h"

#include "leafscope-window-private.h"

#include <glib/gi18n-lib.h>

struct _LeafscopeWindow
{
  AdwApplicationWindow   parent_instance;
  AdwToastOverlay       *toast_overlay;
  AdwViewStack          *stack;
  LeafscopeDiagnoseView *diagnose_view;
  LeafscopeDatasetView  *dataset_view;
  GSettings             *settings;
  char                  *last_error;
};

G_DEFINE_FINAL_TYPE (LeafscopeWindow, leafscope_window, ADW_TYPE_APPLICATION_WINDOW)

/* Errors the user can recover from (a file that does not open, a model that
 * does not load) come as toasts: they go away by themselves, and where the
 * error belongs to a photo, the view also says it in place of the verdict. */
void
leafscope_window_show_error (LeafscopeWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_message ("%s", message);
}

const char *
leafscope_window_get_error (LeafscopeWindow *self)
{
  return self->last_error;
}

static void
on_view_error (LeafscopeWindow *self, const char *message)
{
  leafscope_window_show_error (self, message);
}

static void
on_report_saved (LeafscopeWindow *self, GFile *file)
{
  g_autofree char *uri = g_file_get_uri (file);
  AdwToast *toast = adw_toast_new (_("Report saved"));

  adw_toast_set_button_label (toast, _("_Open"));
  adw_toast_set_action_name (toast, "win.open-uri");
  adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_photo_activated (LeafscopeWindow *self, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  leafscope_window_open_files (self, &file, 1);
}

void
leafscope_window_open_files (LeafscopeWindow *self, GFile **files, guint n_files)
{
  g_clear_pointer (&self->last_error, g_free);
  leafscope_window_set_view (self, "diagnose");
  leafscope_diagnose_view_open_files (self->diagnose_view, files, n_files);
}

void
leafscope_window_set_view (LeafscopeWindow *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}

const char *
leafscope_window_get_view (LeafscopeWindow *self)
{
  return adw_view_stack_get_visible_child_name (self->stack);
}

LeafscopeDiagnoseView *leafscope_window_get_diagnose_view (LeafscopeWindow *self) { return self->diagnose_view; }
LeafscopeDatasetView *leafscope_window_get_dataset_view (LeafscopeWindow *self) { return self->dataset_view; }

/* ---- actions ---- */

static void
on_open_response (GtkNativeDialog *native, int response, LeafscopeWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) list = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        g_ptr_array_add (files, g_list_model_get_item (list, i));
      if (files->len > 0)
        leafscope_window_open_files (self, (GFile **) files->pdata, files->len);
    }
  g_object_unref (native);
}

static void
action_open (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  native = gtk_file_chooser_native_new (_("Open Leaf Photos"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
  gtk_file_filter_set_name (filter, _("Photos"));
  gtk_file_filter_add_pixbuf_formats (filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_signal_connect (native, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
action_open_dataset (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  leafscope_window_set_view (self, "dataset");
  leafscope_dataset_view_choose_folder (self->dataset_view);
}

static void
action_paste (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  /* Ctrl+V in a text field pastes text there, not a photo. */
  if (focus && GTK_IS_EDITABLE (focus))
    {
      gtk_widget_activate_action (focus, "clipboard.paste", NULL);
      return;
    }
  leafscope_window_set_view (self, "diagnose");
  leafscope_diagnose_view_paste (self->diagnose_view);
}




static void
action_view (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  leafscope_window_set_view (self, g_variant_get_string (param, NULL));
}

static void
action_evaluate (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  leafscope_window_set_view (self, "dataset");
  leafscope_dataset_view_evaluate (self->dataset_view);
}


static void
action_open_uri (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  gtk_show_uri (GTK_WINDOW (user_data), g_variant_get_string (param, NULL), GDK_CURRENT_TIME);
}

static const GActionEntry win_entries[] = {
  { "open", action_open },
  { "open-dataset", action_open_dataset },
  { "paste", action_paste },
  { "view", action_view, "s" },
  { "evaluate", action_evaluate },
  { "open-uri", action_open_uri, "s" },
};

static void
bind_enabled (LeafscopeWindow *self, const char *action, gpointer source, const char *property)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self), action);
  g_object_bind_property (source, property, a, "enabled", G_BINDING_SYNC_CREATE);
}

/* ---- screenshots ---- */

gboolean
leafscope_window_save_screenshot (GtkWindow *window, const char *path, GError **error)
{
  GtkWidget *widget = GTK_WIDGET (window);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  graphene_rect_t viewport;

  if (renderer == NULL || w <= 0 || h <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The window is not shown yet");
      return FALSE;
    }
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Nothing was drawn");
      return FALSE;
    }
  graphene_rect_init (&viewport, 0, 0, w, h);
  texture = gsk_renderer_render_texture (renderer, node, &viewport);
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write %s", path);
      return FALSE;
    }
  return TRUE;
}

/* ---- GObject ---- */

static void
leafscope_window_dispose (GObject *object)
{
  LeafscopeWindow *self = LEAFSCOPE_WINDOW (object);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->last_error, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), LEAFSCOPE_TYPE_WINDOW);
  G_OBJECT_CLASS (leafscope_window_parent_class)->dispose (object);
}

static void
leafscope_window_class_init (LeafscopeWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = leafscope_window_dispose;
  g_type_ensure (LEAFSCOPE_TYPE_DIAGNOSE_VIEW);
  g_type_ensure (LEAFSCOPE_TYPE_DATASET_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/leafscope/Leafscope/leafscope-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, diagnose_view);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, dataset_view);
  gtk_widget_class_bind_template_callback (widget_class, on_report_saved);
  gtk_widget_class_bind_template_callback (widget_class, on_view_error);
  gtk_widget_class_bind_template_callback (widget_class, on_photo_activated);
}

static void
leafscope_window_init (LeafscopeWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  /* The Diagnose view owns its actions; the whole window reaches them. */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "diagnose",
                                  leafscope_diagnose_view_get_action_group (self->diagnose_view));
  bind_enabled (self, "evaluate", self->dataset_view, "can-evaluate");
}

LeafscopeWindow *
leafscope_window_new (LeafscopeApplication *application)
{
  LeafscopeWindow *self = g_object_new (LEAFSCOPE_TYPE_WINDOW, "application", application, NULL);
  GSettings *settings = leafscope_application_get_settings (application);
  g_autofree char *last = NULL;

  self->settings = g_object_ref (settings);
  leafscope_diagnose_view_setup (self->diagnose_view, leafscope_application_get_worker (application), settings);
  leafscope_dataset_view_setup (self->dataset_view, leafscope_application_get_worker (application), settings);
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  last = g_settings_get_string (settings, "last-dataset");
  if (last && *last && g_file_test (last, G_FILE_TEST_IS_DIR))
    leafscope_dataset_view_open_folder (self->dataset_view, last);
  return self;
}
