/* Heatmap rendering: sampling positions, colormap anchors, compositing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "heatmap.h"
#include "heatmap-private.h"

static void
test_sample (void)
{
  /* 2 x 2 grid rendered at 4 x 4: cell centres sit at pixel 0.5..1.5 and
   * 2.5..3.5 boundaries, i.e. source x = (x + 0.5) / 2 - 0.5. */
  const float grid[4] = { 0, 1, 2, 3 };

  /* corners clamp to the corner cells */
  g_assert_cmpfloat (ls_heatmap_sample (grid, 2, 2, 4, 4, 0, 0), ==, 0.0f);
  g_assert_cmpfloat (ls_heatmap_sample (grid, 2, 2, 4, 4, 3, 0), ==, 1.0f);
  g_assert_cmpfloat (ls_heatmap_sample (grid, 2, 2, 4, 4, 0, 3), ==, 2.0f);
  g_assert_cmpfloat (ls_heatmap_sample (grid, 2, 2, 4, 4, 3, 3), ==, 3.0f);
  /* x = 1 -> source 0.25; y = 1 -> 0.25: 0.25 * 1 + 0.25 * 2 */
  g_assert_cmpfloat_with_epsilon (ls_heatmap_sample (grid, 2, 2, 4, 4, 1, 1), 0.75f, 1e-6);
  /* x = 2 -> source 0.75, y = 0 -> row 0 */
  g_assert_cmpfloat_with_epsilon (ls_heatmap_sample (grid, 2, 2, 4, 4, 2, 0), 0.75f, 1e-6);
  /* same size: every pixel is its own cell centre */
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (ls_heatmap_sample (grid, 2, 2, 2, 2, i % 2, i / 2), ==, grid[i]);
  /* 1 x 1 grid: constant */
  g_assert_cmpfloat (ls_heatmap_sample (grid + 3, 1, 1, 7, 5, 6, 4), ==, 3.0f);
  /* non-square rendering: 2 wide grid over 6 pixels, x = 2 -> 2.5/3 - .5 */
  g_assert_cmpfloat_with_epsilon (ls_heatmap_sample (grid, 2, 2, 6, 2, 2, 0),
                                  2.5f / 3.0f - 0.5f, 1e-6);
}

static double
luma (const guint8 c[3])
{
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

static void
test_colormap (void)
{
  guint8 c[3];

  /* matplotlib's end points: inferno #000004 -> #fcffa4, viridis
   * #440154 -> #fde725, viridis middle #21918c */
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 0.0f, c);
  g_assert_cmpuint (c[0], ==, 0x00); g_assert_cmpuint (c[1], ==, 0x00); g_assert_cmpuint (c[2], ==, 0x04);
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 1.0f, c);
  g_assert_cmpuint (c[0], ==, 0xfc); g_assert_cmpuint (c[1], ==, 0xff); g_assert_cmpuint (c[2], ==, 0xa4);
  ls_heatmap_colormap_lookup (LS_COLORMAP_VIRIDIS, 0.0f, c);
  g_assert_cmpuint (c[0], ==, 0x44); g_assert_cmpuint (c[1], ==, 0x01); g_assert_cmpuint (c[2], ==, 0x54);
  ls_heatmap_colormap_lookup (LS_COLORMAP_VIRIDIS, 1.0f, c);
  g_assert_cmpuint (c[0], ==, 0xfd); g_assert_cmpuint (c[1], ==, 0xe7); g_assert_cmpuint (c[2], ==, 0x25);
  ls_heatmap_colormap_lookup (LS_COLORMAP_VIRIDIS, 0.5f, c);
  g_assert_cmpuint (c[0], ==, 0x21); g_assert_cmpuint (c[1], ==, 0x91); g_assert_cmpuint (c[2], ==, 0x8c);

  /* out of range and NaN clamp */
  guint8 d[3];
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, -3.0f, c);
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, NAN, d);
  g_assert_cmpmem (c, 3, d, 3);
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 7.0f, c);
  g_assert_cmpuint (c[0], ==, 0xfc);

  /* perceptual maps: lightness rises monotonically */
  for (int map = LS_COLORMAP_INFERNO; map <= LS_COLORMAP_VIRIDIS; map++)
    {
      guint8 prev[3];
      ls_heatmap_colormap_lookup (map, 0.0f, prev);
      for (int i = 1; i <= 255; i++)
        {
          ls_heatmap_colormap_lookup (map, i / 255.0f, c);
          g_assert_cmpfloat (luma (c), >=, luma (prev) - 0.5);
          prev[0] = c[0]; prev[1] = c[1]; prev[2] = c[2];
        }
    }
}

static void
test_render (void)
{
  const float grid[4] = { 0.0f, 1.0f, 1.0f, 0.0f };
  g_autofree guint8 *rgba = ls_heatmap_render (grid, 2, 2, LS_COLORMAP_INFERNO, 0.5f, 2, 2);
  guint8 lo[3], hi[3];

  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 0.0f, lo);
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 1.0f, hi);
  g_assert_cmpmem (rgba + 0, 3, lo, 3);
  g_assert_cmpmem (rgba + 4, 3, hi, 3);
  g_assert_cmpmem (rgba + 8, 3, hi, 3);
  g_assert_cmpmem (rgba + 12, 3, lo, 3);
  for (int i = 0; i < 4; i++)
    g_assert_cmpuint (rgba[4 * i + 3], ==, 128);

  /* into a buffer with padding: the padding is left alone */
  guint8 buf[3 * 16];
  memset (buf, 0xab, sizeof buf);
  ls_heatmap_render_into (grid, 2, 2, LS_COLORMAP_VIRIDIS, 1.0f, buf, 3, 3, 16);
  for (int y = 0; y < 3; y++)
    {
      g_assert_cmpuint (buf[y * 16 + 3], ==, 255);
      for (int b = 12; b < 16; b++)
        g_assert_cmpuint (buf[y * 16 + b], ==, 0xab);
    }
}

static void
test_composite (void)
{
  g_autoptr(LsImage) photo = g_new0 (LsImage, 1);
  photo->width = 5;
  photo->height = 3;
  photo->rgb = g_malloc (5 * 3 * 3);
  for (int i = 0; i < 45; i++)
    photo->rgb[i] = (guint8) (i * 5);
  const float grid[1] = { 1.0f };
  guint8 hi[3];
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 1.0f, hi);

  g_autoptr(LsImage) same = ls_heatmap_composite (photo, grid, 1, 1, LS_COLORMAP_INFERNO, 0.0f);
  g_assert_cmpint (same->width, ==, 5);
  g_assert_cmpint (same->height, ==, 3);
  g_assert_cmpmem (same->rgb, 45, photo->rgb, 45);

  g_autoptr(LsImage) full = ls_heatmap_composite (photo, grid, 1, 1, LS_COLORMAP_INFERNO, 1.0f);
  for (int i = 0; i < 15; i++)
    g_assert_cmpmem (full->rgb + 3 * i, 3, hi, 3);

  g_autoptr(LsImage) half = ls_heatmap_composite (photo, grid, 1, 1, LS_COLORMAP_INFERNO, 0.5f);
  for (int i = 0; i < 45; i++)
    g_assert_cmpint (abs ((int) half->rgb[i] - (photo->rgb[i] + hi[i % 3]) / 2), <=, 1);
}

/* Alpha grows with attention: opacity * value^gamma, hand-computed. */
static void
test_weighted (void)
{
  g_assert_cmpfloat_with_epsilon (ls_heatmap_alpha (0.5f, 0.8f, 2.0f), 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_heatmap_alpha (0.0f, 0.8f, 2.0f), 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_heatmap_alpha (1.0f, 0.8f, 2.0f), 0.8, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_heatmap_alpha (2.0f, 0.8f, 2.0f), 0.8, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_heatmap_alpha (0.25f, 1.5f, 1.0f), 0.25, 1e-6);
  /* gamma 0: a uniform wash, the old rule */
  g_assert_cmpfloat_with_epsilon (ls_heatmap_alpha (0.0f, 0.6f, 0.0f), 0.6, 1e-6);

  /* 2 x 2 grid at 2 x 2: pixels are the cells */
  const float grid[4] = { 0.0f, 1.0f, 0.5f, 0.25f };
  g_autofree guint8 *rgba = ls_heatmap_render_weighted (grid, 2, 2, LS_COLORMAP_INFERNO,
                                                        0.8f, 2.0f, 2, 2);
  const int expected[4] = { 0, 204, 51, 13 };  /* 0.8 * 255 * v^2 */
  for (int i = 0; i < 4; i++)
    {
      guint8 c[3];
      ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, grid[i], c);
      g_assert_cmpmem (rgba + 4 * i, 3, c, 3);
      g_assert_cmpint (abs ((int) rgba[4 * i + 3] - expected[i]), <=, 1);
    }

  /* gamma 0 renders exactly as ls_heatmap_render */
  g_autofree guint8 *flat = ls_heatmap_render_weighted (grid, 2, 2, LS_COLORMAP_VIRIDIS, 0.5f, 0.0f, 5, 3);
  g_autofree guint8 *old = ls_heatmap_render (grid, 2, 2, LS_COLORMAP_VIRIDIS, 0.5f, 5, 3);
  g_assert_cmpmem (flat, 5 * 3 * 4, old, 5 * 3 * 4);

  /* composite: zero attention leaves the photo unchanged, full attention at
   * opacity 1 shows the colour, half attention with gamma 2 mixes a quarter */
  g_autoptr(LsImage) photo = g_new0 (LsImage, 1);
  photo->width = 2;
  photo->height = 2;
  photo->rgb = g_malloc (2 * 2 * 3);
  for (int i = 0; i < 12; i++)
    photo->rgb[i] = (guint8) (20 * i);
  g_autoptr(LsImage) out = ls_heatmap_composite_weighted (photo, grid, 2, 2, LS_COLORMAP_INFERNO,
                                                          1.0f, 2.0f);
  guint8 hi[3], mid[3];
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 1.0f, hi);
  ls_heatmap_colormap_lookup (LS_COLORMAP_INFERNO, 0.5f, mid);
  g_assert_cmpmem (out->rgb, 3, photo->rgb, 3);
  g_assert_cmpmem (out->rgb + 3, 3, hi, 3);
  for (int c = 0; c < 3; c++)
    {
      double p = photo->rgb[6 + c];
      g_assert_cmpfloat_with_epsilon (out->rgb[6 + c], p + (mid[c] - p) * 0.25, 1.5);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Heatmap/sample", test_sample);
  g_test_add_func ("/Engine/Heatmap/colormap", test_colormap);
  g_test_add_func ("/Engine/Heatmap/render", test_render);
  g_test_add_func ("/Engine/Heatmap/composite", test_composite);
  g_test_add_func ("/Engine/Heatmap/weighted", test_weighted);
  return g_test_run ();
}
