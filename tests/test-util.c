/* test-util.c: helpers shared by the test programs. */
#include "test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

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
ls_test_gpt2_tiny_with (const char *extra_name, const char *extra_contents)
{
  static const char *const files[] = { "config.json", "model.safetensors", "vocab.json", "merges.txt" };
  g_autoptr(GError) error = NULL;
  g_autofree char *fixture = ls_test_fixture ("gpt2-tiny", NULL);
  /* Links need an absolute target. */
  g_autofree char *gpt2 = g_canonicalize_filename (fixture, NULL);
  char *dir = g_dir_make_tmp ("leafscope-text-model-XXXXXX", &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (gpt2, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  if (extra_name != NULL)
    {
      g_autofree char *extra = g_build_filename (dir, extra_name, NULL);
      g_assert_true (g_file_set_contents (extra, extra_contents, -1, NULL));
    }
  return dir;
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

char *
ls_test_leaf_vit_dir (void)
{
  const char *data = g_getenv ("LEAFSCOPE_DATA_DIR");
  g_assert_nonnull (data);
  return g_build_filename (data, "models", "leaf-vit", NULL);
}

void
ls_test_assert_close (double got, double want, double rel)
{
  g_assert_cmpfloat (fabs (got - want), <=, rel * MAX (1.0, fabs (want)));
}

gboolean
ls_test_collect (int token_id, const char *piece, gpointer user_data)
{
  LsTestCollect *c = user_data;
  g_string_append (c->text, piece);
  c->calls++;
  return TRUE;
}
