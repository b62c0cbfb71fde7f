/* photo-analysis.c: the pixels of the photo itself: leaf segmentation,
 * the share of the leaf that is lesion-coloured, skin, and photo quality
 * (LsPhotoAnalysis, findings.h). */
#include "findings.h"

#include <math.h>
#include <string.h>

/* Colour rules, in HSV (hue in degrees, saturation and value 0..1).  Tuned by
 * looking at masks of Beans train/validation photos (red-brown soil, dry
 * stalks, hands, sky in the background; sunlit and shaded leaves):
 *  - healthy leaf: green to yellow-green hues with some saturation; dark
 *    shaded leaf still reads as green hue;
 *    pale, washed-out leaves get a lower saturation floor (adaptive);
 *  - lesions: brown, rust, orange and red-brown hues, strong yellow
 *    (chlorosis, rust halos), dark brown necrosis, and grey necrosis (much
 *    less saturated than the leaf's own green: angular leaf spot under a
 *    bluish cast);
 *  - soil shares the lesion hues, so lesion-coloured pixels count as leaf only
 *    where they are enclosed by leaf (holes of bounded size), never when they
 *    reach the photo border or form large regions.
 * Lesions are counted at the detail size (LS_FINDINGS_DETAIL_SIZE; the
 * working size's leaf mask): on the Beans validation split the affected area
 * is median 1.2 % (0.1-5.8 %) for healthy leaves, 2.3 % (0.4-7.9 %) for bean
 * rust and 6.1 % (0.9-25.7 %) for angular leaf spot; on spots of known area
 * painted on healthy leaves (tools/lesion_area.py) the error is 1.4-1.7
 * points for 0.5-30 % (at the 256-pixel working size rust read about 0 %). */
#define GREEN_HUE_LO     68.0f
#define GREEN_HUE_HI    180.0f
#define GREEN_SAT_MIN     0.16f
#define GREEN_VAL_MIN     0.10f
#define GREEN_SAT_FLOOR   0.06f  /* the adaptive floor never goes below this */
#define GREEN_SAT_RATIO   0.5f   /* ... and is this share of the median green saturation */
#define GREY_SAT_RATIO    0.35f  /* grey lesion: below this share of the leaf's saturation */
#define GREY_VAL_MAX      0.80f
#define YELLOW_HUE_LO    45.0f
#define YELLOW_SAT_MIN    0.30f
#define YELLOW_VAL_MIN    0.35f
#define LESION_HUE_HI    45.0f  /* red .. orange .. brown: h < 45 or h >= 330 */
#define LESION_HUE_WRAP 330.0f
#define LESION_SAT_MIN    0.22f
#define LESION_VAL_MIN    0.08f
#define YELLOW_LESION_HUE_HI 60.0f
#define YELLOW_LESION_SAT_MIN 0.50f
/* Enclosed non-leaf regions up to this share of the photo (14 x 14 pixels at
 * the working size) are lesions (angular spots, rust pustules); larger ones
 * are mostly soil seen between leaves. */
#define MAX_HOLE_SHARE    0.003f
/* Leaf pieces smaller than this share of the photo are ignored (grass,
 * specks of green in the soil). */
#define MIN_LEAF_SHARE    0.004f
/* Leaves smaller than this share of the largest leaf are background plants. */
#define KEEP_RELATIVE     0.25f
#define SEPARATE_RADIUS   4
#define CLOSE_RADIUS      2
#define CLIP_LEVEL      250
#define SHARPNESS_REFERENCE_LUMA 0.35f
#define SHARPNESS_MAX_GAIN       8.0f

/* Skin (the hand holding the leaf): warm hues, moderate saturation, and
 * smooth (red-brown soil shares the colours but is grainy).  Chosen by
 * drawing the mask over Beans validation photos (light palms, dark hands,
 * red and grey soil, dry stalks; bench/evidence-bench --masks): SKIN_*
 * below. */
#define SKIN_HUE_HI        5.0f  /* hue < 5 or >= 335: pink to magenta-red, blue about green or above */
#define SKIN_HUE_WRAP    335.0f
#define SKIN_SAT_MIN      0.12f
#define SKIN_SAT_MAX      0.75f
#define SKIN_VAL_MIN      0.35f
#define SKIN_TEXTURE_MAX 20.0f   /* std of luma (0..255) over 5 x 5 pixels */
#define SKIN_MIN_SHARE    0.004f /* skin regions below this share of the photo are dropped */

/* Rim of a lesion at the detail size: a leaf pixel beside a lesion pixel
 * with a hue below this (yellow-green, not leaf green) or a saturation
 * below this share of the leaf's (synthetic spots, tools/lesion_area.py:
 * without the rim, 20-30 % areas read 25 % low). */
#define RIM_HUE_MAX       80.0f
#define RIM_SAT_RATIO      0.6f

enum { PX_OTHER = 0, PX_LEAF = 1, PX_LESION = 2 };

static void
rgb_to_hsv (int r, int g, int b, float *h, float *s, float *v)
{
  int max = MAX (r, MAX (g, b));
  int min = MIN (r, MIN (g, b));
  float delta = (float) (max - min);

  *v = max / 255.0f;
  *s = max > 0 ? delta / max : 0.0f;
  if (delta == 0.0f)
    *h = 0.0f;
  else if (max == r)
    *h = 60.0f * fmodf ((g - b) / delta + 6.0f, 6.0f);
  else if (max == g)
    *h = 60.0f * ((b - r) / delta + 2.0f);
  else
    *h = 60.0f * ((r - g) / delta + 4.0f);
}

/* PX_LEAF for healthy-leaf colours, PX_LESION for lesion colours, else
 * PX_OTHER.  @pale (0..1]: the photo's green saturation floor over
 * GREEN_SAT_MIN; washed-out photos lower every saturation rule alike. */
static int
classify_pixel (float h, float s, float v, float pale)
{
  if (h >= GREEN_HUE_LO && h <= GREEN_HUE_HI && s >= pale * GREEN_SAT_MIN && v >= GREEN_VAL_MIN)
    return PX_LEAF;
  if (h >= YELLOW_HUE_LO && h < GREEN_HUE_LO && s >= pale * YELLOW_SAT_MIN && v >= YELLOW_VAL_MIN)
    return h < YELLOW_LESION_HUE_HI && s >= pale * YELLOW_LESION_SAT_MIN ? PX_LESION : PX_LEAF;
  if ((h < LESION_HUE_HI || h >= LESION_HUE_WRAP) && s >= pale * LESION_SAT_MIN && v >= LESION_VAL_MIN)
    return PX_LESION;
  return PX_OTHER;
}

/* Area-averaged downscale so that the long side is at most
 * LS_FINDINGS_WORK_SIZE; [out_h, out_w, 3]. */
static guint8 *
downscale (const guint8 *rgb, int width, int height, int stride, int size,
           int *out_width, int *out_height)
{
  int long_side = MAX (width, height);
  int ow = width, oh = height;

  if (long_side > size)
    {
      ow = MAX (1, (int) ((gint64) width * size / long_side));
      oh = MAX (1, (int) ((gint64) height * size / long_side));
    }
  guint8 *out = g_malloc ((gsize) ow * oh * 3);

  for (int oy = 0; oy < oh; oy++)
    {
      int y0 = (int) ((gint64) oy * height / oh);
      int y1 = MAX (y0 + 1, (int) ((gint64) (oy + 1) * height / oh));
      for (int ox = 0; ox < ow; ox++)
        {
          int x0 = (int) ((gint64) ox * width / ow);
          int x1 = MAX (x0 + 1, (int) ((gint64) (ox + 1) * width / ow));
          guint32 sum[3] = { 0, 0, 0 };
          for (int y = y0; y < y1; y++)
            {
              const guint8 *row = rgb + (gsize) y * stride;
              for (int x = x0; x < x1; x++)
                for (int c = 0; c < 3; c++)
                  sum[c] += row[x * 3 + c];
            }
          guint32 n = (guint32) ((y1 - y0) * (x1 - x0));
          for (int c = 0; c < 3; c++)
            out[((gsize) oy * ow + ox) * 3 + c] = (guint8) ((sum[c] + n / 2) / n);
        }
    }
  *out_width = ow;
  *out_height = oh;
  return out;
}

/* Labels the 4-connected components of pixels where mask[i] == value.
 * For each component calls @decide (with its size and whether it touches the
 * border) and sets the component's pixels to the returned value. */
typedef guint8 (*ComponentDecision) (gsize size, gboolean touches_border,
                                     guint8 value, gsize limit);

/* Returns the size of the largest component. */
static gsize
relabel_components (guint8 *mask, int w, int h, guint8 value,
                    ComponentDecision decide, gsize limit)
{
  gsize largest = 0;
  gsize n = (gsize) w * h;
  guint8 *seen = g_malloc0 (n);
  int *stack = g_malloc (n * sizeof (int));
  int *members = g_malloc (n * sizeof (int));

  for (gsize start = 0; start < n; start++)
    {
      if (seen[start] || mask[start] != value)
        continue;
      gsize top = 0, count = 0;
      gboolean border = FALSE;
      stack[top++] = (int) start;
      seen[start] = 1;
      while (top > 0)
        {
          int i = stack[--top];
          int x = i % w, y = i / w;
          members[count++] = i;
          if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
            border = TRUE;
          int nb[4] = { x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1,
                        y > 0 ? i - w : -1, y < h - 1 ? i + w : -1 };
          for (int k = 0; k < 4; k++)
            if (nb[k] >= 0 && !seen[nb[k]] && mask[nb[k]] == value)
              {
                seen[nb[k]] = 1;
                stack[top++] = nb[k];
              }
        }
      largest = MAX (largest, count);
      guint8 result = decide != NULL ? decide (count, border, value, limit) : value;
      if (result != value)
        for (gsize k = 0; k < count; k++)
          mask[members[k]] = result;
    }
  g_free (members);
  g_free (stack);
  g_free (seen);
  return largest;
}

/* Background holes enclosed by leaf and small enough become leaf. */
static guint8
decide_hole (gsize size, gboolean touches_border, guint8 value, gsize limit)
{
  if (!touches_border && size <= limit)
    return 1;
  return value;
}

/* Leaf pieces below the limit are dropped. */
static guint8
decide_piece (gsize size, gboolean touches_border, guint8 value, gsize limit)
{
  (void) touches_border;
  if (size < limit)
    return 0;
  return value;
}

static void
measure_quality (LsPhotoAnalysis *a)
{
  int w = a->width, h = a->height;
  gsize n = (gsize) w * h;
  float *luma = g_malloc (n * sizeof (float));
  double sum = 0.0;
  gsize clipped = 0;

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = a->rgb + i * 3;
      /* Rec. 601 luma, 0..255. */
      float y = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
      luma[i] = y;
      sum += y;
      /* A blown channel is clipped too: an overexposed leaf saturates
       * its green long before it turns white. */
      if (MAX (p[0], MAX (p[1], p[2])) >= CLIP_LEVEL)
        clipped++;
    }
  a->brightness = (float) (sum / n / 255.0);
  a->overexposed_fraction = (float) clipped / n;

  /* Variance of the 4-neighbour Laplacian over the interior.  It scales
   * with contrast squared, so a dark photo is first brought up to
   * SHARPNESS_REFERENCE_LUMA (a dark but sharp photo is not "blurred"). */
  a->sharpness = 0.0f;
  float gain = a->brightness > 0.0f && a->brightness < SHARPNESS_REFERENCE_LUMA
               ? MIN (SHARPNESS_REFERENCE_LUMA / a->brightness, SHARPNESS_MAX_GAIN) : 1.0f;
  if (w >= 3 && h >= 3)
    {
      double s1 = 0.0, s2 = 0.0;
      gsize m = 0;
      for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++)
          {
            gsize i = (gsize) y * w + x;
            double l = gain * (luma[i - 1] + luma[i + 1] + luma[i - w] + luma[i + w] - 4.0 * luma[i]);
            s1 += l;
            s2 += l * l;
            m++;
          }
      double mean = s1 / m;
      a->sharpness = (float) (s2 / m - mean * mean);
    }
  g_free (luma);
}

/* Square erosion (@grow FALSE) or dilation (TRUE) of a 0/1 mask by
 * @radius, separably. */
static void
morph (guint8 *mask, int w, int h, int radius, gboolean grow)
{
  guint8 *tmp = g_malloc ((gsize) w * h);
  guint8 hit = grow ? 1 : 0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 v = !hit;
        for (int k = MAX (0, x - radius); k <= MIN (w - 1, x + radius) && v != hit; k++)
          if (mask[(gsize) y * w + k] == hit)
            v = hit;
        tmp[(gsize) y * w + x] = v;
      }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 v = !hit;
        for (int k = MAX (0, y - radius); k <= MIN (h - 1, y + radius) && v != hit; k++)
          if (tmp[(gsize) k * w + x] == hit)
            v = hit;
        mask[(gsize) y * w + x] = v;
      }
  g_free (tmp);
}

/* Median of the values in @hist (SAT_BINS bins over 0..1), or -1 when
 * empty. */
#define SAT_BINS 100
static float
hist_median (const guint32 *hist)
{
  guint64 total = 0, acc = 0;
  for (int b = 0; b < SAT_BINS; b++)
    total += hist[b];
  if (total == 0)
    return -1.0f;
  for (int b = 0; b < SAT_BINS; b++)
    {
      acc += hist[b];
      if (2 * acc >= total)
        return (b + 0.5f) / SAT_BINS;
    }
  return 1.0f;
}

/* Skin pixels by colour and smoothness, regions too small to be a finger
 * dropped. */
static void
detect_skin (LsPhotoAnalysis *a)
{
  int w = a->width, h = a->height;
  gsize n = (gsize) w * h;
  float *luma = g_malloc (n * sizeof (float));

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = a->rgb + i * 3;
      luma[i] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        gsize i = (gsize) y * w + x;
        const guint8 *p = a->rgb + i * 3;
        float hue, sat, val;
        rgb_to_hsv (p[0], p[1], p[2], &hue, &sat, &val);
        a->skin_mask[i] = 0;
        if (!(p[0] > p[1] && p[0] > p[2]) || (hue >= SKIN_HUE_HI && hue < SKIN_HUE_WRAP)
            || sat < SKIN_SAT_MIN || sat > SKIN_SAT_MAX || val < SKIN_VAL_MIN)
          continue;
        double s1 = 0.0, s2 = 0.0;
        int m = 0;
        for (int yy = MAX (0, y - 2); yy <= MIN (h - 1, y + 2); yy++)
          for (int xx = MAX (0, x - 2); xx <= MIN (w - 1, x + 2); xx++)
            {
              float l = luma[(gsize) yy * w + xx];
              s1 += l;
              s2 += l * l;
              m++;
            }
        double var = s2 / m - (s1 / m) * (s1 / m);
        a->skin_mask[i] = var <= SKIN_TEXTURE_MAX * SKIN_TEXTURE_MAX;
      }
  g_free (luma);
  relabel_components (a->skin_mask, w, h, 1, decide_piece, (gsize) (SKIN_MIN_SHARE * n));
}

/* The thresholds segment() adapted to the photo, for the detail pass. */
typedef struct {
  float pale;          /* green saturation floor / GREEN_SAT_MIN */
  float grey_sat_max;  /* grey necrosis below this saturation */
  float leaf_sat;      /* median saturation of the leaf's green */
} Adapted;

static void
segment (LsPhotoAnalysis *a, Adapted *adapted)
{
  int w = a->width, h = a->height;
  gsize n = (gsize) w * h;
  guint8 *cls = g_malloc (n);
  float *hsv = g_malloc (n * 3 * sizeof (float));
  guint32 hist[SAT_BINS] = { 0 };

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = a->rgb + i * 3;
      float *q = hsv + i * 3;
      rgb_to_hsv (p[0], p[1], p[2], &q[0], &q[1], &q[2]);
      if (q[0] >= GREEN_HUE_LO && q[0] <= GREEN_HUE_HI && q[2] >= GREEN_VAL_MIN
          && q[1] >= GREEN_SAT_FLOOR)
        hist[MIN ((int) (q[1] * SAT_BINS), SAT_BINS - 1)]++;
    }

  /* Pale, washed-out leaves (haze, bluish casts) are green with little
   * saturation: the floor follows the photo's own green pixels. */
  float median = hist_median (hist);
  float green_sat_min = median < 0.0f ? GREEN_SAT_MIN
                        : CLAMP (GREEN_SAT_RATIO * median, GREEN_SAT_FLOOR, GREEN_SAT_MIN);
  for (gsize i = 0; i < n; i++)
    {
      const float *q = hsv + i * 3;
      cls[i] = (guint8) classify_pixel (q[0], q[1], q[2], green_sat_min / GREEN_SAT_MIN);
      a->leaf_mask[i] = cls[i] == PX_LEAF;
    }

  /* Leaf = healthy-leaf colours, specks removed, then enclosed holes filled
   * (lesions are holes in the green); last, only the photographed leaf and
   * leaves of comparable size are kept, not the plants in the background. */
  relabel_components (a->leaf_mask, w, h, 1, decide_piece, (gsize) (MIN_LEAF_SHARE * n));
  relabel_components (a->leaf_mask, w, h, 0, decide_hole, (gsize) (MAX_HOLE_SHARE * n));
  /* Dense lesion clusters are not always enclosed (they reach the edge of
   * the leaf): lesion-coloured pixels within CLOSE_RADIUS of leaf on both
   * sides (a morphological closing) are leaf too.  After the hole filling,
   * so that a closed-off pocket of soil does not become a hole. */
  guint8 *closed = g_memdup2 (a->leaf_mask, n);
  morph (closed, w, h, CLOSE_RADIUS, TRUE);
  morph (closed, w, h, CLOSE_RADIUS, FALSE);
  for (gsize i = 0; i < n; i++)
    if (closed[i] && cls[i] == PX_LESION)
      a->leaf_mask[i] = 1;
  g_free (closed);
  /* Thin bridges (stems, touching edges) join the leaf to background
   * foliage: the choice of leaves is made on the mask opened by
   * SEPARATE_RADIUS, then grown back inside the original mask. */
  guint8 *core = g_memdup2 (a->leaf_mask, n);
  morph (core, w, h, SEPARATE_RADIUS, FALSE);
  gsize largest = relabel_components (core, w, h, 1, NULL, 0);
  relabel_components (core, w, h, 1, decide_piece, (gsize) (KEEP_RELATIVE * largest));
  morph (core, w, h, SEPARATE_RADIUS + 1, TRUE);
  for (gsize i = 0; i < n; i++)
    a->leaf_mask[i] &= core[i];
  g_free (core);

  /* Grey necrosis: inside the leaf, clearly less saturated than the leaf's
   * own green, and not a bright highlight or a pale vein. */
  memset (hist, 0, sizeof hist);
  for (gsize i = 0; i < n; i++)
    if (a->leaf_mask[i] && cls[i] == PX_LEAF)
      hist[MIN ((int) (hsv[i * 3 + 1] * SAT_BINS), SAT_BINS - 1)]++;
  float leaf_sat = hist_median (hist);
  float grey_sat_max = GREY_SAT_RATIO * leaf_sat;

  gsize leaf = 0, lesion = 0;
  for (gsize i = 0; i < n; i++)
    {
      const float *q = hsv + i * 3;
      if (a->skin_mask[i])
        a->leaf_mask[i] = 0;
      gboolean grey = q[1] < grey_sat_max && q[2] < GREY_VAL_MAX && q[2] >= LESION_VAL_MIN;
      a->lesion_mask[i] = a->leaf_mask[i] && (cls[i] == PX_LESION || grey);
      leaf += a->leaf_mask[i];
      lesion += a->lesion_mask[i];
    }
  a->leaf_fraction = (float) leaf / n;
  a->affected_area = leaf > 0 ? (float) lesion / leaf : 0.0f;
  adapted->pale = green_sat_min / GREEN_SAT_MIN;
  adapted->grey_sat_max = grey_sat_max;
  adapted->leaf_sat = leaf_sat;
  g_free (hsv);
  g_free (cls);
}

/* Lesions counted at the detail size: a pixel of the leaf (the working
 * mask, skin excluded) whose own colour is a lesion colour (the same rules
 * and adapted thresholds as the working size) or grey necrosis.  At the
 * leaf's edge (a working pixel with a non-leaf 4-neighbour) only where the
 * working mask saw a lesion too: soil shares the lesion colours. */
static void
count_detail (LsPhotoAnalysis *a, const guint8 *rgb, int width, int height, int stride,
              const Adapted *adapted)
{
  g_autofree guint8 *detail = downscale (rgb, width, height, stride, LS_FINDINGS_DETAIL_SIZE,
                                         &a->detail_width, &a->detail_height);
  int w = a->detail_width, h = a->detail_height, ww = a->width, wh = a->height;
  gsize leaf = 0, lesion = 0;

  a->lesion_detail = g_malloc0 ((gsize) w * h);
  for (int y = 0; y < h; y++)
    {
      int wy = (int) ((gint64) y * wh / h);
      for (int x = 0; x < w; x++)
        {
          int wx = (int) ((gint64) x * ww / w);
          gsize wi = (gsize) wy * ww + wx;
          if (!a->leaf_mask[wi])
            continue;
          leaf++;
          gboolean edge = wx == 0 || wy == 0 || wx == ww - 1 || wy == wh - 1
                          || !a->leaf_mask[wi - 1] || !a->leaf_mask[wi + 1]
                          || !a->leaf_mask[wi - ww] || !a->leaf_mask[wi + ww];
          if (edge && !a->lesion_mask[wi])
            continue;
          const guint8 *p = detail + ((gsize) y * w + x) * 3;
          float hue, sat, val;
          rgb_to_hsv (p[0], p[1], p[2], &hue, &sat, &val);
          gboolean grey = sat < adapted->grey_sat_max && val < GREY_VAL_MAX && val >= LESION_VAL_MIN;
          if (grey || classify_pixel (hue, sat, val, adapted->pale) == PX_LESION)
            {
              a->lesion_detail[(gsize) y * w + x] = 1;
              lesion++;
            }
        }
    }
  /* A lesion's rim is a blend of its colour and the leaf's (and JPEG halves
   * the colour resolution): leaf pixels next to a lesion that are not
   * clearly leaf green count too. */
  g_autofree guint8 *grown = g_memdup2 (a->lesion_detail, (gsize) w * h);
  for (int y = 1; y < h - 1; y++)
    for (int x = 1; x < w - 1; x++)
      {
        gsize i = (gsize) y * w + x;
        if (a->lesion_detail[i]
            || !(a->lesion_detail[i - 1] || a->lesion_detail[i + 1]
                 || a->lesion_detail[i - w] || a->lesion_detail[i + w]))
          continue;
        int wy = (int) ((gint64) y * wh / h), wx = (int) ((gint64) x * ww / w);
        if (!a->leaf_mask[(gsize) wy * ww + wx])
          continue;
        const guint8 *p = detail + i * 3;
        float hue, sat, val;
        rgb_to_hsv (p[0], p[1], p[2], &hue, &sat, &val);
        if (hue < RIM_HUE_MAX || sat < RIM_SAT_RATIO * adapted->leaf_sat)
          {
            grown[i] = 1;
            lesion++;
          }
      }
  memcpy (a->lesion_detail, grown, (gsize) w * h);
  a->affected_area = leaf > 0 ? (float) lesion / leaf : 0.0f;
}

LsPhotoAnalysis *
ls_photo_analysis_new (const guint8 *rgb, int width, int height, int stride)
{
  g_return_val_if_fail (rgb != NULL && width > 0 && height > 0, NULL);
  g_return_val_if_fail (stride >= width * 3, NULL);

  LsPhotoAnalysis *a = g_new0 (LsPhotoAnalysis, 1);
  a->rgb = downscale (rgb, width, height, stride, LS_FINDINGS_WORK_SIZE, &a->width, &a->height);
  gsize n = (gsize) a->width * a->height;
  a->leaf_mask = g_malloc0 (n);
  a->lesion_mask = g_malloc0 (n);
  a->skin_mask = g_malloc0 (n);
  measure_quality (a);
  detect_skin (a);
  Adapted adapted;
  segment (a, &adapted);
  count_detail (a, rgb, width, height, stride, &adapted);
  return a;
}

void
ls_photo_analysis_free (LsPhotoAnalysis *analysis)
{
  if (analysis == NULL)
    return;
  g_free (analysis->rgb);
  g_free (analysis->leaf_mask);
  g_free (analysis->lesion_mask);
  g_free (analysis->skin_mask);
  g_free (analysis->lesion_detail);
  g_free (analysis);
}
