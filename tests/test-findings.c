/* Findings: synthetic photos with known answers, and real Beans photos. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include "findings.h"
#include "test-util.h"

/* A 240x240 white photo with a green disc (radius 90) holding brown spots
 * (radius 6) whose area is known exactly by counting. */
static const guint8 brown[3] = { 130, 70, 30 };
static const guint8 grey[3] = { 105, 110, 108 };

static guint8 *
make_disc_photo_spots (int n_spots, const guint8 *spot, double *out_affected)
{
  const int size = 240;
  guint8 *rgb = g_malloc ((gsize) size * size * 3);
  const int spots[][2] = { { 90, 90 }, { 150, 100 }, { 120, 150 }, { 80, 140 } };
  gsize disc = 0, lesion = 0;

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        guint8 *p = rgb + ((gsize) y * size + x) * 3;
        double dx = x - 120, dy = y - 120;
        p[0] = p[1] = p[2] = 245; /* white paper */
        if (dx * dx + dy * dy > 90 * 90)
          continue;
        disc++;
        p[0] = 60; p[1] = 140; p[2] = 50; /* leaf green */
        for (int s = 0; s < n_spots; s++)
          {
            double sx = x - spots[s][0], sy = y - spots[s][1];
            if (sx * sx + sy * sy <= 6 * 6)
              {
                memcpy (p, spot, 3);
                lesion++;
                break;
              }
          }
      }
  *out_affected = (double) lesion / disc;
  return rgb;
}

static guint8 *
make_disc_photo (int n_spots, double *out_affected)
{
  return make_disc_photo_spots (n_spots, brown, out_affected);
}

static void
test_disc_affected_area (void)
{
  for (int n_spots = 0; n_spots <= 4; n_spots += 2)
    {
      double expected;
      g_autofree guint8 *rgb = make_disc_photo (n_spots, &expected);
      g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, 240, 240, 240 * 3);

      /* Disc area pi * 90^2 over 240^2 = 0.442. */
      g_assert_cmpfloat_with_epsilon (a->leaf_fraction, G_PI * 90 * 90 / (240.0 * 240.0), 0.01);
      g_assert_cmpfloat_with_epsilon (a->affected_area, expected, 0.005);
      if (n_spots == 4)
        g_assert_cmpfloat (a->affected_area, >, 0.015);
      g_assert_false (a->brightness < LS_FINDINGS_DARK_LUMA);
    }
}

/* A lesion band across the whole leaf (along a vein) is open to the
 * background at both ends, so it is no hole; it is still leaf. */
static void
test_lesion_band (void)
{
  double unused;
  g_autofree guint8 *rgb = make_disc_photo (0, &unused);
  gsize disc = 0, band = 0;
  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 240; x++)
      {
        guint8 *p = rgb + ((gsize) y * 240 + x) * 3;
        double dx = x - 120, dy = y - 120;
        gboolean inside = dx * dx + dy * dy <= 90 * 90;
        disc += inside;
        if (inside && y >= 119 && y <= 121)
          {
            memcpy (p, brown, 3);
            band++;
          }
      }
  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, 240, 240, 240 * 3);
  g_assert_cmpfloat_with_epsilon (a->affected_area, (double) band / disc, 0.003);
  g_assert_cmpfloat_with_epsilon (a->leaf_fraction, (double) disc / (240 * 240), 0.01);
}

/* Grey necrosis on a saturated leaf counts too. */
static void
test_disc_grey_lesions (void)
{
  double expected;
  g_autofree guint8 *rgb = make_disc_photo_spots (4, grey, &expected);
  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, 240, 240, 240 * 3);
  g_assert_cmpfloat (expected, >, 0.015);
  g_assert_cmpfloat_with_epsilon (a->affected_area, expected, 0.005);
}

/* A washed-out photo: pale green leaf (saturation 0.15) with pale red-brown
 * spots (0.21), both under the fixed rules; the adaptive floor finds them. */
static void
test_pale_photo (void)
{
  static const guint8 pale_spot[3] = { 190, 160, 150 };
  double expected;
  g_autofree guint8 *rgb = make_disc_photo_spots (4, pale_spot, &expected);
  for (gsize i = 0; i < 240 * 240; i++)
    if (rgb[i * 3] == 60 && rgb[i * 3 + 1] == 140)
      {
        rgb[i * 3] = 175; rgb[i * 3 + 1] = 200; rgb[i * 3 + 2] = 170;
      }
  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, 240, 240, 240 * 3);
  g_assert_cmpfloat_with_epsilon (a->leaf_fraction, G_PI * 90 * 90 / (240.0 * 240.0), 0.01);
  g_assert_cmpfloat_with_epsilon (a->affected_area, expected, 0.005);
}

/* Downscaling a large photo keeps the measured share. */
static void
test_disc_downscaled (void)
{
  double expected;
  g_autofree guint8 *small = make_disc_photo (4, &expected);
  const int big = 960;
  g_autofree guint8 *rgb = g_malloc ((gsize) big * big * 3);

  for (int y = 0; y < big; y++)
    for (int x = 0; x < big; x++)
      memcpy (rgb + ((gsize) y * big + x) * 3, small + ((gsize) (y / 4) * 240 + x / 4) * 3, 3);

  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, big, big, big * 3);
  g_assert_cmpint (a->width, ==, LS_FINDINGS_WORK_SIZE);
  g_assert_cmpfloat_with_epsilon (a->affected_area, expected, 0.01);
}

/* Soil-coloured background that touches the border is not leaf, so it is not
 * a lesion either. */
static void
test_soil_background (void)
{
  double expected;
  g_autofree guint8 *rgb = make_disc_photo (0, &expected);
  for (gsize i = 0; i < 240 * 240; i++)
    if (rgb[i * 3] == 245)
      {
        rgb[i * 3] = 140; rgb[i * 3 + 1] = 75; rgb[i * 3 + 2] = 50;
      }
  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, 240, 240, 240 * 3);
  g_assert_cmpfloat_with_epsilon (a->leaf_fraction, G_PI * 90 * 90 / (240.0 * 240.0), 0.01);
  g_assert_cmpfloat (a->affected_area, <, 0.001);
}

static void
test_dark_and_overexposed (void)
{
  const int w = 64, h = 48;
  g_autofree guint8 *rgb = g_malloc ((gsize) w * h * 3);
  LsFindings f = { 0 };

  memset (rgb, 30, (gsize) w * h * 3); /* luma 30 / 255 = 0.118 */
  g_autoptr(LsPhotoAnalysis) dark = ls_photo_analysis_new (rgb, w, h, w * 3);
  ls_findings_set_photo (&f, dark);
  g_assert_cmpfloat_with_epsilon (f.brightness, 30 / 255.0, 1e-4);
  g_assert_true (f.too_dark);
  g_assert_false (f.overexposed);

  /* Top third clipped white, the rest mid grey: 1/3 clipped. */
  for (int y = 0; y < h; y++)
    memset (rgb + (gsize) y * w * 3, y < h / 3 ? 255 : 128, (gsize) w * 3);
  g_autoptr(LsPhotoAnalysis) bright = ls_photo_analysis_new (rgb, w, h, w * 3);
  ls_findings_set_photo (&f, bright);
  g_assert_cmpfloat_with_epsilon (f.overexposed_fraction, 1.0 / 3.0, 1e-4);
  g_assert_true (f.overexposed);
  g_assert_false (f.too_dark);
  g_autofree char *quality = ls_findings_quality_string (&f);
  g_assert_cmpstr (quality, ==, "overexposed");

  /* A blown green channel is clipped too (an overexposed leaf turns
   * yellow-green, not white): half the photo. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = rgb + ((gsize) y * w + x) * 3;
        p[0] = 180; p[1] = x < w / 2 ? 255 : 200; p[2] = 60;
      }
  g_autoptr(LsPhotoAnalysis) green = ls_photo_analysis_new (rgb, w, h, w * 3);
  ls_findings_set_photo (&f, green);
  g_assert_cmpfloat_with_epsilon (f.overexposed_fraction, 0.5, 1e-4);
  g_assert_true (f.overexposed);
}

static void
test_blur (void)
{
  const int n = 256;
  g_autofree guint8 *sharp = g_malloc ((gsize) n * n * 3);
  g_autofree guint8 *soft = g_malloc ((gsize) n * n * 3);
  LsFindings f = { 0 };

  /* 8-pixel checkerboard, and its 9x9 box blur. */
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++)
      memset (sharp + ((gsize) y * n + x) * 3, ((x / 8) + (y / 8)) % 2 ? 200 : 60, 3);
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++)
      {
        int sum = 0, count = 0;
        for (int dy = -4; dy <= 4; dy++)
          for (int dx = -4; dx <= 4; dx++)
            {
              int yy = CLAMP (y + dy, 0, n - 1), xx = CLAMP (x + dx, 0, n - 1);
              sum += sharp[((gsize) yy * n + xx) * 3];
              count++;
            }
        memset (soft + ((gsize) y * n + x) * 3, sum / count, 3);
      }

  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (sharp, n, n, n * 3);
  ls_findings_set_photo (&f, a);
  g_assert_false (f.blurred);
  g_assert_cmpfloat (f.sharpness, >, 10 * LS_FINDINGS_BLUR_VARIANCE);

  /* The same checkerboard, dark and flat (20 and 30): too dark, yet sharp.
   * Without exposure compensation its Laplacian variance would be ~61. */
  g_autofree guint8 *dim = g_malloc ((gsize) n * n * 3);
  for (gsize i = 0; i < (gsize) n * n * 3; i++)
    dim[i] = sharp[i] == 200 ? 30 : 20;
  g_autoptr(LsPhotoAnalysis) d = ls_photo_analysis_new (dim, n, n, n * 3);
  ls_findings_set_photo (&f, d);
  g_assert_true (f.too_dark);
  g_assert_false (f.blurred);

  g_autoptr(LsPhotoAnalysis) b = ls_photo_analysis_new (soft, n, n, n * 3);
  ls_findings_set_photo (&f, b);
  g_assert_true (f.blurred);
  g_autofree char *quality = ls_findings_quality_string (&f);
  g_assert_cmpstr (quality, ==, "blurred");
}

static void
test_attention_concentration (void)
{
  double expected;
  g_autofree guint8 *rgb = make_disc_photo (0, &expected);
  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, 240, 240, 240 * 3);
  float grid[4 * 4] = { 0 };

  /* Uniform attention covers the whole leaf. */
  for (int i = 0; i < 16; i++)
    grid[i] = 0.7f;
  g_assert_cmpfloat_with_epsilon (ls_photo_analysis_attention_concentration (a, grid, 4), 1.0, 1e-6);

  /* One high cell of the top-left quadrant: cell (1,1) covers x, y in
   * [60, 120), which holds a known share of the disc. */
  memset (grid, 0, sizeof grid);
  grid[1 * 4 + 1] = 1.0f;
  grid[0] = 0.4f; /* below half of the max: not high */
  gsize in_cell = 0, disc = 0;
  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 240; x++)
      {
        double dx = x - 120, dy = y - 120;
        if (dx * dx + dy * dy > 90 * 90)
          continue;
        disc++;
        in_cell += x >= 60 && x < 120 && y >= 60 && y < 120;
      }
  g_assert_cmpfloat_with_epsilon (ls_photo_analysis_attention_concentration (a, grid, 4),
                                  (double) in_cell / disc, 0.01);

  memset (grid, 0, sizeof grid);
  g_assert_cmpfloat (ls_photo_analysis_attention_concentration (a, grid, 4), ==, 0.0f);
}

static void
test_probs (void)
{
  LsFindings f = { 0 };
  const float probs[3] = { 0.05f, 0.62f, 0.33f };

  ls_findings_set_probs (&f, probs, 3, 0.7f);
  g_assert_cmpint (f.top_index, ==, 1);
  g_assert_cmpint (f.runner_up_index, ==, 2);
  g_assert_cmpfloat (f.top_score, ==, 0.62f);
  g_assert_cmpfloat (f.runner_up_score, ==, 0.33f);
  g_assert_true (f.uncertain);
  ls_findings_set_probs (&f, probs, 3, 0.5f);
  g_assert_false (f.uncertain);

  const float first[3] = { 0.9f, 0.06f, 0.04f };
  ls_findings_set_probs (&f, first, 3, 0.5f);
  g_assert_cmpint (f.top_index, ==, 0);
  g_assert_cmpint (f.runner_up_index, ==, 1);
}

static void
test_words (void)
{
  g_assert_cmpstr (ls_findings_attention_word (0.1f), ==, "focused");
  g_assert_cmpstr (ls_findings_attention_word (0.25f), ==, "spread");
  g_assert_cmpstr (ls_findings_attention_word (0.5f), ==, "spread");
  g_assert_cmpstr (ls_findings_attention_word (0.51f), ==, "diffuse");
  g_assert_cmpint (ls_findings_percent (0.125f), ==, 13);
  g_assert_cmpint (ls_findings_percent (0.124f), ==, 12);
  g_assert_cmpint (ls_findings_percent (0.935f), ==, 94);
  g_assert_cmpint (ls_findings_percent (1.0f), ==, 100);
  g_assert_cmpint (ls_findings_percent (0.0f), ==, 0);

  LsFindings f = { 0 };
  g_autofree char *good = ls_findings_quality_string (&f);
  g_assert_cmpstr (good, ==, "good");
  f.too_dark = f.blurred = TRUE;
  g_autofree char *two = ls_findings_quality_string (&f);
  g_assert_cmpstr (two, ==, "dark,blurred");
}

/* Mean affected area over a validation class folder. */
static double
mean_affected (const char *folder, int *out_count)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  double sum = 0.0;
  int count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, NULL);
      if (pixbuf == NULL || gdk_pixbuf_get_n_channels (pixbuf) != 3)
        continue;
      g_autoptr(LsPhotoAnalysis) a =
        ls_photo_analysis_new (gdk_pixbuf_get_pixels (pixbuf),
                               gdk_pixbuf_get_width (pixbuf),
                               gdk_pixbuf_get_height (pixbuf),
                               gdk_pixbuf_get_rowstride (pixbuf));
      g_assert_false (a->sharpness < LS_FINDINGS_BLUR_VARIANCE);
      sum += a->affected_area;
      count++;
    }
  *out_count = count;
  return count > 0 ? sum / count : 0.0;
}

static void
test_real_photos (void)
{
  g_autofree char *root = ls_test_shared_dir ("datasets", "beans", "validation", NULL);
  if (root == NULL)
    return;
  g_autofree char *healthy_dir = g_build_filename (root, "healthy", NULL);
  g_autofree char *rust_dir = g_build_filename (root, "bean_rust", NULL);
  g_autofree char *spot_dir = g_build_filename (root, "angular_leaf_spot", NULL);
  int n_healthy, n_rust, n_spot;
  double healthy = mean_affected (healthy_dir, &n_healthy);
  double rust = mean_affected (rust_dir, &n_rust);
  double spot = mean_affected (spot_dir, &n_spot);

  g_test_message ("mean affected area: healthy %.4f (%d), bean_rust %.4f (%d), angular_leaf_spot %.4f (%d)",
                  healthy, n_healthy, rust, n_rust, spot, n_spot);
  g_assert_cmpint (n_healthy, >, 10);
  g_assert_cmpfloat (healthy, <, 0.02);
  g_assert_cmpfloat (rust, >, 1.3 * healthy);
  g_assert_cmpfloat (spot, >, 2.0 * healthy);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Findings/disc-affected-area", test_disc_affected_area);
  g_test_add_func ("/Engine/Findings/disc-grey-lesions", test_disc_grey_lesions);
  g_test_add_func ("/Engine/Findings/lesion-band", test_lesion_band);
  g_test_add_func ("/Engine/Findings/pale-photo", test_pale_photo);
  g_test_add_func ("/Engine/Findings/disc-downscaled", test_disc_downscaled);
  g_test_add_func ("/Engine/Findings/soil-background", test_soil_background);
  g_test_add_func ("/Engine/Findings/dark-and-overexposed", test_dark_and_overexposed);
  g_test_add_func ("/Engine/Findings/blur", test_blur);
  g_test_add_func ("/Engine/Findings/attention-concentration", test_attention_concentration);
  g_test_add_func ("/Engine/Findings/probs", test_probs);
  g_test_add_func ("/Engine/Findings/words", test_words);
  g_test_add_func ("/Engine/Findings/real-photos", test_real_photos);
  return g_test_run ();
}
