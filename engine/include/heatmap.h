/* heatmap.h: an attention grid (values in [0, 1]) as colour, at any size.
 *
 * Upsampling is bilinear between cell centres (align_corners = false, edges
 * clamped), the colour comes from a perceptual map (inferno or viridis,
 * 256 entries interpolated from matplotlib's published samples).
 */
#pragma once

#include <glib.h>
#include "image.h"

G_BEGIN_DECLS

typedef enum {
  LS_COLORMAP_INFERNO,
  LS_COLORMAP_VIRIDIS,
} LsColormap;

/* Colour of @value (clamped to [0, 1]) in @map, for legends. */
void     ls_heatmap_colormap_lookup (LsColormap   map,
                                     float        value,
                                     guint8       rgb[3]);

/* The look every Leafscope client uses (app, report, CLI): inferno, alpha
 * growing with attention so cold areas show the photo unchanged. */
#define LS_HEATMAP_DEFAULT_GAMMA   1.5f
#define LS_HEATMAP_DEFAULT_OPACITY 0.8f

/* Alpha in [0, 1] of a pixel whose attention is @value (clamped to
 * [0, 1]): @opacity * value^@gamma.  @gamma 0 gives every pixel @opacity (a
 * uniform wash); @gamma > 0 keeps low attention transparent, so the photo
 * shows unchanged there and hot spots stand out. */
float    ls_heatmap_alpha           (float        value,
                                     float        opacity,
                                     float        gamma);

/* @grid (grid_h rows of grid_w) rendered at @width x @height in @map's
 * colours (@value quantised to its 256 steps), each pixel's alpha
 * ls_heatmap_alpha (value, @opacity, @gamma) times 255, rounded:
 * non-premultiplied RGBA, newly allocated with stride width * 4 (g_free). */
guint8  *ls_heatmap_render_weighted      (const float *grid,
                                          int          grid_w,
                                          int          grid_h,
                                          LsColormap   map,
                                          float        opacity,
                                          float        gamma,
                                          int          width,
                                          int          height);
/* The photo with that heatmap blended over it; same size as @photo. */
LsImage *ls_heatmap_composite_weighted   (const LsImage *photo,
                                          const float   *grid,
                                          int            grid_w,
                                          int            grid_h,
                                          LsColormap     map,
                                          float          opacity,
                                          float          gamma);

G_END_DECLS
