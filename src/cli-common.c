#include "cli-common.h"

#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <stdio.h>
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

void
ls_cli_print_json (JsonBuilder *builder, gboolean pretty)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, pretty);
  json_generator_set_root (gen, root);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

gboolean
ls_cli_save_png (const LsImage *image, const char *path, GError **error)
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
