/* leafscope-photo-view.h: draws the photo, aspect-correct and centred, with
 * the attention heatmap stretched over exactly the same rectangle (the ViT
 * sees the whole photo), so the overlay lines up at every size. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_PHOTO_VIEW (leafscope_photo_view_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopePhotoView, leafscope_photo_view, LEAFSCOPE, PHOTO_VIEW, GtkWidget)

void        leafscope_photo_view_set_photo           (LeafscopePhotoView *self,
                                                      GdkTexture         *photo);
/* @heatmap: straight-alpha RGBA texture of any size, or NULL. */
void        leafscope_photo_view_set_heatmap         (LeafscopePhotoView *self,
                                                      GdkTexture         *heatmap);
void        leafscope_photo_view_set_heatmap_visible (LeafscopePhotoView *self,
                                                      gboolean            visible);
void        leafscope_photo_view_set_heatmap_opacity (LeafscopePhotoView *self,
                                                      double              opacity);
/* Where the photo (and the heatmap) is drawn for a widget of @width x @height. */
void        leafscope_photo_view_compute_rect        (int                 photo_width,
                                                      int                 photo_height,
                                                      int                 width,
                                                      int                 height,
                                                      graphene_rect_t    *rect);

G_END_DECLS
