/* leafscope-photo-view.c: see the header. */
#include "config.h"

#include "leafscope-photo-view-private.h"

#include <glib/gi18n-lib.h>

struct _LeafscopePhotoView
{
  GtkWidget   parent_instance;
  GdkTexture *photo;
  GdkTexture *heatmap;
  gboolean    heatmap_visible;
  double      heatmap_opacity;
};

enum { PROP_0, PROP_HEATMAP_VISIBLE, PROP_HEATMAP_OPACITY, N_PROPS };
static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (LeafscopePhotoView, leafscope_photo_view, GTK_TYPE_WIDGET)

void
leafscope_photo_view_compute_rect (int pw, int ph, int width, int height, graphene_rect_t *rect)
{
  double scale, w, h;

  if (pw <= 0 || ph <= 0 || width <= 0 || height <= 0)
    {
      graphene_rect_init (rect, 0, 0, 0, 0);
      return;
    }
  scale = MIN ((double) width / pw, (double) height / ph);
  w = pw * scale;
  h = ph * scale;
  /* Whole device pixels: the photo and the overlay share these exact edges. */
  graphene_rect_init (rect, floor ((width - w) / 2), floor ((height - h) / 2), floor (w), floor (h));
}

static void
leafscope_photo_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LeafscopePhotoView *self = LEAFSCOPE_PHOTO_VIEW (widget);
  graphene_rect_t rect;

  if (self->photo == NULL)
    return;
  leafscope_photo_view_compute_rect (gdk_texture_get_width (self->photo),
                                     gdk_texture_get_height (self->photo),
                                     gtk_widget_get_width (widget),
                                     gtk_widget_get_height (widget), &rect);
  if (rect.size.width < 1 || rect.size.height < 1)
    return;
  gtk_snapshot_append_texture (snapshot, self->photo, &rect);
  if (self->heatmap && self->heatmap_visible && self->heatmap_opacity > 0)
    {
      gtk_snapshot_push_opacity (snapshot, self->heatmap_opacity);
      gtk_snapshot_append_texture (snapshot, self->heatmap, &rect);
      gtk_snapshot_pop (snapshot);
    }
}

static void
leafscope_photo_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                              int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 360;
}

static void
leafscope_photo_view_dispose (GObject *object)
{
  LeafscopePhotoView *self = LEAFSCOPE_PHOTO_VIEW (object);
  g_clear_object (&self->photo);
  g_clear_object (&self->heatmap);
  G_OBJECT_CLASS (leafscope_photo_view_parent_class)->dispose (object);
}

static void
leafscope_photo_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LeafscopePhotoView *self = LEAFSCOPE_PHOTO_VIEW (object);
  switch (prop_id)
    {
    case PROP_HEATMAP_VISIBLE:
      g_value_set_boolean (value, self->heatmap_visible);
      break;
    case PROP_HEATMAP_OPACITY:
      g_value_set_double (value, self->heatmap_opacity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leafscope_photo_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LeafscopePhotoView *self = LEAFSCOPE_PHOTO_VIEW (object);
  switch (prop_id)
    {
    case PROP_HEATMAP_VISIBLE:
      leafscope_photo_view_set_heatmap_visible (self, g_value_get_boolean (value));
      break;
    case PROP_HEATMAP_OPACITY:
      leafscope_photo_view_set_heatmap_opacity (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leafscope_photo_view_class_init (LeafscopePhotoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = leafscope_photo_view_dispose;
  object_class->get_property = leafscope_photo_view_get_property;
  object_class->set_property = leafscope_photo_view_set_property;
  widget_class->snapshot = leafscope_photo_view_snapshot;
  widget_class->measure = leafscope_photo_view_measure;

  props[PROP_HEATMAP_VISIBLE] =
    g_param_spec_boolean ("heatmap-visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_HEATMAP_OPACITY] =
    g_param_spec_double ("heatmap-opacity", NULL, NULL, 0, 1, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_css_name (widget_class, "photoview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
leafscope_photo_view_init (LeafscopePhotoView *self)
{
  self->heatmap_visible = TRUE;
  self->heatmap_opacity = 0.5;
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The photo, with the attention heatmap over it"), -1);
}

void
leafscope_photo_view_set_photo (LeafscopePhotoView *self, GdkTexture *photo)
{
  if (g_set_object (&self->photo, photo))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkTexture *
leafscope_photo_view_get_photo (LeafscopePhotoView *self)
{
  return self->photo;
}

void
leafscope_photo_view_set_heatmap (LeafscopePhotoView *self, GdkTexture *heatmap)
{
  if (g_set_object (&self->heatmap, heatmap))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkTexture *
leafscope_photo_view_get_heatmap (LeafscopePhotoView *self)
{
  return self->heatmap;
}

void
leafscope_photo_view_set_heatmap_visible (LeafscopePhotoView *self, gboolean visible)
{
  visible = !!visible;
  if (self->heatmap_visible == visible)
    return;
  self->heatmap_visible = visible;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEATMAP_VISIBLE]);
}

void
leafscope_photo_view_set_heatmap_opacity (LeafscopePhotoView *self, double opacity)
{
  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->heatmap_opacity == opacity)
    return;
  self->heatmap_opacity = opacity;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEATMAP_OPACITY]);
}
