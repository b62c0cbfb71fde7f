/* vecmath.c: GELU, softmax, LayerNorm and the F16/BF16 widening, 16 floats
 * at a time on AVX-512, 8 on AVX2 + FMA, libm loops elsewhere.  See
 * vecmath.h. */
#include "vecmath.h"

#include <math.h>
#include <string.h>

#include "tensor.h"

#if defined(__x86_64__) || defined(__i386__)
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
      double sum = 0.0;  /* one long chain in float loses digits on wide rows */
      for (int c = 0; c < cols; c++)
        {
          row[c] = expf (row[c] - max);
          sum += row[c];
        }
      float inv = (float) (1.0 / sum);
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
      /* Double sums: one long float chain loses digits (the vector paths
       * keep 8 or 16 shorter chains). */
      double sum = 0.0;
      for (int j = 0; j < dim; j++)
        sum += row[j];
      float mean = (float) (sum / dim);
      double sq = 0.0;
      for (int j = 0; j < dim; j++)
        {
          float d = row[j] - mean;
          sq += d * d;
        }
      float rstd = 1.0f / sqrtf ((float) (sq / dim) + eps);
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

static void
bf16_to_f32_portable (float *dst, const void *src, gsize n)
{
  const guint8 *p = src;
  for (gsize i = 0; i < n; i++)
    {
      guint16 h;
      memcpy (&h, p + 2 * i, 2);
      guint32 bits = (guint32) h << 16;
      memcpy (dst + i, &bits, 4);
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

X86_TARGET static void
bf16_to_f32_avx2 (float *dst, const void *src, gsize n)
{
  const guint8 *p = src;
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      __m256i v = _mm256_cvtepu16_epi32 (_mm_loadu_si128 ((const __m128i *) (p + 2 * i)));
      _mm256_storeu_si256 ((__m256i *) (dst + i), _mm256_slli_epi32 (v, 16));
    }
  bf16_to_f32_portable (dst + i, p + 2 * i, n - i);
}

/* ------------------------------------------------------------ AVX-512 */

/* The same algorithms 16 lanes wide; tails through masks. */
#define X512_TARGET __attribute__ ((target ("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))

X512_TARGET static inline __mmask16
tail16 (gsize left)
{
  return left >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << left) - 1);
}

X512_TARGET static inline __m512
exp16 (__m512 x)
{
  const __m512 lo = _mm512_set1_ps (-87.33f);
  __mmask16 keep = _mm512_cmp_ps_mask (x, lo, _CMP_GE_OQ);
  x = _mm512_min_ps (_mm512_max_ps (x, lo), _mm512_set1_ps (88.0f));
  __m512 n = _mm512_roundscale_ps (_mm512_mul_ps (x, _mm512_set1_ps (1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps (n, _mm512_set1_ps (0.693359375f), x);
  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps (1.9875691500e-4f);
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.3981999507e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (8.3334519073e-3f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (4.1665795894e-2f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.6666665459e-1f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (5.0000001201e-1f));
  p = _mm512_fmadd_ps (p, _mm512_mul_ps (r, r), _mm512_add_ps (r, _mm512_set1_ps (1.0f)));
  __m512i e = _mm512_slli_epi32 (_mm512_add_epi32 (_mm512_cvtps_epi32 (n), _mm512_set1_epi32 (127)), 23);
  return _mm512_maskz_mul_ps (keep, p, _mm512_castsi512_ps (e));
}

X512_TARGET static inline __m512
erf16 (__m512 x)
{
  const __m512i sign_mask = _mm512_set1_epi32 ((int) 0x80000000u);
  __m512i xi = _mm512_castps_si512 (x);
  __m512i sign = _mm512_and_si512 (xi, sign_mask);
  __m512 a = _mm512_castsi512_ps (_mm512_andnot_si512 (sign_mask, xi));
  __m512 t = _mm512_div_ps (_mm512_set1_ps (1.0f),
                            _mm512_fmadd_ps (a, _mm512_set1_ps (0.3275911f), _mm512_set1_ps (1.0f)));
  __m512 p = _mm512_set1_ps (1.061405429f);
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (-1.453152027f));
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (1.421413741f));
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (-0.284496736f));
  p = _mm512_fmadd_ps (p, t, _mm512_set1_ps (0.254829592f));
  p = _mm512_mul_ps (p, t);
  __m512 e = exp16 (_mm512_sub_ps (_mm512_setzero_ps (), _mm512_mul_ps (a, a)));
  __m512 y = _mm512_fnmadd_ps (p, e, _mm512_set1_ps (1.0f));
  return _mm512_castsi512_ps (_mm512_or_si512 (_mm512_castps_si512 (y), sign));
}

X512_TARGET static void
gelu_erf_avx512 (float *x, gsize n)
{
  const __m512 half = _mm512_set1_ps (0.5f), one = _mm512_set1_ps (1.0f);
  const __m512 rsqrt2 = _mm512_set1_ps ((float) M_SQRT1_2);
  for (gsize i = 0; i < n; i += 16)
    {
      __mmask16 m = tail16 (n - i);
      __m512 v = _mm512_maskz_loadu_ps (m, x + i);
      __m512 e = erf16 (_mm512_mul_ps (v, rsqrt2));
      _mm512_mask_storeu_ps (x + i, m, _mm512_mul_ps (_mm512_mul_ps (half, v), _mm512_add_ps (one, e)));
    }
}

X512_TARGET static void
gelu_tanh_avx512 (float *x, gsize n)
{
  const __m512 k2 = _mm512_set1_ps (-2.0f * 0.7978845608028654f);
  const __m512 c = _mm512_set1_ps (0.044715f), one = _mm512_set1_ps (1.0f);
  for (gsize i = 0; i < n; i += 16)
    {
      __mmask16 m = tail16 (n - i);
      __m512 v = _mm512_maskz_loadu_ps (m, x + i);
      __m512 inner = _mm512_fmadd_ps (_mm512_mul_ps (c, v), _mm512_mul_ps (v, v), v);
      __m512 arg = _mm512_mul_ps (k2, inner);
      __m512 e = exp16 (arg);
      __mmask16 finite = _mm512_cmp_ps_mask (arg, _mm512_set1_ps (88.0f), _CMP_LT_OQ);
      _mm512_mask_storeu_ps (x + i, m, _mm512_maskz_div_ps (finite, v, _mm512_add_ps (one, e)));
    }
}

X512_TARGET static void
softmax_rows_avx512 (float *x, int rows, int cols)
{
  for (int r = 0; r < rows; r++)
    {
      float *row = x + (gsize) r * cols;
      __m512 vmax = _mm512_set1_ps (-INFINITY);
      for (int c = 0; c < cols; c += 16)
        vmax = _mm512_mask_max_ps (vmax, tail16 (cols - c), vmax, _mm512_maskz_loadu_ps (tail16 (cols - c), row + c));
      __m512 vm = _mm512_set1_ps (_mm512_reduce_max_ps (vmax)), vsum = _mm512_setzero_ps ();
      for (int c = 0; c < cols; c += 16)
        {
          __mmask16 m = tail16 (cols - c);
          __m512 e = exp16 (_mm512_sub_ps (_mm512_maskz_loadu_ps (m, row + c), vm));
          _mm512_mask_storeu_ps (row + c, m, e);
          vsum = _mm512_mask_add_ps (vsum, m, vsum, e);
        }
      __m512 inv = _mm512_set1_ps (1.0f / _mm512_reduce_add_ps (vsum));
      for (int c = 0; c < cols; c += 16)
        {
          __mmask16 m = tail16 (cols - c);
          _mm512_mask_storeu_ps (row + c, m, _mm512_mul_ps (_mm512_maskz_loadu_ps (m, row + c), inv));
        }
    }
}

X512_TARGET static void
layernorm_avx512 (float *out, const float *x, const float *gamma, const float *beta,
                  int n, int dim, float eps)
{
  for (int i = 0; i < n; i++)
    {
      const float *row = x + (gsize) i * dim;
      float *dst = out + (gsize) i * dim;
      __m512 acc = _mm512_setzero_ps ();
      for (int j = 0; j < dim; j += 16)
        acc = _mm512_add_ps (acc, _mm512_maskz_loadu_ps (tail16 (dim - j), row + j));
      float mean = _mm512_reduce_add_ps (acc) / dim;

      __m512 vmean = _mm512_set1_ps (mean);
      acc = _mm512_setzero_ps ();
      for (int j = 0; j < dim; j += 16)
        {
          __mmask16 m = tail16 (dim - j);
          __m512 d = _mm512_maskz_sub_ps (m, _mm512_maskz_loadu_ps (m, row + j), vmean);
          acc = _mm512_fmadd_ps (d, d, acc);
        }
      float rstd = 1.0f / sqrtf (_mm512_reduce_add_ps (acc) / dim + eps);

      __m512 vr = _mm512_set1_ps (rstd);
      for (int j = 0; j < dim; j += 16)
        {
          __mmask16 m = tail16 (dim - j);
          __m512 d = _mm512_mul_ps (_mm512_sub_ps (_mm512_maskz_loadu_ps (m, row + j), vmean), vr);
          _mm512_mask_storeu_ps (dst + j, m, _mm512_fmadd_ps (d, _mm512_maskz_loadu_ps (m, gamma + j),
                                                              _mm512_maskz_loadu_ps (m, beta + j)));
        }
    }
}

X512_TARGET static void
f16_to_f32_avx512 (float *dst, const void *src, gsize n)
{
  const guint16 *p = src;
  for (gsize i = 0; i < n; i += 16)
    {
      __mmask16 m = tail16 (n - i);
      _mm512_mask_storeu_ps (dst + i, m, _mm512_cvtph_ps (_mm256_maskz_loadu_epi16 (m, p + i)));
    }
}

X512_TARGET static void
bf16_to_f32_avx512 (float *dst, const void *src, gsize n)
{
  const guint16 *p = src;
  for (gsize i = 0; i < n; i += 16)
    {
      __mmask16 m = tail16 (n - i);
      __m512i v = _mm512_cvtepu16_epi32 (_mm256_maskz_loadu_epi16 (m, p + i));
      _mm512_mask_storeu_epi32 (dst + i, m, _mm512_slli_epi32 (v, 16));
    }
}
#endif

/* ------------------------------------------------------------ dispatch */

static const LsVecKernels portable_kernels = {
  LS_CPU_PATH_PORTABLE, gelu_erf_portable, gelu_tanh_portable, softmax_rows_portable,
  layernorm_portable, f16_to_f32_portable, bf16_to_f32_portable,
};
#ifdef HAVE_X86
/* F16C came with AVX2 in every x86 core; the AVX2 path requires all three. */
static const LsVecKernels avx2_kernels = {
  LS_CPU_PATH_AVX2, gelu_erf_avx2, gelu_tanh_avx2, softmax_rows_avx2,
  layernorm_avx2, f16_to_f32_f16c, bf16_to_f32_avx2,
};
static const LsVecKernels avx512_kernels = {
  LS_CPU_PATH_AVX512, gelu_erf_avx512, gelu_tanh_avx512, softmax_rows_avx512,
  layernorm_avx512, f16_to_f32_avx512, bf16_to_f32_avx512,
};
#endif

const LsVecKernels *
ls_vec_get_kernels (LsCpuPath path)
{
  path = ls_cpu_lower_path (path);
#ifdef HAVE_X86
  if (path == LS_CPU_PATH_AVX512)
    return &avx512_kernels;
  if (path == LS_CPU_PATH_AVX2)
    return &avx2_kernels;
#endif
  return &portable_kernels;
}

static const LsVecKernels *
kernels (void)
{
  return ls_vec_get_kernels (ls_cpu_get_path ());
}

gboolean
ls_vec_is_accelerated (void)
{
  return kernels ()->path != LS_CPU_PATH_PORTABLE;
}

void
ls_vec_gelu_erf (float *x, gsize n)
{
  kernels ()->gelu_erf (x, n);
}

void
ls_vec_gelu_tanh (float *x, gsize n)
{
  kernels ()->gelu_tanh (x, n);
}

void
ls_vec_softmax_rows (float *x, int rows, int cols)
{
  kernels ()->softmax_rows (x, rows, cols);
}

void
ls_vec_layernorm (float *out, const float *x, const float *gamma, const float *beta,
                  int n, int dim, float eps)
{
  kernels ()->layernorm (out, x, gamma, beta, n, dim, eps);
}

void
ls_vec_f16_to_f32 (float *dst, const void *src, gsize n)
{
  kernels ()->f16_to_f32 (dst, src, n);
}

void
ls_vec_bf16_to_f32 (float *dst, const void *src, gsize n)
{
  kernels ()->bf16_to_f32 (dst, src, n);
}
