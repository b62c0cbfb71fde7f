/* test-gui-photos.c: the Diagnose view with several photos under Xvfb:
 * the evidence map, the photo strip, pasting, what loading a new photo
 * clears, a file that is no photo.  A fresh application and window per
 * test (test-gui-app.c). */
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

int
main (int argc, char *argv[])
{
  if (!test_gui_app_init (&argc, &argv))
    return 0;
  ADD ("/Gui/Window/evidence", test_evidence);
  ADD ("/Gui/Window/no-single-region", test_no_single_region);
  ADD ("/Gui/Window/several-photos", test_several_photos);
  ADD ("/Gui/Window/paste", test_paste);
  ADD ("/Gui/Window/loading-clears", test_loading_clears);
  ADD ("/Gui/Window/bad-file", test_bad_file);
  return g_test_run ();
}
