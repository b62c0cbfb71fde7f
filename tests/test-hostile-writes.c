/* test-hostile-writes.c: nothing lost.  Exports go through a temporary file
 * and a rename, so a failed write reports an error, leaves the previous file
 * byte for byte and no temporary file behind: ls_safetensors_write, and the
 * CLI's PNG exports (classify --heatmap-out, diagnose --heatmap-dir).
 *
 * Failures are forced in ways that work as root (CI runs as root, so a
 * read-only folder would not stop it): a path whose parent is a regular file,
 * and RLIMIT_FSIZE, under which a write past the limit fails with EFBIG
 * (SIGXFSZ ignored) as it would on a full disk. */
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "ls-error.h"
#include "safetensors.h"

static char *
fixture (const char *folder, const char *file)
{
  const char *root = g_getenv ("LEAFSCOPE_FIXTURES");
  g_assert_nonnull (root);
  return g_build_filename (root, folder, file, NULL);
}

static int
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  int n = 0;
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
assert_file_is (const char *path, const char *contents, gsize len)
{
  g_autofree char *now = NULL;
  gsize now_len = 0;
  g_assert_true (g_file_get_contents (path, &now, &now_len, NULL));
  g_assert_cmpmem (now, now_len, contents, len);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_remove (p);
    }
  g_rmdir (dir);
}

/* Limits the size of files this process (or a child, when called from
 * g_spawn's child setup) may write; @limit 0 restores the saved limit. */
static struct rlimit saved_fsize;

static void
limit_file_size (rlim_t limit)
{
  struct rlimit r;
  getrlimit (RLIMIT_FSIZE, &r);
  r.rlim_cur = limit;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &r), ==, 0);
}

static void
child_limit_file_size (gpointer user_data)
{
  signal (SIGXFSZ, SIG_IGN);
  struct rlimit r;
  getrlimit (RLIMIT_FSIZE, &r);
  r.rlim_cur = GPOINTER_TO_UINT (user_data);
  setrlimit (RLIMIT_FSIZE, &r);
}

/* ---- ls_safetensors_write ---- */

static void
test_safetensors_parent_is_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-writes-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *file = g_build_filename (tmp, "not-a-folder", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, &error));
  g_autofree char *path = g_build_filename (file, "out.safetensors", NULL);

  float values[4] = { 1, 2, 3, 4 };
  LsTensorView t = { "w", LS_DTYPE_F32, 1, { 4 }, values, sizeof values };
  g_assert_false (ls_safetensors_write (path, &t, 1, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));
  assert_file_is (file, "x", 1);
  g_assert_cmpint (count_files (tmp), ==, 1);
  remove_tree (tmp);
}

static void
test_safetensors_write_fails_midway (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-writes-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (tmp, "weights.safetensors", NULL);

  /* The previous export: a small valid file. */
  float small[2] = { 5, 6 };
  LsTensorView t1 = { "old", LS_DTYPE_F32, 1, { 2 }, small, sizeof small };
  g_assert_true (ls_safetensors_write (path, &t1, 1, &error));
  g_assert_no_error (error);
  g_autofree char *before = NULL;
  gsize before_len = 0;
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));

  /* The new one is 64 KiB: with files limited to 4 KiB the data write
   * fails halfway (EFBIG). */
  g_autofree float *big = g_new0 (float, 16384);
  LsTensorView t2 = { "new", LS_DTYPE_F32, 2, { 128, 128 }, big, 16384 * sizeof (float) };
  getrlimit (RLIMIT_FSIZE, &saved_fsize);
  void (*old_handler) (int) = signal (SIGXFSZ, SIG_IGN);
  limit_file_size (4096);
  gboolean ok = ls_safetensors_write (path, &t2, 1, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved_fsize), ==, 0);
  signal (SIGXFSZ, old_handler);

  g_assert_false (ok);
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  assert_file_is (path, before, before_len);
  g_assert_cmpint (count_files (tmp), ==, 1);

  /* Still a readable safetensors file holding the old tensor. */
  g_clear_error (&error);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ls_safetensors_lookup (st, "old"));
  remove_tree (tmp);
}

/* ---- the CLI's PNG exports ---- */

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_cli (Run *r, rlim_t file_limit, const char * const *args)
{
  const char *cli = g_getenv ("LEAFSCOPE_CLI");
  g_assert_nonnull (cli);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) cli);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT,
                file_limit > 0 ? child_limit_file_size : NULL,
                GUINT_TO_POINTER ((guint) file_limit),
                &r->out, &r->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
  g_test_message ("exit %d, stderr: %s", r->status, r->err);
}

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

static const char previous[] = "the previous export\n";

static void
test_classify_heatmap (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model = fixture ("vit-tiny", NULL);
  g_autofree char *photo = fixture ("vit-tiny", "input1.png");
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-writes-XXXXXX", &error);
  g_assert_no_error (error);

  /* A folder that cannot exist: its parent is a file. */
  g_autofree char *file = g_build_filename (tmp, "not-a-folder", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, &error));
  g_autofree char *bad = g_build_filename (file, "overlay.png", NULL);
  Run r = { 0 };
  const char *args1[] = { "classify", "--model", model, "--heatmap-out", bad, photo, NULL };
  run_cli (&r, 0, args1);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, bad));
  assert_file_is (file, "x", 1);
  run_clear (&r);

  /* The write itself fails (files limited to 1 KiB; the overlay of the
   * 123 KB photo is larger): the previous file stays as it was. */
  g_autofree char *png = g_build_filename (tmp, "overlay.png", NULL);
  g_assert_true (g_file_set_contents (png, previous, -1, &error));
  const char *args2[] = { "classify", "--model", model, "--heatmap-out", png, photo, NULL };
  run_cli (&r, 1024, args2);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, png));
  assert_file_is (png, previous, strlen (previous));
  g_assert_cmpint (count_files (tmp), ==, 2);
  run_clear (&r);

  /* Without the limit the same command replaces it with a real PNG. */
  run_cli (&r, 0, args2);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr(GdkPixbuf) written = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_files (tmp), ==, 2);
  run_clear (&r);
  remove_tree (tmp);
}

static void
test_diagnose_heatmap (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model = fixture ("vit-tiny", NULL);
  g_autofree char *photo = fixture ("vit-tiny", "input1.png");
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-writes-XXXXXX", &error);
  g_assert_no_error (error);

  g_autofree char *png = g_build_filename (tmp, "input1-heatmap.png", NULL);
  g_assert_true (g_file_set_contents (png, previous, -1, &error));
  const char *args[] = { "diagnose", "--quiet", "--no-describe", "--vision-model", model,
                         "--heatmap-dir", tmp, photo, NULL };
  Run r = { 0 };
  run_cli (&r, 1024, args);
  g_assert_cmpint (r.status, ==, 1); /* that photo failed */
  g_assert_nonnull (strstr (r.err, "heatmap"));
  assert_file_is (png, previous, strlen (previous));
  g_assert_cmpint (count_files (tmp), ==, 1);
  run_clear (&r);

  run_cli (&r, 0, args);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr(GdkPixbuf) written = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_files (tmp), ==, 1);
  run_clear (&r);
  remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/HostileWrites/safetensors-parent-is-file", test_safetensors_parent_is_file);
  g_test_add_func ("/Engine/HostileWrites/safetensors-fails-midway", test_safetensors_write_fails_midway);
  g_test_add_func ("/Cli/HostileWrites/classify-heatmap-out", test_classify_heatmap);
  g_test_add_func ("/Cli/HostileWrites/diagnose-heatmap-dir", test_diagnose_heatmap);
  return g_test_run ();
}
