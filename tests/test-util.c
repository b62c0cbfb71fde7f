/* test-util.c: helpers shared by the test programs. */
#include "test-util.h"

#include <glib/gstdio.h>
#include <sys/wait.h>

char *
ls_test_fixture (const char *first, ...)
{
  const char *root = g_getenv ("LEAFSCOPE_FIXTURES");
  g_assert_nonnull (root);

  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_ptr_array_add (parts, (gpointer) root);
  va_list args;
  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
ls_test_shared_dir (const char *first, ...)
{
  const char *root = g_getenv ("LEAFSCOPE_SHARED");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_ptr_array_add (parts, (gpointer) (root != NULL ? root : "(LEAFSCOPE_SHARED unset)"));
  va_list args;
  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  g_autofree char *dir = g_build_filenamev ((char **) parts->pdata);
  if (root == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *message = g_strdup_printf ("%s is not available (LEAFSCOPE_SHARED)", dir);
      g_test_skip (message);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

void
ls_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          ls_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
ls_test_run_clear (LsTestRun *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

void
ls_test_run_cli (LsTestRun *r, ...)
{
  const char *exe = g_getenv ("LEAFSCOPE_CLI");
  g_assert_nonnull (exe);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) exe);
  va_list args;
  va_start (args, r);
  const char *a;
  while ((a = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &r->out, &r->err, &wait_status, &error);
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}
