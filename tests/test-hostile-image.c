/* test-hostile-image.c: photos a user may drop that test-image.c does not
 * cover: decompression bombs (tiny files claiming huge sizes, refused from
 * the header before any pixel buffer), and unusual but valid files that must
 * decode correctly (16-bit PNG, grayscale and CMYK JPEG, animated GIF, more
 * EXIF orientations), plus inputs the fuzzer found. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include "image.h"
#include "ls-error.h"

static char *
test_image (const char *name)
{
  return g_build_filename (LEAFSCOPE_TEST_IMAGES, name, NULL);
}

/* ---- PNG by hand: chunks with a real CRC-32, zlib streams ---- */

static guint32
crc32_update (guint32 crc, const guint8 *p, gsize n)
{
  crc = ~crc;
  for (gsize i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
  return ~crc;
}

static void
put32be (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
  g_byte_array_append (a, b, 4);
}

static void
png_chunk (GByteArray *png, const char *type, const guint8 *data, gsize n)
{
  put32be (png, (guint32) n);
  guint start = png->len;
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (n > 0)
    g_byte_array_append (png, data, (guint) n);
  put32be (png, crc32_update (0, png->data + start, n + 4));
}

/* zlib (RFC 1950) of @raw through GIO's compressor. */
static GBytes *
zlib_compress (const guint8 *raw, gsize n)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (z));
  g_autoptr(GError) error = NULL;
  g_assert_true (g_output_stream_write_all (out, raw, n, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static GBytes *
build_png (guint32 width, guint32 height, guint8 bit_depth, guint8 color_type,
           const guint8 *raw, gsize raw_len)
{
  GByteArray *png = g_byte_array_new ();
  static const guint8 sig[8] = { 137, 'P', 'N', 'G', 13, 10, 26, 10 };
  g_byte_array_append (png, sig, 8);
  guint8 ihdr[13] = {
    width >> 24, (width >> 16) & 0xff, (width >> 8) & 0xff, width & 0xff,
    height >> 24, (height >> 16) & 0xff, (height >> 8) & 0xff, height & 0xff,
    bit_depth, color_type, 0, 0, 0,
  };
  png_chunk (png, "IHDR", ihdr, 13);
  g_autoptr(GBytes) z = zlib_compress (raw, raw_len);
  gsize zn = 0;
  const guint8 *zd = g_bytes_get_data (z, &zn);
  png_chunk (png, "IDAT", zd, zn);
  png_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

static void
expect_too_large (GBytes *bytes, const char *dims)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsImage) image = ls_image_new_from_bytes (bytes, &error);
  g_assert_null (image);
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, dims));
  g_assert_nonnull (strstr (error->message, "8192"));
}

/* A 30000 x 30000 RGB PNG (2.7 GB of pixels) in a file of a few kilobytes:
 * a valid signature, IHDR with its CRC and a real zlib stream of 40 black
 * rows.  Refused from IHDR alone, before any pixel buffer exists. */
static void
test_png_bomb (void)
{
  const gsize row = 1 + 30000 * 3;
  g_autofree guint8 *rows = g_malloc0 (row * 40);
  g_autoptr(GBytes) bomb = build_png (30000, 30000, 8, 2, rows, row * 40);
  g_test_message ("30000 x 30000 PNG in %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (bomb));
  g_assert_cmpuint (g_bytes_get_size (bomb), <, 16 * 1024);
  expect_too_large (bomb, "30000 x 30000");

  /* The same from a file named .png. */
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (tmp, "bomb.png", NULL);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bomb, NULL),
                                      (gssize) g_bytes_get_size (bomb), &error));
  g_assert_null (ls_image_load (path, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, path));
  g_remove (path);
  g_rmdir (tmp);

  /* Just over the limit on one side only: 8193 x 8192. */
  g_autoptr(GBytes) edge = build_png (8193, 8192, 8, 0, rows, 8194);
  expect_too_large (edge, "8193 x 8192");
}

/* A real JPEG whose SOF0 is rewritten to claim 60000 x 50000: a few hundred
 * bytes that would need 9 GB.  And a GIF whose screen and frame claim
 * 65535 x 65535. */
static void
test_jpeg_gif_bombs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 8, 8);
  gdk_pixbuf_fill (pb, 0x208040ff);
  gchar *jpeg = NULL;
  gsize len = 0;
  g_assert_true (gdk_pixbuf_save_to_buffer (pb, &jpeg, &len, "jpeg", &error, NULL));
  g_assert_no_error (error);
  guint8 *sof = NULL;
  for (gsize i = 2; i + 9 < len; i++)
    if ((guint8) jpeg[i] == 0xff && (guint8) jpeg[i + 1] == 0xc0)
      {
        sof = (guint8 *) jpeg + i;
        break;
      }
  g_assert_nonnull (sof);
  /* FF C0, length (2), precision (1), height (2), width (2) */
  g_assert_cmpuint ((sof[5] << 8) | sof[6], ==, 8);
  sof[5] = 50000 >> 8; sof[6] = 50000 & 0xff;
  sof[7] = 60000 >> 8; sof[8] = 60000 & 0xff;
  g_autoptr(GBytes) jbomb = g_bytes_new_take (jpeg, len);
  expect_too_large (jbomb, "60000 x 50000");

  g_autofree char *path = test_image ("animated.gif");
  gchar *gif = NULL;
  g_assert_true (g_file_get_contents (path, &gif, &len, &error));
  /* Logical screen at 6, first image descriptor's size after its ','. */
  gif[6] = gif[7] = gif[8] = gif[9] = (char) 0xff;
  char *desc = memchr (gif + 13, ',', len - 13);
  g_assert_nonnull (desc);
  desc[5] = desc[6] = desc[7] = desc[8] = (char) 0xff;
  g_autoptr(GBytes) gbomb = g_bytes_new_take (gif, len);
  g_autoptr(LsImage) image = ls_image_new_from_bytes (gbomb, &error);
  g_assert_null (image);
  g_test_message ("%s", error->message);
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
}

/* 16 bits per channel: 2 x 1 RGB 0x1234 0x5678 0x9abc | 0xffff 0x0000 0x8080,
 * and 16-bit gray.  Each sample keeps its high byte (PIL's RGB conversion of
 * a 16-bit PNG: rounding could move it by one). */
static void
test_png_16bit (void)
{
  g_autoptr(GError) error = NULL;
  const guint8 rgb16[1 + 12] = { 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
                                    0xff, 0xff, 0x00, 0x00, 0x80, 0x80 };
  g_autoptr(GBytes) png = build_png (2, 1, 16, 2, rgb16, sizeof rgb16);
  g_autoptr(LsImage) image = ls_image_new_from_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 2);
  g_assert_cmpint (image->height, ==, 1);
  const guint8 expect[6] = { 0x12, 0x56, 0x9a, 0xff, 0x00, 0x80 };
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (ABS ((int) image->rgb[i] - expect[i]), <=, 1);

  const guint8 gray16[1 + 6] = { 0, 0x00, 0x10, 0x80, 0x00, 0xfe, 0xff };
  g_autoptr(GBytes) gpng = build_png (3, 1, 16, 0, gray16, sizeof gray16);
  g_autoptr(LsImage) gimage = ls_image_new_from_bytes (gpng, &error);
  g_assert_no_error (error);
  const guint8 gexpect[3] = { 0x00, 0x80, 0xfe };
  for (int i = 0; i < 3; i++)
    for (int c = 0; c < 3; c++)
      g_assert_cmpint (ABS ((int) gimage->rgb[3 * i + c] - gexpect[i]), <=, 1);
}

static LsImage *
load_test_image (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = test_image (name);
  LsImage *image = ls_image_load (path, &error);
  g_assert_no_error (error);
  return image;
}

static const guint8 *
pixel (const LsImage *image, int x, int y)
{
  return image->rgb + ((gsize) y * image->width + x) * 3;
}

static void
assert_colour (const guint8 *p, int r, int g, int b, int tolerance)
{
  g_assert_cmpint (ABS (p[0] - r), <=, tolerance);
  g_assert_cmpint (ABS (p[1] - g), <=, tolerance);
  g_assert_cmpint (ABS (p[2] - b), <=, tolerance);
}

/* tests/images/gray.jpg: 16 x 8 8-bit grayscale JPEG (ImageMagick), left
 * half 40, right half 200: RGB with equal channels. */
static void
test_gray_jpeg (void)
{
  g_autoptr(LsImage) image = load_test_image ("gray.jpg");
  g_assert_cmpint (image->width, ==, 16);
  g_assert_cmpint (image->height, ==, 8);
  for (int y = 0; y < 8; y++)
    {
      const guint8 *l = pixel (image, 2, y), *r = pixel (image, 13, y);
      g_assert_cmpint (l[0], ==, l[1]);
      g_assert_cmpint (l[1], ==, l[2]);
      g_assert_cmpint (r[0], ==, r[2]);
      g_assert_cmpint (ABS (l[0] - 40), <=, 6);
      g_assert_cmpint (ABS (r[0] - 200), <=, 6);
    }
}

/* tests/images/cmyk.jpg: 16 x 8 CMYK JPEG written by ImageMagick
 * (`convert -size 8x8 xc:red xc:blue +append -colorspace CMYK`): left red,
 * right blue once converted back to RGB. */
static void
test_cmyk_jpeg (void)
{
  g_autoptr(LsImage) image = load_test_image ("cmyk.jpg");
  g_assert_cmpint (image->width, ==, 16);
  g_assert_cmpint (image->height, ==, 8);
  assert_colour (pixel (image, 2, 4), 255, 0, 0, 24);
  assert_colour (pixel (image, 13, 4), 0, 0, 255, 24);
}

/* tests/images/animated.gif: two 8 x 4 frames, red then green.  The first
 * frame is the photo (what PIL's Image.open shows). */
static void
test_animated_gif (void)
{
  g_autoptr(LsImage) image = load_test_image ("animated.gif");
  g_assert_cmpint (image->width, ==, 8);
  g_assert_cmpint (image->height, ==, 4);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 8; x++)
      assert_colour (pixel (image, x, y), 255, 0, 0, 0);
}

/* Orientations test-image.c does not cover: 3 (180 degrees), 8 (90
 * counter-clockwise) and 2 (mirrored).  Stored 16 x 8: red left half, blue
 * right half, a green top-left corner pixel block. */
static GBytes *
jpeg_with_orientation (int orientation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 8);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 16; x++)
      {
        guint8 *p = px + y * stride + 3 * x;
        gboolean corner = x < 4 && y < 4;
        p[0] = !corner && x < 8 ? 255 : 0;
        p[1] = corner ? 255 : 0;
        p[2] = x < 8 ? 0 : 255;
      }
  gchar *jpeg = NULL;
  gsize len = 0;
  g_assert_true (gdk_pixbuf_save_to_buffer (pb, &jpeg, &len, "jpeg", &error, "quality", "100", NULL));
  /* APP1 "Exif", TIFF little-endian, one IFD entry: 0x0112 SHORT 1 = @orientation. */
  guint8 app1[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x01, 0x00,
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, (guint8) orientation, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };
  GByteArray *a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) jpeg, 2);
  g_byte_array_append (a, app1, sizeof app1);
  g_byte_array_append (a, (const guint8 *) jpeg + 2, (guint) len - 2);
  g_free (jpeg);
  return g_byte_array_free_to_bytes (a);
}

static void
test_exif_orientations (void)
{
  g_autoptr(GError) error = NULL;
  const int tol = 60;

  /* 3: rotated 180 degrees: blue left, red right, green bottom-right. */
  g_autoptr(GBytes) b3 = jpeg_with_orientation (3);
  g_autoptr(LsImage) i3 = ls_image_new_from_bytes (b3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (i3->width, ==, 16);
  g_assert_cmpint (i3->height, ==, 8);
  assert_colour (pixel (i3, 2, 2), 0, 0, 255, tol);
  assert_colour (pixel (i3, 10, 2), 255, 0, 0, tol);
  assert_colour (pixel (i3, 14, 6), 0, 255, 0, tol);

  /* 8: the camera was turned 90 degrees clockwise, so the photo is turned
   * 90 degrees counter-clockwise to stand upright: 8 x 16, blue on top,
   * red below, green bottom-left. */
  g_autoptr(GBytes) b8 = jpeg_with_orientation (8);
  g_autoptr(LsImage) i8 = ls_image_new_from_bytes (b8, &error);
  g_assert_no_error (error);
  g_assert_cmpint (i8->width, ==, 8);
  g_assert_cmpint (i8->height, ==, 16);
  assert_colour (pixel (i8, 4, 2), 0, 0, 255, tol);
  assert_colour (pixel (i8, 6, 10), 255, 0, 0, tol);
  assert_colour (pixel (i8, 1, 14), 0, 255, 0, tol);

  /* 2: mirrored left to right: blue left, red right, green top-right. */
  g_autoptr(GBytes) b2 = jpeg_with_orientation (2);
  g_autoptr(LsImage) i2 = ls_image_new_from_bytes (b2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (i2->width, ==, 16);
  assert_colour (pixel (i2, 2, 6), 0, 0, 255, tol);
  assert_colour (pixel (i2, 10, 6), 255, 0, 0, tol);
  assert_colour (pixel (i2, 14, 1), 0, 255, 0, tol);
}

/* GdkPixbuf 2.42.10's GIF loader fails an assertion
 * (gdk_pixbuf_calculate_rowstride: height > 0) on this broken animation,
 * found by tests/fuzz/fuzz-image.c.  That critical is GdkPixbuf's and only
 * logged (not fatal outside tests); the engine must still answer with an
 * image or a GError, and does not crash. */
static void
test_fuzz_regressions (void)
{
  /* G_DEBUG=fatal-warnings would abort on GdkPixbuf's critical: here only
   * the engine's own stay fatal. */
  GLogLevelFlags saved = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Leafscope-Engine", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  g_autoptr(GError) error = NULL;
  g_autofree char *path = test_image ("fuzz-gif-rowstride.gif");
  g_autoptr(LsImage) image = ls_image_load (path, &error);
  if (image == NULL)
    {
      g_test_message ("%s", error->message);
      g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, path));
    }
  else
    g_assert_cmpint ((gint64) image->width * image->height, >, 0);

  g_log_set_always_fatal (saved);
}

/* Fuzzing found BMP files of a few hundred bytes that GdkPixbuf's BMP loader
 * decoded as 50 MB of garbage (fuzz-bmp-truncated.bmp claims 6 x 2818052) or
 * answered with a 4 GB allocation (fuzz-bmp-oom.bmp, fuzz-bmp-header-oom.bmp).
 * Photos come as JPEG, PNG, WebP, TIFF or GIF: every other format, BMP
 * included, is refused by its signature before any GdkPixbuf loader runs. */
static void
test_non_photo_formats (void)
{
  const char *files[] = { "fuzz-bmp-truncated.bmp", "fuzz-bmp-oom.bmp", "fuzz-bmp-header-oom.bmp" };
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = test_image (files[i]);
      g_autoptr(LsImage) image = ls_image_load (path, &error);
      g_assert_null (image);
      g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "unsupported image format (BMP)"));
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
    }

  /* A perfectly valid BMP is refused the same way, as are an icon and a
   * Netpbm picture, which GdkPixbuf would otherwise sniff and decode. */
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 5, 4);
  gdk_pixbuf_fill (pb, 0x2060a0ff);
  const char *writers[] = { "bmp", "ico" };
  for (gsize i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      gchar *buffer = NULL;
      gsize len = 0;
      g_assert_true (gdk_pixbuf_save_to_buffer (pb, &buffer, &len, writers[i], &error, NULL));
      g_assert_no_error (error);
      g_autoptr(GBytes) bytes = g_bytes_new_take (buffer, len);
      g_assert_null (ls_image_new_from_bytes (bytes, &error));
      g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
      g_clear_error (&error);
    }
  static const char pnm[] = "P6\n5 4\n255\n";
  g_autoptr(GBytes) netpbm = g_bytes_new_static (pnm, sizeof pnm - 1);
  g_assert_null (ls_image_new_from_bytes (netpbm, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "not an image"));
  g_clear_error (&error);

  /* The same picture as PNG decodes, and cut in its pixel data it is refused. */
  gchar *png = NULL;
  gsize len = 0;
  g_assert_true (gdk_pixbuf_save_to_buffer (pb, &png, &len, "png", &error, NULL));
  g_autoptr(GBytes) whole = g_bytes_new (png, len);
  g_autoptr(LsImage) ok = ls_image_new_from_bytes (whole, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ok->width, ==, 5);
  g_assert_cmpint (ok->height, ==, 4);
  assert_colour (pixel (ok, 2, 3), 0x20, 0x60, 0xa0, 0);
  g_autoptr(GBytes) cut = g_bytes_new (png, len / 2);
  g_assert_null (ls_image_new_from_bytes (cut, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_free (png);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/HostileImage/png-bomb", test_png_bomb);
  g_test_add_func ("/Engine/HostileImage/jpeg-gif-bombs", test_jpeg_gif_bombs);
  g_test_add_func ("/Engine/HostileImage/png-16bit", test_png_16bit);
  g_test_add_func ("/Engine/HostileImage/gray-jpeg", test_gray_jpeg);
  g_test_add_func ("/Engine/HostileImage/cmyk-jpeg", test_cmyk_jpeg);
  g_test_add_func ("/Engine/HostileImage/animated-gif", test_animated_gif);
  g_test_add_func ("/Engine/HostileImage/exif-orientations", test_exif_orientations);
  g_test_add_func ("/Engine/HostileImage/fuzz-regressions", test_fuzz_regressions);
  g_test_add_func ("/Engine/HostileImage/non-photo-formats", test_non_photo_formats);
  return g_test_run ();
}
