/* test-gui-app.c: see test-gui-app.h. */
#include "config.h"

/* The sanitizer hooks are defined once, in each program's test file. */
#define TEST_GUI_COMMON_NO_HOOKS
#include "test-gui-common.h"
#include "test-gui-app.h"
#include "leafscope-application.h"
/* The private headers give the state the tests look at. */
#include "leafscope-window-private.h"
#include "leafscope-diagnose-view-private.h"
#include "leafscope-dataset-view-private.h"
#include "leafscope-confusion-view.h"
#include "leafscope-report.h"
#include "leafscope-preferences-private.h"
#include "leafscope-photo-view-private.h"
#include "leafscope-worker-private.h"
#include "leafscope-prediction-list-private.h"
#include "leafscope-photo-strip.h"
#include "diagnose.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

LeafscopeApplication *app;

LeafscopeWindow *window;

char *vision_dir;

char *text_dir;

char *tmpdir;

char *photo_name;

void
screenshot_of (GtkWindow *win, const char *name)
{
  const char *dir = g_getenv ("LEAFSCOPE_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL)
    return;
  test_spin (0.5);
  {
    const char *suffix = g_getenv ("LEAFSCOPE_SCREENSHOT_SUFFIX");
    g_autofree char *stem = g_strndup (name, strlen (name) - 4);
    g_autofree char *file = g_strdup_printf ("%s%s.png", stem, suffix ? suffix : "");
    path = g_build_filename (dir, file, NULL);
  }
  if (!leafscope_window_save_screenshot (win, path, &error))
    g_test_message ("screenshot %s: %s", path, error->message);
}

void
screenshot (const char *name)
{
  screenshot_of (GTK_WINDOW (window), name);
}

gboolean
diagnosis_done (gpointer data)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  return leafscope_diagnose_view_get_diagnosis (view) != NULL && !leafscope_diagnose_view_get_busy (view);
}

gboolean
has_diagnosis (gpointer data)
{
  return leafscope_diagnose_view_get_diagnosis (leafscope_window_get_diagnose_view (window)) != NULL;
}

gboolean
has_error (gpointer data)
{
  return leafscope_window_get_error (window) != NULL;
}

/* Opens @path and waits until its description is written. */
void
diagnose_path (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_free (photo_name);
  photo_name = g_path_get_basename (path);
  leafscope_window_open_files (window, &file, 1);
  g_assert_true (test_wait_for (diagnosis_done, NULL, 180));
}

/* A Beans validation photo of a rusted leaf that leaf-vit diagnoses with
 * confidence, or NULL (the test is skipped) without the shared dataset.  The
 * fixture photos are too small (unusable) or uncertain, and the uncertain
 * prompt does not fit gpt2-tiny's 128 positions. */
char *
beans_photo (const char *class_name, const char *name)
{
  g_autofree char *dir = ls_test_shared_dir ("datasets", "beans", "validation", class_name, NULL);
  if (dir == NULL)
    {
      g_test_skip ("no Beans validation photos in LEAFSCOPE_SHARED/datasets/beans");
      return NULL;
    }
  return g_build_filename (dir, name, NULL);
}

char *
leaf_photo (void)
{
  return beans_photo ("bean_rust", "bean_rust_val.1.jpg");
}

/* Opens leaf_photo() and waits for its description; FALSE: skipped. */
gboolean
diagnose_leaf (void)
{
  g_autofree char *path = leaf_photo ();

  if (path == NULL)
    return FALSE;
  diagnose_path (path);
  return TRUE;
}

gboolean
append_piece (int token_id, const char *piece, gpointer user_data)
{
  g_string_append (user_data, piece);
  return TRUE;
}

/* The description pane drops the spaces and newlines the first piece
 * starts with; nothing else. */
char *
as_shown (const char *text)
{
  while (*text == ' ' || *text == '\n')
    text++;
  return g_strdup (text);
}

/* What the engine writes for @path with @text_model, on its own: the text
 * model's generation defaults, at most @max_new_tokens (0: the model's
 * own), sampled with @seed, in the interface's language. */
char *
engine_description (const char *path, const char *text_model, int max_new_tokens, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsDiagnoser) engine = ls_diagnoser_new (vision_dir, text_model, &error);
  g_autoptr(LsImage) image = NULL;
  g_autoptr(LsDiagnosis) d = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  LsGenerateOptions options;

  g_assert_no_error (error);
  image = ls_image_load (path, &error);
  g_assert_no_error (error);
  d = ls_diagnoser_classify (engine, image, LS_SCOPE_DEFAULT_THRESHOLD, NULL, &error);
  g_assert_no_error (error);
  ls_diagnoser_init_generate_options (engine, &options);
  if (max_new_tokens > 0)
    options.max_new_tokens = max_new_tokens;
  options.seed = seed;
  g_assert_true (ls_diagnoser_describe (engine, d, leafscope_description_language (), &options,
                                        append_piece, text, NULL, NULL, &error));
  g_assert_no_error (error);
  return as_shown (text->str);
}

gboolean
strip_photo_done (gpointer data)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  const char *want = data;
  return diagnosis_done (NULL) && g_strcmp0 (leafscope_diagnose_view_get_photo_name (view), want) == 0;
}

gboolean
dataset_ready (gpointer data)
{
  LeafscopeDatasetView *view = leafscope_window_get_dataset_view (window);
  return leafscope_dataset_view_get_model (view) != NULL && !leafscope_dataset_view_get_loading (view)
         && leafscope_dataset_view_get_pending_thumbnails (view) == 0;
}

gboolean
evaluation_done (gpointer data)
{
  return !leafscope_dataset_view_get_evaluating (leafscope_window_get_dataset_view (window));
}

GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);
      if (found)
        return found;
    }
  return NULL;
}

GtkWidget *
find_descendant_named (GtkWidget *widget, const char *id)
{
  /* Template children carry their id as buildable id. */
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), id) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant_named (child, id);
      if (found)
        return found;
    }
  return NULL;
}

/* A dataset in a folder with train and validation splits. */
char *
make_split_dataset (void)
{
  const char *splits[] = { "train", "validation" };
  const char *classes[] = { "angular_leaf_spot", "bean_rust", "healthy" };
  g_autofree char *src = ls_test_fixture ("vit-tiny/input0.png", NULL);
  g_autofree char *data = NULL;
  char *root = g_build_filename (tmpdir, "splits", NULL);
  gsize len;

  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  for (int s = 0; s < 2; s++)
    for (int c = 0; c < 3; c++)
      for (int i = 0; i < 4; i++)
        {
          g_autofree char *dir = g_build_filename (root, splits[s], classes[c], NULL);
          g_autofree char *name = g_strdup_printf ("%s/p%d.png", dir, i);
          g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
          g_assert_true (g_file_set_contents (name, data, len, NULL));
        }
  return root;
}

/* A gpt2-tiny that samples by its own settings, as leaf-gpt2 does
 * (gpt2-tiny's generation_config.json is greedy). */
char *
sampling_text_model (const char *settings)
{
  return ls_test_gpt2_tiny_with ("generation_config.json", settings);
}

void
reset_settings (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i]; i++)
    g_settings_reset (settings, keys[i]);
}

void
fixture_setup (Fixture *f, gconstpointer data)
{
  GSettings *settings;
  const char *width = g_getenv ("LEAFSCOPE_SCREENSHOT_WIDTH");
  const char *height = g_getenv ("LEAFSCOPE_SCREENSHOT_HEIGHT");

  tmpdir = g_dir_make_tmp ("leafscope-gui-XXXXXX", NULL);
  static guint serial;
  g_autofree char *app_id = g_strdup_printf ("%s.Test%u", LEAFSCOPE_APP_ID, ++serial);
  g_autoptr(GError) error = NULL;

  app = leafscope_application_new ();
  /* A new bus name and object path for each test's application. */
  g_application_set_application_id (G_APPLICATION (app), app_id);
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      g_getenv ("LEAFSCOPE_SCREENSHOT_DARK") ? ADW_COLOR_SCHEME_FORCE_DARK
                                                                             : ADW_COLOR_SCHEME_FORCE_LIGHT);
  settings = leafscope_application_get_settings (app);
  /* The memory backend outlives the application: start from the defaults. */
  reset_settings (settings);
  g_settings_set_string (settings, "vision-model", vision_dir);
  if (g_getenv ("LEAFSCOPE_SCREENSHOT_TEXT_MODEL"))
    g_settings_set_string (settings, "text-model", g_getenv ("LEAFSCOPE_SCREENSHOT_TEXT_MODEL"));
  else
    g_settings_set_string (settings, "text-model", text_dir);
  /* Screenshots: the whole description, as a user gets it. */
  if (!g_getenv ("LEAFSCOPE_SCREENSHOT_DIR"))
    g_settings_set_int (settings, "max-new-tokens", 12);
  g_settings_set_int (settings, "window-width", width ? atoi (width) : 1200);
  g_settings_set_int (settings, "window-height", height ? atoi (height) : 760);
  /* GSettings delivers "changed" from the main loop: let the changes above
   * arrive before there is a window to react to them. */
  test_spin (0.1);
  window = leafscope_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  test_spin (0.3);
}

void
fixture_teardown (Fixture *f, gconstpointer data)
{
  GList *windows = gtk_window_list_toplevels ();

  /* Dialogs a test left open go first. */
  for (GList *l = windows; l; l = l->next)
    if (l->data != (gpointer) window)
      gtk_window_destroy (l->data);
  g_list_free (windows);
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  test_spin (0.2);
  /* Nothing keeps the window (and so its views and results) alive. */
  g_assert_finalize_object (window);
  window = NULL;
  g_application_quit (G_APPLICATION (app));
  /* Dispose joins the worker thread.  Not g_assert_finalize_object: a
   * registered GtkApplication keeps a reference of its own (a bare
   * AdwApplication has 2 after g_application_register and after quit,
   * measured with GTK 4.8 / libadwaita 1.2), so the window above is what
   * is checked. */
  g_clear_object (&app);
  ls_test_remove_tree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&photo_name, g_free);
}

void
run_test (Fixture *f, gconstpointer data)
{
  void (*test) (void) = (void (*) (void)) data;
  test ();
}

gboolean
test_gui_app_init (int *argc, char ***argv)
{
  g_setenv ("LANGUAGE", g_getenv ("LEAFSCOPE_TEST_LANGUAGE") ? g_getenv ("LEAFSCOPE_TEST_LANGUAGE") : "C", TRUE);
  if (g_getenv ("LEAFSCOPE_LOCALEDIR"))
    {
      /* Screenshots in another language: the build tree's catalogues. */
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LEAFSCOPE_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
    }
  if (!test_gui_init (argc, argv))
    return FALSE;
  adw_init ();
  vision_dir = test_model_dir ("leaf-vit");
  /* The fast random test model, except for screenshots, which show what the
   * shipped default ("": LEAFSCOPE_DATA_DIR/models/leaf-gpt2) writes. */
  if (g_getenv ("LEAFSCOPE_SCREENSHOT_DIR"))
    text_dir = g_strdup ("");
  else
    text_dir = g_build_filename (g_getenv ("LEAFSCOPE_FIXTURES"), "gpt2-tiny", NULL);
  if (vision_dir == NULL)
    {
      g_print ("1..0 # SKIP no leaf-vit model in LEAFSCOPE_DATA_DIR/models or LEAFSCOPE_SHARED/models\n");
      return FALSE;
    }
  return TRUE;
}
