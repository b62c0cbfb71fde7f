/* weights.c: the table of weight formats. */
#include "weights.h"

#include <string.h>

#include "vecmath.h"

static void
widen_f32 (float *dst, const void *src, gsize n)
{
  memcpy (dst, src, sizeof (float) * n);
}

static const LsWeightFormat formats[] = {
  { LS_DTYPE_F32, 4, TRUE, widen_f32 },
  { LS_DTYPE_F16, 2, FALSE, ls_vec_f16_to_f32 },
  { LS_DTYPE_BF16, 2, FALSE, ls_vec_bf16_to_f32 },
};

const LsWeightFormat *
ls_weight_format (LsDtype dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    if (formats[i].dtype == dtype)
      return &formats[i];
  return NULL;
}

const float *
ls_weight_format_rows (const LsWeightFormat *format, const void *w,
                       gsize row0, gsize n_rows, gsize cols, float *scratch)
{
  const guint8 *first = (const guint8 *) w + row0 * cols * format->size;

  if (format->in_place)
    return (const float *) first;
  format->widen (scratch, first, n_rows * cols);
  return scratch;
}
