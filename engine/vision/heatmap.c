/* heatmap.c: grid -> colour. */
#include "heatmap.h"
#include "heatmap-private.h"

#include <math.h>
#include <string.h>

/* Matplotlib's inferno and viridis sampled at t = 0, 1/8, ..., 1 (the stops
 * d3-scale-chromatic and many plotting libraries publish).  Linear
 * interpolation between them stays within a few levels of the full
 * 256-entry tables and keeps their monotonic lightness. */
static const guint8 inferno_stops[9][3] = {
  { 0x00, 0x00, 0x04 }, { 0x21, 0x0c, 0x4a }, { 0x57, 0x10, 0x6e },
  { 0x8a, 0x22, 0x6a }, { 0xbc, 0x37, 0x54 }, { 0xe4, 0x5a, 0x31 },
  { 0xf9, 0x8e, 0x09 }, { 0xf9, 0xcb, 0x35 }, { 0xfc, 0xff, 0xa4 },
};

static const guint8 viridis_stops[9][3] = {
  { 0x44, 0x01, 0x54 }, { 0x47, 0x2d, 0x7b }, { 0x3b, 0x52, 0x8b },
  { 0x2c, 0x72, 0x8e }, { 0x21, 0x91, 0x8c }, { 0x28, 0xae, 0x80 },
  { 0x5e, 0xc9, 0x62 }, { 0xad, 0xdc, 0x30 }, { 0xfd, 0xe7, 0x25 },
};

/* Entry @i of the 256-entry table of @map. */
static void
colormap_entry (LsColormap map, int i, guint8 rgb[3])
{
  const guint8 (*stops)[3] = map == LS_COLORMAP_VIRIDIS ? viridis_stops : inferno_stops;
  double t = i / 255.0 * 8.0;
  int s = MIN ((int) t, 7);
  double f = t - s;
  for (int c = 0; c < 3; c++)
    rgb[c] = (guint8) lround (stops[s][c] + f * (stops[s + 1][c] - stops[s][c]));
}

void
ls_heatmap_colormap_lookup (LsColormap map, float value, guint8 rgb[3])
{
  if (!(value > 0.0f)) /* also NaN */
    value = 0.0f;
  if (value > 1.0f)
    value = 1.0f;
  colormap_entry (map, (int) lroundf (value * 255.0f), rgb);
}

/* Source coordinate of output pixel @x along an axis of @out samples over
 * @in cells: cell centres at (i + 0.5) in output space, clamped at edges. */
static inline void
axis_weights (int x, int out, int in, int *i0, int *i1, float *t)
{
  float src = (x + 0.5f) * (float) in / (float) out - 0.5f;
  if (src < 0.0f)
    src = 0.0f;
  int lo = (int) src;
  if (lo > in - 1)
    lo = in - 1;
  *i0 = lo;
  *i1 = lo + 1 < in ? lo + 1 : lo;
  *t = src - lo;
  if (*i1 == lo)
    *t = 0.0f;
}

float
ls_heatmap_sample (const float *grid, int grid_w, int grid_h, int width, int height,
                   int x, int y)
{
  int x0, x1, y0, y1;
  float tx, ty;
  axis_weights (x, width, grid_w, &x0, &x1, &tx);
  axis_weights (y, height, grid_h, &y0, &y1, &ty);
  const float *r0 = grid + (gsize) y0 * grid_w, *r1 = grid + (gsize) y1 * grid_w;
  float top = r0[x0] + (r0[x1] - r0[x0]) * tx;
  float bottom = r1[x0] + (r1[x1] - r1[x0]) * tx;
  return top + (bottom - top) * ty;
}

float
ls_heatmap_alpha (float value, float opacity, float gamma)
{
  value = value > 0.0f ? (value < 1.0f ? value : 1.0f) : 0.0f;
  opacity = opacity > 0.0f ? (opacity < 1.0f ? opacity : 1.0f) : 0.0f;
  if (gamma <= 0.0f)
    return opacity;
  return opacity * powf (value, gamma);
}

/* Colour and alpha (in [0, 1]) for each of the 256 quantised values, so the
 * per-pixel work is a lookup. */
static void
build_tables (LsColormap map, float opacity, float gamma, guint8 colour[256][3], float alpha[256])
{
  for (int i = 0; i < 256; i++)
    {
      colormap_entry (map, i, colour[i]);
      alpha[i] = ls_heatmap_alpha ((float) i / 255.0f, opacity, gamma);
    }
}

static inline int
quantise (float v)
{
  v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
  return (int) lroundf (v * 255.0f);
}

void
ls_heatmap_render_weighted_into (const float *grid, int grid_w, int grid_h, LsColormap map,
                                 float opacity, float gamma, guint8 *rgba,
                                 int width, int height, int stride)
{
  guint8 table[256][3];
  float alpha_f[256];
  guint8 alpha[256];

  build_tables (map, opacity, gamma, table, alpha_f);
  for (int i = 0; i < 256; i++)
    alpha[i] = (guint8) lroundf (alpha_f[i] * 255.0f);

  for (int y = 0; y < height; y++)
    {
      guint8 *row = rgba + (gsize) y * stride;
      for (int x = 0; x < width; x++)
        {
          int k = quantise (ls_heatmap_sample (grid, grid_w, grid_h, width, height, x, y));
          row[4 * x + 0] = table[k][0];
          row[4 * x + 1] = table[k][1];
          row[4 * x + 2] = table[k][2];
          row[4 * x + 3] = alpha[k];
        }
    }
}

guint8 *
ls_heatmap_render_weighted (const float *grid, int grid_w, int grid_h, LsColormap map,
                            float opacity, float gamma, int width, int height)
{
  guint8 *rgba = g_malloc ((gsize) width * height * 4);
  ls_heatmap_render_weighted_into (grid, grid_w, grid_h, map, opacity, gamma, rgba,
                                   width, height, width * 4);
  return rgba;
}

LsImage *
ls_heatmap_composite_weighted (const LsImage *photo, const float *grid, int grid_w, int grid_h,
                               LsColormap map, float opacity, float gamma)
{
  int w = photo->width, h = photo->height;
  guint8 table[256][3];
  float alpha[256];
  LsImage *out = ls_image_copy (photo);

  opacity = opacity < 0.0f ? 0.0f : opacity > 1.0f ? 1.0f : opacity;
  if (opacity == 0.0f)
    return out;
  build_tables (map, opacity, gamma, table, alpha);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        int k = quantise (ls_heatmap_sample (grid, grid_w, grid_h, w, h, x, y));
        for (int c = 0; c < 3; c++)
          {
            float p = photo->rgb[3 * i + c], q = table[k][c];
            out->rgb[3 * i + c] = (guint8) lroundf (p + (q - p) * alpha[k]);
          }
      }
  return out;
}

void
ls_heatmap_render_into (const float *grid, int grid_w, int grid_h, LsColormap map,
                        float opacity, guint8 *rgba, int width, int height, int stride)
{
  ls_heatmap_render_weighted_into (grid, grid_w, grid_h, map, opacity, 0.0f, rgba,
                                   width, height, stride);
}

guint8 *
ls_heatmap_render (const float *grid, int grid_w, int grid_h, LsColormap map,
                   float opacity, int width, int height)
{
  return ls_heatmap_render_weighted (grid, grid_w, grid_h, map, opacity, 0.0f, width, height);
}

LsImage *
ls_heatmap_composite (const LsImage *photo, const float *grid, int grid_w, int grid_h,
                      LsColormap map, float opacity)
{
  return ls_heatmap_composite_weighted (photo, grid, grid_w, grid_h, map, opacity, 0.0f);
}
