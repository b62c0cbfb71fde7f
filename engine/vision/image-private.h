/* image-private.h: shared by image.c (decoding) and image-resize.c. */
#pragma once

#include "image.h"

G_BEGIN_DECLS

/* An image of @width x @height with uninitialised pixels; an error for an
 * empty size or one over LS_IMAGE_MAX_PIXELS. */
LsImage *ls_image_alloc (int      width,
                         int      height,
                         GError **error);

G_END_DECLS
