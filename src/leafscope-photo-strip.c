/* leafscope-photo-strip.c: see the header. */
#include "config.h"

#include "leafscope-photo-strip.h"
#include "leafscope-thumbnailer.h"

#include <glib/gi18n-lib.h>

#define THUMB_SIZE 64

struct _LeafscopePhotoStrip
{
  GtkWidget  parent_instance;
  GtkWidget *scroller;
  GtkBox    *box;
  GPtrArray *files;    /* GFile */
  GPtrArray *buttons;  /* GtkButton, borrowed from @box */
  guint      current;
};

enum { SIGNAL_PHOTO_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LeafscopePhotoStrip, leafscope_photo_strip, GTK_TYPE_WIDGET)

static void
on_clicked (GtkButton *button, LeafscopePhotoStrip *self)
{
  guint index;
  if (!g_ptr_array_find (self->buttons, button, &index))
    return;
  g_signal_emit (self, signals[SIGNAL_PHOTO_ACTIVATED], 0, index);
}

static void
thumb_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree char *path = g_file_get_path (task_data);
  GdkTexture *texture = path ? leafscope_thumbnail_decode (path, THUMB_SIZE * 2) : NULL;

  g_task_return_pointer (task, texture, texture ? g_object_unref : NULL);
}

static void
on_thumb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GtkPicture) picture = user_data;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), NULL);
  if (texture)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
}

static void
update_visibility (LeafscopePhotoStrip *self)
{
  /* One photo needs no strip. */
  gtk_widget_set_visible (GTK_WIDGET (self), self->files->len > 1);
}

guint
leafscope_photo_strip_find (LeafscopePhotoStrip *self, GFile *file)
{
  for (guint i = 0; i < self->files->len; i++)
    if (g_file_equal (g_ptr_array_index (self->files, i), file))
      return i;
  return G_MAXUINT;
}

guint
leafscope_photo_strip_append (LeafscopePhotoStrip *self, GFile **files, guint n_files)
{
  guint first = G_MAXUINT;

  for (guint i = 0; i < n_files; i++)
    {
      guint known = leafscope_photo_strip_find (self, files[i]);
      if (known != G_MAXUINT)
        {
          first = MIN (first, known);
          continue;
        }
      first = MIN (first, self->files->len);
      {
      g_autofree char *name = g_file_get_basename (files[i]);
      GtkWidget *button = gtk_button_new ();
      GtkWidget *overlay = gtk_overlay_new ();
      GtkWidget *picture = gtk_picture_new ();
      g_autoptr(GTask) task = g_task_new (NULL, NULL, on_thumb, g_object_ref (picture));

      gtk_widget_set_size_request (picture, THUMB_SIZE, THUMB_SIZE);
      gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
      gtk_overlay_set_child (GTK_OVERLAY (overlay), picture);
      gtk_button_set_child (GTK_BUTTON (button), overlay);
      gtk_widget_set_tooltip_text (button, name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_widget_add_css_class (button, "strip-thumb");
      g_signal_connect (button, "clicked", G_CALLBACK (on_clicked), self);
      gtk_box_append (self->box, button);
      g_ptr_array_add (self->buttons, button);
      g_ptr_array_add (self->files, g_object_ref (files[i]));
      g_task_set_task_data (task, g_object_ref (files[i]), g_object_unref);
      g_task_run_in_thread (task, thumb_thread);
      }
    }
  update_visibility (self);
  return first;
}

void
leafscope_photo_strip_clear (LeafscopePhotoStrip *self)
{
  for (guint i = 0; i < self->buttons->len; i++)
    gtk_box_remove (self->box, g_ptr_array_index (self->buttons, i));
  g_ptr_array_set_size (self->buttons, 0);
  g_ptr_array_set_size (self->files, 0);
  self->current = G_MAXUINT;
  update_visibility (self);
}

guint
leafscope_photo_strip_get_n_photos (LeafscopePhotoStrip *self)
{
  return self->files->len;
}

GFile *
leafscope_photo_strip_get_file (LeafscopePhotoStrip *self, guint index)
{
  return index < self->files->len ? g_ptr_array_index (self->files, index) : NULL;
}

void
leafscope_photo_strip_set_current (LeafscopePhotoStrip *self, guint index)
{
  self->current = index < self->files->len ? index : G_MAXUINT;
  for (guint i = 0; i < self->buttons->len; i++)
    {
      GtkWidget *b = g_ptr_array_index (self->buttons, i);
      if (i == self->current)
        gtk_widget_add_css_class (b, "current");
      else
        gtk_widget_remove_css_class (b, "current");
    }
}

guint
leafscope_photo_strip_get_current (LeafscopePhotoStrip *self)
{
  return self->current;
}

void
leafscope_photo_strip_set_failed (LeafscopePhotoStrip *self, guint index, const char *message)
{
  GtkWidget *button, *overlay, *icon;

  if (index >= self->buttons->len)
    return;
  button = g_ptr_array_index (self->buttons, index);
  if (gtk_widget_has_css_class (button, "failed"))
    return;
  overlay = gtk_button_get_child (GTK_BUTTON (button));
  icon = gtk_image_new_from_icon_name ("image-missing-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
  gtk_widget_set_halign (icon, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), icon);
  gtk_widget_add_css_class (button, "failed");
  gtk_widget_set_tooltip_text (button, message);
}

static void
leafscope_photo_strip_dispose (GObject *object)
{
  LeafscopePhotoStrip *self = LEAFSCOPE_PHOTO_STRIP (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (leafscope_photo_strip_parent_class)->dispose (object);
}

static void
leafscope_photo_strip_finalize (GObject *object)
{
  LeafscopePhotoStrip *self = LEAFSCOPE_PHOTO_STRIP (object);
  g_ptr_array_unref (self->files);
  g_ptr_array_unref (self->buttons);
  G_OBJECT_CLASS (leafscope_photo_strip_parent_class)->finalize (object);
}

static void
leafscope_photo_strip_class_init (LeafscopePhotoStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = leafscope_photo_strip_dispose;
  object_class->finalize = leafscope_photo_strip_finalize;
  signals[SIGNAL_PHOTO_ACTIVATED] = g_signal_new ("photo-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "photostrip");
}

static void
leafscope_photo_strip_init (LeafscopePhotoStrip *self)
{
  GtkWidget *clear;

  self->files = g_ptr_array_new_with_free_func (g_object_unref);
  self->buttons = g_ptr_array_new ();
  self->current = G_MAXUINT;
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
  gtk_widget_set_hexpand (self->scroller, TRUE);
  self->box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6));
  gtk_widget_set_margin_top (GTK_WIDGET (self->box), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->box), 6);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->box));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));

  clear = gtk_button_new_from_icon_name ("edit-clear-all-symbolic");
  gtk_widget_set_valign (clear, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (clear, _("Clear all photos"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (clear), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Clear all photos"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (clear), "diagnose.clear-photos");
  gtk_widget_add_css_class (clear, "flat");
  gtk_widget_set_parent (clear, GTK_WIDGET (self));
  update_visibility (self);
}
