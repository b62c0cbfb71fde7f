/* ops.c: shared numeric kernels.  Plain loops the compiler can vectorise;
 * products through cblas_sgemm. */
#include "ops.h"
#include "vecmath.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void
ls_linear (float *y, const float *x, const float *w, const float *b,
           int n, int in, int out)
{
  if (b != NULL)
    for (int i = 0; i < n; i++)
      memcpy (y + (gsize) i * out, b, sizeof (float) * out);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in,
               1.0f, x, in, w, in, b != NULL ? 1.0f : 0.0f, y, out);
}

void
ls_conv1d (float *y, const float *x, const float *w, const float *b,
           int n, int in, int out)
{
  if (b != NULL)
    for (int i = 0; i < n; i++)
      memcpy (y + (gsize) i * out, b, sizeof (float) * out);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, out, in,
               1.0f, x, in, w, out, b != NULL ? 1.0f : 0.0f, y, out);
}

void
ls_layernorm (float *out, const float *x, const float *gamma, const float *beta,
              int n, int dim, float eps)
{
  /* Two passes, as PyTorch does, so the variance does not lose digits;
   * 8 lanes at a time where the CPU allows (vecmath.c). */
  ls_vec_layernorm (out, x, gamma, beta, n, dim, eps);
}

void
ls_activation_apply (LsActivation act, float *x, gsize n)
{
  switch (act)
    {
    case LS_ACTIVATION_GELU:
      /* Vector erf/tanh (vecmath.c): libm's scalar calls were ~6% of a ViT. */
      ls_vec_gelu_erf (x, n);
      break;
    case LS_ACTIVATION_GELU_NEW:
    case LS_ACTIVATION_GELU_PYTORCH_TANH:
    case LS_ACTIVATION_GELU_FAST:
      ls_vec_gelu_tanh (x, n);
      break;
    case LS_ACTIVATION_QUICK_GELU:
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] / (1.0f + expf (-1.702f * x[i]));
      break;
    case LS_ACTIVATION_RELU:
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    default:
      g_assert_not_reached ();
    }
}

void
ls_softmax_rows (float *x, int rows, int cols)
{
  ls_vec_softmax_rows (x, rows, cols);
}

void
ls_add_inplace (float *y, const float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] += x[i];
}

float
ls_f16_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;

  if (exp == 0)
    {
      if (mant == 0)
        bits = sign;
      else
        {
          /* Subnormal: renormalise. */
          exp = 127 - 15 + 1;
          while ((mant & 0x400) == 0)
            {
              mant <<= 1;
              exp--;
            }
          mant &= 0x3ff;
          bits = sign | (exp << 23) | (mant << 13);
        }
    }
  else if (exp == 0x1f)
    bits = sign | 0x7f800000 | (mant << 13);
  else
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);

  float f;
  memcpy (&f, &bits, sizeof f);
  return f;
}

uint16_t
ls_float_to_f16 (float f)
{
  uint32_t x;
  memcpy (&x, &f, sizeof x);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = (int32_t) ((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;

  if (((x >> 23) & 0xff) == 0xff)
    return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f)
    return sign | 0x7c00;
  if (exp <= 0)
    {
      if (exp < -10)
        return sign;
      mant |= 0x800000;
      uint32_t shift = 14 - exp;
      uint32_t half = mant >> shift;
      uint32_t rem = mant & ((1u << shift) - 1);
      uint32_t mid = 1u << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1)))
        half++;
      return sign | half;
    }
  uint32_t half = sign | ((uint32_t) exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    half++; /* may carry into the exponent, which is the correct rounding */
  return half;
}

void
ls_f16_to_f32 (float *dst, const void *src, gsize n)
{
  ls_vec_f16_to_f32 (dst, src, n);  /* F16C when the CPU has it */
}

void
ls_bf16_to_f32 (float *dst, const void *src, gsize n)
{
  ls_vec_bf16_to_f32 (dst, src, n);  /* a shift, 8 or 16 at a time */
}
