/* test-gui-window.c: the application's window, end to end under Xvfb:
 * the empty state, keyboard, sizes and the narrow layout, Preferences,
 * actions and dialogs, model changes and bad models.  The Diagnose view's
 * tests are in test-gui-diagnose.c and test-gui-photos.c, the Dataset
 * view's in test-gui-dataset.c; all share test-gui-app.c's fixture.
 *
 * Each test gets a fresh application, settings and window (setup), and the
 * window must be finalized when it is closed (teardown), so every test runs
 * alone: `meson test --suite gui` or one of them with -p.  With
 * LEAFSCOPE_SCREENSHOT_DIR set, /Gui/Window/screenshots saves screenshots
 * (LEAFSCOPE_SCREENSHOT_PHOTO / _DATASET choose what is shown,
 * LEAFSCOPE_SCREENSHOT_WIDTH/_HEIGHT the window's size, _DARK the style). */
#include "config.h"

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

static void
test_empty_state (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  GActionGroup *actions = leafscope_diagnose_view_get_action_group (view);

  g_assert_null (leafscope_diagnose_view_get_diagnosis (view));
  g_assert_false (g_action_group_get_action_enabled (actions, "save-report"));
  g_assert_false (g_action_group_get_action_enabled (actions, "stop"));
  g_assert_null (leafscope_window_get_error (window));
  screenshot ("empty.png");
}

static void
test_photo_rect (void)
{
  graphene_rect_t r;

  /* Wide photo in a tall box: full width, centred vertically. */
  leafscope_photo_view_compute_rect (400, 200, 300, 300, &r);
  g_assert_cmpfloat (r.origin.x, ==, 0);
  g_assert_cmpfloat (r.size.width, ==, 300);
  g_assert_cmpfloat (r.size.height, ==, 150);
  g_assert_cmpfloat (r.origin.y, ==, 75);
  /* Tall photo in a wide box. */
  leafscope_photo_view_compute_rect (100, 200, 500, 100, &r);
  g_assert_cmpfloat (r.size.height, ==, 100);
  g_assert_cmpfloat (r.size.width, ==, 50);
  g_assert_cmpfloat (r.origin.x, ==, 225);
  leafscope_photo_view_compute_rect (0, 0, 10, 10, &r);
  g_assert_cmpfloat (r.size.width, ==, 0);
}

static void
test_bad_models (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  GSettings *settings = leafscope_application_get_settings (app);
  g_autofree char *missing = g_build_filename (tmpdir, "no-such-model", NULL);
  g_autofree char *p0 = ls_test_fixture ("vit-tiny/input0.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (p0);
  g_autofree char *text = NULL;

  /* A text model that does not load: the diagnosis still comes, the pane
   * says why there is no text, and no error banner. */
  g_settings_set_string (settings, "text-model", missing);
  leafscope_window_open_files (window, &file, 1);
  g_assert_true (test_wait_for (diagnosis_done, NULL, 120));
  g_assert_null (leafscope_window_get_error (window));
  text = leafscope_diagnose_view_dup_description (view);
  g_assert_cmpstr (text, ==, "");
  g_assert_nonnull (leafscope_diagnose_view_get_diagnosis (view));

  /* A vision model that does not load: said in the banner, naming it. */
  g_settings_set_string (settings, "vision-model", missing);
  leafscope_window_open_files (window, &file, 1);
  g_assert_true (test_wait_for (has_error, NULL, 60));
  g_test_message ("error banner: %s", leafscope_window_get_error (window));
  g_assert_nonnull (strstr (leafscope_window_get_error (window), missing));
  g_assert_false (leafscope_diagnose_view_get_busy (view));

  g_settings_set_string (settings, "vision-model", vision_dir);
  g_settings_set_string (settings, "text-model", text_dir);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "diagnose");
}

/* The description is asked for in the interface's language: the first
 * language name with a catalogue (pt* -> pt_BR; en*, C -> en). */
static void
test_description_language (void)
{
  const char *pt_br[] = { "pt_BR.UTF-8", "pt_BR", "pt", "C", NULL };
  const char *pt_pt[] = { "pt_PT", "pt", "C", NULL };
  const char *en[] = { "en_GB.UTF-8", "en_GB", "en", "C", NULL };
  const char *c[] = { "C", NULL };
  const char *de[] = { "de_DE", "de", "C", NULL };
  const char *de_pt[] = { "de_DE", "de", "pt_BR", "pt", "C", NULL };
  const char *empty[] = { NULL };
  const char *ui = g_getenv ("LEAFSCOPE_TEST_LANGUAGE");

  g_assert_cmpstr (leafscope_description_language_for (pt_br), ==, "pt_BR");
  g_assert_cmpstr (leafscope_description_language_for (pt_pt), ==, "pt_BR");
  g_assert_cmpstr (leafscope_description_language_for (en), ==, "en");
  g_assert_cmpstr (leafscope_description_language_for (c), ==, "en");
  g_assert_cmpstr (leafscope_description_language_for (de), ==, "en");
  g_assert_cmpstr (leafscope_description_language_for (de_pt), ==, "pt_BR");
  g_assert_cmpstr (leafscope_description_language_for (empty), ==, "en");
  g_assert_cmpstr (leafscope_description_language_for (NULL), ==, "en");
  /* This process: LANGUAGE is LEAFSCOPE_TEST_LANGUAGE or C (see main). */
  g_assert_cmpstr (leafscope_description_language (), ==,
                   ui && g_str_has_prefix (ui, "pt") ? "pt_BR" : "en");
}

/* With no text model chosen, the shipped leaf-gpt2 (LEAFSCOPE_DATA_DIR, as
 * meson devenv and the tests set it) writes the description. */
static void
test_default_text_model (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  GSettings *settings = leafscope_application_get_settings (app);
  const char *data = g_getenv ("LEAFSCOPE_DATA_DIR");
  g_autofree char *expected = data ? g_build_filename (data, "models", "leaf-gpt2", NULL) : NULL;
  g_autofree char *dir = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *text = NULL;
  g_autofree char *reference = NULL;

  if (expected == NULL || !g_file_test (expected, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no leaf-gpt2 in LEAFSCOPE_DATA_DIR/models");
      return;
    }
  /* A leaf it writes about (the fixture photos get the fixed guidance). */
  photo = leaf_photo ();
  if (photo == NULL)
    return;
  g_settings_set_string (settings, "text-model", "");
  dir = leafscope_application_dup_model_dir (app, "text-model");
  g_assert_cmpstr (dir, ==, expected);

  diagnose_path (photo);
  g_assert_null (leafscope_window_get_error (window));
  g_assert_cmpint (leafscope_diagnose_view_get_diagnosis (view)->status, ==, LS_DIAGNOSIS_DIAGNOSED);
  text = leafscope_diagnose_view_dup_description (view);
  g_test_message ("leaf-gpt2 wrote: %s", text);
  /* leaf-gpt2 samples (its generation_config.json): the same text as the
   * engine with the same seed, the engine's default for a new photo. */
  reference = engine_description (photo, expected, 12, LS_GENERATE_DEFAULT_SEED);
  g_assert_cmpuint (strlen (reference), >, 0);
  g_assert_cmpstr (text, ==, reference);

  g_settings_set_string (settings, "text-model", text_dir);
}

/* A new vision model diagnoses the shown photo again: the result shown is
 * always the current model's. */
static void
test_model_change (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  g_autofree char *copy = g_build_filename (tmpdir, "other-vit", NULL);
  g_autofree char *cmd = g_strdup_printf ("cp -r '%s' '%s'", vision_dir, copy);

  if (!diagnose_leaf ())
    return;
  g_assert_cmpstr (leafscope_result_get_vision_model (leafscope_diagnose_view_get_result (view)), ==, vision_dir);
  g_assert_cmpint (system (cmd), ==, 0);
  g_settings_set_string (leafscope_application_get_settings (app), "vision-model", copy);
  g_assert_null (leafscope_diagnose_view_get_diagnosis (view));
  g_assert_true (test_wait_for (diagnosis_done, NULL, 120));
  g_assert_cmpstr (leafscope_result_get_vision_model (leafscope_diagnose_view_get_result (view)), ==, copy);
}

static gboolean
focus_inside (GtkWidget *widget)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* Tab leaves the dataset grid in one press; the arrows move inside it. */
static void
test_keyboard (void)
{
  LeafscopeDatasetView *view = leafscope_window_get_dataset_view (window);
  g_autofree char *root = make_split_dataset ();
  GtkWidget *grid;
  GtkWidget *cell;

  leafscope_window_set_view (window, "dataset");
  leafscope_dataset_view_open_folder (view, root);
  g_assert_true (test_wait_for (dataset_ready, NULL, 60));
  test_spin (0.3);
  grid = leafscope_dataset_view_get_grid (view);
  /* Into the grid: its first cell. */
  cell = gtk_widget_get_first_child (grid);
  while (cell && !gtk_widget_get_focusable (cell))
    cell = gtk_widget_get_next_sibling (cell);
  g_assert_nonnull (cell);
  g_assert_true (gtk_widget_grab_focus (cell));
  g_assert_true (focus_inside (grid));
  /* An arrow moves inside. */
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_RIGHT));
  g_assert_true (focus_inside (grid));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) != cell);
  /* Tab (what the window does on Tab) leaves it, and so does Shift+Tab. */
  gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD);
  g_assert_false (focus_inside (grid));
  g_assert_true (gtk_widget_grab_focus (cell));
  gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_BACKWARD);
  g_assert_false (focus_inside (grid));
}

/* Controls keep their size while the state changes. */
static void
test_stable_sizes (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  LeafscopeDiagnoseView *v = view;
  GtkWidget *scale, *head;
  int scale_w, head_w;

  /* The head dropdown has its entry before any diagnosis (no "(None)"). */
  head = find_descendant_named (GTK_WIDGET (v), "head_dropdown");
  scale = find_descendant (GTK_WIDGET (v), GTK_TYPE_SCALE);
  g_assert_nonnull (head);
  g_assert_nonnull (gtk_drop_down_get_selected_item (GTK_DROP_DOWN (head)));
  if (!diagnose_leaf ())
    return;
  test_spin (0.2);
  scale_w = gtk_widget_get_width (scale);
  head_w = gtk_widget_get_width (head);
  g_assert_cmpint (scale_w, >=, 100);
  /* Another layer, another head: the slider keeps its width. */
  g_settings_set_string (leafscope_application_get_settings (app), "heatmap-method", "last-layer");
  g_settings_set_int (leafscope_application_get_settings (app), "heatmap-head", 2);
  test_spin (0.2);
  g_assert_cmpint (gtk_widget_get_width (scale), ==, scale_w);
  g_assert_cmpint (gtk_widget_get_width (head), ==, head_w);
  g_test_message ("slider %d px, head dropdown %d -> %d px", scale_w, head_w, gtk_widget_get_width (head));
  /* Regenerate keeps the description's room while it writes anew. */
  {
    GtkWidget *text = find_descendant (GTK_WIDGET (v), GTK_TYPE_TEXT_VIEW);
    int before = gtk_widget_get_height (text);
    g_assert_false (gtk_widget_get_focusable (text));
    g_action_group_activate_action (leafscope_diagnose_view_get_action_group (view), "regenerate", NULL);
    test_spin (0.1);
    g_assert_cmpint (gtk_widget_get_height (text), >=, before);
    g_assert_true (test_wait_for (diagnosis_done, NULL, 120));
  }
}

/* Usable at 360 x 640: the window can be that narrow, the photo goes above
 * the verdict, the switcher moves to the bottom. */
static void
test_narrow (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  int min_w;

  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
  g_test_message ("window minimum width: %d px", min_w);
  if (g_getenv ("DEBUG_MIN"))
    {
      GType types[] = { ADW_TYPE_HEADER_BAR, ADW_TYPE_VIEW_STACK, LEAFSCOPE_TYPE_DIAGNOSE_VIEW, LEAFSCOPE_TYPE_DATASET_VIEW, ADW_TYPE_VIEW_SWITCHER_BAR, ADW_TYPE_VIEW_SWITCHER_TITLE };
      for (guint i = 0; i < G_N_ELEMENTS (types); i++)
        {
          GtkWidget *w = find_descendant (GTK_WIDGET (window), types[i]);
          int m = -1;
          if (w)
            gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &m, NULL, NULL, NULL);
          g_printerr ("%s: %d\n", g_type_name (types[i]), m);
        }
    }
  g_assert_cmpint (min_w, <=, 360);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  if (!diagnose_leaf ())
    return;
  test_spin (0.5);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 360);
  g_assert_true (leafscope_diagnose_view_get_narrow (view));
  {
    graphene_rect_t photo, verdict;
    g_assert_true (gtk_widget_compute_bounds (leafscope_diagnose_view_get_photo_view (view), GTK_WIDGET (window), &photo));
    g_assert_true (gtk_widget_compute_bounds (leafscope_diagnose_view_get_prediction_list (view), GTK_WIDGET (window), &verdict));
    g_assert_cmpfloat (verdict.origin.y, >=, photo.origin.y + photo.size.height);
  }
  /* Nothing is squeezed below its minimum: the views' content fits. */
  {
    GtkWidget *views[] = { GTK_WIDGET (view), GTK_WIDGET (leafscope_window_get_dataset_view (window)) };
    g_autofree char *root = make_split_dataset ();
    leafscope_dataset_view_open_folder (leafscope_window_get_dataset_view (window), root);
    g_assert_true (test_wait_for (dataset_ready, NULL, 60));
    g_action_group_activate_action (G_ACTION_GROUP (window), "evaluate", NULL);
    g_assert_true (test_wait_for (evaluation_done, NULL, 300));
    for (guint i = 0; i < G_N_ELEMENTS (views); i++)
      {
        GtkWidget *content = gtk_widget_get_first_child (views[i]);
        int min;
        leafscope_window_set_view (window, i == 0 ? "diagnose" : "dataset");
        test_spin (0.5);
        gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
        g_test_message ("%s: minimum %d px, width %d px", G_OBJECT_TYPE_NAME (views[i]), min,
                        gtk_widget_get_width (views[i]));
        g_assert_cmpint (min, <=, gtk_widget_get_width (views[i]));
        screenshot (i == 0 ? "narrow-diagnose.png" : "narrow-dataset.png");
      }
  }
  leafscope_window_set_view (window, "diagnose");
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  test_spin (0.5);
  g_assert_false (leafscope_diagnose_view_get_narrow (view));
  {
    /* The wide layout fits from NARROW_WIDTH (720) on. */
    int min;
    gtk_widget_measure (gtk_widget_get_first_child (GTK_WIDGET (view)), GTK_ORIENTATION_HORIZONTAL, -1,
                        &min, NULL, NULL, NULL);
    g_test_message ("wide Diagnose view: minimum %d px", min);
    g_assert_cmpint (min, <=, 720);
  }
}

/* Screenshots only (LEAFSCOPE_SCREENSHOT_DIR): empty, diagnosed, dataset. */
static void
test_screenshots (void)
{
  const char *photo_env = g_getenv ("LEAFSCOPE_SCREENSHOT_PHOTO");
  const char *dataset_env = g_getenv ("LEAFSCOPE_SCREENSHOT_DATASET");

  screenshot ("empty.png");
  if (photo_env)
    {
      g_autoptr(GFile) file = g_file_new_for_path (photo_env);
      leafscope_window_open_files (window, &file, 1);
      g_assert_true (test_wait_for (diagnosis_done, NULL, 300));
      screenshot ("diagnosed.png");
      {
        /* The toast a saved report brings, with its Open button. */
        g_autoptr(GFile) report = g_file_new_for_path ("/tmp/leaf-report.png");
        g_signal_emit_by_name (leafscope_window_get_diagnose_view (window), "report-saved", report);
        test_spin (0.5);
        screenshot ("toast.png");
      }
      {
        /* The report as saved, to look at. */
        const char *suffix = g_getenv ("LEAFSCOPE_SCREENSHOT_SUFFIX");
        g_autofree char *name = g_strdup_printf ("report%s.png", suffix ? suffix : "");
        g_autofree char *path = g_build_filename (g_getenv ("LEAFSCOPE_SCREENSHOT_DIR"), name, NULL);
        g_autoptr(GFile) png = g_file_new_for_path (path);
        g_autoptr(GError) error = NULL;
        g_assert_true (leafscope_diagnose_view_write_report (leafscope_window_get_diagnose_view (window), png,
                                                             TRUE, &error));
        g_assert_no_error (error);
      }
    }
  if (dataset_env)
    {
      LeafscopeDatasetView *view = leafscope_window_get_dataset_view (window);
      leafscope_window_set_view (window, "dataset");
      leafscope_dataset_view_open_folder (view, dataset_env);
      g_assert_true (test_wait_for (dataset_ready, NULL, 60));
      screenshot ("dataset.png");
    }
}

static gboolean
spin_shows (gpointer data)
{
  GtkSpinButton *spin = data;
  double *want = g_object_get_data (G_OBJECT (spin), "test-want");
  return gtk_widget_get_sensitive (GTK_WIDGET (spin)) && fabs (gtk_spin_button_get_value (spin) - *want) < 1e-4; /* float settings */
}

/* Waits until @spin can be used and shows @want. */
static void
assert_spin_shows (GtkSpinButton *spin, double want)
{
  g_object_set_data (G_OBJECT (spin), "test-want", &want);
  if (!test_wait_for (spin_shows, spin, 60))
    g_error ("%s shows %g (%s), not %g", gtk_buildable_get_buildable_id (GTK_BUILDABLE (spin)),
             gtk_spin_button_get_value (spin),
             gtk_widget_get_sensitive (GTK_WIDGET (spin)) ? "sensitive" : "insensitive", want);
  g_object_set_data (G_OBJECT (spin), "test-want", NULL);
}

static gboolean
user_set (const char *key)
{
  g_autoptr(GVariant) value = g_settings_get_user_value (leafscope_application_get_settings (app), key);
  return value != NULL;
}

/* Preferences shows the values in effect: the text model's own sampling
 * settings and the engine's threshold where the user changed nothing, the
 * user's where they did; showing them stores nothing, and setting one back
 * to its default unsets it. */
static void
test_preferences_defaults (void)
{
  GSettings *settings = leafscope_application_get_settings (app);
  g_autofree char *text_model = sampling_text_model ("{\"do_sample\": true, \"temperature\": 0.7, "
                                                     "\"top_k\": 33, \"top_p\": 0.9}");
  LeafscopePreferences *prefs;
  GtkSpinButton *max_tokens, *temperature, *top_k, *top_p, *threshold;

  g_settings_set_string (settings, "text-model", text_model);
  prefs = leafscope_preferences_new (GTK_WINDOW (window), settings, leafscope_application_get_worker (app));
  gtk_window_present (GTK_WINDOW (prefs));
#define SPIN(id) GTK_SPIN_BUTTON (find_descendant_named (GTK_WIDGET (prefs), id))
  max_tokens = SPIN ("max_tokens_spin");
  temperature = SPIN ("temperature_spin");
  top_k = SPIN ("top_k_spin");
  top_p = SPIN ("top_p_spin");
  threshold = SPIN ("threshold_spin");
#undef SPIN
  assert_spin_shows (temperature, 0.7);
  assert_spin_shows (top_k, 33);
  assert_spin_shows (top_p, 90);
  /* The one setting the fixture changed. */
  assert_spin_shows (max_tokens, 12);
  assert_spin_shows (threshold, 100 * LS_SCOPE_DEFAULT_THRESHOLD);
  g_assert_false (user_set ("temperature"));
  g_assert_false (user_set ("top-k"));
  g_assert_false (user_set ("top-p"));
  g_assert_false (user_set ("uncertainty-threshold"));
  g_assert_true (user_set ("max-new-tokens"));
  screenshot_of (GTK_WINDOW (prefs), "preferences-defaults.png");

  gtk_spin_button_set_value (temperature, 1.2);
  g_assert_true (user_set ("temperature"));
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "temperature"), 1.2, 1e-9);
  gtk_spin_button_set_value (threshold, 75);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "uncertainty-threshold"), 0.75, 1e-9);
  gtk_spin_button_set_value (temperature, 0.7);
  g_assert_false (user_set ("temperature"));
  gtk_spin_button_set_value (threshold, 100 * LS_SCOPE_DEFAULT_THRESHOLD);
  g_assert_false (user_set ("uncertainty-threshold"));

  /* Another text model, other defaults (gpt2-tiny's: greedy, no limits),
   * shown once the worker has loaded it. */
  g_settings_set_string (settings, "text-model", text_dir);
  assert_spin_shows (temperature, 0.0);
  assert_spin_shows (top_k, 0);
  assert_spin_shows (top_p, 100);
  assert_spin_shows (max_tokens, 12);
  g_assert_false (user_set ("temperature"));

  g_object_ref (prefs);
  gtk_window_destroy (GTK_WINDOW (prefs));
  test_spin (0.1);
  g_assert_finalize_object (prefs);
  ls_test_remove_tree (text_model);
}

static void
test_preferences_bad_model (void)
{
  LeafscopePreferences *prefs = leafscope_preferences_new (GTK_WINDOW (window), leafscope_application_get_settings (app),
                                                           leafscope_application_get_worker (app));
  g_autofree char *before = g_settings_get_string (leafscope_application_get_settings (app), "vision-model");
  g_autofree char *after = NULL;

  gtk_window_present (GTK_WINDOW (prefs));
  /* Percentages, as everywhere else, for the 0..1 settings. */
  g_settings_set_double (leafscope_application_get_settings (app), "uncertainty-threshold", 0.65);
  g_assert_cmpfloat_with_epsilon (leafscope_preferences_get_threshold_percent (prefs), 65.0, 1e-9);
  leafscope_preferences_try_model (prefs, TRUE, tmpdir);
  while (leafscope_preferences_get_checking (prefs))
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("preferences: %s", leafscope_preferences_get_message (prefs));
  /* The message names the folder and the missing file. */
  g_assert_nonnull (strstr (leafscope_preferences_get_message (prefs), tmpdir));
  g_assert_nonnull (strstr (leafscope_preferences_get_message (prefs), "config.json"));
  after = g_settings_get_string (leafscope_application_get_settings (app), "vision-model");
  g_assert_cmpstr (before, ==, after);
  test_spin (0.5);
  screenshot_of (GTK_WINDOW (prefs), "preferences.png");
  /* Closed, it is gone: nothing keeps it (its model check is cancelled). */
  g_object_ref (prefs);
  gtk_window_destroy (GTK_WINDOW (prefs));
  test_spin (0.1);
  g_assert_finalize_object (prefs);
}

static void
test_actions_and_dialogs (void)
{
  GtkApplication *gapp = GTK_APPLICATION (app);
  struct { const char *accel; const char *action; } accels[] = {
    { "<Control>o", "win.open" },
    { "<Control>v", "win.paste" },
    { "<Control>s", "diagnose.save-report" },
    { "<Control>comma", "app.preferences" },
    { "<Control>question", "win.show-help-overlay" },
    { "<Control>q", "app.quit" },
    { "<Alt>1", "win.view::diagnose" },
    { "<Alt>2", "win.view::dataset" },
    { "Escape", "diagnose.stop" },
    { "<Control>r", "diagnose.regenerate" },
  };
  GList *before, *after;

  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    {
      g_auto(GStrv) actions = gtk_application_get_actions_for_accel (gapp, accels[i].accel);
      g_assert_nonnull (actions);
      g_assert_true (g_strv_contains ((const char * const *) actions, accels[i].action));
    }
  /* The shortcuts window comes from the resources. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));

  g_action_group_activate_action (G_ACTION_GROUP (window), "view", g_variant_new_string ("dataset"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "view", g_variant_new_string ("diagnose"));

  before = gtk_window_list_toplevels ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-help-overlay", NULL);
  test_spin (0.5);
  after = gtk_window_list_toplevels ();
  /* About and Preferences are new; the shortcuts window exists from the
   * start (GtkApplicationWindow makes it hidden) and is now shown. */
  g_assert_cmpuint (g_list_length (after), ==, g_list_length (before) + 2);
  for (GList *l = after; l; l = l->next)
    if (!g_list_find (before, l->data) || GTK_IS_SHORTCUTS_WINDOW (l->data))
      {
        GtkWindow *w = l->data;
        if (ADW_IS_ABOUT_WINDOW (w))
          {
            screenshot_of (w, "about.png");
            g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (w)), ==, PACKAGE_VERSION);
          }
        else if (GTK_IS_SHORTCUTS_WINDOW (w))
          {
            g_assert_true (gtk_widget_get_visible (GTK_WIDGET (w)));
            screenshot_of (w, "shortcuts.png");
          }
        if (GTK_IS_SHORTCUTS_WINDOW (w))
          gtk_widget_set_visible (GTK_WIDGET (w), FALSE);
        else
          {
            /* Closed, nothing keeps About or Preferences. */
            g_object_ref (w);
            gtk_window_destroy (w);
            test_spin (0.1);
            g_assert_finalize_object (w);
          }
      }
  g_list_free (before);
  g_list_free (after);
  test_spin (0.2);
}

int
main (int argc, char *argv[])
{
  if (!test_gui_app_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Gui/Window/photo-rect", test_photo_rect);
  g_test_add_func ("/Gui/Window/description-language", test_description_language);
  ADD ("/Gui/Window/empty-state", test_empty_state);
  ADD ("/Gui/Window/model-change", test_model_change);
  ADD ("/Gui/Window/keyboard", test_keyboard);
  ADD ("/Gui/Window/stable-sizes", test_stable_sizes);
  ADD ("/Gui/Window/narrow", test_narrow);
  ADD ("/Gui/Window/preferences-bad-model", test_preferences_bad_model);
  ADD ("/Gui/Window/preferences-defaults", test_preferences_defaults);
  ADD ("/Gui/Window/actions-and-dialogs", test_actions_and_dialogs);
  ADD ("/Gui/Window/bad-models", test_bad_models);
  ADD ("/Gui/Window/default-text-model", test_default_text_model);
  if (g_getenv ("LEAFSCOPE_SCREENSHOT_DIR"))
    ADD ("/Gui/Window/screenshots", test_screenshots);
  return g_test_run ();
}
