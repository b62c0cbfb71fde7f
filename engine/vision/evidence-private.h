/* evidence-private.h: evidence.h's functions that only the engine's tests and
 * benchmarks call; clients see evidence.h alone. */
#pragma once

#include "evidence.h"

G_BEGIN_DECLS

/* Estimated FLOPs of one ViT forward of one image (matrix products and
 * attention). */
double         ls_evidence_forward_flops (const LsVitConfig *config);

/* Covers cell (@row, @col) of a map of @block patches in @pixels
 * ([3, image, image]) with @fill_rgb (one value per channel). */
void           ls_evidence_cover        (float       *pixels,
                                         int          image_size,
                                         int          patch_size,
                                         int          block,
                                         int          row,
                                         int          col,
                                         const float  fill_rgb[3]);

G_END_DECLS
