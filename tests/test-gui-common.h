/* test-gui-common.h: helpers shared by the GUI tests (header only). */
#pragma once

#include <gtk/gtk.h>

/* Defined once per program: a second file of a program (test-gui-app.c)
 * defines TEST_GUI_COMMON_NO_HOOKS before including this header. */
#ifndef TEST_GUI_COMMON_NO_HOOKS
/* GTK, fontconfig and the X libraries keep caches for the life of the
 * process; LeakSanitizer reports them at exit.  Our own code is not listed. */
const char *__lsan_default_suppressions (void);
const char *
__lsan_default_suppressions (void)
{
  return "leak:libfontconfig.so\n"
         "leak:libpangoft2\n"
         "leak:libpango-1.0\n"
         "leak:libharfbuzz\n"
         "leak:libgtk-4.so\n"
         "leak:libgdk_pixbuf\n"
         "leak:libX11.so\n"
         "leak:libxkbcommon\n"
         "leak:libEGL\n"
         "leak:libGLX\n"
         "leak:libGL.so\n"
         "leak:libgallium\n"
         "leak:swrast_dri\n"
         "leak:libLLVM\n"
         "leak:libglib-2.0.so\n"
         "leak:libgobject-2.0.so\n"
         "leak:libgio-2.0.so\n"
         "leak:libcairo\n"
         "leak:libepoxy\n"
         "leak:libdbus\n"
         "leak:librsvg\n";
}

/* Some system libraries are built without frame pointers: with the fast
 * unwinder, an allocation of theirs made on a worker thread can show up with
 * a garbage caller, which no suppression can match.  The full unwinder sees
 * the library and the suppressions in test-gui-common.h apply. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}
#endif

typedef gboolean (*TestCondition) (gpointer data);

G_GNUC_UNUSED static gboolean
test_wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @condition holds or @seconds pass. */
G_GNUC_UNUSED static gboolean
test_wait_for (TestCondition condition, gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint wake = g_timeout_add (20, test_wake, NULL);
  gboolean ok;

  while (!(ok = condition (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return ok;
}

G_GNUC_UNUSED static gboolean
test_true (gpointer data)
{
  return FALSE;
}

/* Lets the main loop run for @seconds (layout, drawing). */
G_GNUC_UNUSED static void
test_spin (double seconds)
{
  test_wait_for (test_true, NULL, seconds);
}

G_GNUC_UNUSED static char *
test_model_dir (const char *which)
{
  const char *data = g_getenv ("LEAFSCOPE_DATA_DIR");
  const char *shared = g_getenv ("LEAFSCOPE_SHARED");
  g_autofree char *dir = data ? g_build_filename (data, "models", which, NULL) : NULL;

  if (dir && g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&dir);
  g_clear_pointer (&dir, g_free);
  dir = shared ? g_build_filename (shared, "models", which, NULL) : NULL;
  if (dir && g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&dir);
  return NULL;
}

/* The start of a GUI test program: the build tree's settings schema, the
 * Cairo renderer (Xvfb has no GPU, and it keeps the software GL driver,
 * unloaded at exit so its allocations cannot be attributed, out of
 * LeakSanitizer's report), g_test_init and a display.  FALSE, with a TAP
 * skip line printed, when there is no display. */
G_GNUC_UNUSED static gboolean
test_gui_init (int *argc, char ***argv)
{
  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    g_setenv ("GSETTINGS_SCHEMA_DIR", LEAFSCOPE_SCHEMA_DIR, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_test_init (argc, argv, NULL);
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display (run under xvfb-run)\n");
      return FALSE;
    }
  return TRUE;
}
