/* vecmath.c: GELU, softmax and LayerNorm, 8 floats at a time on AVX2 + FMA,
 * libm loops elsewhere.  See vecmath.h. */
#include "vecmath.h"

#include <math.h>
#include <string.h>

#include "ops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#define X86_TARGET __attribute__ ((target ("avx2,fma")))
#endif

/* ------------------------------------------------------------ portable */

static void
gelu_erf_portable (float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    x[i] = 0.5f * x[i] * (1.0f + erff (x[i] * (float) M_SQRT1_2));
}

static void
gelu_tanh_portable (float *x, gsize n)
{
  const float k = 0.7978845608028654f; /* sqrt(2/pi) */
  for (gsize i = 0; i < n; i++)
    {
      float v = x[i];
      x[i] = 0.5f * v * (1.0f + tanhf (k * (v + 0.044715f * v * v * v)));
    }
}

static void
softmax_rows_portable (float *x, int rows, int cols)
{
  for (int r = 0; r < rows; r++)
    {
      float *row = x + (gsize) r * cols;
      float max = -INFINITY;
      for (int c = 0; c < cols; c++)
        max = row[c] > max ? row[c] : max;
      float sum = 0.0f;
      for (int c = 0; c < cols; c++)
        {
          row[c] = expf (row[c] - max);
          sum += row[c];
        }
      float inv = 1.0f / sum;
      for (int c = 0; c < cols; c++)
        row[c] *= inv;
    }
}

static void
layernorm_portable (float *out, const float *x, const float *gamma, const float *beta,
                    int n, int dim, float eps)
{
  for (int i = 0; i < n; i++)
    {
      const float *row = x + (gsize) i * dim;
      float *dst = out + (gsize) i * dim;
      float sum = 0.0f;
      for (int j = 0; j < dim; j++)
        sum += row[j];
      float mean = sum / dim;
      float sq = 0.0f;
      for (int j = 0; j < dim; j++)
        {
          float d = row[j] - mean;
          sq += d * d;
        }
      float rstd = 1.0f / sqrtf (sq / dim + eps);
      for (int j = 0; j < dim; j++)
        dst[j] = (row[j] - mean) * rstd * gamma[j] + beta[j];
    }
}

static void
f16_to_f32_portable (float *dst, const void *src, gsize n)
{
  const guint8 *p = src;
  for (gsize i = 0; i < n; i++)
    {
      guint16 h;
      memcpy (&h, p + 2 * i, 2);
      dst[i] = ls_f16_to_float (h);
    }
}

/* ------------------------------------------------------------ AVX2 + FMA */

#ifdef HAVE_X86

/* exp(x), Cephes' expf: x = n ln2 + r, |r| <= ln2 / 2, degree-6 polynomial.
 * Below -87.3 (exp < FLT_MIN, and -inf) the result is exactly 0. */
X86_TARGET static inline __m256
exp8 (__m256 x)
{
  const __m256 lo = _mm256_set1_ps (-87.33f);
  __m256 keep = _mm256_cmp_ps (x, lo, _CMP_GE_OQ);
  x = _mm256_min_ps (_mm256_max_ps (x, lo), _mm256_set1_ps (88.0f));
  __m256 n = _mm256_round_ps (_mm256_mul_ps (x, _mm256_set1_ps (1.44269504088896341f)),
                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps (n, _mm256_set1_ps (0.693359375f), x);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps (1.9875691500e-4f);
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.3981999507e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (8.3334519073e-3f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (4.1665795894e-2f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (1.6666665459e-1f));
  p = _mm256_fmadd_ps (p, r, _mm256_set1_ps (5.0000001201e-1f));
  p = _mm256_fmadd_ps (p, _mm256_mul_ps (r, r), _mm256_add_ps (r, _mm256_set1_ps (1.0f)));
  __m256i e = _mm256_slli_epi32 (_mm256_add_epi32 (_mm256_cvtps_epi32 (n), _mm256_set1_epi32 (127)), 23);
  return _mm256_and_ps (_mm256_mul_ps (p, _mm256_castsi256_ps (e)), keep);
}

/* erf(x), Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), odd. */
X86_TARGET static inline __m256
erf8 (__m256 x)
{
  const __m256 sign_mask = _mm256_set1_ps (-0.0f);
  __m256 sign = _mm256_and_ps (x, sign_mask);
  __m256 a = _mm256_andnot_ps (sign_mask, x);
  __m256 t = _mm256_div_ps (_mm256_set1_ps (1.0f),
                            _mm256_fmadd_ps (a, _mm256_set1_ps (0.3275911f), _mm256_set1_ps (1.0f)));
  __m256 p = _mm256_set1_ps (1.061405429f);
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (-1.453152027f));
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (1.421413741f));
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (-0.284496736f));
  p = _mm256_fmadd_ps (p, t, _mm256_set1_ps (0.254829592f));
  p = _mm256_mul_ps (p, t);
  __m256 e = exp8 (_mm256_sub_ps (_mm256_setzero_ps (), _mm256_mul_ps (a, a)));
  __m256 y = _mm256_fnmadd_ps (p, e, _mm256_set1_ps (1.0f));
  return _mm256_or_ps (y, sign);
}

X86_TARGET static void
gelu_erf_avx2 (float *x, gsize n)
{
  const __m256 half = _mm256_set1_ps (0.5f), one = _mm256_set1_ps (1.0f);
  const __m256 rsqrt2 = _mm256_set1_ps ((float) M_SQRT1_2);
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      __m256 v = _mm256_loadu_ps (x + i);
      __m256 e = erf8 (_mm256_mul_ps (v, rsqrt2));
      _mm256_storeu_ps (x + i, _mm256_mul_ps (_mm256_mul_ps (half, v), _mm256_add_ps (one, e)));
    }
  gelu_erf_portable (x + i, n - i);
}

/* 0.5 v (1 + tanh u) = v / (1 + exp(-2u)): no cancellation near u = 0. */
X86_TARGET static void
gelu_tanh_avx2 (float *x, gsize n)
{
  const __m256 k2 = _mm256_set1_ps (-2.0f * 0.7978845608028654f);
  const __m256 c = _mm256_set1_ps (0.044715f), one = _mm256_set1_ps (1.0f);
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      __m256 v = _mm256_loadu_ps (x + i);
      __m256 inner = _mm256_fmadd_ps (_mm256_mul_ps (c, v), _mm256_mul_ps (v, v), v);
      __m256 arg = _mm256_mul_ps (k2, inner);
      __m256 e = exp8 (arg);
      /* Where exp(arg) overflows the quotient is 0 (tanh = -1 exactly). */
      __m256 finite = _mm256_cmp_ps (arg, _mm256_set1_ps (88.0f), _CMP_LT_OQ);
      _mm256_storeu_ps (x + i, _mm256_and_ps (_mm256_div_ps (v, _mm256_add_ps (one, e)), finite));
    }
  gelu_tanh_portable (x + i, n - i);
}

X86_TARGET static inline float
hsum8 (__m256 v)
{
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  s = _mm_add_ps (s, _mm_movehl_ps (s, s));
  s = _mm_add_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

X86_TARGET static inline float
hmax8 (__m256 v)
{
  __m128 s = _mm_max_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  s = _mm_max_ps (s, _mm_movehl_ps (s, s));
  s = _mm_max_ss (s, _mm_movehdup_ps (s));
  return _mm_cvtss_f32 (s);
}

X86_TARGET static void
softmax_rows_avx2 (float *x, int rows, int cols)
{
  for (int r = 0; r < rows; r++)
    {
      float *row = x + (gsize) r * cols;
      int c = 0;
      __m256 vmax = _mm256_set1_ps (-INFINITY);
      for (; c + 8 <= cols; c += 8)
        vmax = _mm256_max_ps (vmax, _mm256_loadu_ps (row + c));
      float max = hmax8 (vmax);
      for (; c < cols; c++)
        max = row[c] > max ? row[c] : max;

      __m256 vm = _mm256_set1_ps (max), vsum = _mm256_setzero_ps ();
      for (c = 0; c + 8 <= cols; c += 8)
        {
          __m256 e = exp8 (_mm256_sub_ps (_mm256_loadu_ps (row + c), vm));
          _mm256_storeu_ps (row + c, e);
          vsum = _mm256_add_ps (vsum, e);
        }
      float sum = hsum8 (vsum);
      for (; c < cols; c++)
        {
          row[c] = expf (row[c] - max);
          sum += row[c];
        }
      __m256 inv = _mm256_set1_ps (1.0f / sum);
      for (c = 0; c + 8 <= cols; c += 8)
        _mm256_storeu_ps (row + c, _mm256_mul_ps (_mm256_loadu_ps (row + c), inv));
      for (; c < cols; c++)
        row[c] *= 1.0f / sum;
    }
}

X86_TARGET static void
layernorm_avx2 (float *out, const float *x, const float *gamma, const float *beta,
                int n, int dim, float eps)
{
  for (int i = 0; i < n; i++)
    {
      const float *row = x + (gsize) i * dim;
      float *dst = out + (gsize) i * dim;
      int j = 0;
      __m256 acc = _mm256_setzero_ps ();
      for (; j + 8 <= dim; j += 8)
        acc = _mm256_add_ps (acc, _mm256_loadu_ps (row + j));
      float sum = hsum8 (acc);
      for (; j < dim; j++)
        sum += row[j];
      float mean = sum / dim;

      __m256 vmean = _mm256_set1_ps (mean);
      acc = _mm256_setzero_ps ();
      for (j = 0; j + 8 <= dim; j += 8)
        {
          __m256 d = _mm256_sub_ps (_mm256_loadu_ps (row + j), vmean);
          acc = _mm256_fmadd_ps (d, d, acc);
        }
      float sq = hsum8 (acc);
      for (; j < dim; j++)
        sq += (row[j] - mean) * (row[j] - mean);
      float rstd = 1.0f / sqrtf (sq / dim + eps);

      __m256 vr = _mm256_set1_ps (rstd);
      for (j = 0; j + 8 <= dim; j += 8)
        {
          __m256 d = _mm256_mul_ps (_mm256_sub_ps (_mm256_loadu_ps (row + j), vmean), vr);
          _mm256_storeu_ps (dst + j, _mm256_fmadd_ps (d, _mm256_loadu_ps (gamma + j),
                                                      _mm256_loadu_ps (beta + j)));
        }
      for (; j < dim; j++)
        dst[j] = (row[j] - mean) * rstd * gamma[j] + beta[j];
    }
}

__attribute__ ((target ("avx,f16c"))) static void
f16_to_f32_f16c (float *dst, const void *src, gsize n)
{
  const guint8 *p = src;
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps (dst + i, _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) (p + 2 * i))));
  f16_to_f32_portable (dst + i, p + 2 * i, n - i);
}
#endif

/* ------------------------------------------------------------ dispatch */

gboolean
ls_vec_is_accelerated (void)
{
#ifdef HAVE_X86
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
  return FALSE;
#endif
}

void
ls_vec_gelu_erf (float *x, gsize n)
{
#ifdef HAVE_X86
  if (ls_vec_is_accelerated ())
    {
      gelu_erf_avx2 (x, n);
      return;
    }
#endif
  gelu_erf_portable (x, n);
}

void
ls_vec_gelu_tanh (float *x, gsize n)
{
#ifdef HAVE_X86
  if (ls_vec_is_accelerated ())
    {
      gelu_tanh_avx2 (x, n);
      return;
    }
#endif
  gelu_tanh_portable (x, n);
}

void
ls_vec_softmax_rows (float *x, int rows, int cols)
{
#ifdef HAVE_X86
  if (ls_vec_is_accelerated ())
    {
      softmax_rows_avx2 (x, rows, cols);
      return;
    }
#endif
  softmax_rows_portable (x, rows, cols);
}

void
ls_vec_layernorm (float *out, const float *x, const float *gamma, const float *beta,
                  int n, int dim, float eps)
{
#ifdef HAVE_X86
  if (ls_vec_is_accelerated ())
    {
      layernorm_avx2 (out, x, gamma, beta, n, dim, eps);
      return;
    }
#endif
  layernorm_portable (out, x, gamma, beta, n, dim, eps);
}

void
ls_vec_f16_to_f32 (float *dst, const void *src, gsize n)
{
#ifdef HAVE_X86
  /* clang 14 has no "f16c" for __builtin_cpu_supports: CPUID leaf 1, ECX
   * bit 29 (bit_F16C), only once AVX (and the OS's AVX state) is known. */
  unsigned int a, b, c, d;
  if (__builtin_cpu_supports ("avx") && __get_cpuid (1, &a, &b, &c, &d) && (c & bit_F16C))
    {
      f16_to_f32_f16c (dst, src, n);
      return;
    }
#endif
  f16_to_f32_portable (dst, src, n);
}
