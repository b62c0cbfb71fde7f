/* leafscope-application.c: see the header. */
#include "config.h"

#include "leafscope-application.h"
#include "leafscope-window.h"
#include "leafscope-preferences.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"

struct _LeafscopeApplication
{
  AdwApplication   parent_instance;
  GSettings       *settings;
  LeafscopeWorker *worker;
};

G_DEFINE_FINAL_TYPE (LeafscopeApplication, leafscope_application, ADW_TYPE_APPLICATION)

const char *
leafscope_data_dir (void)
{
  const char *env = g_getenv ("LEAFSCOPE_DATA_DIR");
  return env && *env ? env : PKGDATADIR;
}

char *
leafscope_application_dup_model_dir (LeafscopeApplication *self, const char *key)
{
  g_autofree char *value = g_settings_get_string (self->settings, key);
  g_autofree char *fallback = NULL;

  if (value && *value)
    return g_steal_pointer (&value);
  fallback = g_build_filename (leafscope_data_dir (), "models",
                               g_str_equal (key, "vision-model") ? LS_DEFAULT_VISION_MODEL
                                                               : LS_DEFAULT_TEXT_MODEL, NULL);
  if (g_file_test (fallback, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&fallback);
  /* No installed text model: diagnose without descriptions.  The vision
   * default is returned anyway so the error names the folder. */
  return g_str_equal (key, "vision-model") ? g_steal_pointer (&fallback) : NULL;
}

static void
update_models (LeafscopeApplication *self)
{
  g_autofree char *vision = leafscope_application_dup_model_dir (self, "vision-model");
  g_autofree char *text = leafscope_application_dup_model_dir (self, "text-model");
  leafscope_worker_set_models (self->worker, vision, text);
}

/* ---- actions ---- */

static LeafscopeWindow *
get_window (LeafscopeApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (LEAFSCOPE_IS_WINDOW (window))
    return LEAFSCOPE_WINDOW (window);
  window = GTK_WINDOW (leafscope_window_new (self));
  return LEAFSCOPE_WINDOW (window);
}

static void
action_preferences (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeApplication *self = user_data;
  LeafscopePreferences *prefs = leafscope_preferences_new (GTK_WINDOW (get_window (self)), self->settings,
                                                           self->worker);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
action_about (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeApplication *self = user_data;
  const char *developers[] = { _("The Leafscope contributors"), NULL };
  const char *dataset[] = { _("Beans dataset by the Makerere AI Lab, MIT licence https://github.com/AI-Lab-Makerere/ibean"), NULL };
  GtkWidget *about = adw_about_window_new ();

  gtk_window_set_transient_for (GTK_WINDOW (about), GTK_WINDOW (get_window (self)));
  g_object_set (about,
                "application-name", _("Leafscope"),
                "application-icon", LEAFSCOPE_APP_ID,
                "version", PACKAGE_VERSION,
                "comments", _("Diagnose bean leaf diseases from a photo, and see why"),
                "website", "https://github.com/leafscope/leafscope",
                "issue-url", "https://github.com/leafscope/leafscope/issues",
                "license-type", GTK_LICENSE_GPL_3_0,
                "developers", developers,
                /* TRANSLATORS: put your names here, one per line */
                "translator-credits", _("translator-credits"),
                NULL);
  adw_about_window_add_credit_section (ADW_ABOUT_WINDOW (about), _("Training data"), dataset);
  gtk_window_present (GTK_WINDOW (about));
}

static void
action_quit (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LeafscopeApplication *self = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  /* Closing the windows lets them save their size. */
  for (GList *l = windows; l; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_entries[] = {
  { "preferences", action_preferences },
  { "about", action_about },
  { "quit", action_quit },
};

static void
leafscope_application_startup (GApplication *application)
{
  LeafscopeApplication *self = LEAFSCOPE_APPLICATION (application);
  GtkApplication *app = GTK_APPLICATION (application);
  struct { const char *action; const char *accels[3]; } accels[] = {
    { "win.open", { "<Control>o", NULL } },
    { "win.paste", { "<Control>v", NULL } },
    { "diagnose.save-report", { "<Control>s", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "win.view::diagnose", { "<Alt>1", NULL } },
    { "win.view::dataset", { "<Alt>2", NULL } },
    { "diagnose.stop", { "Escape", NULL } },
    { "diagnose.regenerate", { "<Control>r", NULL } },
    { "diagnose.step(-1)", { "<Alt>Left", NULL } },
    { "diagnose.step(1)", { "<Alt>Right", NULL } },
    { "win.open-dataset", { "<Control><Shift>o", NULL } },
    { "win.evaluate", { "<Control>e", NULL } },
  };

  G_APPLICATION_CLASS (leafscope_application_parent_class)->startup (application);
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, LEAFSCOPE_APP_ID, TRUE) : NULL;
    if (schema == NULL)
      {
        /* g_settings_new would abort: say what is missing instead. */
        g_printerr ("leafscope: the settings schema %s is not installed "
                    "(run it with `meson devenv` from a build folder, or install it)\n", LEAFSCOPE_APP_ID);
        exit (1);
      }
  }
  self->settings = g_settings_new (LEAFSCOPE_APP_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (app, accels[i].action, accels[i].accels);

  gtk_window_set_default_icon_name (LEAFSCOPE_APP_ID);
  /* AdwApplication loads style.css and style-dark.css from the resources and
   * follows the desktop's dark style through AdwStyleManager. */
  {
    /* Our own icon in the source tree when running uninstalled. */
    g_autofree char *icons = g_build_filename (leafscope_data_dir (), "icons", NULL);
    GdkDisplay *display = gdk_display_get_default ();
    if (display && g_file_test (icons, G_FILE_TEST_IS_DIR))
      gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (display), icons);
  }
  self->worker = leafscope_worker_new ();
  update_models (self);
  g_signal_connect_swapped (self->settings, "changed::vision-model", G_CALLBACK (update_models), self);
  g_signal_connect_swapped (self->settings, "changed::text-model", G_CALLBACK (update_models), self);
}

static void
leafscope_application_shutdown (GApplication *application)
{
  LeafscopeApplication *self = LEAFSCOPE_APPLICATION (application);
  G_APPLICATION_CLASS (leafscope_application_parent_class)->shutdown (application);
  /* Joins the inference thread (cancelled jobs stop within a token). */
  g_clear_object (&self->worker);
}

static void
leafscope_application_activate (GApplication *application)
{
  LeafscopeWindow *window = get_window (LEAFSCOPE_APPLICATION (application));
  gtk_window_present (GTK_WINDOW (window));
}

static void
leafscope_application_open (GApplication *application, GFile **files, int n_files, const char *hint)
{
  LeafscopeWindow *window = get_window (LEAFSCOPE_APPLICATION (application));
  leafscope_window_open_files (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static int
leafscope_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("leafscope %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
}

static void
leafscope_application_dispose (GObject *object)
{
  LeafscopeApplication *self = LEAFSCOPE_APPLICATION (object);
  g_clear_object (&self->worker);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (leafscope_application_parent_class)->dispose (object);
}

static void
leafscope_application_class_init (LeafscopeApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = leafscope_application_dispose;
  app_class->startup = leafscope_application_startup;
  app_class->shutdown = leafscope_application_shutdown;
  app_class->activate = leafscope_application_activate;
  app_class->open = leafscope_application_open;
  app_class->handle_local_options = leafscope_application_handle_local_options;
}

static void
leafscope_application_init (LeafscopeApplication *self)
{
  static const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

LeafscopeApplication *
leafscope_application_new (void)
{
  return g_object_new (LEAFSCOPE_TYPE_APPLICATION,
                       "application-id", LEAFSCOPE_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/leafscope/Leafscope",
                       NULL);
}

GSettings *
leafscope_application_get_settings (LeafscopeApplication *self)
{
  return self->settings;
}

LeafscopeWorker *
leafscope_application_get_worker (LeafscopeApplication *self)
{
  return self->worker;
}
