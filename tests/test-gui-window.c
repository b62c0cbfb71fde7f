/* test-gui-window.c: the application's window, end to end under Xvfb.
 *
 * Each test gets a fresh application, settings and window (setup), and the
 * window must be finalized when it is closed (teardown), so every test runs
 * alone: `meson test --suite gui` or one of them with -p.  Opens photos,
 * waits for the diagnosis and the streamed description, checks the widgets
 * against the engine run directly, saves the report, evaluates a small
 * dataset made here.  With LEAFSCOPE_SCREENSHOT_DIR set, saves screenshots
 * (LEAFSCOPE_SCREENSHOT_PHOTO / _DATASET choose what is shown,
 * LEAFSCOPE_SCREENSHOT_WIDTH/_HEIGHT the window's size, _DARK the style). */
#include "config.h"

#include "test-gui-common.h"
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

static LeafscopeApplication *app;
static LeafscopeWindow *window;
static char *vision_dir;
static char *text_dir;
static char *tmpdir;
static char *photo_name;

/* A fresh application and window for each test: the globals above point at
 * the fixture's. */
typedef struct { int unused; } Fixture;

static void
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

static void
screenshot (const char *name)
{
  screenshot_of (GTK_WINDOW (window), name);
}

static gboolean
diagnosis_done (gpointer data)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  return leafscope_diagnose_view_get_diagnosis (view) != NULL && !leafscope_diagnose_view_get_busy (view);
}

static gboolean
has_diagnosis (gpointer data)
{
  return leafscope_diagnose_view_get_diagnosis (leafscope_window_get_diagnose_view (window)) != NULL;
}

static gboolean
has_text (gpointer data)
{
  g_autofree char *text = leafscope_diagnose_view_dup_description (leafscope_window_get_diagnose_view (window));
  return *text != '\0';
}

static gboolean
has_error (gpointer data)
{
  return leafscope_window_get_error (window) != NULL;
}

/* Opens @path and waits until its description is written. */
static void
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
static char *
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

static char *
leaf_photo (void)
{
  return beans_photo ("bean_rust", "bean_rust_val.1.jpg");
}

/* Opens leaf_photo() and waits for its description; FALSE: skipped. */
static gboolean
diagnose_leaf (void)
{
  g_autofree char *path = leaf_photo ();

  if (path == NULL)
    return FALSE;
  diagnose_path (path);
  return TRUE;
}

/* A scene made here: sky (a gradient) over brown ground, no leaf. */
static char *
make_scene (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  char *path = g_build_filename (tmpdir, "scene.png", NULL);
  guint8 *px = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 320; x++)
      {
        guint8 *p = px + y * stride + x * 3;
        if (y < 160)
          {
            p[0] = 90 + y / 2;
            p[1] = 140 + y * 3 / 10;
            p[2] = 230 - y * 4 / 10;
          }
        else
          {
            p[0] = 110;
            p[1] = 90;
            p[2] = 60;
          }
      }
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL));
  return path;
}

/* A JPEG cut off halfway, made here from a pattern. */
static char *
make_truncated_jpeg (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  char *path = g_build_filename (tmpdir, "cut-off.jpg", NULL);
  guint8 *px = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  g_autofree char *buffer = NULL;
  gsize size;

  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 320; x++)
      {
        guint8 *p = px + y * stride + x * 3;
        p[0] = (x * 7 + y * 3) & 0xff;
        p[1] = 60 + ((x ^ y) & 0x7f);
        p[2] = (y * 5) & 0xff;
      }
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "jpeg", NULL, "quality", "90", NULL));
  g_assert_true (g_file_set_contents (path, buffer, size / 2, NULL));
  return path;
}

/* The calm state in place of the verdict: no bars, no overlay, the fixed
 * guidance as the description, the same status as the engine's. */
static void
assert_not_judged (LsDiagnosisStatus status, const char *title, const char *reason_words)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  LeafscopePredictionList *list = LEAFSCOPE_PREDICTION_LIST (leafscope_diagnose_view_get_prediction_list (view));
  const LsDiagnosis *d = leafscope_diagnose_view_get_diagnosis (view);
  g_autofree char *text = leafscope_diagnose_view_dup_description (view);
  g_autofree char *expected = NULL;

  g_assert_nonnull (d);
  g_assert_cmpint (d->status, ==, status);
  g_assert_cmpstr (leafscope_prediction_list_get_state (list), ==, "status");
  g_assert_cmpstr (leafscope_diagnose_view_get_verdict (view), ==, title);
  g_test_message ("%s: %s", title, leafscope_prediction_list_get_detail (list));
  g_assert_nonnull (strstr (leafscope_prediction_list_get_detail (list), reason_words));
  g_assert_nonnull (strstr (leafscope_prediction_list_get_detail (list), "filling the frame"));
  for (int i = 0; i < d->n_labels; i++)
    g_assert_cmpfloat (leafscope_diagnose_view_get_bar_fraction (view, d->labels[i]), ==, -1.0);
  g_assert_null (leafscope_photo_view_get_heatmap (LEAFSCOPE_PHOTO_VIEW (leafscope_diagnose_view_get_photo_view (view))));
  /* No disease description: the engine's fixed guidance. */
  expected = ls_diagnosis_status_text (d, "en");
  g_assert_nonnull (expected);
  g_assert_cmpstr (g_strstrip (text), ==, g_strstrip (expected));
  g_assert_null (leafscope_window_get_error (window));
  /* Nothing to write again. */
  g_assert_false (g_action_group_get_action_enabled (leafscope_diagnose_view_get_action_group (view), "regenerate"));
}

static void
test_not_a_leaf (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  g_autofree char *path = make_scene ();
  g_autofree char *png_path = g_build_filename (tmpdir, "scene-report.png", NULL);
  g_autofree char *md_path = g_build_filename (tmpdir, "scene-report.md", NULL);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *md = NULL;

  diagnose_path (path);
  assert_not_judged (LS_DIAGNOSIS_NOT_A_LEAF, "Not a Bean Leaf Photo", "does not look like");
  screenshot ("not-a-leaf.png");

  /* The report carries the status and no class table. */
  g_assert_true (leafscope_diagnose_view_write_report (view, png, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (md_path, &md, NULL, NULL));
  g_assert_nonnull (strstr (md, "**Not a Bean Leaf Photo**"));
  g_assert_nonnull (strstr (md, "not_a_leaf (out_of_scope)"));
  g_assert_null (strstr (md, "| Class |"));
  g_assert_null (strstr (md, "What to do:"));
  g_assert_null (strstr (md, "Machine-written description"));
}

static void
test_unusable (void)
{
  g_autofree char *path = make_truncated_jpeg ();

  diagnose_path (path);
  assert_not_judged (LS_DIAGNOSIS_UNUSABLE, "This Photo Cannot Be Judged", "damaged");
  screenshot ("unusable.png");
}

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

static gboolean
append_piece (int token_id, const char *piece, gpointer user_data)
{
  g_string_append (user_data, piece);
  return TRUE;
}

/* The description pane drops the spaces and newlines the first piece
 * starts with; nothing else. */
static char *
as_shown (const char *text)
{
  while (*text == ' ' || *text == '\n')
    text++;
  return g_strdup (text);
}

/* What the engine writes for @path with @text_model, on its own: the text
 * model's generation defaults, at most @max_new_tokens (0: the model's
 * own), sampled with @seed, in the interface's language. */
static char *
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

static void
test_diagnose (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  const char *photo_env = g_getenv ("LEAFSCOPE_SCREENSHOT_PHOTO");
  g_autofree char *path = photo_env ? g_strdup (photo_env) : leaf_photo ();
  g_autoptr(GFile) file = NULL;
  g_autoptr(LsDiagnoser) engine = NULL;
  g_autoptr(LsImage) image = NULL;
  g_autoptr(LsDiagnosis) reference = NULL;
  g_autoptr(GError) error = NULL;
  const LsDiagnosis *d;
  double sum = 0;
  g_autofree char *text = NULL;

  if (path == NULL)
    return;
  file = g_file_new_for_path (path);
  photo_name = g_path_get_basename (path);
  /* Through the application, as the file manager's Open With would. */
  g_application_open (G_APPLICATION (app), &file, 1, "");
  g_assert_true (test_wait_for (has_diagnosis, NULL, 120));
  d = leafscope_diagnose_view_get_diagnosis (view);
  g_assert_cmpint (d->n_labels, ==, 3);

  /* The text streams: some arrives before generation ends. */
  g_assert_true (test_wait_for (has_text, NULL, 120));
  g_assert_true (test_wait_for (diagnosis_done, NULL, 180));
  text = leafscope_diagnose_view_dup_description (view);
  g_test_message ("description: %s", text);
  g_assert_null (leafscope_window_get_error (window));
  /* One pass through the vision model for this photo. */
  g_assert_cmpuint (leafscope_worker_get_n_vision_passes (leafscope_application_get_worker (app)), ==, 1);

  /* The same numbers as the engine run directly on the same photo. */
  engine = ls_diagnoser_new (vision_dir, NULL, &error);
  g_assert_no_error (error);
  image = ls_image_load (path, &error);
  g_assert_no_error (error);
  reference = ls_diagnoser_classify (engine, image, LS_SCOPE_DEFAULT_THRESHOLD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->top_index, ==, reference->top_index);
  for (int i = 0; i < d->n_labels; i++)
    {
      double fraction = leafscope_diagnose_view_get_bar_fraction (view, d->labels[i]);
      g_assert_cmpfloat_with_epsilon (fraction, reference->probs[i], 1e-5);
      sum += fraction;
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  g_assert_cmpfloat (leafscope_diagnose_view_get_bar_fraction (view, "no_such_class"), ==, -1.0);

  /* The description is the engine's, word for word: the text model's
   * defaults, the one setting changed here (12 tokens), seed 42 for a new
   * photo. */
  if (photo_env == NULL)
    {
      g_autofree char *expected = engine_description (path, text_dir, 12, 42);
      g_assert_cmpuint (strlen (expected), >, 0);
      g_assert_cmpstr (text, ==, expected);
    }

  /* The verdict names the class in words, or says it is uncertain. */
  {
    const char *verdict = leafscope_diagnose_view_get_verdict (view);
    static const char *names[] = { "Angular leaf spot", "Bean rust", "Healthy" };
    if (reference->uncertain)
      g_assert_cmpstr (verdict, ==, g_dgettext (GETTEXT_PACKAGE, "Uncertain result"));
    else
      g_assert_cmpstr (verdict, ==, g_dgettext (GETTEXT_PACKAGE, names[reference->top_index]));
  }

  /* The overlay is there and drawn over the photo's own rectangle.  On this
   * photo no single region moves the diagnosis by 2 points (about 1 at
   * most): the evidence layer shows no hot spot and says so; the attention
   * layer is drawn. */
  {
    LeafscopePhotoView *pv = LEAFSCOPE_PHOTO_VIEW (leafscope_diagnose_view_get_photo_view (view));
    LeafscopePredictionList *list = LEAFSCOPE_PREDICTION_LIST (leafscope_diagnose_view_get_prediction_list (view));
    GdkTexture *photo = leafscope_photo_view_get_photo (pv);
    GdkTexture *heat;
    if (photo_env == NULL)
      {
        g_assert_cmpfloat (leafscope_diagnose_view_get_evidence (view)->max_points, <, LS_EVIDENCE_MIN_POINTS);
        g_assert_null (leafscope_photo_view_get_heatmap (pv));
        g_assert_true (g_str_has_prefix (leafscope_prediction_list_get_note (list),
                                         "No single region decides this diagnosis"));
      }
    g_settings_set_string (leafscope_application_get_settings (app), "heatmap-method", "rollout");
    heat = leafscope_photo_view_get_heatmap (pv);
    g_assert_nonnull (photo);
    g_assert_nonnull (heat);
    /* Same aspect (to a pixel) so that stretching it over the photo keeps cells square. */
    g_assert_cmpfloat_with_epsilon ((double) gdk_texture_get_width (heat) / gdk_texture_get_height (heat),
                                    (double) gdk_texture_get_width (photo) / gdk_texture_get_height (photo), 0.01);
  }

  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "diagnose.save-report") ||
                 g_action_group_get_action_enabled (leafscope_diagnose_view_get_action_group (view), "save-report"));
  g_assert_true (g_action_group_get_action_enabled (leafscope_diagnose_view_get_action_group (view), "regenerate"));
  screenshot ("diagnosed.png");

  /* Method and head: each choice draws another map. */
  {
    LeafscopePhotoView *pv = LEAFSCOPE_PHOTO_VIEW (leafscope_diagnose_view_get_photo_view (view));
    GSettings *settings = leafscope_application_get_settings (app);
    GdkTexture *rollout;
    GdkTexture *mean;

    g_settings_set_string (settings, "heatmap-method", "rollout");
    rollout = g_object_ref (leafscope_photo_view_get_heatmap (pv));

    g_settings_set_string (settings, "heatmap-method", "last-layer");
    mean = g_object_ref (leafscope_photo_view_get_heatmap (pv));
    g_assert_true (mean != rollout);
    g_settings_set_int (settings, "heatmap-head", 1);
    g_assert_cmpint (g_settings_get_int (settings, "heatmap-head"), ==, 1);
    g_settings_set_string (settings, "heatmap-method", "rollout");
    g_settings_set_string (settings, "heatmap-method", "last-layer");
    g_assert_true (leafscope_photo_view_get_heatmap (pv) != mean);
    g_settings_set_int (settings, "heatmap-head", -1);
    g_settings_set_string (settings, "heatmap-method", "evidence");
    /* Replaced maps are let go once a frame shows the new one. */
    test_spin (0.2);
    g_assert_finalize_object (rollout);
    g_assert_finalize_object (mean);
  }
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
test_stop_regenerate (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  GActionGroup *group = leafscope_diagnose_view_get_action_group (view);
  LeafscopeWorker *worker = leafscope_application_get_worker (app);
  LeafscopeResult *before_result;
  guint gen;

  if (!diagnose_leaf ())
    return;
  before_result = leafscope_diagnose_view_get_result (view);
  g_action_group_activate_action (group, "regenerate", NULL);
  g_assert_true (leafscope_diagnose_view_get_generating (view));
  g_assert_true (g_action_group_get_action_enabled (group, "stop"));
  gen = leafscope_worker_get_generation (leafscope_application_get_worker (app));
  g_action_group_activate_action (group, "stop", NULL);
  g_assert_false (leafscope_diagnose_view_get_generating (view));
  /* Whatever the cancelled job still posts is dropped: nothing changes. */
  {
    g_autofree char *before = leafscope_diagnose_view_dup_description (view);
    g_autofree char *after = NULL;
    test_spin (1.0);
    after = leafscope_diagnose_view_dup_description (view);
    g_assert_cmpstr (before, ==, after);
  }
  g_assert_cmpuint (leafscope_worker_get_generation (leafscope_application_get_worker (app)), ==, gen);
  g_assert_nonnull (leafscope_diagnose_view_get_diagnosis (view));

  /* Regenerate to the end: the same result, still one vision pass. */
  g_action_group_activate_action (group, "regenerate", NULL);
  g_assert_true (test_wait_for (diagnosis_done, NULL, 120));
  g_assert_true (leafscope_diagnose_view_get_result (view) == before_result);
  g_assert_cmpuint (leafscope_worker_get_n_vision_passes (worker), ==, 1);
}

static void
test_save_report (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  g_autofree char *png_path = g_build_filename (tmpdir, "leaf-report.png", NULL);
  g_autofree char *md_path = g_build_filename (tmpdir, "leaf-report.md", NULL);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *md = NULL;
  g_autofree char *photo = leaf_photo ();
  g_autoptr(GdkPixbuf) shown = photo ? gdk_pixbuf_new_from_file (photo, NULL) : NULL;
  g_autoptr(GdkPixbuf) saved = NULL;

  if (!diagnose_leaf ())
    return;
  /* A layer with a map on this photo (its evidence has no deciding region). */
  g_settings_set_string (leafscope_application_get_settings (app), "heatmap-method", "rollout");
  g_assert_true (leafscope_diagnose_view_write_report (view, png, FALSE, &error));
  g_assert_no_error (error);
  /* The image: the photo with its overlay on top, and below it the panel
   * (verdict, bars, legend, models): taller than the photo, and the legend's
   * colour map (the inferno map's bright yellow end) is in it. */
  saved = gdk_pixbuf_new_from_file (png_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_height (saved), >, gdk_pixbuf_get_height (shown) + 100);
  {
    const guint8 *px = gdk_pixbuf_read_pixels (saved);
    int stride = gdk_pixbuf_get_rowstride (saved), n = gdk_pixbuf_get_n_channels (saved);
    gboolean yellow = FALSE, dark_text = FALSE;
    for (int y = gdk_pixbuf_get_height (shown); y < gdk_pixbuf_get_height (saved); y++)
      for (int x = 0; x < gdk_pixbuf_get_width (saved); x++)
        {
          const guint8 *p = px + y * stride + x * n;
          yellow |= p[0] > 230 && p[1] > 220 && p[2] < 140;
          dark_text |= p[0] < 60 && p[1] < 60 && p[2] < 60;
        }
    g_assert_true (yellow);
    g_assert_true (dark_text);
  }
  g_assert_true (g_file_get_contents (md_path, &md, NULL, NULL));
  g_assert_true (g_str_has_prefix (md, "# "));
  g_assert_nonnull (strstr (md, g_dgettext (GETTEXT_PACKAGE, "Leafscope report")));
  g_assert_nonnull (strstr (md, photo_name));
  /* The Markdown shows the image. */
  g_assert_nonnull (strstr (md, "](leaf-report.png)"));
  g_assert_false (leafscope_diagnose_view_write_report (view, png, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
}

static void
test_bad_file (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "not-a-photo.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  LeafscopePredictionList *list = LEAFSCOPE_PREDICTION_LIST (leafscope_diagnose_view_get_prediction_list (view));

  if (!diagnose_leaf ())
    return;
  g_assert_true (g_file_set_contents (path, "this is text", -1, NULL));
  leafscope_window_open_files (window, &file, 1);
  g_assert_true (test_wait_for (has_error, NULL, 30));
  g_test_message ("error: %s", leafscope_window_get_error (window));
  g_assert_nonnull (strstr (leafscope_window_get_error (window), "not-a-photo.jpg"));
  /* In place of a diagnosis: the previous one is gone, the error is there. */
  g_assert_null (leafscope_diagnose_view_get_diagnosis (view));
  g_assert_cmpstr (leafscope_prediction_list_get_state (list), ==, "status");
  g_assert_nonnull (strstr (leafscope_prediction_list_get_detail (list), "not-a-photo.jpg"));
  g_assert_cmpstr (leafscope_diagnose_view_get_photo_name (view), ==, "not-a-photo.jpg");
  screenshot ("bad-file.png");
}


static gboolean
strip_photo_done (gpointer data)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  const char *want = data;
  return diagnosis_done (NULL) && g_strcmp0 (leafscope_diagnose_view_get_photo_name (view), want) == 0;
}

static void
test_several_photos (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  g_autofree char *p0 = ls_test_fixture ("vit-tiny/input0.png", NULL);
  g_autofree char *p1 = ls_test_fixture ("vit-tiny/input1.png", NULL);
  g_autofree char *p2 = ls_test_fixture ("vit-tiny/input2.png", NULL);
  GFile *files[3];
  g_autoptr(LsDiagnoser) engine = ls_diagnoser_new (vision_dir, NULL, NULL);
  g_autoptr(LsImage) image = ls_image_load (p1, NULL);
  g_autoptr(LsDiagnosis) reference = ls_diagnoser_classify (engine, image, LS_SCOPE_DEFAULT_THRESHOLD, NULL, NULL);
  const LsDiagnosis *d;

  files[0] = g_file_new_for_path (p0);
  files[1] = g_file_new_for_path (p1);
  files[2] = g_file_new_for_path (p2);
  leafscope_window_open_files (window, files, 3);
  g_assert_cmpuint (leafscope_diagnose_view_get_n_photos (view), ==, 3);
  /* Step on at once: the first photo's job is cancelled, and nothing of it
   * may show up for the second. */
  g_action_group_activate_action (leafscope_diagnose_view_get_action_group (view), "step", g_variant_new_int32 (1));
  g_assert_true (test_wait_for (strip_photo_done, (gpointer) "input1.png", 120));
  test_spin (0.5);
  d = leafscope_diagnose_view_get_diagnosis (view);
  g_assert_cmpstr (leafscope_diagnose_view_get_photo_name (view), ==, "input1.png");
  for (int i = 0; i < d->n_labels; i++)
    g_assert_cmpfloat_with_epsilon (d->probs[i], reference->probs[i], 1e-5);
  /* The ends of the strip. */
  g_assert_true (leafscope_diagnose_view_step (view, 1));
  g_assert_false (leafscope_diagnose_view_step (view, 1));
  g_assert_true (test_wait_for (strip_photo_done, (gpointer) "input2.png", 120));
  screenshot ("strip.png");

  /* Another Open appends (a file already there is not added twice), and
   * shows the first new photo. */
  {
    g_autofree char *extra = g_build_filename (tmpdir, "extra.png", NULL);
    g_autofree char *data = NULL;
    gsize len;
    GFile *more[2];
    g_assert_true (g_file_get_contents (p0, &data, &len, NULL));
    g_assert_true (g_file_set_contents (extra, data, len, NULL));
    more[0] = files[1];
    more[1] = g_file_new_for_path (extra);
    leafscope_window_open_files (window, more, 2);
    g_assert_cmpuint (leafscope_diagnose_view_get_n_photos (view), ==, 4);
    g_assert_true (test_wait_for (strip_photo_done, (gpointer) "input1.png", 120));
    g_object_unref (more[1]);
  }
  /* Clear all: back to the empty state. */
  g_action_group_activate_action (leafscope_diagnose_view_get_action_group (view), "clear-photos", NULL);
  g_assert_cmpuint (leafscope_diagnose_view_get_n_photos (view), ==, 0);
  g_assert_null (leafscope_diagnose_view_get_diagnosis (view));
  g_assert_null (leafscope_diagnose_view_get_photo_name (view));
  for (int i = 0; i < 3; i++)
    g_object_unref (files[i]);
}

static void
test_paste (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  g_autofree char *path = ls_test_fixture ("vit-tiny/input2.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autoptr(LsDiagnoser) engine = ls_diagnoser_new (vision_dir, NULL, NULL);
  g_autoptr(LsImage) image = ls_image_load (path, NULL);
  g_autoptr(LsDiagnosis) reference = ls_diagnoser_classify (engine, image, LS_SCOPE_DEFAULT_THRESHOLD, NULL, NULL);
  const LsDiagnosis *d;

  g_autofree char *p0 = ls_test_fixture ("vit-tiny/input0.png", NULL);
  g_autofree char *p1 = ls_test_fixture ("vit-tiny/input1.png", NULL);
  GFile *files[2] = { g_file_new_for_path (p0), g_file_new_for_path (p1) };

  g_assert_no_error (error);
  leafscope_window_open_files (window, files, 2);
  g_object_unref (files[0]);
  g_object_unref (files[1]);
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (window)), texture);
  g_action_group_activate_action (G_ACTION_GROUP (window), "paste", NULL);
  g_assert_true (test_wait_for (strip_photo_done, (gpointer) g_dgettext (GETTEXT_PACKAGE, "Pasted image"), 120));
  d = leafscope_diagnose_view_get_diagnosis (view);
  /* The pixels went through the texture: the same photo, the same result. */
  for (int i = 0; i < d->n_labels; i++)
    g_assert_cmpfloat_with_epsilon (d->probs[i], reference->probs[i], 1e-4);
  /* Pasting does not replace the strip. */
  g_assert_cmpuint (leafscope_diagnose_view_get_n_photos (view), ==, 2);
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
   * engine with the same seed, 42 for a new photo. */
  reference = engine_description (photo, expected, 12, 42);
  g_assert_cmpuint (strlen (reference), >, 0);
  g_assert_cmpstr (text, ==, reference);

  g_settings_set_string (settings, "text-model", text_dir);
}

static gboolean
dataset_ready (gpointer data)
{
  LeafscopeDatasetView *view = leafscope_window_get_dataset_view (window);
  return leafscope_dataset_view_get_model (view) != NULL && !leafscope_dataset_view_get_loading (view)
         && leafscope_dataset_view_get_pending_thumbnails (view) == 0;
}

static gboolean
evaluation_done (gpointer data)
{
  return !leafscope_dataset_view_get_evaluating (leafscope_window_get_dataset_view (window));
}

static void
copy_file (const char *src, const char *class_name, const char *to)
{
  g_autofree char *dir = g_build_filename (tmpdir, "dataset", class_name, NULL);
  g_autofree char *dst = g_build_filename (dir, to, NULL);
  g_autofree char *data = NULL;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  g_assert_true (g_file_set_contents (dst, data, len, NULL));
}

static void
copy_fixture (const char *from, const char *class_name, const char *to)
{
  g_autofree char *src = ls_test_fixture (from, NULL);
  copy_file (src, class_name, to);
}

static GtkWidget *
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

static GtkWidget *
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

static void
test_dataset (void)
{
  LeafscopeDatasetView *view = leafscope_window_get_dataset_view (window);
  const char *dataset_env = g_getenv ("LEAFSCOPE_SCREENSHOT_DATASET");
  g_autofree char *folder = g_build_filename (tmpdir, "dataset", NULL);
  g_autoptr(LsDiagnoser) engine = NULL;
  LeafscopeEvaluation *ev;
  LeafscopeDatasetModel *model;
  guint n, total = 0, correct = 0, diagnosed = 0, n_photos = 5;
  g_autofree char *leaf = leaf_photo ();

  copy_fixture ("vit-tiny/input0.png", "angular_leaf_spot", "a0.png");
  copy_fixture ("vit-tiny/input1.png", "angular_leaf_spot", "a1.png");
  copy_fixture ("vit-tiny/input2.png", "bean_rust", "r2.png");
  copy_fixture ("vit-tiny/input0.png", "bean_rust", "r0.png");
  copy_fixture ("vit-tiny/input1.png", "healthy", "h1.png");
  /* The fixture photos are all flagged (too small, or uncertain): one real
   * leaf, when there is one, is diagnosed. */
  if (leaf)
    {
      copy_file (leaf, "bean_rust", "rust.jpg");
      n_photos++;
    }

  g_action_group_activate_action (G_ACTION_GROUP (window), "view", g_variant_new_string ("dataset"));
  leafscope_dataset_view_open_folder (view, dataset_env ? dataset_env : folder);
  g_assert_true (test_wait_for (dataset_ready, NULL, 60));
  model = leafscope_dataset_view_get_model (view);
  if (dataset_env == NULL)
    {
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n_photos);
      g_assert_cmpuint (g_list_model_get_n_items (leafscope_dataset_view_get_shown (view)), ==, n_photos);
    }
  {
    g_autofree char *last = g_settings_get_string (leafscope_application_get_settings (app), "last-dataset");
    g_assert_cmpstr (last, ==, dataset_env ? dataset_env : folder);
  }
  /* Visible cells got thumbnails. */
  {
    g_autoptr(LeafscopeDatasetItem) first = g_list_model_get_item (leafscope_dataset_view_get_shown (view), 0);
    g_assert_nonnull (leafscope_dataset_item_get_thumbnail (first));
  }
  screenshot ("dataset.png");

  /* Thumbnails are decoded for the visible cells only. */
  if (dataset_env == NULL)
    {
      g_autofree char *src = ls_test_fixture ("vit-tiny/input0.png", NULL);
      g_autofree char *big = g_build_filename (tmpdir, "big", NULL);
      g_autofree char *dir = g_build_filename (big, "healthy", NULL);
      g_autofree char *data = NULL;
      LeafscopeDatasetModel *big_model;
      gsize len;
      guint with_thumbnail = 0, n_big;

      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      for (int i = 0; i < 400; i++)
        {
          g_autofree char *name = g_strdup_printf ("%s/p%03d.png", dir, i);
          g_assert_true (g_file_set_contents (name, data, len, NULL));
        }
      leafscope_dataset_view_open_folder (view, big);
      g_assert_true (test_wait_for (dataset_ready, NULL, 60));
      g_assert_true (leafscope_dataset_view_get_model (view) != model);
      big_model = g_object_ref (leafscope_dataset_view_get_model (view));
      test_spin (0.5);
      n_big = g_list_model_get_n_items (G_LIST_MODEL (big_model));
      g_assert_cmpuint (n_big, ==, 400);
      for (guint i = 0; i < n_big; i++)
        {
          g_autoptr(LeafscopeDatasetItem) item = g_list_model_get_item (G_LIST_MODEL (big_model), i);
          if (leafscope_dataset_item_get_thumbnail (item))
            with_thumbnail++;
        }
      g_test_message ("thumbnails decoded: %u of %u", with_thumbnail, n_big);
      g_assert_cmpuint (with_thumbnail, >, 0);
      g_assert_cmpuint (with_thumbnail, <, n_big / 2);
      {
        g_autoptr(LeafscopeDatasetItem) last = g_list_model_get_item (G_LIST_MODEL (big_model), n_big - 1);
        g_assert_null (leafscope_dataset_item_get_thumbnail (last));
        /* Scrolled to the end: the photos there get theirs. */
        leafscope_dataset_view_scroll_to (view, n_big - 1);
        test_spin (0.3);
        g_assert_true (test_wait_for (dataset_ready, NULL, 60));
        g_assert_nonnull (leafscope_dataset_item_get_thumbnail (last));
      }

      leafscope_dataset_view_open_folder (view, folder);
      g_assert_true (test_wait_for (dataset_ready, NULL, 60));
      model = leafscope_dataset_view_get_model (view);
      /* The folder shown before is let go, thumbnails and all. */
      test_spin (0.2);
      g_assert_finalize_object (big_model);
    }

  g_assert_true (g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (window), "evaluate")));
  g_action_group_activate_action (G_ACTION_GROUP (window), "evaluate", NULL);
  g_assert_true (leafscope_dataset_view_get_evaluating (view));
  g_assert_true (test_wait_for (evaluation_done, NULL, 600));
  ev = leafscope_dataset_view_get_evaluation (view);
  n = leafscope_evaluation_get_n_items (ev);
  g_assert_cmpuint (leafscope_evaluation_get_n_done (ev), ==, n);
  g_assert_cmpuint (leafscope_evaluation_get_n_failed (ev), ==, 0);

  /* The matrix against the engine run directly on each photo. */
  engine = ls_diagnoser_new (vision_dir, NULL, NULL);
  g_assert_nonnull (engine);
  for (guint i = 0; i < n && dataset_env == NULL; i++)
    {
      LeafscopeDatasetItem *item = leafscope_evaluation_get_item (ev, i);
      g_autoptr(LsImage) image = ls_image_load (leafscope_dataset_item_get_path (item), NULL);
      g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (engine, image, LS_SCOPE_DEFAULT_THRESHOLD, NULL, NULL);
      const char *pred = d->labels[d->top_index];
      /* Anything not diagnosed goes to its own column (issue 12). */
      gboolean flagged = d->status != LS_DIAGNOSIS_DIAGNOSED;
      guint row = G_MAXUINT, col = G_MAXUINT;
      for (guint r = 0; r < leafscope_evaluation_get_n_rows (ev); r++)
        if (g_str_equal (leafscope_evaluation_get_row_label (ev, r), leafscope_dataset_item_get_class_name (item)))
          row = r;
      for (guint c = 0; c < leafscope_evaluation_get_n_columns (ev); c++)
        if (flagged ? leafscope_evaluation_is_flagged_column (ev, c)
                    : g_strcmp0 (leafscope_evaluation_get_column_label (ev, c), pred) == 0)
          col = c;
      g_assert_cmpuint (col, !=, G_MAXUINT);
      g_assert_true (leafscope_evaluation_item_in_cell (ev, item, row, col));
      diagnosed += !flagged;
      if (!flagged && g_str_equal (pred, leafscope_dataset_item_get_class_name (item)))
        correct++;
    }
  if (dataset_env == NULL)
    {
      /* The fixture photos: input0 and input2 are too small (unusable),
       * input1 is uncertain: five flagged, in a last column of their own
       * headed "Not diagnosed". */
      guint last = leafscope_evaluation_get_n_columns (ev) - 1;
      GtkWidget *matrix = leafscope_dataset_view_get_confusion_view (view);
      GtkWidget *header = gtk_grid_get_child_at (GTK_GRID (gtk_widget_get_first_child (matrix)), last + 1, 1);
      g_assert_cmpuint (leafscope_evaluation_get_n_flagged (ev), ==, 5);
      g_assert_cmpuint (diagnosed, ==, n_photos - 5);
      g_assert_true (leafscope_evaluation_is_flagged_column (ev, last));
      g_assert_cmpuint (leafscope_evaluation_get_cell (ev, 0, last), ==, 2); /* a0, a1 */
      g_assert_true (GTK_IS_LABEL (header));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (header)), ==, "Not diagnosed");
      g_assert_cmpfloat_with_epsilon (leafscope_evaluation_get_coverage (ev), (double) diagnosed / n_photos, 1e-9);
      /* Coverage and the accuracy among the diagnosed are said. */
      {
        GtkWidget *detail = find_descendant_named (GTK_WIDGET (view), "eval_detail");
        g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (detail)), "Coverage"));
        g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (detail)), "flagged"));
      }
    }
  for (guint r = 0; r < leafscope_evaluation_get_n_rows (ev); r++)
    for (guint c = 0; c < leafscope_evaluation_get_n_columns (ev); c++)
      {
        GtkWidget *cell = leafscope_confusion_view_get_cell (LEAFSCOPE_CONFUSION_VIEW (leafscope_dataset_view_get_confusion_view (view)), r, c);
        guint count = leafscope_evaluation_get_cell (ev, r, c);
        g_autofree char *label = g_strdup_printf ("%u", count);
        g_assert_nonnull (cell);
        g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (cell)), ==, label);
        total += count;
      }
  g_assert_cmpuint (total, ==, n);
  if (dataset_env == NULL)
    g_assert_cmpfloat_with_epsilon (leafscope_evaluation_get_accuracy (ev), diagnosed ? (double) correct / diagnosed : 0.0, 1e-9);
  g_test_message ("evaluation: %u photos, accuracy %.3f", n, leafscope_evaluation_get_accuracy (ev));
  screenshot ("confusion.png");

  /* Clicking a cell shows exactly its photos. */
  for (guint r = 0; r < leafscope_evaluation_get_n_rows (ev); r++)
    for (guint c = 0; c < leafscope_evaluation_get_n_columns (ev); c++)
      {
        GtkWidget *cell = leafscope_confusion_view_get_cell (LEAFSCOPE_CONFUSION_VIEW (leafscope_dataset_view_get_confusion_view (view)), r, c);
        guint count = leafscope_evaluation_get_cell (ev, r, c);
        if (count == 0)
          continue;
        g_signal_emit_by_name (cell, "clicked");
        g_assert_cmpuint (g_list_model_get_n_items (leafscope_dataset_view_get_shown (view)), ==, count);
      }
  /* The picture worth showing: the largest mistake. */
  {
    guint best_r = 0, best_c = 0, best = 0;
    for (guint r = 0; r < leafscope_evaluation_get_n_rows (ev); r++)
      for (guint c = 0; c < leafscope_evaluation_get_n_columns (ev); c++)
        if (r != c && leafscope_evaluation_get_cell (ev, r, c) > best)
          {
            best = leafscope_evaluation_get_cell (ev, r, c);
            best_r = r;
            best_c = c;
          }
    if (best > 0)
      leafscope_dataset_view_show_cell (view, best_r, best_c);
  }
  test_spin (0.3);
  screenshot ("confusion-filtered.png");

  /* Activating a photo of the grid opens it in the Diagnose view. */
  {
    GtkWidget *grid = find_descendant (GTK_WIDGET (view), GTK_TYPE_GRID_VIEW);
    g_autoptr(LeafscopeDatasetItem) first = g_list_model_get_item (leafscope_dataset_view_get_shown (view), 0);
    g_autofree char *name = g_path_get_basename (leafscope_dataset_item_get_path (first));

    g_assert_nonnull (grid);
    g_signal_emit_by_name (grid, "activate", 0);
    g_assert_cmpstr (leafscope_window_get_view (window), ==, "diagnose");
    g_assert_true (test_wait_for (strip_photo_done, name, 120));
    g_action_group_activate_action (G_ACTION_GROUP (window), "view", g_variant_new_string ("dataset"));
  }

}

/* A dataset in a folder with train and validation splits. */
static char *
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

/* Evaluation and diagnosis have lanes of their own: opening a photo while a
 * split is evaluated gets its verdict, and the evaluation goes on to the end
 * (it used to read "Cancelled after 25 of 1034 photos"). */
static void
test_evaluate_while_diagnosing (void)
{
  LeafscopeDatasetView *view = leafscope_window_get_dataset_view (window);
  g_autofree char *root = make_split_dataset ();
  LeafscopeEvaluation *ev;

  leafscope_dataset_view_open_folder (view, root);
  g_assert_true (test_wait_for (dataset_ready, NULL, 60));
  g_assert_cmpstr (leafscope_dataset_view_get_split (view), ==, "validation");
  g_action_group_activate_action (G_ACTION_GROUP (window), "evaluate", NULL);
  g_assert_true (leafscope_dataset_view_get_evaluating (view));
  if (!diagnose_leaf ())
    return;
  g_assert_true (test_wait_for (evaluation_done, NULL, 300));
  ev = leafscope_dataset_view_get_evaluation (view);
  g_assert_nonnull (ev);
  g_assert_cmpuint (leafscope_evaluation_get_n_done (ev), ==, 12);
  g_assert_cmpuint (leafscope_evaluation_get_n_items (ev), ==, 12);
  g_assert_cmpstr (leafscope_dataset_view_get_evaluation_split (view), ==, "validation");
  /* An empty cell shows an empty state, not an empty grid.  (All twelve
   * photos are the same: one column holds them all.) */
  {
    GtkWidget *grid_stack = find_descendant_named (GTK_WIDGET (view), "grid_stack");
    guint empty_r = G_MAXUINT, empty_c = G_MAXUINT;
    for (guint r = 0; r < leafscope_evaluation_get_n_rows (ev); r++)
      for (guint c = 0; c < leafscope_evaluation_get_n_columns (ev); c++)
        if (leafscope_evaluation_get_cell (ev, r, c) == 0)
          {
            empty_r = r;
            empty_c = c;
          }
    g_assert_cmpuint (empty_r, !=, G_MAXUINT);
    g_assert_nonnull (grid_stack);
    g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (grid_stack)), ==, "photos");
    leafscope_dataset_view_show_cell (view, empty_r, empty_c);
    g_assert_cmpuint (g_list_model_get_n_items (leafscope_dataset_view_get_shown (view)), ==, 0);
    g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (grid_stack)), ==, "none");
  }

  /* Results belong to their split: showing another split closes them. */
  leafscope_window_set_view (window, "dataset");
  leafscope_dataset_view_set_split (view, "train");
  g_assert_null (leafscope_dataset_view_get_evaluation (view));

  /* And to their model: a new vision model closes them too. */
  leafscope_dataset_view_set_split (view, "validation");
  g_action_group_activate_action (G_ACTION_GROUP (window), "evaluate", NULL);
  g_assert_true (test_wait_for (evaluation_done, NULL, 300));
  g_assert_nonnull (leafscope_dataset_view_get_evaluation (view));
  {
    g_autofree char *copy = g_build_filename (tmpdir, "other-vit", NULL);
    g_autofree char *cmd = g_strdup_printf ("cp -r '%s' '%s'", vision_dir, copy);
    g_assert_cmpint (system (cmd), ==, 0);
    g_settings_set_string (leafscope_application_get_settings (app), "vision-model", copy);
  }
  g_assert_null (leafscope_dataset_view_get_evaluation (view));
}

static gboolean
scope_bar_shows_calibrate (gpointer data)
{
  GtkWidget *view = GTK_WIDGET (leafscope_window_get_dataset_view (window));
  GtkWidget *revealer = find_descendant_named (view, "scope_revealer");
  GtkWidget *button = find_descendant_named (view, "calibrate_button");
  return gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)) && gtk_widget_get_visible (button);
}

/* The calibration ended (Evaluate is enabled again) and the model it
 * reloaded has its scope check. */
static gboolean
calibrated (gpointer data)
{
  return leafscope_worker_get_scope_state (leafscope_application_get_worker (app)) == LEAFSCOPE_SCOPE_ON
         && g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (window), "evaluate"));
}

static gboolean
has_evidence (gpointer data)
{
  return leafscope_diagnose_view_get_evidence (leafscope_window_get_diagnose_view (window)) != NULL;
}

static const char *
widget_text (const char *id)
{
  GtkWidget *w = find_descendant_named (GTK_WIDGET (leafscope_window_get_diagnose_view (window)), id);
  g_assert_nonnull (w);
  return gtk_label_get_text (GTK_LABEL (w));
}

/* The default overlay is the evidence map, measured after the verdict and
 * streamed coarse then fine; its legend reads probability points; it is
 * the engine's own map; the attention and lesion layers are one choice
 * away, each saying what it is.  The photo: a healthy leaf whose diagnosis
 * rests on the soil beside it (hiding one patch of it costs "healthy" about
 * 14 points; most Beans photos have no single deciding patch). */
static void
test_evidence (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  LeafscopePredictionList *list = LEAFSCOPE_PREDICTION_LIST (leafscope_diagnose_view_get_prediction_list (view));
  LeafscopePhotoView *pv = LEAFSCOPE_PHOTO_VIEW (leafscope_diagnose_view_get_photo_view (view));
  GSettings *settings = leafscope_application_get_settings (app);
  g_autofree char *path = beans_photo ("healthy", "healthy_val.3.jpg");
  g_autoptr(GFile) file = NULL;
  g_autoptr(LsDiagnoser) engine = NULL;
  g_autoptr(LsImage) image = NULL;
  g_autoptr(LsDiagnosis) reference = NULL;
  g_autoptr(GError) error = NULL;
  const LsEvidenceMap *map;
  int first_block;

  if (path == NULL)
    return;
  g_assert_cmpstr (g_settings_get_string (settings, "heatmap-method"), ==, "evidence");
  file = g_file_new_for_path (path);
  leafscope_window_open_files (window, &file, 1);
  /* The verdict first, without a map ... */
  g_assert_true (test_wait_for (has_diagnosis, NULL, 120));
  g_assert_cmpstr (leafscope_prediction_list_get_state (list), ==, "result");
  if (leafscope_diagnose_view_get_evidence (view) == NULL)
    g_assert_nonnull (strstr (widget_text ("legend_title"), "measuring"));
  /* ... then the coarse map, then the fine one in its place. */
  g_assert_true (test_wait_for (has_evidence, NULL, 120));
  first_block = leafscope_diagnose_view_get_evidence (view)->block;
  g_test_message ("first stage: %d-patch blocks, %.1f points at most", first_block,
                  leafscope_diagnose_view_get_evidence (view)->max_points);
  g_assert_cmpint (first_block, >, 1);
  g_assert_true (test_wait_for (diagnosis_done, NULL, 180));
  g_assert_true (leafscope_diagnose_view_get_evidence_done (view));
  map = leafscope_diagnose_view_get_evidence (view);
  g_test_message ("shown: %d-patch blocks (%dx%d), %.1f points at most, final %d, %.2f s",
                  map->block, map->rows, map->cols, map->max_points, map->final, map->seconds);
  g_assert_cmpfloat (map->max_points, >=, LS_EVIDENCE_MIN_POINTS);
  g_assert_cmpint (map->block, ==, 1);

  /* The engine's map, number for number. */
  engine = ls_diagnoser_new (vision_dir, NULL, &error);
  g_assert_no_error (error);
  image = ls_image_load (path, &error);
  g_assert_no_error (error);
  reference = ls_diagnoser_classify (engine, image, LS_SCOPE_DEFAULT_THRESHOLD, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ls_diagnoser_explain (engine, reference, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (reference->evidence->rows, ==, map->rows);
  g_assert_cmpint (reference->evidence->cols, ==, map->cols);
  for (int i = 0; i < map->rows * map->cols; i++)
    g_assert_cmpfloat_with_epsilon (map->values[i], reference->evidence->values[i], 1e-3);

  /* Drawn, with a legend in points; where it lies is said in words. */
  g_assert_nonnull (leafscope_photo_view_get_heatmap (pv));
  g_assert_nonnull (strstr (widget_text ("legend_title"), "Evidence: what changes the diagnosis"));
  g_assert_nonnull (strstr (widget_text ("legend_high"), "points"));
  g_test_message ("legend: %s | %s .. %s", widget_text ("legend_title"), widget_text ("legend_low"),
                  widget_text ("legend_high"));
  g_test_message ("note: %s", leafscope_prediction_list_get_note (list));
  g_assert_nonnull (strstr (leafscope_prediction_list_get_note (list), "evidence"));
  switch (reference->findings.evidence_place[0])
    {
    case LS_EVIDENCE_PLACE_HAND:
      g_assert_nonnull (strstr (leafscope_prediction_list_get_note (list), "on the hand, not the leaf"));
      break;
    case LS_EVIDENCE_PLACE_BACKGROUND:
      g_assert_nonnull (strstr (leafscope_prediction_list_get_note (list), "on the background, not the leaf"));
      break;
    case LS_EVIDENCE_PLACE_LESIONS:
    case LS_EVIDENCE_PLACE_LEAF:
      g_assert_nonnull (strstr (leafscope_prediction_list_get_note (list), "on the leaf"));
      break;
    default:
      g_assert_not_reached ();
    }
  screenshot ("evidence.png");

  /* The report: the same legend and words. */
  {
    g_autofree char *png_path = g_build_filename (tmpdir, "evidence-report.png", NULL);
    g_autofree char *md_path = g_build_filename (tmpdir, "evidence-report.md", NULL);
    g_autoptr(GFile) png = g_file_new_for_path (png_path);
    g_autofree char *md = NULL;
    g_assert_true (leafscope_diagnose_view_write_report (view, png, FALSE, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (md_path, &md, NULL, NULL));
    g_assert_nonnull (strstr (md, widget_text ("legend_high")));
    g_assert_nonnull (strstr (md, "Evidence: what changes the diagnosis"));
    g_assert_nonnull (strstr (md, leafscope_prediction_list_get_note (list)));
  }

  /* Attention, one choice away, says what it is. */
  g_settings_set_string (settings, "heatmap-method", "rollout");
  g_assert_true (g_str_has_prefix (widget_text ("legend_title"), "Attention: where the model’s attention went"));
  g_assert_nonnull (leafscope_photo_view_get_heatmap (pv));
  /* The counted lesions. */
  g_settings_set_string (settings, "heatmap-method", "lesions");
  g_assert_true (g_str_has_prefix (widget_text ("legend_title"), "Lesions"));
  g_assert_nonnull (leafscope_photo_view_get_heatmap (pv));
  screenshot ("lesions.png");
  g_settings_set_string (settings, "heatmap-method", "evidence");
}

/* A model whose prediction no single region moves (the random-weight
 * fixture): no hot spot, and the window says so. */
static void
test_no_single_region (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  LeafscopePredictionList *list = LEAFSCOPE_PREDICTION_LIST (leafscope_diagnose_view_get_prediction_list (view));
  LeafscopePhotoView *pv = LEAFSCOPE_PHOTO_VIEW (leafscope_diagnose_view_get_photo_view (view));
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *photo = ls_test_fixture ("vit-tiny/input1.png", NULL);
  const LsEvidenceMap *map;

  g_settings_set_string (leafscope_application_get_settings (app), "vision-model", model);
  diagnose_path (photo);
  map = leafscope_diagnose_view_get_evidence (view);
  g_assert_nonnull (map);
  g_test_message ("fixture model: %.2f points at most", map->max_points);
  g_assert_cmpfloat (map->max_points, <, LS_EVIDENCE_MIN_POINTS);
  g_assert_null (leafscope_photo_view_get_heatmap (pv));
  g_assert_nonnull (strstr (widget_text ("legend_title"), "no single region decides this diagnosis"));
  g_assert_true (g_str_has_prefix (leafscope_prediction_list_get_note (list), "No single region decides this diagnosis"));
}

/* A user's own HF ViT folder without a scope file: the verdict says the check
 * is off, the Dataset view offers to calibrate it from the open dataset, and
 * after calibrating the model has its scope file and the check is on. */
static void
test_calibrate (void)
{
  LeafscopeDatasetView *view = leafscope_window_get_dataset_view (window);
  LeafscopeDiagnoseView *diagnose = leafscope_window_get_diagnose_view (window);
  LeafscopePredictionList *list = LEAFSCOPE_PREDICTION_LIST (leafscope_diagnose_view_get_prediction_list (diagnose));
  g_autofree char *model = g_build_filename (tmpdir, "own-vit", NULL);
  g_autofree char *folder = g_build_filename (tmpdir, "dataset", NULL);
  g_autofree char *scope_json = g_build_filename (model, LS_SCOPE_FILE_JSON, NULL);
  g_autofree char *photo = NULL;
  const char *classes[] = { "angular_leaf_spot", "bean_rust", "healthy" };
  GtkWidget *label;

  g_assert_cmpint (g_mkdir_with_parents (model, 0700), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      const char *files[] = { "config.json", "model.safetensors", "preprocessor_config.json" };
      g_autofree char *src = ls_test_fixture ("vit-tiny", files[i], NULL);
      g_autofree char *dst = g_build_filename (model, files[i], NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      g_assert_true (g_file_set_contents (dst, data, len, NULL));
    }
  /* Eight photos per class, each a different colour pattern. */
  for (guint c = 0; c < 3; c++)
    for (int k = 0; k < 8; k++)
      {
        g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 48, 48);
        g_autofree char *dir = g_build_filename (folder, classes[c], NULL);
        g_autofree char *path = g_strdup_printf ("%s/p%d.png", dir, k);
        guint8 *px = gdk_pixbuf_get_pixels (pixbuf);
        int stride = gdk_pixbuf_get_rowstride (pixbuf);
        for (int y = 0; y < 48; y++)
          for (int x = 0; x < 48; x++)
            {
              guint8 *p = px + y * stride + x * 3;
              p[0] = (guint8) (c * 80 + x * (k + 1));
              p[1] = (guint8) (y * 4 + k * 20);
              p[2] = (guint8) ((x + y) * (c + 1));
            }
        g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
        g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL));
        if (photo == NULL)
          photo = g_strdup (path);
      }
  g_settings_set_string (leafscope_application_get_settings (app), "vision-model", model);

  /* The verdict says the check is off. */
  diagnose_path (photo);
  g_assert_false (leafscope_diagnose_view_get_diagnosis (diagnose)->scope_checked);
  g_assert_nonnull (strstr (leafscope_prediction_list_get_detail (list), "scope check is off"));

  leafscope_window_set_view (window, "dataset");
  leafscope_dataset_view_open_folder (view, folder);
  g_assert_true (test_wait_for (dataset_ready, NULL, 60));
  g_assert_true (test_wait_for (scope_bar_shows_calibrate, NULL, 60));
  label = find_descendant_named (GTK_WIDGET (view), "scope_label");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "scope check is off"));
  screenshot ("scope-off.png");

  g_signal_emit_by_name (find_descendant_named (GTK_WIDGET (view), "calibrate_button"), "clicked");
  g_assert_false (g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (window), "evaluate")));
  g_assert_true (test_wait_for (calibrated, NULL, 120));
  g_test_message ("%s", gtk_label_get_text (GTK_LABEL (label)));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "Scope check on"));
  g_assert_true (g_file_test (scope_json, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (window), "evaluate")));

  /* The next diagnosis is checked. */
  leafscope_window_set_view (window, "diagnose");
  diagnose_path (photo);
  g_assert_true (leafscope_diagnose_view_get_diagnosis (diagnose)->scope_checked);
}

/* Loading a photo clears the old verdict and description at once. */
static void
test_loading_clears (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  LeafscopePredictionList *list = LEAFSCOPE_PREDICTION_LIST (leafscope_diagnose_view_get_prediction_list (view));
  g_autofree char *p1 = ls_test_fixture ("vit-tiny/input1.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (p1);
  g_autofree char *text = NULL;

  if (!diagnose_leaf ())
    return;
  leafscope_window_open_files (window, &file, 1);
  g_assert_null (leafscope_diagnose_view_get_diagnosis (view));
  g_assert_cmpstr (leafscope_prediction_list_get_state (list), ==, "loading");
  g_assert_cmpfloat (leafscope_diagnose_view_get_bar_fraction (view, "bean_rust"), ==, -1.0);
  text = leafscope_diagnose_view_dup_description (view);
  g_assert_cmpstr (text, ==, "");
  g_assert_true (test_wait_for (strip_photo_done, (gpointer) "input1.png", 120));
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

/* A gpt2-tiny that samples by its own settings, as leaf-gpt2 does
 * (gpt2-tiny's generation_config.json is greedy). */
static char *
sampling_text_model (const char *settings)
{
  return ls_test_gpt2_tiny_with ("generation_config.json", settings);
}

static JsonObject *
parse_object (JsonParser *parser, const char *line)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

/* The same photo gets the same verdict, status and, with the same seed, the
 * same text from `leafscope-cli diagnose` and from the window, each left to
 * its defaults: nothing changed in the settings, the CLI given only the
 * models, the language and the seed the window uses for a new photo (42).
 * The text model samples (its generation_config.json), so the text depends
 * on the seed and on every sampling setting. */
static void
test_same_as_cli (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  GSettings *settings = leafscope_application_get_settings (app);
  g_autofree char *leaf = leaf_photo ();
  g_autofree char *scene = make_scene ();
  g_autofree char *text_model = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(LsTestRun) run = { 0 };
  g_auto(LsTestRun) other = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autofree char *leaf_text = NULL;
  const char *language = leafscope_description_language ();

  if (leaf == NULL)
    return;
  text_model = sampling_text_model ("{\"do_sample\": true, \"temperature\": 0.7, \"top_k\": 40, "
                                    "\"top_p\": 0.95, \"max_new_tokens\": 12}");
  /* The fixture's one change (max-new-tokens) undone: defaults only. */
  g_settings_reset (settings, "max-new-tokens");
  g_settings_set_string (settings, "text-model", text_model);

  ls_test_run_cli (&run, "diagnose", "--vision-model", vision_dir, "--text-model", text_model,
                   "--language", language, "--seed", "42", "--format", "json", "--quiet", leaf, scene, NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (g_strchomp (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const char *path = i == 0 ? leaf : scene;
      JsonObject *o = parse_object (parser, lines[i]);
      const LsDiagnosis *d;
      g_autofree char *text = NULL;
      g_autofree char *cli_text = NULL;

      g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, path);
      diagnose_path (path);
      g_assert_null (leafscope_window_get_error (window));
      d = leafscope_diagnose_view_get_diagnosis (view);
      g_assert_cmpstr (json_object_get_string_member (o, "label"), ==, d->labels[d->top_index]);
      g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, ls_diagnosis_status_name (d->status));
      g_assert_cmpstr (json_object_get_string_member (o, "status_reason"), ==,
                       ls_status_reason_name (d->status_reason));
      text = leafscope_diagnose_view_dup_description (view);
      cli_text = as_shown (json_object_get_string_member (o, "description"));
      g_test_message ("%s: %s (%s): %s", path, d->labels[d->top_index], ls_diagnosis_status_name (d->status), text);
      g_assert_cmpuint (strlen (text), >, 0);
      g_assert_cmpstr (text, ==, cli_text);
      if (i == 0)
        {
          /* A confident diagnosis, named in the verdict. */
          g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_DIAGNOSED);
          g_assert_cmpstr (d->labels[d->top_index], ==, "bean_rust");
          g_assert_cmpstr (leafscope_diagnose_view_get_verdict (view), ==, g_dgettext (GETTEXT_PACKAGE, "Bean rust"));
          leaf_text = g_steal_pointer (&text);
        }
      else
        {
          g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_NOT_A_LEAF);
          g_assert_cmpstr (leafscope_diagnose_view_get_verdict (view), ==,
                           g_dgettext (GETTEXT_PACKAGE, "Not a Bean Leaf Photo"));
        }
    }

  /* The seed matters: another one writes another text. */
  ls_test_run_cli (&other, "diagnose", "--vision-model", vision_dir, "--text-model", text_model,
                   "--language", language, "--seed", "43", "--format", "json", "--quiet", leaf, NULL);
  g_assert_cmpint (other.status, ==, 0);
  {
    JsonObject *o = parse_object (parser, other.out);
    g_autofree char *cli_text = as_shown (json_object_get_string_member (o, "description"));
    g_assert_cmpstr (json_object_get_string_member (o, "label"), ==, "bean_rust");
    g_assert_cmpstr (cli_text, !=, leaf_text);
  }
  g_settings_set_string (settings, "text-model", text_dir);
  ls_test_remove_tree (text_model);
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

static void
reset_settings (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i]; i++)
    g_settings_reset (settings, keys[i]);
}

static void
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

static void
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

static void
run_test (Fixture *f, gconstpointer data)
{
  void (*test) (void) = (void (*) (void)) data;
  test ();
}

#define ADD(path, fn) g_test_add (path, Fixture, (gconstpointer) fn, fixture_setup, run_test, fixture_teardown)

int
main (int argc, char *argv[])
{
  g_setenv ("LANGUAGE", g_getenv ("LEAFSCOPE_TEST_LANGUAGE") ? g_getenv ("LEAFSCOPE_TEST_LANGUAGE") : "C", TRUE);
  if (g_getenv ("LEAFSCOPE_LOCALEDIR"))
    {
      /* Screenshots in another language: the build tree's catalogues. */
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LEAFSCOPE_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
    }
  if (!test_gui_init (&argc, &argv))
    return 0;
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
      return 0;
    }

  g_test_add_func ("/Gui/Window/photo-rect", test_photo_rect);
  g_test_add_func ("/Gui/Window/description-language", test_description_language);
  ADD ("/Gui/Window/empty-state", test_empty_state);
  ADD ("/Gui/Window/diagnose", test_diagnose);
  ADD ("/Gui/Window/same-as-cli", test_same_as_cli);
  ADD ("/Gui/Window/not-a-leaf", test_not_a_leaf);
  ADD ("/Gui/Window/unusable", test_unusable);
  ADD ("/Gui/Window/evidence", test_evidence);
  ADD ("/Gui/Window/no-single-region", test_no_single_region);
  ADD ("/Gui/Window/stop-regenerate", test_stop_regenerate);
  ADD ("/Gui/Window/save-report", test_save_report);
  ADD ("/Gui/Window/several-photos", test_several_photos);
  ADD ("/Gui/Window/paste", test_paste);
  ADD ("/Gui/Window/loading-clears", test_loading_clears);
  ADD ("/Gui/Window/model-change", test_model_change);
  ADD ("/Gui/Window/dataset-evaluate", test_dataset);
  ADD ("/Gui/Window/calibrate", test_calibrate);
  ADD ("/Gui/Window/evaluate-while-diagnosing", test_evaluate_while_diagnosing);
  ADD ("/Gui/Window/keyboard", test_keyboard);
  ADD ("/Gui/Window/stable-sizes", test_stable_sizes);
  ADD ("/Gui/Window/narrow", test_narrow);
  ADD ("/Gui/Window/preferences-bad-model", test_preferences_bad_model);
  ADD ("/Gui/Window/preferences-defaults", test_preferences_defaults);
  ADD ("/Gui/Window/actions-and-dialogs", test_actions_and_dialogs);
  ADD ("/Gui/Window/bad-file", test_bad_file);
  ADD ("/Gui/Window/bad-models", test_bad_models);
  ADD ("/Gui/Window/default-text-model", test_default_text_model);
  if (g_getenv ("LEAFSCOPE_SCREENSHOT_DIR"))
    ADD ("/Gui/Window/screenshots", test_screenshots);
  return g_test_run ();
}
