/* matvec-avx2.c: the row-times-matrix kernels for AVX2 + FMA + F16C,
 * 8 floats a register. */
#include "matvec-kernels.h"

#ifdef LS_HAVE_X86_KERNELS
#include <immintrin.h>
#include <string.h>

#define X86_TARGET __attribute__ ((target ("avx2,fma,f16c")))

X86_TARGET static inline __m256
load8_f32 (const float *p)
{
  return _mm256_loadu_ps (p);
}

X86_TARGET static inline __m256
load8_f16 (const guint16 *p)
{
  return _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) p));
}

X86_TARGET static inline __m256
load8_bf16 (const guint16 *p)
{
  __m256i v = _mm256_cvtepu16_epi32 (_mm_loadu_si128 ((const __m128i *) p));
  return _mm256_castsi256_ps (_mm256_slli_epi32 (v, 16));
}

X86_TARGET static inline float
bf16_scalar (const guint16 *p)
{
  guint16 h;
  memcpy (&h, p, 2);
  return ls_bf16_to_float (h);
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
f16_scalar (const guint16 *p)
{
  guint16 h;
  memcpy (&h, p, 2);
  return _cvtsh_ss (h);
}

/* Four rows of W at a time over the whole width: four long sequential
 * streams (what the hardware prefetchers follow best), each acc element
 * loaded and stored once per four rows; acc stays in L1. */
#define ROWS_KERNEL(NAME, T, LOAD8, SCALAR)                                       \
X86_TARGET static void                                                            \
NAME (float *acc, const float *x, const void *wv, int out, int i0, int i1)        \
{                                                                                 \
  const T *w = wv;                                                                \
  int i = i0;                                                                     \
  for (; i + 4 <= i1; i += 4)                                                     \
    {                                                                             \
      const T *r0 = w + (gsize) i * out, *r1 = r0 + out, *r2 = r1 + out,          \
              *r3 = r2 + out;                                                     \
      __m256 x0 = _mm256_set1_ps (x[i]), x1 = _mm256_set1_ps (x[i + 1]);          \
      __m256 x2 = _mm256_set1_ps (x[i + 2]), x3 = _mm256_set1_ps (x[i + 3]);      \
      int j = 0;                                                                  \
      for (; j + 8 <= out; j += 8)                                                \
        {                                                                         \
          __m256 a = _mm256_loadu_ps (acc + j);                                   \
          __m256 c = _mm256_mul_ps (x1, LOAD8 (r1 + j));                          \
          a = _mm256_fmadd_ps (x0, LOAD8 (r0 + j), a);                            \
          c = _mm256_fmadd_ps (x3, LOAD8 (r3 + j), c);                            \
          a = _mm256_fmadd_ps (x2, LOAD8 (r2 + j), a);                            \
          _mm256_storeu_ps (acc + j, _mm256_add_ps (a, c));                       \
        }                                                                         \
      for (; j < out; j++)                                                        \
        acc[j] += x[i] * SCALAR (r0 + j) + x[i + 1] * SCALAR (r1 + j)             \
                  + x[i + 2] * SCALAR (r2 + j) + x[i + 3] * SCALAR (r3 + j);      \
    }                                                                             \
  for (; i < i1; i++)                                                             \
    {                                                                             \
      const T *r = w + (gsize) i * out;                                           \
      __m256 xi = _mm256_set1_ps (x[i]);                                          \
      int j = 0;                                                                  \
      for (; j + 8 <= out; j += 8)                                                \
        _mm256_storeu_ps (acc + j, _mm256_fmadd_ps (xi, LOAD8 (r + j),            \
                                                    _mm256_loadu_ps (acc + j)));  \
      for (; j < out; j++)                                                        \
        acc[j] += x[i] * SCALAR (r + j);                                          \
    }                                                                             \
}

/* Four output rows at a time, sharing each load of x. */
#define OUT_IN_KERNEL(NAME, T, LOAD8, SCALAR)                                     \
X86_TARGET static void                                                            \
NAME (float *y, const float *x, const void *wv, const float *b,                   \
      int in, int out, int j0, int j1)                                            \
{                                                                                 \
  const T *w = wv;                                                                \
  int j = j0;                                                                     \
  for (; j + 4 <= j1; j += 4)                                                     \
    {                                                                             \
      const T *r0 = w + (gsize) j * in, *r1 = r0 + in, *r2 = r1 + in,             \
              *r3 = r2 + in;                                                      \
      __m256 a0 = _mm256_setzero_ps (), a1 = a0, a2 = a0, a3 = a0;                \
      int i = 0;                                                                  \
      for (; i + 8 <= in; i += 8)                                                 \
        {                                                                         \
          __m256 xv = _mm256_loadu_ps (x + i);                                    \
          a0 = _mm256_fmadd_ps (LOAD8 (r0 + i), xv, a0);                          \
          a1 = _mm256_fmadd_ps (LOAD8 (r1 + i), xv, a1);                          \
          a2 = _mm256_fmadd_ps (LOAD8 (r2 + i), xv, a2);                          \
          a3 = _mm256_fmadd_ps (LOAD8 (r3 + i), xv, a3);                          \
        }                                                                         \
      float s0 = hsum8 (a0), s1 = hsum8 (a1), s2 = hsum8 (a2), s3 = hsum8 (a3);   \
      for (; i < in; i++)                                                         \
        {                                                                         \
          s0 += SCALAR (r0 + i) * x[i];                                           \
          s1 += SCALAR (r1 + i) * x[i];                                           \
          s2 += SCALAR (r2 + i) * x[i];                                           \
          s3 += SCALAR (r3 + i) * x[i];                                           \
        }                                                                         \
      y[j] = s0 + (b != NULL ? b[j] : 0.0f);                                      \
      y[j + 1] = s1 + (b != NULL ? b[j + 1] : 0.0f);                              \
      y[j + 2] = s2 + (b != NULL ? b[j + 2] : 0.0f);                              \
      y[j + 3] = s3 + (b != NULL ? b[j + 3] : 0.0f);                              \
    }                                                                             \
  for (; j < j1; j++)                                                             \
    {                                                                             \
      const T *r = w + (gsize) j * in;                                            \
      __m256 a = _mm256_setzero_ps ();                                            \
      int i = 0;                                                                  \
      for (; i + 8 <= in; i += 8)                                                 \
        a = _mm256_fmadd_ps (LOAD8 (r + i), _mm256_loadu_ps (x + i), a);          \
      float s = hsum8 (a);                                                        \
      for (; i < in; i++)                                                         \
        s += SCALAR (r + i) * x[i];                                               \
      y[j] = s + (b != NULL ? b[j] : 0.0f);                                       \
    }                                                                             \
}

#define F32_SCALAR(p) (*(p))
ROWS_KERNEL (rows4_f32_avx2, float, load8_f32, F32_SCALAR)
ROWS_KERNEL (rows4_f16_avx2, guint16, load8_f16, f16_scalar)

/* Eight rows at a time, the rest four or one at a time: eight streams keep
 * more cache misses in flight per core than four (measured on GPT-2 124M
 * shapes, 2 threads: F16 11.9 against 13.2 ms, F32 16.9 against 18.5 ms per
 * token's products, means of four alternating runs). */
#define ROWS8_KERNEL(NAME, T, LOAD8, SCALAR, REST, STREAMS)                       \
X86_TARGET static void                                                            \
NAME (float *acc, const float *x, const void *wv, int out, int i0, int i1)        \
{                                                                                 \
  const T *w = wv;                                                                \
  /* STREAMS: eight long streams, as ROWS512_KERNEL explains. */                  \
  const int steps = (i1 - i0) / 8;                                                \
  const int apart = STREAMS ? steps : 1;                                          \
  const gsize rs = (gsize) apart * out;                                           \
  for (int t = 0; t < steps; t++)                                                 \
    {                                                                             \
      int first = STREAMS ? i0 + t : i0 + t * 8;                                  \
      const T *r0 = w + (gsize) first * out;                                      \
      __m256 xv[8];                                                               \
      for (int k = 0; k < 8; k++)                                                 \
        xv[k] = _mm256_set1_ps (x[first + k * apart]);                            \
      int j = 0;                                                                  \
      for (; j + 8 <= out; j += 8)                                                \
        {                                                                         \
          if (STREAMS)                                                            \
            for (int k = 0; k < 8; k++)                                           \
              _mm_prefetch ((const char *) (r0 + k * rs + out + j), _MM_HINT_T0); \
          __m256 a = _mm256_loadu_ps (acc + j);                                   \
          __m256 c = _mm256_mul_ps (xv[1], LOAD8 (r0 + rs + j));                  \
          a = _mm256_fmadd_ps (xv[0], LOAD8 (r0 + j), a);                         \
          c = _mm256_fmadd_ps (xv[3], LOAD8 (r0 + 3 * rs + j), c);                \
          a = _mm256_fmadd_ps (xv[2], LOAD8 (r0 + 2 * rs + j), a);                \
          c = _mm256_fmadd_ps (xv[5], LOAD8 (r0 + 5 * rs + j), c);                \
          a = _mm256_fmadd_ps (xv[4], LOAD8 (r0 + 4 * rs + j), a);                \
          c = _mm256_fmadd_ps (xv[7], LOAD8 (r0 + 7 * rs + j), c);                \
          a = _mm256_fmadd_ps (xv[6], LOAD8 (r0 + 6 * rs + j), a);                \
          _mm256_storeu_ps (acc + j, _mm256_add_ps (a, c));                       \
        }                                                                         \
      for (; j < out; j++)                                                        \
        for (int k = 0; k < 8; k++)                                               \
          acc[j] += x[first + k * apart] * SCALAR (r0 + k * rs + j);              \
    }                                                                             \
  REST (acc, x, wv, out, i0 + steps * 8, i1);                                     \
}
ROWS8_KERNEL (rows_f32_avx2, float, load8_f32, F32_SCALAR, rows4_f32_avx2, 0)
ROWS8_KERNEL (rows_f16_avx2, guint16, load8_f16, f16_scalar, rows4_f16_avx2, 1)
ROWS_KERNEL (rows4_bf16_avx2, guint16, load8_bf16, bf16_scalar)
ROWS8_KERNEL (rows_bf16_avx2, guint16, load8_bf16, bf16_scalar, rows4_bf16_avx2, 1)
OUT_IN_KERNEL (out_in_f32_avx2, float, load8_f32, F32_SCALAR)
OUT_IN_KERNEL (out_in_f16_avx2, guint16, load8_f16, f16_scalar)
OUT_IN_KERNEL (out_in_bf16_avx2, guint16, load8_bf16, bf16_scalar)

const LsMatvecKernels ls_matvec_kernels_avx2 = {
  LS_CPU_PATH_AVX2,
  { rows_f32_avx2, rows_f16_avx2, rows_bf16_avx2 },
  { out_in_f32_avx2, out_in_f16_avx2, out_in_bf16_avx2 },
};
#endif
