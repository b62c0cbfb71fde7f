/* leafscope-window.c: see the header. */
#include "leafscope-window.h"

#include <glib/gi18n-lib.h>

struct _LeafscopeWindow
{
  GtkApplicationWindow   parent_instance;
  GtkRevealer           *banner_revealer;
  GtkLabel              *banner_label;
  GtkStack              *stack;
  LeafscopeDiagnoseView *diagnose_view;
  LeafscopeDatasetView  *dataset_view;
  GSettings             *settings;
};

G_DEFINE_FINAL_TYPE (LeafscopeWindow, leafscope_window, GTK_TYPE_APPLICATION_WINDOW)

void
leafscope_window_show_error (LeafscopeWindow *self, const char *message)
{
  gtk_label_set_text (self->banner_label, message);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
  g_message ("%s", message);
}

const char *
leafscope_window_get_error (LeafscopeWindow *self)
{
  return gtk_revealer_get_reveal_child (self->banner_revealer) ? gtk_label_get_text (self->banner_label) : NULL;
}

static void
on_banner_close (LeafscopeWindow *self)
{
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

static void
on_view_error (LeafscopeWindow *self, const char *message)
{
  leafscope_window_show_error (self, message);
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
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
  leafscope_window_set_view (self, "diagnose");
  leafscope_diagnose_view_open_files (self->diagnose_view, files, n_files);
}

void
leafscope_window_set_view (LeafscopeWindow *self, const char *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
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
action_save_report (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  leafscope_diagnose_view_save_report (self->diagnose_view);
}

static void
action_stop (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  leafscope_diagnose_view_stop (self->diagnose_view);
}

static void
action_regenerate (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  leafscope_diagnose_view_regenerate (self->diagnose_view);
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
action_step (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeWindow *self = user_data;
  leafscope_diagnose_view_step (self->diagnose_view, g_variant_get_int32 (param));
}

static const GActionEntry win_entries[] = {
  { "open", action_open },
  { "open-dataset", action_open_dataset },
  { "paste", action_paste },
  { "save-report", action_save_report },
  { "stop", action_stop },
  { "regenerate", action_regenerate },
  { "view", action_view, "s" },
  { "evaluate", action_evaluate },
  { "step", action_step, "i" },
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
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, diagnose_view);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeWindow, dataset_view);
  gtk_widget_class_bind_template_callback (widget_class, on_banner_close);
  gtk_widget_class_bind_template_callback (widget_class, on_view_error);
  gtk_widget_class_bind_template_callback (widget_class, on_photo_activated);
}

static void
leafscope_window_init (LeafscopeWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  bind_enabled (self, "stop", self->diagnose_view, "can-stop");
  bind_enabled (self, "regenerate", self->diagnose_view, "can-regenerate");
  bind_enabled (self, "save-report", self->diagnose_view, "can-save");
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
