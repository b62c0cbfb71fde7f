/* Image decoding and preprocessing: the fixtures' PNGs must give HF's
 * pixel_values; the resampler is checked on values worked out by hand from
 * Pillow's filter definitions; decoding edge cases use files built here. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "image.h"
#include "ls-error.h"
#include "safetensors.h"
#include "test-util.h"

/* ---------------------------------------------------------- preprocessing */

static void
check_preprocess (const char *model, int index)
{
  g_autofree char *dir = ls_test_fixture (model, NULL);
  g_autofree char *png_name = g_strdup_printf ("input%d.png", index);
  g_autofree char *png = g_build_filename (dir, png_name, NULL);
  g_autofree char *expected_path = g_build_filename (dir, "expected.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  LsPreprocessConfig config;
  g_assert_true (ls_preprocess_config_load (&config, dir, &error));
  g_assert_no_error (error);

  g_autoptr(LsImage) image = ls_image_load (png, &error);
  g_assert_no_error (error);
  int h = 0, w = 0;
  g_autofree float *pixels = ls_image_preprocess (image, &config, &h, &w, &error);
  g_assert_no_error (error);
  g_assert_cmpint (h, ==, config.height);
  g_assert_cmpint (w, ==, config.width);

  g_autoptr(LsSafetensors) st = ls_safetensors_open (expected_path, &error);
  g_assert_no_error (error);
  g_autofree char *name = g_strdup_printf ("pixel_values.%d", index);
  const LsTensorView *ref = ls_safetensors_lookup (st, name);
  g_assert_nonnull (ref);
  g_assert_cmpint (ref->ndim, ==, 3);
  g_assert_cmpint (ref->shape[0], ==, 3);
  g_assert_cmpint (ref->shape[1], ==, h);
  g_assert_cmpint (ref->shape[2], ==, w);

  gsize n = (gsize) 3 * h * w;
  double sum = 0, max = 0;
  for (gsize i = 0; i < n; i++)
    {
      float r;
      memcpy (&r, (const guint8 *) ref->data + 4 * i, 4);
      double d = fabs ((double) pixels[i] - r);
      sum += d;
      max = fmax (max, d);
    }
  g_test_message ("%s/%s (%dx%d): mean |diff| %.3g, max %.3g", model, png_name,
                  image->width, image->height, sum / n, max);
  /* Bit-for-bit equality, tighter than the documented tolerance (mean 0.01,
   * max 0.05): the resampler reproduces the reference's integer arithmetic.
   * Compared as bytes, so a NaN or -0.0 cannot slip through. */
  g_assert_cmpmem (pixels, n * sizeof (float), ref->data, n * sizeof (float));
}

static void
test_preprocess_fixtures (void)
{
  check_preprocess ("vit-tiny", 0); /* 57x43: shrink */
  check_preprocess ("vit-tiny", 1); /* 500x500: strong shrink */
  check_preprocess ("vit-tiny", 2); /* 20x30: enlarge one way, shrink the other */
  check_preprocess ("vit-gpt2-tiny", 0);
}

static void
test_preprocess_options (void)
{
  /* 4 x 2, values known; no resize: rescale + normalize only. */
  guint8 rgb[4 * 2 * 3];
  for (int i = 0; i < 24; i++)
    rgb[i] = (guint8) (i * 10);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsImage) image = ls_image_new_from_data (rgb, 4, 2, 12, FALSE, &error);
  g_assert_no_error (error);

  LsPreprocessConfig config;
  ls_preprocess_config_init_default (&config);
  config.do_resize = FALSE;
  config.image_mean[1] = 0.25f;
  config.image_std[1] = 2.0f;
  int h, w;
  g_autofree float *px = ls_image_preprocess (image, &config, &h, &w, &error);
  g_assert_no_error (error);
  g_assert_cmpint (h, ==, 2);
  g_assert_cmpint (w, ==, 4);
  /* channel 0, pixel 1: value 30 -> (30/255 - .5) / .5 */
  g_assert_cmpfloat_with_epsilon (px[1], (30 / 255.0 - 0.5) / 0.5, 1e-7);
  /* channel 1 (plane 1), pixel 2: value 70 -> (70/255 - .25) / 2 */
  g_assert_cmpfloat_with_epsilon (px[8 + 2], (70 / 255.0 - 0.25) / 2.0, 1e-7);

  /* shortest_edge keeps the aspect ratio: 4x2 -> short side 3, long
   * int(3 * 4 / 2) = 6 */
  config.do_resize = TRUE;
  config.shortest_edge = 3;
  g_autofree float *px2 = ls_image_preprocess (image, &config, &h, &w, &error);
  g_assert_no_error (error);
  g_assert_cmpint (h, ==, 3);
  g_assert_cmpint (w, ==, 6);

  /* no rescale, no normalize: raw values as floats */
  config.shortest_edge = 0;
  config.do_resize = FALSE;
  config.do_rescale = FALSE;
  config.do_normalize = FALSE;
  g_autofree float *px3 = ls_image_preprocess (image, &config, &h, &w, &error);
  g_assert_cmpfloat (px3[16 + 3], ==, 3 * 3 * 10 + 2 * 10);
}

/* ---------------------------------------------------------- resampling */

static LsImage *
row_image (const guint8 *values, int n)
{
  guint8 *rgb = g_malloc (n * 3);
  for (int i = 0; i < n; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = values[i];
  LsImage *image = ls_image_new_from_data (rgb, n, 1, n * 3, FALSE, NULL);
  g_free (rgb);
  return image;
}

static void
test_resize_by_hand (void)
{
  /* Bilinear 4 -> 2: scale 2, support 2.  Output 0 centre 1: inputs 0..2,
   * triangle((x - 1 + .5) / 2) = .75 .75 .25 (sum 1.75).  Output 1 centre
   * 3: inputs 1..3 with .25 .75 .75.
   * [0 70 140 210] -> [(70*.75 + 140*.25)/1.75, (70*.25 + 140*.75 + 210*.75)/1.75]
   * = [50, 160]. */
  const guint8 ramp[4] = { 0, 70, 140, 210 };
  g_autoptr(LsImage) a = row_image (ramp, 4);
  g_autoptr(LsImage) a2 = ls_image_resize (a, 2, 1, 2);
  g_assert_cmpint (a2->width, ==, 2);
  g_assert_cmpuint (a2->rgb[0], ==, 50);
  g_assert_cmpuint (a2->rgb[3], ==, 160);
  g_assert_cmpuint (a2->rgb[4], ==, 160); /* every channel */

  /* Antialiasing: 1-pixel stripes 8 -> 2.  Output 0 centre 2, support 4,
   * inputs 0..5 weighted .625 .875 .875 .625 .375 .125 (sum 3.5); odd
   * inputs are 255: 255 * (.875 + .625 + .125) / 3.5 = 118.39 -> 118. */
  const guint8 stripes[8] = { 0, 255, 0, 255, 0, 255, 0, 255 };
  g_autoptr(LsImage) s = row_image (stripes, 8);
  g_autoptr(LsImage) s2 = ls_image_resize (s, 2, 1, 2);
  g_assert_cmpuint (s2->rgb[0], ==, 118);

  /* Bicubic (a = -0.5) 2 -> 4: output 0 centre .25, inputs 0..1 with
   * f(.25) = .8671875 and f(1.25) = -.0703125 (sum .796875): weights
   * 1.0882 and -.0882.  [100 200] -> 108.82 - 17.65 = 91.18 -> 91;
   * [0 255] -> negative -> clipped to 0. */
  const guint8 two[2] = { 100, 200 };
  g_autoptr(LsImage) t = row_image (two, 2);
  g_autoptr(LsImage) t4 = ls_image_resize (t, 4, 1, 3);
  g_assert_cmpuint (t4->rgb[0], ==, 91);
  g_assert_cmpuint (t4->rgb[9], ==, 209); /* mirror image of the first */
  const guint8 edge[2] = { 0, 255 };
  g_autoptr(LsImage) e = row_image (edge, 2);
  g_autoptr(LsImage) e4 = ls_image_resize (e, 4, 1, 3);
  g_assert_cmpuint (e4->rgb[0], ==, 0);
  g_assert_cmpuint (e4->rgb[9], ==, 255);

  /* Nearest 4 -> 2: source index floor((x + .5) * 2) = 1, 3. */
  g_autoptr(LsImage) n2 = ls_image_resize (a, 2, 1, 0);
  g_assert_cmpuint (n2->rgb[0], ==, 70);
  g_assert_cmpuint (n2->rgb[3], ==, 210);

  /* Vertical pass too: a 1 x 4 column behaves like the row. */
  guint8 col[4 * 3];
  for (int i = 0; i < 4; i++)
    col[3 * i] = col[3 * i + 1] = col[3 * i + 2] = ramp[i];
  g_autoptr(LsImage) c = ls_image_new_from_data (col, 1, 4, 3, FALSE, NULL);
  g_autoptr(LsImage) c2 = ls_image_resize (c, 1, 2, 2);
  g_assert_cmpint (c2->height, ==, 2);
  g_assert_cmpuint (c2->rgb[0], ==, 50);
  g_assert_cmpuint (c2->rgb[3], ==, 160);

  /* Same size: a copy. */
  g_autoptr(LsImage) same = ls_image_resize (a, 4, 1, 2);
  g_assert_cmpmem (same->rgb, 12, a->rgb, 12);

  /* A flat image stays flat through every filter (weights sum to 1). */
  guint8 flat[7 * 5 * 3];
  memset (flat, 77, sizeof flat);
  g_autoptr(LsImage) f = ls_image_new_from_data (flat, 7, 5, 21, FALSE, NULL);
  for (int filter = 0; filter <= 5; filter++)
    {
      g_autoptr(LsImage) r = ls_image_resize (f, 3, 11, filter);
      for (int i = 0; i < 3 * 11 * 3; i++)
        g_assert_cmpuint (r->rgb[i], ==, 77);
    }
}

/* ---------------------------------------------------------- decoding */

static guint32
crc32_of (const guint8 *p, gsize n)
{
  guint32 c = 0xffffffffu;
  for (gsize i = 0; i < n; i++)
    {
      c ^= p[i];
      for (int k = 0; k < 8; k++)
        c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
  return c ^ 0xffffffffu;
}

static void
put32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

static void
chunk (GByteArray *png, const char *type, const guint8 *data, gsize n)
{
  put32 (png, (guint32) n);
  gsize start = png->len;
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (n > 0)
    g_byte_array_append (png, data, (guint) n);
  put32 (png, crc32_of (png->data + start, n + 4));
}

/* A PNG written by hand (zlib "stored" blocks, no compression), so that the
 * test controls the colour type and can lie about the size.  @raw holds
 * the filtered scanlines (filter byte 0 + pixels); NULL with @complete
 * FALSE writes only the start of the stream. */
static GBytes *
build_png (guint32 width, guint32 height, guint8 color_type, const guint8 *raw, gsize n,
           gboolean complete)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  static const guint8 sig[8] = { 137, 'P', 'N', 'G', 13, 10, 26, 10 };
  g_byte_array_append (png, sig, 8);

  guint8 ihdr[13];
  guint32 dims[2] = { GUINT32_TO_BE (width), GUINT32_TO_BE (height) };
  memcpy (ihdr, dims, 8);
  ihdr[8] = 8; ihdr[9] = color_type; ihdr[10] = ihdr[11] = ihdr[12] = 0;
  chunk (png, "IHDR", ihdr, 13);

  g_autoptr(GByteArray) z = g_byte_array_new ();
  static const guint8 zhead[2] = { 0x78, 0x01 };
  g_byte_array_append (z, zhead, 2);
  if (complete)
    {
      guint8 block[5] = { 1, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff };
      g_byte_array_append (z, block, 5);
      g_byte_array_append (z, raw, (guint) n);
      guint32 s1 = 1, s2 = 0;
      for (gsize i = 0; i < n; i++)
        {
          s1 = (s1 + raw[i]) % 65521;
          s2 = (s2 + s1) % 65521;
        }
      put32 (z, (s2 << 16) | s1);
    }
  else
    {
      guint8 block[5] = { 0, 0xff, 0xff, 0x00, 0x00 }; /* a 65535-byte block, cut short */
      g_byte_array_append (z, block, 5);
      guint8 zeros[64] = { 0 };
      g_byte_array_append (z, zeros, 64);
    }
  chunk (png, "IDAT", z->data, z->len);
  if (complete)
    chunk (png, "IEND", NULL, 0);
  return g_bytes_new (png->data, png->len);
}

static void
test_grayscale_and_alpha (void)
{
  g_autoptr(GError) error = NULL;

  /* 3 x 1 grayscale: becomes RGB with equal channels. */
  const guint8 gray[4] = { 0, 10, 128, 250 };
  g_autoptr(GBytes) g = build_png (3, 1, 0, gray, 4, TRUE);
  g_autoptr(LsImage) gi = ls_image_new_from_bytes (g, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gi->width, ==, 3);
  const guint8 expect_g[9] = { 10, 10, 10, 128, 128, 128, 250, 250, 250 };
  g_assert_cmpmem (gi->rgb, 9, expect_g, 9);

  /* 2 x 1 RGBA, one pixel fully transparent: its colour is kept as stored
   * (PIL's convert("RGB") discards alpha, it does not composite). */
  const guint8 rgba[9] = { 0, 10, 20, 30, 0, 200, 150, 100, 128 };
  g_autoptr(GBytes) a = build_png (2, 1, 6, rgba, 9, TRUE);
  g_autoptr(LsImage) ai = ls_image_new_from_bytes (a, &error);
  g_assert_no_error (error);
  const guint8 expect_a[6] = { 10, 20, 30, 200, 150, 100 };
  g_assert_cmpmem (ai->rgb, 6, expect_a, 6);

  /* Gray + alpha. */
  const guint8 ga[5] = { 0, 90, 0, 180, 255 };
  g_autoptr(GBytes) gab = build_png (2, 1, 4, ga, 5, TRUE);
  g_autoptr(LsImage) gai = ls_image_new_from_bytes (gab, &error);
  g_assert_no_error (error);
  const guint8 expect_ga[6] = { 90, 90, 90, 180, 180, 180 };
  g_assert_cmpmem (gai->rgb, 6, expect_ga, 6);

  /* From memory with a padded stride and alpha. */
  const guint8 mem[2 * 12] = { 1, 2, 3, 0, 4, 5, 6, 255, 99, 99, 99, 99,
                               7, 8, 9, 9, 10, 11, 12, 9, 99, 99, 99, 99 };
  g_autoptr(LsImage) mi = ls_image_new_from_data (mem, 2, 2, 12, TRUE, &error);
  g_assert_no_error (error);
  const guint8 expect_m[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  g_assert_cmpmem (mi->rgb, 12, expect_m, 12);

  g_autoptr(LsImage) copy = ls_image_copy (mi);
  g_assert_cmpmem (copy->rgb, 12, mi->rgb, 12);
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;

  /* Claims 9000 x 9000 (above 8192 x 8192) with a stream that is cut
   * short: refused from the header alone, before any pixel buffer. */
  g_autoptr(GBytes) big = build_png (9000, 9000, 2, NULL, 0, FALSE);
  g_autoptr(LsImage) image = ls_image_new_from_bytes (big, &error);
  g_assert_null (image);
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "9000 x 9000"));
  g_assert_nonnull (strstr (error->message, "8192"));
  g_clear_error (&error);

  /* The limit is on the pixel count, not the sides: 65536 x 1025 is one
   * row more than 8192 x 8192 pixels. */
  g_autoptr(GBytes) wide = build_png (65536, 1025, 2, NULL, 0, FALSE);
  g_assert_null (ls_image_new_from_bytes (wide, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_clear_error (&error);

  guint8 px[3] = { 1, 2, 3 };
  g_assert_null (ls_image_new_from_data (px, 70000, 70000, 210000, FALSE, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
}

static void
test_bad_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-image-XXXXXX", &error);
  g_assert_no_error (error);

  g_autofree char *empty = g_build_filename (tmp, "empty.png", NULL);
  g_file_set_contents (empty, "", 0, &error);
  g_assert_null (ls_image_load (empty, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, empty));
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);

  g_autofree char *text = g_build_filename (tmp, "notes.jpg", NULL);
  g_file_set_contents (text, "these are not pixels\n", -1, &error);
  g_assert_null (ls_image_load (text, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "not an image"));
  g_clear_error (&error);

  /* A PNG cut in the middle of its pixel data. */
  g_autoptr(GBytes) cut = build_png (64, 64, 2, NULL, 0, FALSE);
  g_assert_null (ls_image_new_from_bytes (cut, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);

  g_autofree char *missing = g_build_filename (tmp, "missing.png", NULL);
  g_assert_null (ls_image_load (missing, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_remove (empty);
  g_remove (text);
  g_rmdir (tmp);
}

/* A JPEG whose EXIF says "rotate 90 degrees clockwise" (orientation 6)
 * comes out upright: 16 x 8 stored (red left, blue right) becomes 8 x 16
 * with red on top. */
static void
test_exif_orientation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 8);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 16; x++)
      {
        guint8 *p = px + y * stride + 3 * x;
        p[0] = x < 8 ? 255 : 0;
        p[1] = 0;
        p[2] = x < 8 ? 0 : 255;
      }
  gchar *jpeg = NULL;
  gsize len = 0;
  g_assert_true (gdk_pixbuf_save_to_buffer (pb, &jpeg, &len, "jpeg", &error, "quality", "100", NULL));
  g_assert_no_error (error);

  /* APP1 "Exif": TIFF little-endian, one IFD entry 0x0112 SHORT 1 = 6. */
  static const guint8 app1[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x01, 0x00,
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };
  g_assert_cmpuint (sizeof app1, ==, 2 + 0x22);
  g_autoptr(GByteArray) with_exif = g_byte_array_new ();
  g_byte_array_append (with_exif, (const guint8 *) jpeg, 2); /* SOI */
  g_byte_array_append (with_exif, app1, sizeof app1);
  g_byte_array_append (with_exif, (const guint8 *) jpeg + 2, (guint) len - 2);
  g_free (jpeg);

  g_autoptr(GBytes) bytes = g_bytes_new (with_exif->data, with_exif->len);
  g_autoptr(LsImage) image = ls_image_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 8);
  g_assert_cmpint (image->height, ==, 16);
  const guint8 *top = image->rgb + (2 * 8 + 4) * 3;
  const guint8 *bottom = image->rgb + (13 * 8 + 4) * 3;
  g_assert_cmpuint (top[0], >, 200);
  g_assert_cmpuint (top[2], <, 60);
  g_assert_cmpuint (bottom[0], <, 60);
  g_assert_cmpuint (bottom[2], >, 200);
}

/* Thumbnails: scaled while decoding, aspect kept, and every check of
 * ls_image_load() still applies (the GUI's thumbnails of dataset folders
 * go through it). */
static void
test_thumbnail (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *png = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autoptr(LsImage) full = ls_image_load (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (full->width, ==, 57);
  g_assert_cmpint (full->height, ==, 43);

  /* 57 x 43 into 20 x 20: 20 x 15 (43 * 20 / 57 = 15.09, truncated). */
  g_autoptr(LsImage) small = ls_image_load_thumbnail (png, 20, &error);
  g_assert_no_error (error);
  g_assert_cmpint (small->width, ==, 20);
  g_assert_cmpint (small->height, ==, 15);

  /* Already small enough: decoded as is, pixel for pixel. */
  g_autoptr(LsImage) same = ls_image_load_thumbnail (png, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpint (same->width, ==, 57);
  g_assert_cmpint (same->height, ==, 43);
  g_assert_cmpmem (same->rgb, (gsize) 57 * 43 * 3, full->rgb, (gsize) 57 * 43 * 3);

  g_autofree char *tmp = g_dir_make_tmp ("leafscope-image-XXXXXX", &error);
  g_assert_no_error (error);

  /* Above the pixel limit: refused from the header, as for a full load. */
  g_autoptr(GBytes) big = build_png (9000, 9000, 2, NULL, 0, FALSE);
  g_autofree char *big_path = g_build_filename (tmp, "big.png", NULL);
  g_assert_true (g_file_set_contents (big_path, g_bytes_get_data (big, NULL),
                                      g_bytes_get_size (big), NULL));
  g_assert_null (ls_image_load_thumbnail (big_path, 128, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* An uncompressed BMP header claiming 6 x 2818052 pixels, 24-bit, in a
   * 54-byte file: refused by its signature before any loader sees it. */
  guint8 bmp[54] = { 'B', 'M' };
  bmp[10] = 54;                                   /* pixel data offset */
  bmp[14] = 40;                                   /* BITMAPINFOHEADER */
  bmp[18] = 6;                                    /* width */
  guint32 height = 2818052;
  for (int i = 0; i < 4; i++)
    bmp[22 + i] = (guint8) (height >> (8 * i));   /* height */
  bmp[26] = 1;                                    /* planes */
  bmp[28] = 24;                                   /* bits per pixel */
  g_autofree char *bmp_path = g_build_filename (tmp, "cut.bmp", NULL);
  g_assert_true (g_file_set_contents (bmp_path, (const char *) bmp, sizeof bmp, NULL));
  g_assert_null (ls_image_load_thumbnail (bmp_path, 128, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "unsupported image format (BMP)"));
  g_assert_nonnull (strstr (error->message, bmp_path));

  ls_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Image/preprocess-fixtures", test_preprocess_fixtures);
  g_test_add_func ("/Engine/Image/preprocess-options", test_preprocess_options);
  g_test_add_func ("/Engine/Image/resize-by-hand", test_resize_by_hand);
  g_test_add_func ("/Engine/Image/grayscale-and-alpha", test_grayscale_and_alpha);
  g_test_add_func ("/Engine/Image/too-large", test_too_large);
  g_test_add_func ("/Engine/Image/bad-files", test_bad_files);
  g_test_add_func ("/Engine/Image/exif-orientation", test_exif_orientation);
  g_test_add_func ("/Engine/Image/thumbnail", test_thumbnail);
  return g_test_run ();
}
