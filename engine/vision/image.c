/* image.c: photo decoding and the ViTImageProcessor steps.
 *
 * Decoding goes through GdkPixbuf.  The resampler follows Pillow's
 * ImagingResample (src/libImaging/Resample.c) step for step: separable,
 * horizontal pass then vertical pass, the filter support widened by the
 * downscale factor, coefficients normalised, then turned into fixed point
 * and each pass rounded and clipped to uint8.  ls_image_resize() uses
 * Pillow's 22 bits; preprocessing uses the int16 weights of PyTorch's uint8
 * kernel, which HF's default (fast) image processors run.  Reproducing the
 * integer arithmetic makes our pixels equal to the reference's. */
#include "image.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "ls-error.h"

/* ---------------------------------------------------------------- decoding */

static LsImage *
image_alloc (int width, int height, GError **error)
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
  LsImage *image = image_alloc (width, height, error);
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
        if ((MIN (width, height) + k - 1) / k >= check->min_side)
          {
            gdk_pixbuf_loader_set_size (loader, (width + k - 1) / k, (height + k - 1) / k);
            break;
          }
    }
}

static LsImage *
decode (GBytes *bytes, int max_side, int min_side, GError **error)
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
  SizeCheck check = { 0, 0, FALSE, 0, max_side, strcmp (format, "jpeg") == 0 ? min_side : 0 };
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
  return decode (bytes, 0, 0, error);
}

static LsImage *
load_file (const char *path, int max_side, int min_side, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local_error);

  if (mapped == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, local_error->message);
      return NULL;
    }
  g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (mapped);
  LsImage *image = decode (bytes, max_side, min_side, &local_error);
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
  return load_file (path, 0, 0, error);
}

LsImage *
ls_image_load_thumbnail (const char *path, int max_side, GError **error)
{
  g_return_val_if_fail (max_side > 0, NULL);
  return load_file (path, max_side, 0, error);
}

LsImage *
ls_image_load_for_input (const char *path, int input_width, int input_height, GError **error)
{
  g_return_val_if_fail (input_width > 0 && input_height > 0, NULL);
  /* Both sides at least LS_IMAGE_REDUCE_MARGIN times the input's larger
   * side (a rotated photo swaps its sides): the resize to the input still
   * averages several decoded pixels into each. */
  gint64 min_side = (gint64) MAX (input_width, input_height) * LS_IMAGE_REDUCE_MARGIN;
  return load_file (path, 0, (int) MIN (min_side, G_MAXINT), error);
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

/* ---------------------------------------------------------------- resampling */

/* PIL's resample codes. */
enum {
  RESAMPLE_NEAREST = 0,
  RESAMPLE_LANCZOS = 1,
  RESAMPLE_BILINEAR = 2,
  RESAMPLE_BICUBIC = 3,
  RESAMPLE_BOX = 4,
  RESAMPLE_HAMMING = 5,
};

typedef struct {
  double (*fn) (double x);
  double support;
} Filter;

static double
filter_box (double x)
{
  return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
}

static double
filter_triangle (double x)
{
  x = fabs (x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

static double
filter_hamming (double x)
{
  x = fabs (x);
  if (x == 0.0)
    return 1.0;
  if (x >= 1.0)
    return 0.0;
  x *= G_PI;
  /* Pillow writes the window constants as float literals; keep them so. */
  return sin (x) / x * (0.54f + 0.46f * cos (x));
}

static double
filter_bicubic (double x)
{
  const double a = -0.5;
  x = fabs (x);
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0)
    return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

static double
sinc (double x)
{
  if (x == 0.0)
    return 1.0;
  x *= G_PI;
  return sin (x) / x;
}

static double
filter_lanczos (double x)
{
  return (-3.0 <= x && x < 3.0) ? sinc (x) * sinc (x / 3.0) : 0.0;
}

/* 8 bits of result, 2 bits of headroom for filters with negative lobes. */
#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
  int  ksize;
  int  precision; /* fixed-point bits of @coeffs */
  int *bounds;    /* [out][2]: first input index, count */
  int *coeffs;    /* [out][ksize] fixed point */
} Coeffs;

/* How the float weights become integers: Pillow always uses 22 bits; the
 * uint8 kernel of PyTorch (torchvision resize, which the default "fast" HF
 * image processors call) stores int16 weights and picks the largest precision
 * at which the biggest weight still fits.  The two differ by one level on a
 * few pixels. */
typedef enum {
  PRECISION_PILLOW,
  PRECISION_TORCH_INT16,
} PrecisionMode;

static void
coeffs_clear (Coeffs *c)
{
  g_free (c->bounds);
  g_free (c->coeffs);
}

/* Weights of each output sample over the input, as Pillow computes them
 * (centre of output pixel mapped into input space, support scaled by the
 * downscale factor so that shrinking averages, normalised to sum 1). */
static void
coeffs_compute (Coeffs *c, int in_size, int out_size, const Filter *filter,
                PrecisionMode mode)
{
  double scale = (double) in_size / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = filter->support * filterscale;
  int ksize = (int) ceil (support) * 2 + 1;
  g_autofree double *w = g_new0 (double, (gsize) out_size * ksize);

  c->ksize = ksize;
  c->bounds = g_new (int, (gsize) out_size * 2);
  c->coeffs = g_new0 (int, (gsize) out_size * ksize);

  for (int xx = 0; xx < out_size; xx++)
    {
      double center = (xx + 0.5) * scale;
      double ss = 1.0 / filterscale;
      double ww = 0.0;
      /* Truncation after +0.5, exactly as Pillow rounds (not floor). */
      int xmin = (int) (center - support + 0.5);
      int xmax = (int) (center + support + 0.5);
      if (xmin < 0)
        xmin = 0;
      if (xmax > in_size)
        xmax = in_size;
      xmax -= xmin;
      double *k = w + (gsize) xx * ksize;
      for (int x = 0; x < xmax; x++)
        {
          k[x] = filter->fn ((x + xmin - center + 0.5) * ss);
          ww += k[x];
        }
      if (ww != 0.0)
        for (int x = 0; x < xmax; x++)
          k[x] /= ww;
      c->bounds[2 * xx] = xmin;
      c->bounds[2 * xx + 1] = xmax;
    }

  int precision = PRECISION_BITS;
  if (mode == PRECISION_TORCH_INT16)
    {
      double w_max = w[0];
      for (gsize i = 0; i < (gsize) out_size * ksize; i++)
        w_max = MAX (w_max, w[i]);
      for (precision = 0; precision < 22; precision++)
        if ((int) (0.5 + w_max * (1 << (precision + 1))) >= (1 << 15))
          break;
    }
  c->precision = precision;
  for (gsize i = 0; i < (gsize) out_size * ksize; i++)
    c->coeffs[i] = w[i] < 0 ? (int) (-0.5 + w[i] * (1 << precision))
                            : (int) (0.5 + w[i] * (1 << precision));
}

static inline guint8
clip8 (int v, int precision)
{
  v >>= precision; /* arithmetic shift, as Pillow's table lookup indexes */
  return v < 0 ? 0 : v > 255 ? 255 : (guint8) v;
}

/* (rows, in_w, 3) -> (rows, out_w, 3) */
static void
resample_horizontal (guint8 *dst, const guint8 *src, int rows, int in_w, int out_w,
                     const Coeffs *c)
{
  for (int y = 0; y < rows; y++)
    {
      const guint8 *row = src + (gsize) y * in_w * 3;
      guint8 *out = dst + (gsize) y * out_w * 3;
      for (int xx = 0; xx < out_w; xx++)
        {
          int xmin = c->bounds[2 * xx], n = c->bounds[2 * xx + 1];
          const int *k = c->coeffs + (gsize) xx * c->ksize;
          int s0 = 1 << (c->precision - 1), s1 = s0, s2 = s0;
          for (int x = 0; x < n; x++)
            {
              const guint8 *p = row + (gsize) (x + xmin) * 3;
              s0 += p[0] * k[x];
              s1 += p[1] * k[x];
              s2 += p[2] * k[x];
            }
          out[3 * xx + 0] = clip8 (s0, c->precision);
          out[3 * xx + 1] = clip8 (s1, c->precision);
          out[3 * xx + 2] = clip8 (s2, c->precision);
        }
    }
}

/* (in_h, w, 3) -> (out_h, w, 3); @c bounds relative to @src's first row */
static void
resample_vertical (guint8 *dst, const guint8 *src, int width, int out_h,
                   const Coeffs *c, int row_offset)
{
  gsize stride = (gsize) width * 3;
  for (int yy = 0; yy < out_h; yy++)
    {
      int ymin = c->bounds[2 * yy] - row_offset, n = c->bounds[2 * yy + 1];
      const int *k = c->coeffs + (gsize) yy * c->ksize;
      guint8 *out = dst + (gsize) yy * stride;
      for (gsize i = 0; i < stride; i++)
        {
          int s = 1 << (c->precision - 1);
          for (int y = 0; y < n; y++)
            s += src[(gsize) (y + ymin) * stride + i] * k[y];
          out[i] = clip8 (s, c->precision);
        }
    }
}

static LsImage *
resize_nearest (const LsImage *image, int width, int height)
{
  LsImage *out = image_alloc (width, height, NULL);
  double sx = (double) image->width / width, sy = (double) image->height / height;

  /* PIL maps output pixel centres through an affine transform and floors. */
  for (int y = 0; y < height; y++)
    {
      int iy = MIN ((int) ((y + 0.5) * sy), image->height - 1);
      for (int x = 0; x < width; x++)
        {
          int ix = MIN ((int) ((x + 0.5) * sx), image->width - 1);
          memcpy (out->rgb + ((gsize) y * width + x) * 3,
                  image->rgb + ((gsize) iy * image->width + ix) * 3, 3);
        }
    }
  return out;
}

static LsImage *
resize (const LsImage *image, int width, int height, int resample, PrecisionMode mode)
{
  static const Filter filters[] = {
    [RESAMPLE_LANCZOS] = { filter_lanczos, 3.0 },
    [RESAMPLE_BILINEAR] = { filter_triangle, 1.0 },
    [RESAMPLE_BICUBIC] = { filter_bicubic, 2.0 },
    [RESAMPLE_BOX] = { filter_box, 0.5 },
    [RESAMPLE_HAMMING] = { filter_hamming, 1.0 },
  };

  if (width == image->width && height == image->height)
    return ls_image_copy (image);
  if (resample == RESAMPLE_NEAREST)
    return resize_nearest (image, width, height);

  const Filter *filter = &filters[resample];
  Coeffs vert = { 0 };
  coeffs_compute (&vert, image->height, height, filter, mode);

  /* Only the input rows the vertical pass reads go through the horizontal
   * pass, as in Pillow. */
  int first_row = vert.bounds[0];
  int last_row = vert.bounds[2 * (height - 1)] + vert.bounds[2 * (height - 1) + 1];

  const guint8 *src = image->rgb;
  int src_w = image->width;
  g_autofree guint8 *temp = NULL;
  int row_offset = 0;

  if (width != image->width)
    {
      Coeffs horiz = { 0 };
      coeffs_compute (&horiz, image->width, width, filter, mode);
      temp = g_malloc ((gsize) (last_row - first_row) * width * 3);
      resample_horizontal (temp, image->rgb + (gsize) first_row * image->width * 3,
                           last_row - first_row, image->width, width, &horiz);
      coeffs_clear (&horiz);
      src = temp;
      src_w = width;
      row_offset = first_row;
    }

  LsImage *out = image_alloc (width, height, NULL);
  if (height != image->height)
    resample_vertical (out->rgb, src, src_w, height, &vert, row_offset);
  else
    memcpy (out->rgb, src, (gsize) width * height * 3);
  coeffs_clear (&vert);
  return out;
}

LsImage *
ls_image_resize (const LsImage *image, int width, int height, int resample)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail ((gint64) width * height <= LS_IMAGE_MAX_PIXELS, NULL);
  g_return_val_if_fail (resample >= 0 && resample <= RESAMPLE_HAMMING, NULL);

  return resize (image, width, height, resample, PRECISION_PILLOW);
}

/* ---------------------------------------------------------------- processor */

float *
ls_image_preprocess (const LsImage *image, const LsPreprocessConfig *config,
                     int *out_height, int *out_width, GError **error)
{
  g_autoptr(LsImage) resized = NULL;
  const LsImage *src = image;

  if (config->resample < 0 || config->resample > RESAMPLE_HAMMING)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "preprocessor_config.json: unknown resample filter %d", config->resample);
      return NULL;
    }

  if (config->do_resize)
    {
      int h = config->height, w = config->width;
      if (config->shortest_edge > 0)
        {
          /* HF get_resize_output_image_size (default_to_square=False): the
           * short side becomes N, the long side int(N * long / short). */
          int s = config->shortest_edge;
          if (image->width <= image->height)
            {
              w = s;
              h = (int) ((gint64) s * image->height / image->width);
            }
          else
            {
              h = s;
              w = (int) ((gint64) s * image->width / image->height);
            }
        }
      if (h <= 0 || w <= 0 || (gint64) h * w > LS_IMAGE_MAX_PIXELS)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "preprocessor_config.json: resize target %d x %d is out of range", w, h);
          return NULL;
        }
      /* Bilinear and bicubic go through PyTorch's uint8 kernel in the
       * reference processor; the other filters are Pillow's. */
      PrecisionMode mode = (config->resample == RESAMPLE_BILINEAR
                            || config->resample == RESAMPLE_BICUBIC)
                           ? PRECISION_TORCH_INT16 : PRECISION_PILLOW;
      resized = resize (image, w, h, config->resample, mode);
      src = resized;
    }

  int h = src->height, w = src->width;
  gsize plane = (gsize) h * w;
  float *out = g_new (float, plane * 3);

  /* The reference folds rescale and normalise into one correctly rounded
   * step ((v - 255 mean) / (255 std)); computing in double and rounding once
   * gives the same float32 values. */
  for (int c = 0; c < 3; c++)
    {
      double mean = config->do_normalize ? config->image_mean[c] : 0.0;
      double std = config->do_normalize ? config->image_std[c] : 1.0;
      double factor = config->do_rescale ? (double) config->rescale_factor : 1.0;
      /* The config holds a float; the usual JSON value is 1/255 as a double. */
      if (config->do_rescale && config->rescale_factor == (float) (1.0 / 255.0))
        factor = 1.0 / 255.0;
      float *dst = out + c * plane;
      const guint8 *p = src->rgb + c;
      for (gsize i = 0; i < plane; i++)
        dst[i] = (float) ((p[3 * i] * factor - mean) / std);
    }

  *out_height = h;
  *out_width = w;
  return out;
}
