#include "config.h"

#include "cli-common.h"

#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ls-error.h"

int
ls_cli_fail (const char *path, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *reason = g_strdup_vprintf (format, args);
  va_end (args);

  if (path != NULL)
    fprintf (stderr, "leafscope-cli: error: %s: %s\n", path, reason);
  else
    fprintf (stderr, "leafscope-cli: error: %s\n", reason);
  return 2;
}

int
ls_cli_fail_error (const char *path, GError **error)
{
  int status = ls_cli_fail (path, "%s", (*error)->message);
  g_clear_error (error);
  return status;
}

gboolean
ls_cli_parse (const char *command, const char *parameter_string,
              const GOptionEntry *entries, int *argc, char ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = g_strdup_printf ("leafscope-cli %s", command);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      ls_cli_fail (NULL, "%s %s", command, error->message);
      return FALSE;
    }
  return TRUE;
}

char *
ls_cli_default_model_dir (const char *name)
{
  const char *data_dir = g_getenv ("LEAFSCOPE_DATA_DIR");
  if (data_dir == NULL || *data_dir == '\0')
    data_dir = PKGDATADIR;
  return g_build_filename (data_dir, "models", name, NULL);
}

int
ls_cli_fail_named (const char *path, GError **error)
{
  if (path != NULL && strstr ((*error)->message, path) != NULL)
    path = NULL;
  return ls_cli_fail_error (path, error);
}

/* ------------------------------------------------------------ interrupts */

/* Guards everything below; taken by the signal thread and by file writes. */
static GMutex interrupt_lock;
static GCancellable *interrupt_cancellable;
static int interrupt_signal;  /* the first SIGINT or SIGTERM, 0 before */
static int pending_kill;      /* a second signal held back by a write */
static int writes_in_progress;

static void
restore_default_signals (void)
{
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
}

/* Called with the lock held once no write is in progress: from now on a
 * signal kills the process, as it did before the first one. */
static void
release_signals (void)
{
  restore_default_signals ();
  if (pending_kill != 0)
    raise (pending_kill);
}

static gboolean
on_signal (gpointer user_data)
{
  int signum = GPOINTER_TO_INT (user_data);

  g_mutex_lock (&interrupt_lock);
  if (interrupt_signal == 0)
    {
      interrupt_signal = signum;
      g_cancellable_cancel (interrupt_cancellable);
    }
  else
    pending_kill = signum;
  /* During a PNG write the handlers stay, so that a second signal waits
   * for the temporary file to be renamed or removed. */
  if (writes_in_progress == 0)
    release_signals ();
  g_mutex_unlock (&interrupt_lock);
  return G_SOURCE_CONTINUE;
}

/* The commands have no main loop: this thread dispatches the signals. */
static gpointer
signal_thread (gpointer user_data)
{
  GMainContext *context = user_data;
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

static void
watch_signal (GMainContext *context, int signum)
{
  g_autoptr(GSource) source = g_unix_signal_source_new (signum);
  g_source_set_callback (source, on_signal, GINT_TO_POINTER (signum), NULL);
  g_source_attach (source, context);
}

GCancellable *
ls_cli_interrupt_cancellable (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      interrupt_cancellable = g_cancellable_new ();
      GMainContext *context = g_main_context_new ();
      /* The handlers are installed here, before the thread runs. */
      watch_signal (context, SIGINT);
      watch_signal (context, SIGTERM);
      g_thread_unref (g_thread_new ("leafscope-signals", signal_thread, context));
      g_once_init_leave (&once, 1);
    }
  return interrupt_cancellable;
}

int
ls_cli_interrupted (void)
{
  g_mutex_lock (&interrupt_lock);
  int signum = interrupt_signal != 0 ? interrupt_signal : SIGINT;
  g_mutex_unlock (&interrupt_lock);
  fprintf (stderr, "leafscope-cli: interrupted\n");
  return 128 + signum;
}

gboolean
ls_cli_error_is_interrupt (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Starts a file write unless the process was interrupted: new work stops
 * there, and a write that starts finishes (or cleans up) before a second
 * signal kills. */
static gboolean
begin_write (GError **error)
{
  g_mutex_lock (&interrupt_lock);
  gboolean ok = interrupt_signal == 0;
  if (ok)
    writes_in_progress++;
  g_mutex_unlock (&interrupt_lock);
  if (!ok)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted");
  return ok;
}

static void
end_write (void)
{
  g_mutex_lock (&interrupt_lock);
  if (--writes_in_progress == 0 && interrupt_signal != 0)
    release_signals ();
  g_mutex_unlock (&interrupt_lock);
}

/* ------------------------------------------------------------ files */

static gboolean
save_png_via_temp (const LsImage *image, const char *path, GError **error)
{
  /* g_mkstemp() would create the file 0600: heatmaps are meant to be shared. */
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);

  g_autoptr(GdkPixbuf) pb =
    gdk_pixbuf_new_from_data (image->rgb, GDK_COLORSPACE_RGB, FALSE, 8, image->width,
                              image->height, image->width * 3, NULL, NULL);
  g_autoptr(GError) local_error = NULL;
  if (!gdk_pixbuf_save (pb, tmp, "png", &local_error, NULL))
    {
      g_unlink (tmp);
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, local_error->message);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
ls_cli_save_png (const LsImage *image, const char *path, GError **error)
{
  if (!begin_write (error))
    return FALSE;
  gboolean ok = save_png_via_temp (image, path, error);
  end_write ();
  return ok;
}
