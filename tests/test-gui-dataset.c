/* test-gui-dataset.c: the Dataset view end to end under Xvfb: evaluates a
 * small dataset made here, calibrates the scope check, evaluates while a
 * photo is diagnosed.  A fresh application and window per test
 * (test-gui-app.c). */
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

int
main (int argc, char *argv[])
{
  if (!test_gui_app_init (&argc, &argv))
    return 0;
  ADD ("/Gui/Window/dataset-evaluate", test_dataset);
  ADD ("/Gui/Window/calibrate", test_calibrate);
  ADD ("/Gui/Window/evaluate-while-diagnosing", test_evaluate_while_diagnosing);
  return g_test_run ();
}
