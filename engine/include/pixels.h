/* pixels.h: a model's input turned back into a picture. */
#pragma once

#include "image.h"

G_BEGIN_DECLS

/* The preprocessed pixels @pixels ([3, S, S] float, as ls_image_preprocess
 * gives them under @config) turned back into 8-bit RGB: the rescale and
 * normalisation undone, rounded and clamped.  For inputs given as pixel
 * values, where there is no photo to draw a heatmap on. */
LsImage *ls_image_from_pixels (const float              *pixels,
                               int                       size,
                               const LsPreprocessConfig *config);

G_END_DECLS
