/* matvec-portable.c: the row-times-matrix kernels in plain C, for CPUs
 * without AVX2 + FMA + F16C (and as the reference the others are tested
 * against). */
#include "matvec-kernels.h"

#include <string.h>

static void
rows_f32_portable (float *acc, const float *x, const void *wv, int out, int i0, int i1)
{
  const float *w = wv;
  for (int i = i0; i < i1; i++)
    {
      const float *row = w + (gsize) i * out;
      float xi = x[i];
      for (int j = 0; j < out; j++)
        acc[j] += xi * row[j];
    }
}

static float
load_f16 (const guint8 *p)
{
  guint16 h;
  memcpy (&h, p, 2);
  return ls_f16_to_float (h);
}

static float
load_bf16 (const guint8 *p)
{
  guint16 h;
  memcpy (&h, p, 2);
  return ls_bf16_to_float (h);
}

/* The 16-bit dtypes, each weight widened by @LOAD (2 bytes, unaligned). */
#define PORTABLE_16(ROWS, OUT_IN, LOAD)                                           \
static void                                                                       \
ROWS (float *acc, const float *x, const void *wv, int out, int i0, int i1)        \
{                                                                                 \
  const guint8 *w = wv;                                                           \
  for (int i = i0; i < i1; i++)                                                   \
    {                                                                             \
      const guint8 *row = w + (gsize) i * out * 2;                                \
      float xi = x[i];                                                            \
      for (int j = 0; j < out; j++)                                               \
        acc[j] += xi * LOAD (row + 2 * (gsize) j);                                \
    }                                                                             \
}                                                                                 \
                                                                                  \
static void                                                                       \
OUT_IN (float *y, const float *x, const void *wv, const float *b,                 \
        int in, int out, int j0, int j1)                                          \
{                                                                                 \
  const guint8 *w = wv;                                                           \
  for (int j = j0; j < j1; j++)                                                   \
    {                                                                             \
      const guint8 *row = w + (gsize) j * in * 2;                                 \
      float s = 0.0f;                                                             \
      for (int i = 0; i < in; i++)                                                \
        s += LOAD (row + 2 * (gsize) i) * x[i];                                   \
      y[j] = s + (b != NULL ? b[j] : 0.0f);                                       \
    }                                                                             \
}
PORTABLE_16 (rows_f16_portable, out_in_f16_portable, load_f16)
PORTABLE_16 (rows_bf16_portable, out_in_bf16_portable, load_bf16)

static void
out_in_f32_portable (float *y, const float *x, const void *wv, const float *b,
                     int in, int out, int j0, int j1)
{
  const float *w = wv;
  for (int j = j0; j < j1; j++)
    {
      const float *row = w + (gsize) j * in;
      float s = 0.0f;
      for (int i = 0; i < in; i++)
        s += row[i] * x[i];
      y[j] = s + (b != NULL ? b[j] : 0.0f);
    }
}

const LsMatvecKernels ls_matvec_kernels_portable = {
  LS_CPU_PATH_PORTABLE,
  { rows_f32_portable, rows_f16_portable, rows_bf16_portable },
  { out_in_f32_portable, out_in_f16_portable, out_in_bf16_portable },
};
