/* image-resize.c: the ViTImageProcessor steps on decoded photos.
 *
 * The resampler follows Pillow's ImagingResample (src/libImaging/Resample.c)
 * step for step: separable, horizontal pass then vertical pass, the filter
 * support widened by the downscale factor, coefficients normalised, then
 * turned into fixed point and each pass rounded and clipped to uint8.
 * ls_image_resize() uses Pillow's 22 bits; preprocessing uses the int16
 * weights of PyTorch's uint8 kernel, which HF's default (fast) image
 * processors run.  Reproducing the integer arithmetic makes our pixels equal
 * to the reference's. */
#include "image.h"
#include "image-private.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "ls-error.h"

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
  LsImage *out = ls_image_alloc (width, height, NULL);
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

  LsImage *out = ls_image_alloc (width, height, NULL);
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
