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
