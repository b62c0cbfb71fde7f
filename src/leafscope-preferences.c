/* leafscope-preferences.c: see the header. */
#include "config.h"

#include "leafscope-preferences-private.h"
#include "leafscope-report.h"
#include "leafscope-application.h"
#include "leafscope-settings.h"
#include "diagnose.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

struct _LeafscopePreferences
{
  AdwPreferencesWindow parent_instance;
  AdwActionRow *vision_row;
  AdwActionRow *text_row;
  GtkSpinner   *check_spinner;
  GtkLabel     *check_label;
  GtkSpinButton *max_tokens_spin;
  GtkSpinButton *temperature_spin;
  GtkSpinButton *top_k_spin;
  GtkSpinButton *top_p_spin;
  GtkSpinButton *threshold_spin;
  GtkSwitch    *heatmap_switch;
  GtkSpinButton *opacity_spin;
  AdwComboRow  *method_dropdown;
  GSettings    *settings;
  LeafscopeWorker *worker;  /* nullable: the generation defaults come from it */
  GCancellable *cancellable;
  gboolean      checking;
  gboolean      showing;    /* the spins are being set from the settings */
};

/* The settings shown as the engine's default until the user changes them
 * (leafscope-settings.h): the spin, and its scale (percent on screen). */
typedef struct
{
  const char *key;
  gsize       spin_offset;
  double      scale;
} Tunable;

static const Tunable tunables[] = {
  { "max-new-tokens", G_STRUCT_OFFSET (LeafscopePreferences, max_tokens_spin), 1.0 },
  { "temperature", G_STRUCT_OFFSET (LeafscopePreferences, temperature_spin), 1.0 },
  { "top-k", G_STRUCT_OFFSET (LeafscopePreferences, top_k_spin), 1.0 },
  { "top-p", G_STRUCT_OFFSET (LeafscopePreferences, top_p_spin), 100.0 },
  { "uncertainty-threshold", G_STRUCT_OFFSET (LeafscopePreferences, threshold_spin), 100.0 },
};

static GtkSpinButton *
tunable_spin (LeafscopePreferences *self, const Tunable *t)
{
  return G_STRUCT_MEMBER (GtkSpinButton *, self, t->spin_offset);
}

/* The engine's default for @t; FALSE while the text model's are not
 * known yet (its models are loading). */
static gboolean
tunable_default (LeafscopePreferences *self, const Tunable *t, double *value)
{
  LsGenerateOptions defaults;
  gboolean known = TRUE;

  if (strcmp (t->key, "uncertainty-threshold") == 0)
    {
      *value = leafscope_settings_get_threshold (NULL);
      return TRUE;
    }
  if (self->worker != NULL)
    known = leafscope_worker_get_generate_defaults (self->worker, &defaults);
  else
    ls_generate_options_init (&defaults);
  *value = leafscope_generate_default_value (&defaults, t->key);
  return known;
}

/* Shows the value in effect: the user's, else the engine's default. */
static void
show_tunable (LeafscopePreferences *self, const Tunable *t)
{
  GtkSpinButton *spin = tunable_spin (self, t);
  double value;
  gboolean known = tunable_default (self, t, &value);

  if (leafscope_settings_is_set (self->settings, t->key))
    {
      g_autoptr(GVariant) v = g_settings_get_value (self->settings, t->key);
      value = g_variant_is_of_type (v, G_VARIANT_TYPE_INT32) ? g_variant_get_int32 (v) : g_variant_get_double (v);
      known = TRUE;
    }
  self->showing = TRUE;
  gtk_spin_button_set_value (spin, value * t->scale);
  self->showing = FALSE;
  /* Nothing to show (and so to change) until the defaults are known. */
  gtk_widget_set_sensitive (GTK_WIDGET (spin), known);
}

static void
show_tunables (LeafscopePreferences *self)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tunables); i++)
    show_tunable (self, &tunables[i]);
}

static void
on_tunable_changed (GtkSpinButton *spin, LeafscopePreferences *self)
{
  const Tunable *t = NULL;
  double value, fallback;
  g_autoptr(GVariant) current = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (tunables); i++)
    if (tunable_spin (self, &tunables[i]) == spin)
      t = &tunables[i];
  if (self->showing || t == NULL)
    return;
  value = gtk_spin_button_get_value (spin) / t->scale;
  tunable_default (self, t, &fallback);
  current = g_settings_get_value (self->settings, t->key);
  /* Set back to the default (as far as the spin shows): not a change, so
   * the default keeps applying, also when another model brings another. */
  if (fabs (value - fallback) * t->scale < 0.5 * pow (10.0, -(double) gtk_spin_button_get_digits (spin)))
    g_settings_reset (self->settings, t->key);
  else if (g_variant_is_of_type (current, G_VARIANT_TYPE_INT32))
    g_settings_set_int (self->settings, t->key, (int) lround (value));
  else
    g_settings_set_double (self->settings, t->key, value);
}

static void
on_settings_changed (GSettings *settings, const char *key, LeafscopePreferences *self)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tunables); i++)
    if (strcmp (key, tunables[i].key) == 0)
      show_tunable (self, &tunables[i]);
  /* Another text model: its defaults, once the worker loaded it. */
  if (strcmp (key, "text-model") == 0 && self->worker != NULL)
    {
      show_tunables (self);
      leafscope_worker_probe (self->worker);
    }
}

G_DEFINE_FINAL_TYPE (LeafscopePreferences, leafscope_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static char *
resolve (LeafscopePreferences *self, const char *key)
{
  GApplication *app = g_application_get_default ();
  if (LEAFSCOPE_IS_APPLICATION (app))
    return leafscope_application_dup_model_dir (LEAFSCOPE_APPLICATION (app), key);
  return g_settings_get_string (self->settings, key);
}

static void
update_labels (LeafscopePreferences *self)
{
  const char *keys[] = { "vision-model", "text-model" };
  AdwActionRow *rows[] = { self->vision_row, self->text_row };

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *value = g_settings_get_string (self->settings, keys[i]);
      g_autofree char *resolved = resolve (self, keys[i]);
      g_autofree char *text = NULL;
      if (value && *value)
        text = g_filename_display_name (value);
      else if (resolved)
        {
          g_autofree char *base = g_path_get_basename (resolved);
          /* TRANSLATORS: %s is the default model's folder name */
          text = g_strdup_printf (_("Default (%s)"), base);
        }
      else
        text = g_strdup (_("None installed"));
      adw_action_row_set_subtitle (rows[i], text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (rows[i]), resolved);
    }
}

typedef struct
{
  gboolean vision;
  char    *folder;
  char    *vision_dir;
} Check;

static void
check_free (gpointer data)
{
  Check *c = data;
  g_free (c->folder);
  g_free (c->vision_dir);
  g_free (c);
}

static void
check_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Check *c = task_data;
  GError *error = NULL;
  LsDiagnoser *d;

  /* A text model is checked with the vision model it will work with. */
  d = c->vision ? ls_diagnoser_new (c->folder, NULL, &error)
                : ls_diagnoser_new (c->vision_dir, c->folder, &error);
  if (d == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!c->vision && !ls_diagnoser_has_text_model (d))
    {
      ls_diagnoser_free (d);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("no language model was found in it"));
      return;
    }
  ls_diagnoser_free (d);
  g_task_return_boolean (task, TRUE);
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LeafscopePreferences *self = LEAFSCOPE_PREFERENCES (source);
  Check *c = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_filename_display_name (c->folder);
  g_autofree char *message = NULL;

  if (g_task_had_error (G_TASK (result)) && g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  self->checking = FALSE;
  gtk_spinner_stop (self->check_spinner);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      message = g_strdup_printf (c->vision ? _("“%s” cannot be used as the vision model: %s")
                                           : _("“%s” cannot be used as the text model: %s"),
                                 name, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->check_label), "error");
    }
  else
    {
      g_settings_set_string (self->settings, c->vision ? "vision-model" : "text-model", c->folder);
      message = g_strdup_printf (_("“%s” loads: it is used from the next photo on."), name);
      gtk_widget_remove_css_class (GTK_WIDGET (self->check_label), "error");
    }
  gtk_label_set_text (self->check_label, message);
  update_labels (self);
}

void
leafscope_preferences_try_model (LeafscopePreferences *self, gboolean vision, const char *folder)
{
  g_autoptr(GTask) task = NULL;
  Check *c = g_new0 (Check, 1);

  c->vision = vision;
  c->folder = g_strdup (folder);
  c->vision_dir = resolve (self, "vision-model");
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, on_checked, NULL);
  g_task_set_task_data (task, c, check_free);
  self->checking = TRUE;
  gtk_spinner_start (self->check_spinner);
  gtk_widget_remove_css_class (GTK_WIDGET (self->check_label), "error");
  gtk_label_set_text (self->check_label, _("Checking the model…"));
  g_task_run_in_thread (task, check_thread);
}

const char *
leafscope_preferences_get_message (LeafscopePreferences *self)
{
  return gtk_label_get_text (self->check_label);
}

gboolean
leafscope_preferences_get_checking (LeafscopePreferences *self)
{
  return self->checking;
}

static void
on_folder_response (GtkNativeDialog *native, int response, LeafscopePreferences *self)
{
  gboolean vision = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (native), "vision"));
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        leafscope_preferences_try_model (self, vision, path);
    }
  g_object_unref (native);
}

static void
choose (LeafscopePreferences *self, gboolean vision)
{
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (vision ? _("Choose a Vision Model Folder") : _("Choose a Text Model Folder"),
                                 GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_object_set_data (G_OBJECT (native), "vision", GINT_TO_POINTER (vision));
  g_signal_connect (native, "response", G_CALLBACK (on_folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void on_choose_vision (LeafscopePreferences *self) { choose (self, TRUE); }
static void on_choose_text (LeafscopePreferences *self) { choose (self, FALSE); }

static void
on_use_defaults (LeafscopePreferences *self)
{
  g_cancellable_cancel (self->cancellable);
  self->checking = FALSE;
  gtk_spinner_stop (self->check_spinner);
  g_settings_reset (self->settings, "vision-model");
  g_settings_reset (self->settings, "text-model");
  gtk_widget_remove_css_class (GTK_WIDGET (self->check_label), "error");
  gtk_label_set_text (self->check_label, _("The default models are used."));
  update_labels (self);
}

/* Fractions in the settings, percentages on screen. */
static gboolean
percent_get (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, 100.0 * g_variant_get_double (variant));
  return TRUE;
}

static GVariant *
percent_set (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_double (g_value_get_double (value) / 100.0);
}

double
leafscope_preferences_get_threshold_percent (LeafscopePreferences *self)
{
  return gtk_spin_button_get_value (self->threshold_spin);
}

static void
leafscope_preferences_dispose (GObject *object)
{
  LeafscopePreferences *self = LEAFSCOPE_PREFERENCES (object);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->worker);
  gtk_widget_dispose_template (GTK_WIDGET (self), LEAFSCOPE_TYPE_PREFERENCES);
  G_OBJECT_CLASS (leafscope_preferences_parent_class)->dispose (object);
}

static void
leafscope_preferences_class_init (LeafscopePreferencesClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = leafscope_preferences_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/leafscope/Leafscope/leafscope-preferences.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LeafscopePreferences, name)
  BIND (vision_row);
  BIND (text_row);
  BIND (check_spinner);
  BIND (check_label);
  BIND (max_tokens_spin);
  BIND (temperature_spin);
  BIND (top_k_spin);
  BIND (top_p_spin);
  BIND (threshold_spin);
  BIND (heatmap_switch);
  BIND (opacity_spin);
  BIND (method_dropdown);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_choose_vision);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_text);
  gtk_widget_class_bind_template_callback (widget_class, on_use_defaults);
}

static void
leafscope_preferences_init (LeafscopePreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LeafscopePreferences *
leafscope_preferences_new (GtkWindow *parent, GSettings *settings, LeafscopeWorker *worker)
{
  LeafscopePreferences *self = g_object_new (LEAFSCOPE_TYPE_PREFERENCES, "transient-for", parent, NULL);

  self->settings = g_object_ref (settings);
  if (worker != NULL)
    {
      self->worker = g_object_ref (worker);
      g_signal_connect_object (worker, "models-loaded", G_CALLBACK (show_tunables), self, G_CONNECT_SWAPPED);
    }
  /* Not bound: an unchanged setting shows the engine's default, and only a
   * change by the user is stored (leafscope-settings.h). */
  show_tunables (self);
  for (gsize i = 0; i < G_N_ELEMENTS (tunables); i++)
    g_signal_connect (tunable_spin (self, &tunables[i]), "value-changed", G_CALLBACK (on_tunable_changed), self);
  g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed), self, 0);
  if (worker != NULL)
    leafscope_worker_probe (worker);
  g_settings_bind (settings, "heatmap-visible", self->heatmap_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "heatmap-opacity", self->opacity_spin, "value", G_SETTINGS_BIND_DEFAULT,
                                percent_get, percent_set, NULL, NULL);
  g_settings_bind_with_mapping (settings, "heatmap-method", self->method_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, leafscope_layer_get_mapping, leafscope_layer_set_mapping,
                                NULL, NULL);
  update_labels (self);
  return self;
}
