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

/* Alpha in [0, 1] of a pixel whose attention is @value (clamped to
 * [0, 1]): @opacity * value^@gamma.  @gamma 0 gives every pixel @opacity (a
 * uniform wash, as the functions above); @gamma > 0 keeps low attention
 * transparent, so the photo shows unchanged there and hot spots stand out.
 * The functions below quantise @value to the colour map's 256 steps first. */
/* The look every Leafscope client uses (app, report, CLI): inferno, alpha
 * growing with attention so cold areas show the photo unchanged. */
#define LS_HEATMAP_DEFAULT_GAMMA   1.5f
#define LS_HEATMAP_DEFAULT_OPACITY 0.8f

float    ls_heatmap_alpha           (float        value,
                                     float        opacity,
                                     float        gamma);

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
guint8  *ls_heatmap_render_weighted      (const float *grid,
                                          int          grid_w,
                                          int          grid_h,
                                          LsColormap   map,
                                          float        opacity,
                                          float        gamma,
                                          int          width,
                                          int          height);
LsImage *ls_heatmap_composite_weighted   (const LsImage *photo,
                                          const float   *grid,
                                          int            grid_w,
                                          int            grid_h,
                                          LsColormap     map,
                                          float          opacity,
                                          float          gamma);

G_END_DECLS
