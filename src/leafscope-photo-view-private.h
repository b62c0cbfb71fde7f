/* leafscope-photo-view-private.h: what the photo view draws, for tests
 * (tests/test-gui-*.c). */
#pragma once

#include "leafscope-photo-view.h"

G_BEGIN_DECLS

/* The photo and the heatmap drawn over it (NULL: none). */
GdkTexture *leafscope_photo_view_get_photo           (LeafscopePhotoView *self);
GdkTexture *leafscope_photo_view_get_heatmap         (LeafscopePhotoView *self);

G_END_DECLS
