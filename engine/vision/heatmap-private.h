/* heatmap-private.h: heatmap.h's functions that only the engine's tests and
 * benchmarks call; clients see heatmap.h alone. */
#pragma once

#include "heatmap.h"

G_BEGIN_DECLS

/* Value of @grid (grid_h rows of grid_w) at pixel (@x, @y) of a
 * @width x @height rendering. */
float    ls_heatmap_sample          (const float *grid,
                                     int          grid_w,
                                     int          grid_h,
                                     int          width,
                                     int          height,
                                     int          x,
                                     int          y);

/* Writes @height rows of @width RGBA pixels (non-premultiplied, alpha =
 * @opacity * 255) into @rgba with @stride bytes per row. */
void     ls_heatmap_render_into     (const float *grid,
                                     int          grid_w,
                                     int          grid_h,
                                     LsColormap   map,
                                     float        opacity,
                                     guint8      *rgba,
                                     int          width,
                                     int          height,
                                     int          stride);

/* Same, newly allocated with stride width * 4 (g_free). */
guint8  *ls_heatmap_render          (const float *grid,
                                     int          grid_w,
                                     int          grid_h,
                                     LsColormap   map,
                                     float        opacity,
                                     int          width,
                                     int          height);

/* The photo with the heatmap blended over it at @opacity (0 leaves the
 * photo unchanged, 1 shows only the colours); same size as @photo. */
LsImage *ls_heatmap_composite       (const LsImage *photo,
                                     const float   *grid,
                                     int            grid_w,
                                     int            grid_h,
                                     LsColormap     map,
                                     float          opacity);

/* As ls_heatmap_render_into / _render / ls_heatmap_composite, with each
 * pixel's alpha from ls_heatmap_alpha (value, @opacity, @gamma) instead of a
 * uniform @opacity (rendered alpha is that times 255, rounded). */
void     ls_heatmap_render_weighted_into (const float *grid,
                                          int          grid_w,
                                          int          grid_h,
                                          LsColormap   map,
                                          float        opacity,
                                          float        gamma,
                                          guint8      *rgba,
                                          int          width,
                                          int          height,
                                          int          stride);

G_END_DECLS
