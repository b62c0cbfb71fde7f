/* pixels.c: undoing ls_image_preprocess's scaling (see pixels.h). */
#include "pixels.h"

#include <math.h>

LsImage *
ls_image_from_pixels (const float *pixels, int size, const LsPreprocessConfig *pp)
{
  int S = size;
  g_autofree guint8 *rgb = g_malloc ((gsize) S * S * 3);
  gsize plane = (gsize) S * S;
  for (int c = 0; c < 3; c++)
    {
      double mean = pp->do_normalize ? pp->image_mean[c] : 0.0;
      double std = pp->do_normalize ? pp->image_std[c] : 1.0;
      double scale = pp->do_rescale ? 1.0 / pp->rescale_factor : 1.0;
      for (gsize i = 0; i < plane; i++)
        {
          double v = (pixels[c * plane + i] * std + mean) * scale;
          rgb[3 * i + c] = (guint8) CLAMP (lround (v), 0, 255);
        }
    }
  return ls_image_new_from_data (rgb, S, S, S * 3, FALSE, NULL);
}
