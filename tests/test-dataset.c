/* test-dataset.c: which files are photos, collecting a folder of photos,
 * and scanning a labelled folder (engine/include/dataset.h), on a small
 * temporary tree whose expected listing is written out by hand. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dataset.h"
#include "ls-error.h"
#include "test-util.h"

/* Creates DIR/RELATIVE (and its folders) with a few bytes in it. */
static void
touch (const char *dir, const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, "x", 1, &error);
  g_assert_no_error (error);
}

/* A labelled tree: two label folders, names that sort differently in byte
 * and in file-manager order (val.10 / val.2), files that are not photos,
 * a hidden folder and an empty one. */
static char *
make_tree (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("leafscope-dataset-XXXXXX", &error);
  g_assert_no_error (error);
  touch (dir, "rust/val.10.jpg");
  touch (dir, "rust/val.2.JPG");
  touch (dir, "rust/notes.txt");
  touch (dir, "rust/.hidden.png");
  touch (dir, "healthy/b.png");
  touch (dir, "healthy/a.webp");
  touch (dir, "healthy/deeper/c.png");   /* not a photo of healthy: a folder */
  touch (dir, ".cache/x.png");
  touch (dir, "README.md");
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  return dir;
}

static void
test_photo_names (void)
{
  const char *yes[] = { "a.jpg", "A.JPEG", "x.png", "x.webp", "x.tif", "x.TIFF", "x.gif",
                        "dir/leaf.jpg", "/abs/.dir/leaf.png" };
  const char *no[] = { "x.jpg.txt", ".x.jpg", "jpg", "", "x.bmp", "notes.txt", "dir/.x.png",
                       "x.jpgx" };
  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (ls_dataset_is_photo_name (yes[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    g_assert_false (ls_dataset_is_photo_name (no[i]));
  g_assert_false (ls_dataset_is_photo_name (NULL));
}

static void
test_compare_names (void)
{
  g_assert_cmpint (ls_dataset_compare_names ("val.2.jpg", "val.10.jpg"), <, 0);
  g_assert_cmpint (ls_dataset_compare_names ("val.10.jpg", "val.2.jpg"), >, 0);
  g_assert_cmpint (ls_dataset_compare_names ("a", "a"), ==, 0);
}

static void
assert_photo (const LsDataset *d, int i, const char *relative, int label)
{
  g_autofree char *expected = g_build_filename (d->dir, relative, NULL);
  g_assert_cmpstr (d->photos[i].path, ==, expected);
  g_assert_cmpint (d->photos[i].label, ==, label);
}

/* With the model's labels: their order, byte order within a label. */
static void
test_scan_labels (void)
{
  g_autofree char *dir = make_tree ();
  g_autoptr(GError) error = NULL;
  const char *labels[] = { "rust", "healthy", "empty", NULL };
  g_autoptr(LsDataset) d = ls_dataset_scan (dir, labels, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (d);
  g_assert_cmpint (d->n_labels, ==, 3);
  g_assert_cmpstr (d->labels[0], ==, "rust");
  g_assert_cmpstr (d->labels[2], ==, "empty");
  g_assert_null (d->labels[3]);
  g_assert_cmpint (d->n_photos, ==, 4);
  /* "val.10.jpg" < "val.2.JPG" in byte order ('1' < '2'). */
  assert_photo (d, 0, "rust/val.10.jpg", 0);
  assert_photo (d, 1, "rust/val.2.JPG", 0);
  assert_photo (d, 2, "healthy/a.webp", 1);
  assert_photo (d, 3, "healthy/b.png", 1);
  ls_test_remove_tree (dir);
}

/* Without labels: the folders that hold photos, in file-manager order. */
static void
test_scan_folders (void)
{
  g_autofree char *dir = make_tree ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LsDataset) d = ls_dataset_scan (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->n_labels, ==, 2);
  g_assert_cmpstr (d->labels[0], ==, "healthy");
  g_assert_cmpstr (d->labels[1], ==, "rust");
  g_assert_cmpint (d->n_photos, ==, 4);
  assert_photo (d, 0, "healthy/a.webp", 0);
  assert_photo (d, 1, "healthy/b.png", 0);
  assert_photo (d, 2, "rust/val.10.jpg", 1);
  assert_photo (d, 3, "rust/val.2.JPG", 1);
  ls_test_remove_tree (dir);
}

static void
test_scan_errors (void)
{
  g_autofree char *dir = make_tree ();
  g_autoptr(GError) error = NULL;

  /* A folder that is not a label: named in the error. */
  const char *labels[] = { "rust", "healthy", NULL };
  g_autoptr(LsDataset) d = ls_dataset_scan (dir, labels, NULL, &error);
  g_assert_null (d);
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'empty'"));
  g_clear_error (&error);

  /* No folder. */
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  d = ls_dataset_scan (missing, NULL, NULL, &error);
  g_assert_null (d);
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no such dataset folder"));
  g_clear_error (&error);

  /* Label folders without photos. */
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *sub = g_build_filename (empty, "rust", NULL);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  touch (empty, "rust/notes.txt");
  d = ls_dataset_scan (empty, labels, NULL, &error);
  g_assert_null (d);
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Cancelled. */
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  d = ls_dataset_scan (dir, NULL, cancellable, &error);
  g_assert_null (d);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ls_test_remove_tree (dir);
}

/* Recursive collection: depth first, file-manager order, photos only. */
static void
test_collect (void)
{
  g_autofree char *dir = make_tree ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (ls_dataset_collect_photos (dir, paths, &error));
  g_assert_no_error (error);
  const char *expected[] = { "healthy/a.webp", "healthy/b.png", "healthy/deeper/c.png",
                             "rust/val.2.JPG", "rust/val.10.jpg" };
  g_assert_cmpuint (paths->len, ==, G_N_ELEMENTS (expected));
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *want = g_build_filename (dir, expected[i], NULL);
      g_assert_cmpstr (paths->pdata[i], ==, want);
    }
  ls_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Dataset/photo-names", test_photo_names);
  g_test_add_func ("/Engine/Dataset/compare-names", test_compare_names);
  g_test_add_func ("/Engine/Dataset/scan-labels", test_scan_labels);
  g_test_add_func ("/Engine/Dataset/scan-folders", test_scan_folders);
  g_test_add_func ("/Engine/Dataset/scan-errors", test_scan_errors);
  g_test_add_func ("/Engine/Dataset/collect", test_collect);
  return g_test_run ();
}
