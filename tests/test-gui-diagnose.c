/* test-gui-diagnose.c: the Diagnose view end to end under Xvfb: opens a
 * photo, waits for the diagnosis and the streamed description, checks the
 * widgets against the engine run directly and against `leafscope-cli
 * diagnose`, the photos the model does not judge, Stop and Regenerate, the
 * saved report.  A fresh application and window per test (test-gui-app.c). */
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

static gboolean
has_text (gpointer data)
{
  g_autofree char *text = leafscope_diagnose_view_dup_description (leafscope_window_get_diagnose_view (window));
  return *text != '\0';
}

/* @path enlarged to @size x @size, as a phone's JPEG: far larger than the
 * model's input, so the fast decode reads it at a reduced size.  Nearest
 * neighbour keeps sharp edges, on which the reduced decode and the exact
 * one differ measurably. */
static char *
make_big_jpeg (const char *path, int size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) small = gdk_pixbuf_new_from_file (path, &error);
  g_autoptr(GdkPixbuf) big = NULL;
  char *out = g_build_filename (tmpdir, "big-leaf.jpg", NULL);

  g_assert_no_error (error);
  big = gdk_pixbuf_scale_simple (small, size, size, GDK_INTERP_NEAREST);
  g_assert_true (gdk_pixbuf_save (big, out, "jpeg", &error, "quality", "95", NULL));
  g_assert_no_error (error);
  return out;
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
   * defaults, the one setting changed here (12 tokens), the engine's
   * default seed for a new photo. */
  if (photo_env == NULL)
    {
      g_autofree char *expected = engine_description (path, text_dir, 12, LS_GENERATE_DEFAULT_SEED);
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
 * models and the language: a new photo in the window and the CLI without
 * --seed both sample with the engine's default seed.
 * The text model samples (its generation_config.json), so the text depends
 * on the seed and on every sampling setting. */
static void
test_same_as_cli (void)
{
  LeafscopeDiagnoseView *view = leafscope_window_get_diagnose_view (window);
  GSettings *settings = leafscope_application_get_settings (app);
  g_autofree char *leaf = leaf_photo ();
  g_autofree char *scene = make_scene ();
  g_autofree char *big = NULL;
  g_autofree char *text_model = NULL;
  g_autofree float *big_probs = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(LsTestRun) run = { 0 };
  g_auto(LsTestRun) other = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autofree char *leaf_text = NULL;
  g_autofree char *other_seed = g_strdup_printf ("%d", LS_GENERATE_DEFAULT_SEED + 1);
  const char *language = leafscope_description_language ();

  if (leaf == NULL)
    return;
  big = make_big_jpeg (leaf, 2400);
  text_model = sampling_text_model ("{\"do_sample\": true, \"temperature\": 0.7, \"top_k\": 40, "
                                    "\"top_p\": 0.95, \"max_new_tokens\": 12}");
  /* The fixture's one change (max-new-tokens) undone: defaults only. */
  g_settings_reset (settings, "max-new-tokens");
  g_settings_set_string (settings, "text-model", text_model);

  ls_test_run_cli (&run, "diagnose", "--vision-model", vision_dir, "--text-model", text_model,
                   "--language", language, "--format", "json", "--quiet", leaf, scene, big, NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (g_strchomp (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const char *path = i == 0 ? leaf : i == 1 ? scene : big;
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
      /* The same pixels: the window decodes the file as the CLI does. */
      for (int k = 0; k < d->n_labels; k++)
        {
          double cli = json_object_get_double_member (json_object_get_object_member (o, "probs"), d->labels[k]);
          g_test_message ("%s: %s window %.9f cli %.9f", path, d->labels[k], d->probs[k], cli);
          g_assert_cmpfloat_with_epsilon (cli, d->probs[k], 1e-6);
        }
      if (i == 2)
        big_probs = g_memdup2 (d->probs, sizeof (float) * d->n_labels);
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
      else if (i == 1)
        {
          g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_NOT_A_LEAF);
          g_assert_cmpstr (leafscope_diagnose_view_get_verdict (view), ==,
                           g_dgettext (GETTEXT_PACKAGE, "Not a Bean Leaf Photo"));
        }
    }

  /* The big photo was read at a reduced size: decoded in full, as
   * --exact-decode does, it gives other probabilities. */
  {
    g_auto(LsTestRun) exact = { 0 };
    JsonObject *o, *probs;
    double most = 0;
    ls_test_run_cli (&exact, "diagnose", "--vision-model", vision_dir, "--no-describe", "--exact-decode",
                     "--format", "json", "--quiet", big, NULL);
    g_assert_cmpint (exact.status, ==, 0);
    o = parse_object (parser, exact.out);
    probs = json_object_get_object_member (o, "probs");
    {
      const LsDiagnosis *d = leafscope_diagnose_view_get_diagnosis (view);
      for (int k = 0; k < d->n_labels; k++)
        most = MAX (most, fabs (json_object_get_double_member (probs, d->labels[k]) - big_probs[k]));
    }
    g_test_message ("big photo: fast and exact decodes differ by up to %g", most);
    g_assert_cmpfloat (most, >, 1e-5);
  }

  /* The seed matters: another one writes another text. */
  ls_test_run_cli (&other, "diagnose", "--vision-model", vision_dir, "--text-model", text_model,
                   "--language", language, "--seed", other_seed, "--format", "json", "--quiet", leaf, NULL);
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

int
main (int argc, char *argv[])
{
  if (!test_gui_app_init (&argc, &argv))
    return 0;
  ADD ("/Gui/Window/diagnose", test_diagnose);
  ADD ("/Gui/Window/same-as-cli", test_same_as_cli);
  ADD ("/Gui/Window/not-a-leaf", test_not_a_leaf);
  ADD ("/Gui/Window/unusable", test_unusable);
  ADD ("/Gui/Window/stop-regenerate", test_stop_regenerate);
  ADD ("/Gui/Window/save-report", test_save_report);
  return g_test_run ();
}
