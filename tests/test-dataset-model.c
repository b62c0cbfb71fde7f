/* test-dataset-model.c: scanning dataset folders, and the bookkeeping of an
 * evaluation (accuracy, confusion matrix, cell membership). */
#include "leafscope-dataset-model.h"
#include "leafscope-evaluation.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static void
touch (const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "x", 1, NULL));
}

static char *
make_tmpdir (void)
{
  char *dir = g_dir_make_tmp ("leafscope-dataset-XXXXXX", NULL);
  g_assert_nonnull (dir);
  return dir;
}

static const char *
item_rel (LeafscopeDatasetModel *model, guint i, const char *root)
{
  g_autoptr(LeafscopeDatasetItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);
  const char *path = leafscope_dataset_item_get_path (item);
  g_assert_true (g_str_has_prefix (path, root));
  return path + strlen (root) + 1;
}

static void
test_class_layout (void)
{
  g_autofree char *root = make_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LeafscopeDatasetModel) model = NULL;
  const char * const *classes;
  const char * const *splits;

  touch (root, "healthy/b.jpg");
  touch (root, "healthy/a10.JPG");
  touch (root, "healthy/a2.png");
  touch (root, "healthy/notes.txt");     /* not a photo */
  touch (root, "healthy/.hidden.jpg");   /* hidden */
  touch (root, "bean_rust/r1.jpeg");
  touch (root, "empty_class/readme.md"); /* no photos: not a class */
  touch (root, "top-level.jpg");         /* outside any class */

  model = leafscope_dataset_model_new_for_folder (root, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 4);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == LEAFSCOPE_TYPE_DATASET_ITEM);

  classes = leafscope_dataset_model_get_classes (model);
  g_assert_cmpuint (g_strv_length ((char **) classes), ==, 2);
  g_assert_cmpstr (classes[0], ==, "bean_rust");
  g_assert_cmpstr (classes[1], ==, "healthy");
  splits = leafscope_dataset_model_get_splits (model);
  g_assert_cmpuint (g_strv_length ((char **) splits), ==, 1);
  g_assert_cmpstr (splits[0], ==, "");

  /* Sorted by class then by name, numbers in natural order. */
  g_assert_cmpstr (item_rel (model, 0, root), ==, "bean_rust/r1.jpeg");
  g_assert_cmpstr (item_rel (model, 1, root), ==, "healthy/a2.png");
  g_assert_cmpstr (item_rel (model, 2, root), ==, "healthy/a10.JPG");
  g_assert_cmpstr (item_rel (model, 3, root), ==, "healthy/b.jpg");

  g_assert_cmpuint (leafscope_dataset_model_count (model, NULL, "healthy"), ==, 3);
  g_assert_cmpuint (leafscope_dataset_model_count (model, "", "bean_rust"), ==, 1);
  g_assert_cmpuint (leafscope_dataset_model_count (model, NULL, NULL), ==, 4);
  g_assert_cmpuint (leafscope_dataset_model_count (model, "train", NULL), ==, 0);
  ls_test_remove_tree (root);
}

static void
test_split_layout (void)
{
  g_autofree char *root = make_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LeafscopeDatasetModel) model = NULL;
  const char * const *splits;
  const char * const *classes;

  touch (root, "test/healthy/t1.jpg");
  touch (root, "validation/healthy/v1.jpg");
  touch (root, "validation/bean_rust/v2.jpg");
  touch (root, "train/healthy/a.jpg");
  touch (root, "train/healthy/b.jpg");
  touch (root, "train/angular_leaf_spot/c.jpg");
  touch (root, "zeta/healthy/z.jpg");

  model = leafscope_dataset_model_new_for_folder (root, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 7);

  /* Known splits in their natural order, then the others. */
  splits = leafscope_dataset_model_get_splits (model);
  g_assert_cmpuint (g_strv_length ((char **) splits), ==, 4);
  g_assert_cmpstr (splits[0], ==, "train");
  g_assert_cmpstr (splits[1], ==, "validation");
  g_assert_cmpstr (splits[2], ==, "test");
  g_assert_cmpstr (splits[3], ==, "zeta");

  classes = leafscope_dataset_model_get_classes (model);
  g_assert_cmpuint (g_strv_length ((char **) classes), ==, 3);
  g_assert_cmpstr (classes[0], ==, "angular_leaf_spot");

  g_assert_cmpuint (leafscope_dataset_model_count (model, "train", NULL), ==, 3);
  g_assert_cmpuint (leafscope_dataset_model_count (model, "train", "healthy"), ==, 2);
  g_assert_cmpuint (leafscope_dataset_model_count (model, "validation", NULL), ==, 2);
  g_assert_cmpuint (leafscope_dataset_model_count (model, NULL, "healthy"), ==, 5);
  {
    g_autoptr(LeafscopeDatasetItem) item = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_assert_cmpstr (leafscope_dataset_item_get_split (item), ==, "train");
    g_assert_cmpstr (leafscope_dataset_item_get_class_name (item), ==, "angular_leaf_spot");
    g_assert_cmpuint (leafscope_dataset_item_get_index (item), ==, 0);
  }
  ls_test_remove_tree (root);
}

static void
test_errors (void)
{
  g_autofree char *root = make_tmpdir ();
  g_autofree char *file = g_build_filename (root, "file.jpg", NULL);
  g_autoptr(GError) error = NULL;
  LeafscopeDatasetModel *model;

  touch (root, "docs/readme.txt");
  model = leafscope_dataset_model_new_for_folder (root, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "CLASS/photo.jpg"));
  g_clear_error (&error);

  touch (root, "file.jpg");
  model = leafscope_dataset_model_new_for_folder (file, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  ls_test_remove_tree (root);
}

static void
test_image_names (void)
{
  g_assert_true (leafscope_is_image_file_name ("a.jpg"));
  g_assert_true (leafscope_is_image_file_name ("A.JPEG"));
  g_assert_true (leafscope_is_image_file_name ("x.webp"));
  g_assert_false (leafscope_is_image_file_name ("x.jpg.txt"));
  g_assert_false (leafscope_is_image_file_name (".x.jpg"));
  g_assert_false (leafscope_is_image_file_name ("jpg"));
}

static void
test_evaluation (void)
{
  g_autofree char *root = make_tmpdir ();
  g_autoptr(LeafscopeDatasetModel) model = NULL;
  g_autoptr(LeafscopeEvaluation) ev = NULL;
  /* Items sorted: a/1 a/2 a/3 b/1 b/2 */
  const char *predicted[] = { "a", "b", "a", "b", "mystery" };
  guint total = 0;

  touch (root, "a/1.jpg");
  touch (root, "a/2.jpg");
  touch (root, "a/3.jpg");
  touch (root, "b/1.jpg");
  touch (root, "b/2.jpg");
  model = leafscope_dataset_model_new_for_folder (root, NULL, NULL);
  g_assert_nonnull (model);
  ev = leafscope_evaluation_new (leafscope_dataset_model_get_classes (model), G_LIST_MODEL (model));
  g_assert_cmpuint (leafscope_evaluation_get_n_items (ev), ==, 5);
  g_assert_cmpuint (leafscope_evaluation_get_n_rows (ev), ==, 2);
  g_assert_cmpuint (leafscope_evaluation_get_n_columns (ev), ==, 2);
  g_assert_cmpfloat (leafscope_evaluation_get_accuracy (ev), ==, 0.0);

  for (guint i = 0; i < 5; i++)
    leafscope_evaluation_record (ev, i, predicted[i]);
  /* A second result for the same photo is ignored. */
  leafscope_evaluation_record (ev, 0, "b");

  g_assert_cmpuint (leafscope_evaluation_get_n_done (ev), ==, 5);
  /* A label the dataset lacks gets its own column. */
  g_assert_cmpuint (leafscope_evaluation_get_n_columns (ev), ==, 3);
  g_assert_cmpstr (leafscope_evaluation_get_column_label (ev, 2), ==, "mystery");
  g_assert_cmpuint (leafscope_evaluation_get_cell (ev, 0, 0), ==, 2);
  g_assert_cmpuint (leafscope_evaluation_get_cell (ev, 0, 1), ==, 1);
  g_assert_cmpuint (leafscope_evaluation_get_cell (ev, 1, 1), ==, 1);
  g_assert_cmpuint (leafscope_evaluation_get_cell (ev, 1, 2), ==, 1);
  g_assert_cmpuint (leafscope_evaluation_get_cell (ev, 1, 0), ==, 0);
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 3; c++)
      total += leafscope_evaluation_get_cell (ev, r, c);
  g_assert_cmpuint (total, ==, 5);
  /* 3 right (a, a, b) out of 5. */
  g_assert_cmpfloat_with_epsilon (leafscope_evaluation_get_accuracy (ev), 0.6, 1e-9);

  {
    g_autoptr(LeafscopeDatasetItem) a2 = g_list_model_get_item (G_LIST_MODEL (model), 1);
    g_assert_true (leafscope_evaluation_item_in_cell (ev, a2, 0, 1));
    g_assert_false (leafscope_evaluation_item_in_cell (ev, a2, 0, 0));
  }
  ls_test_remove_tree (root);
}

static void
test_evaluation_failures (void)
{
  g_autofree char *root = make_tmpdir ();
  g_autoptr(LeafscopeDatasetModel) model = NULL;
  g_autoptr(LeafscopeEvaluation) ev = NULL;

  touch (root, "a/1.jpg");
  touch (root, "a/2.jpg");
  model = leafscope_dataset_model_new_for_folder (root, NULL, NULL);
  ev = leafscope_evaluation_new (leafscope_dataset_model_get_classes (model), G_LIST_MODEL (model));
  leafscope_evaluation_record (ev, 0, NULL);
  leafscope_evaluation_record (ev, 1, "a");
  g_assert_cmpuint (leafscope_evaluation_get_n_done (ev), ==, 2);
  g_assert_cmpuint (leafscope_evaluation_get_n_failed (ev), ==, 1);
  /* Failures are not counted as wrong answers. */
  g_assert_cmpfloat (leafscope_evaluation_get_accuracy (ev), ==, 1.0);
  ls_test_remove_tree (root);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Gui/DatasetModel/class-layout", test_class_layout);
  g_test_add_func ("/Gui/DatasetModel/split-layout", test_split_layout);
  g_test_add_func ("/Gui/DatasetModel/errors", test_errors);
  g_test_add_func ("/Gui/DatasetModel/image-names", test_image_names);
  g_test_add_func ("/Gui/Evaluation/confusion", test_evaluation);
  g_test_add_func ("/Gui/Evaluation/failures", test_evaluation_failures);
  return g_test_run ();
}
