/* leafscope-diagnose-view-dnd.c: photos dropped on the Diagnose view or
 * pasted into it.  Files are appended to the strip; an image is shown as
 * "Pasted image" and leaves the strip as it is. */
#include "config.h"

#include "leafscope-diagnose-view-private.h"
#include "leafscope-dataset-model.h"

#include <glib/gi18n-lib.h>

void
leafscope_diagnose_view_open_texture (LeafscopeDiagnoseView *self, GdkTexture *texture, const char *name)
{
  g_autoptr(GError) error = NULL;
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  gsize stride = (gsize) w * 4;
  g_autofree guint8 *data = NULL;
  LsImage *image;

  if ((gint64) w * h > LS_IMAGE_MAX_PIXELS)
    {
      leafscope_diagnose_view_show_error (self, _("The image is too large to diagnose."));
      return;
    }
  /* gdk_texture_download gives premultiplied B8G8R8A8 in native order (Cairo's
   * ARGB32); swap it into RGBA. */
  data = g_malloc (stride * h);
  gdk_texture_download (texture, data, stride);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      guint8 *p = data + i * 4;
      guint32 v = *(guint32 *) p;
      guint8 a = v >> 24, r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
      if (a > 0 && a < 255)
        {
          r = MIN (255, r * 255 / a);
          g = MIN (255, g * 255 / a);
          b = MIN (255, b * 255 / a);
        }
      p[0] = r; p[1] = g; p[2] = b; p[3] = a;
    }
  image = ls_image_new_from_data (data, w, h, (int) stride, TRUE, &error);
  if (image == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The image could not be used: %s"), error->message);
      leafscope_diagnose_view_show_error (self, message);
      return;
    }
  leafscope_diagnose_view_show_pasted (self, image, name ? name : _("Pasted image"));
}

static gboolean
open_value (LeafscopeDiagnoseView *self, const GValue *value)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *list = g_value_get_boxed (value);
      g_autoptr(GPtrArray) files = g_ptr_array_new ();
      for (GSList *l = list; l; l = l->next)
        {
          g_autofree char *name = g_file_get_basename (l->data);
          if (g_slist_length (list) == 1 || leafscope_is_image_file_name (name))
            g_ptr_array_add (files, l->data);
        }
      if (files->len == 0)
        {
          leafscope_diagnose_view_show_error (self, _("None of the dropped files is a photo."));
          return FALSE;
        }
      leafscope_diagnose_view_open_files (self, (GFile **) files->pdata, files->len);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      GFile *file = g_value_get_object (value);
      leafscope_diagnose_view_open_files (self, &file, 1);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      leafscope_diagnose_view_open_texture (self, g_value_get_object (value), NULL);
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, LeafscopeDiagnoseView *self)
{
  return open_value (self, value);
}

static void
on_paste_texture (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(LeafscopeDiagnoseView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);

  if (texture == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The pasted image could not be read: %s"), error->message);
      leafscope_diagnose_view_show_error (self, message);
      return;
    }
  leafscope_diagnose_view_open_texture (self, texture, NULL);
}

static void
on_paste_value (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(LeafscopeDiagnoseView) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value == NULL || !open_value (self, value))
    leafscope_diagnose_view_show_error (self, _("The clipboard holds no photo."));
}

void
leafscope_diagnose_view_paste (LeafscopeDiagnoseView *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, NULL, on_paste_texture, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    on_paste_value, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE))
    gdk_clipboard_read_value_async (clipboard, G_TYPE_FILE, G_PRIORITY_DEFAULT, NULL,
                                    on_paste_value, g_object_ref (self));
  else
    leafscope_diagnose_view_show_error (self, _("The clipboard holds no photo."));
}

void
leafscope_diagnose_view_init_dnd (LeafscopeDiagnoseView *self)
{
  GtkDropTarget *target;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE };

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
