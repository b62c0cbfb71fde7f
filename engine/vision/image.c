/* image.c: photo decoding through GdkPixbuf (checked formats, pixel limit,
 * EXIF orientation, reduced-size JPEG decoding).  The resizing and the
 * ViTImageProcessor steps are in image-resize.c. */
#include "image.h"
#include "image-private.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "ls-error.h"

/* ---------------------------------------------------------------- decoding */

LsImage *
ls_image_alloc (int width, int height, GError **error)
{
  if (width <= 0 || height <= 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "image has an empty size (%d x %d)", width, height);
      return NULL;
    }
  if ((gint64) width * height > LS_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_TOO_LARGE,
                   "image of %d x %d pixels exceeds the limit of %d pixels",
                   width, height, LS_IMAGE_MAX_PIXELS);
      return NULL;
    }
  LsImage *image = g_new0 (LsImage, 1);
  image->width = width;
  image->height = height;
  image->rgb = g_malloc ((gsize) width * height * 3);
  return image;
}

LsImage *
ls_image_new_from_data (const guint8 *data, int width, int height, int stride,
                        gboolean has_alpha, GError **error)
{
  int channels = has_alpha ? 4 : 3;

  if (data == NULL || stride < width * channels)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "pixel data with stride %d is too short for %d pixels of %d bytes",
                   stride, width, channels);
      return NULL;
    }
  LsImage *image = ls_image_alloc (width, height, error);
  if (image == NULL)
    return NULL;

  /* Alpha is discarded, not composited: that is what PIL's convert("RGB")
   * does, and what the reference processor saw. */
  for (int y = 0; y < height; y++)
    {
      const guint8 *src = data + (gsize) y * stride;
      guint8 *dst = image->rgb + (gsize) y * width * 3;
      if (channels == 3)
        memcpy (dst, src, (gsize) width * 3);
      else
        for (int x = 0; x < width; x++)
          {
            dst[3 * x + 0] = src[4 * x + 0];
            dst[3 * x + 1] = src[4 * x + 1];
            dst[3 * x + 2] = src[4 * x + 2];
          }
    }
  return image;
}

typedef struct {
  int      width;
  int      height;
  gboolean too_large;
  int      rows_done; /* bottom edge of the decoded area so far */
  int      max_side;  /* > 0: scale down to fit (thumbnails) */
  int      min_side;  /* > 0, JPEG: DCT-scale down, keeping both sides >= this */
  int      min_long;  /* ... and the longer side >= this */
} SizeCheck;

static void
on_area_updated (GdkPixbufLoader *loader, int x, int y, int width, int height,
                 gpointer user_data)
{
  SizeCheck *check = user_data;
  check->rows_done = MAX (check->rows_done, y + height);
}

/* Photos come as JPEG, PNG, WebP, TIFF or GIF.  The file's own signature
 * picks the GdkPixbuf loader, so untrusted bytes never reach the rarely used
 * loaders (BMP, ICO, ANI, TGA, XPM, PNM...): fuzzing found BMP files of a few
 * hundred bytes that made GdkPixbuf's BMP loader allocate 4 GB or return 50
 * MB of garbage.  Returns the loader name, or NULL with an error. */
static const char *
sniff_photo_format (const guint8 *data, gsize size, GError **error)
{
  static const struct {
    const char *loader;
    const char *magic;
    gsize       offset;
    gsize       length;
  } formats[] = {
    { "jpeg", "\xff\xd8\xff", 0, 3 },
    { "png",  "\x89PNG\r\n\x1a\n", 0, 8 },
    { "gif",  "GIF87a", 0, 6 },
    { "gif",  "GIF89a", 0, 6 },
    { "tiff", "II*\0", 0, 4 },
    { "tiff", "MM\0*", 0, 4 },
    { "webp", "WEBP", 8, 4 }, /* after "RIFF" and the length */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    if (size >= formats[i].offset + formats[i].length
        && memcmp (data + formats[i].offset, formats[i].magic, formats[i].length) == 0
        && (strcmp (formats[i].loader, "webp") != 0 || memcmp (data, "RIFF", 4) == 0))
      return formats[i].loader;

  if (size >= 2 && data[0] == 'B' && data[1] == 'M')
    g_set_error_literal (error, LS_ERROR, LS_ERROR_FORMAT,
                         "unsupported image format (BMP): use JPEG, PNG, WebP, TIFF or GIF");
  else
    g_set_error_literal (error, LS_ERROR, LS_ERROR_FORMAT,
                         "not an image (unrecognised file format): use JPEG, PNG, WebP, TIFF or GIF");
  return NULL;
}

/* A JPEG cut short still decodes: libjpeg fills the missing rows with grey
 * and only warns ("Premature end of JPEG file"), a warning GdkPixbuf's
 * loader keeps to itself, and reports every row as done.  The end-of-image
 * marker tells: walk the segments (skipping their payloads, which may hold
 * an EXIF thumbnail's own marker) and the entropy-coded data to it. */
static gboolean
jpeg_has_end (const guint8 *data, gsize size)
{
  gsize i = 2; /* after SOI */

  while (i + 1 < size)
    {
      const guint8 *ff = memchr (data + i, 0xff, size - i - 1);
      if (ff == NULL)
        return FALSE;
      i = ff - data;
      guint8 m = data[i + 1];
      if (m == 0xd9)
        return TRUE;
      if (m == 0xff)
        i++;                 /* fill byte */
      else if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd7))
        i += 2;              /* stuffed 0xff, TEM, RSTn: no length */
      else if (i + 3 < size)
        i += 2 + ((gsize) data[i + 2] << 8 | data[i + 3]);
      else
        return FALSE;
    }
  return FALSE;
}

static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer user_data)
{
  SizeCheck *check = user_data;

  check->width = width;
  check->height = height;
  if ((gint64) width * height > LS_IMAGE_MAX_PIXELS)
    {
      /* A zero size makes every loader stop before it allocates the pixel
       * buffer (the trick gdk_pixbuf_get_file_info uses). */
      check->too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
  else if (check->max_side > 0 && (width > check->max_side || height > check->max_side))
    {
      gint64 longest = MAX (width, height);
      int w = (int) MAX (1, (gint64) width * check->max_side / longest);
      int h = (int) MAX (1, (gint64) height * check->max_side / longest);
      gdk_pixbuf_loader_set_size (loader, w, h);
    }
  else if (check->min_side > 0)
    {
      /* libjpeg decodes at 1/2, 1/4 or 1/8 of the size for a fraction of
       * the work (fewer DCT coefficients, fewer pixels); GdkPixbuf's JPEG
       * loader picks the smallest of those that is at least the size asked
       * for, so asking exactly ceil(side / k) leaves nothing for the
       * loader to rescale. */
      for (int k = 8; k >= 2; k /= 2)
        if ((MIN (width, height) + k - 1) / k >= check->min_side
            && (MAX (width, height) + k - 1) / k >= check->min_long)
          {
            gdk_pixbuf_loader_set_size (loader, (width + k - 1) / k, (height + k - 1) / k);
            break;
          }
    }
}

static LsImage *
decode (GBytes *bytes, int max_side, int min_side, int min_long, GError **error)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (size == 0)
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_FORMAT, "empty file, not an image");
      return NULL;
    }

  const char *format = sniff_photo_format (data, size, error);
  if (format == NULL)
    return NULL;

  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type (format, &local_error);
  if (loader == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "this system cannot decode %s images: %s", format, local_error->message);
      return NULL;
    }
  /* Only JPEG scales inside the decoder; other loaders would decode whole
   * and then rescale with their own filter. */
  gboolean jpeg = strcmp (format, "jpeg") == 0;
  SizeCheck check = { 0, 0, FALSE, 0, max_side, jpeg ? min_side : 0, jpeg ? min_long : 0 };
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &check);
  g_signal_connect (loader, "area-updated", G_CALLBACK (on_area_updated), &check);

  /* Fed in pieces so that the size check runs before most of a large file
   * has been looked at. */
  const gsize chunk = 64 * 1024;
  gboolean ok = TRUE;
  for (gsize offset = 0; ok && offset < size && !check.too_large; offset += chunk)
    ok = gdk_pixbuf_loader_write (loader, data + offset, MIN (chunk, size - offset), &local_error);
  if (ok && !check.too_large)
    ok = gdk_pixbuf_loader_close (loader, &local_error);
  else
    gdk_pixbuf_loader_close (loader, NULL);

  if (check.too_large)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_TOO_LARGE,
                   "image of %d x %d pixels exceeds the limit of %d x %d (%d pixels)",
                   check.width, check.height, 8192, 8192, LS_IMAGE_MAX_PIXELS);
      return NULL;
    }
  if (!ok)
    {
      if (g_error_matches (local_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE))
        g_set_error_literal (error, LS_ERROR, LS_ERROR_FORMAT,
                             "not an image (unrecognised file format)");
      else
        g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                     "not an image, or a damaged one: %s", local_error->message);
      return NULL;
    }

  GdkPixbuf *decoded = gdk_pixbuf_loader_get_pixbuf (loader);
  if (decoded == NULL)
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_FORMAT, "not an image (no pixels decoded)");
      return NULL;
    }
  /* Some loaders hand back a half-filled picture for a truncated file
   * without an error; PIL refuses those, and so do we.  Every loader reports
   * the area it filled (non-incremental ones once, for the whole image). */
  if (check.rows_done < gdk_pixbuf_get_height (decoded))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "truncated image: only %d of %d rows could be decoded",
                   check.rows_done, gdk_pixbuf_get_height (decoded));
      return NULL;
    }

  /* EXIF orientation: the reference pipeline sees the photo upright as the
   * camera meant it. */
  g_autoptr(GdkPixbuf) oriented = gdk_pixbuf_apply_embedded_orientation (decoded);
  if (oriented == NULL
      || gdk_pixbuf_get_colorspace (oriented) != GDK_COLORSPACE_RGB
      || gdk_pixbuf_get_bits_per_sample (oriented) != 8
      || gdk_pixbuf_get_n_channels (oriented) < 3)
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                           "unsupported pixel layout (expected 8-bit RGB)");
      return NULL;
    }

  /* Grayscale files come out of GdkPixbuf as RGB with equal channels, which
   * is also what convert("RGB") gives. */
  LsImage *image = ls_image_new_from_data (gdk_pixbuf_read_pixels (oriented),
                                           gdk_pixbuf_get_width (oriented),
                                           gdk_pixbuf_get_height (oriented),
                                           gdk_pixbuf_get_rowstride (oriented),
                                           gdk_pixbuf_get_has_alpha (oriented),
                                           error);
  if (image != NULL && strcmp (format, "jpeg") == 0)
    image->incomplete = !jpeg_has_end (data, size);
  return image;
}

LsImage *
ls_image_new_from_bytes (GBytes *bytes, GError **error)
{
  return decode (bytes, 0, 0, 0, error);
}

static LsImage *
load_file (const char *path, int max_side, int min_side, int min_long, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local_error);

  if (mapped == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, local_error->message);
      return NULL;
    }
  g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (mapped);
  LsImage *image = decode (bytes, max_side, min_side, min_long, &local_error);
  if (image == NULL)
    {
      g_set_error (error, LS_ERROR, local_error->code, "%s: %s", path, local_error->message);
      return NULL;
    }
  return image;
}

LsImage *
ls_image_load (const char *path, GError **error)
{
  return load_file (path, 0, 0, 0, error);
}

LsImage *
ls_image_load_thumbnail (const char *path, int max_side, GError **error)
{
  g_return_val_if_fail (max_side > 0, NULL);
  return load_file (path, max_side, 0, 0, error);
}

static LsImage *
load_for_input (const char *path, int input_width, int input_height, int min_long_side,
                GError **error)
{
  /* Both sides at least LS_IMAGE_REDUCE_MARGIN times the input's larger
   * side (a rotated photo swaps its sides): the resize to the input still
   * averages several decoded pixels into each. */
  gint64 min_side = (gint64) MAX (input_width, input_height) * LS_IMAGE_REDUCE_MARGIN;
  return load_file (path, 0, (int) MIN (min_side, G_MAXINT), MAX (min_long_side, 0), error);
}

LsImage *
ls_image_load_for_input (const char *path, int input_width, int input_height, GError **error)
{
  g_return_val_if_fail (input_width > 0 && input_height > 0, NULL);
  return load_for_input (path, input_width, input_height, 0, error);
}

LsImage *
ls_image_load_for_model (const char *path, const LsPreprocessConfig *config,
                         LsImageDecode decode, int min_long_side, GError **error)
{
  g_return_val_if_fail (path != NULL && config != NULL, NULL);
  if (decode == LS_IMAGE_DECODE_FAST && config->do_resize)
    {
      /* {"shortest_edge": N} resizes the shorter side to N: both sides of
       * the reduced photo stay >= N times the margin, as for N x N. */
      int w = config->shortest_edge > 0 ? config->shortest_edge : config->width;
      int h = config->shortest_edge > 0 ? config->shortest_edge : config->height;
      if (w > 0 && h > 0)
        return load_for_input (path, w, h, min_long_side, error);
    }
  return ls_image_load (path, error);
}

LsImage *
ls_image_copy (const LsImage *image)
{
  LsImage *copy = g_new0 (LsImage, 1);
  copy->width = image->width;
  copy->height = image->height;
  copy->rgb = g_memdup2 (image->rgb, (gsize) image->width * image->height * 3);
  copy->incomplete = image->incomplete;
  return copy;
}

void
ls_image_free (LsImage *image)
{
  if (image == NULL)
    return;
  g_free (image->rgb);
  g_free (image);
}
