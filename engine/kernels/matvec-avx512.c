/* matvec-avx512.c: the row-times-matrix kernels for AVX-512 (F, BW, DQ,
 * VL), 16 floats a register, row tails through masks. */
#include "matvec-kernels.h"

#ifdef LS_HAVE_X86_KERNELS
#include <immintrin.h>

#define X512_TARGET __attribute__ ((target ("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))

/* 16 weights widened to float32; @k masks the loads of a tail (no byte
 * past the last element is read). */
X512_TARGET static inline __m512
load16_f32 (const float *p, __mmask16 k)
{
  return k == 0xffff ? _mm512_loadu_ps (p) : _mm512_maskz_loadu_ps (k, p);
}

X512_TARGET static inline __m512
load16_f16 (const guint16 *p, __mmask16 k)
{
  return _mm512_cvtph_ps (k == 0xffff ? _mm256_loadu_si256 ((const __m256i *) p)
                                      : _mm256_maskz_loadu_epi16 (k, p));
}

X512_TARGET static inline __m512
load16_bf16 (const guint16 *p, __mmask16 k)
{
  __m512i v = _mm512_cvtepu16_epi32 (k == 0xffff ? _mm256_loadu_si256 ((const __m256i *) p)
                                                 : _mm256_maskz_loadu_epi16 (k, p));
  return _mm512_castsi512_ps (_mm512_slli_epi32 (v, 16));
}

X512_TARGET static inline __mmask16
tail_mask (int n)
{
  return n >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << n) - 1);
}

/* A cache line @rows rows further on: the same place in the next block of
 * rows.  GPT-2's rows are short (1.5-6 KB), too short for the hardware
 * prefetchers to ramp up on each of the eight streams of a block before it
 * ends; asking for the next block's lines now measured 20-50 % more GB/s
 * (GPT-2 124M F16 shapes, one thread, alternating runs on a loaded
 * 2-core Xeon).  Past the last row it only asks for lines never used. */
#define PREFETCH_AHEAD(p, rows, stride) \
  _mm_prefetch ((const char *) ((p) + (rows) * (gsize) (stride)), _MM_HINT_T0)

/* ROWS rows of W, @rs elements apart, times x added to 16 elements of acc at
 * @j; with PF, each row's line @pd elements further on is asked for; the
 * loads masked by @m (all ones but at a row's tail; the compiler folds
 * unmasked loads into the conversions). */
#define ROWS512_STEP(T, LOAD16, ROWS, PF, m)                                      \
  do {                                                                            \
      __m512 a = _mm512_maskz_loadu_ps (m, acc + j);                              \
      __m512 c = _mm512_mul_ps (xv[1], LOAD16 (r + rs + j, m));                   \
      for (int k = 0; k < ROWS; k += 2)                                           \
        {                                                                         \
          if (PF)                                                                 \
            {                                                                     \
              PREFETCH_AHEAD (r + k * rs + j, 1, pd);                             \
              PREFETCH_AHEAD (r + (k + 1) * rs + j, 1, pd);                       \
            }                                                                     \
          a = _mm512_fmadd_ps (xv[k], LOAD16 (r + k * rs + j, m), a);             \
          if (k + 3 < ROWS)                                                       \
            c = _mm512_fmadd_ps (xv[k + 3],                                       \
                                 LOAD16 (r + (k + 3) * rs + j, m), c);            \
        }                                                                         \
      _mm512_mask_storeu_ps (acc + j, m, _mm512_add_ps (a, c));                   \
  } while (0)

/* acc[0:out] += x[i0:i1] . W[i0:i1, :], ROWS rows of W at a time over the
 * whole width (ROWS sequential streams in flight per core), the last < ROWS
 * rows one at a time; the tail of a row through a mask.
 *
 * STREAMS = 0: the ROWS rows are neighbours (a block), then the next block.
 * STREAMS = 1: the range is cut into ROWS equal parts and the k-th row of a
 * step is the next row of part k: each stream runs on through whole parts
 * (tens of KB) instead of ending after one short row.  GPT-2's rows are
 * 1.5-6 KB, too short for the hardware prefetchers to ramp up on; with the
 * next row of each stream asked for ahead, the 48 block matrices of a GPT-2
 * 124M F16 token read 8.3 GB/s median against 7.3 as blocks with the next
 * block prefetched, 2 threads, 8 alternating runs (7 won) on a loaded
 * 2-core Xeon (load 7.5); one thread 9.5 against 8.2 (7 of 8 won). */
#define ROWS512_KERNEL(NAME, T, LOAD16, ROWS, PF, STREAMS)                        \
X512_TARGET static void                                                           \
NAME (float *acc, const float *x, const void *wv, int out, int i0, int i1)        \
{                                                                                 \
  const T *w = wv;                                                                \
  const __mmask16 all = 0xffff, tail = tail_mask (out % 16);                      \
  const int steps = (i1 - i0) / ROWS;                                             \
  const int apart = STREAMS ? steps : 1;          /* rows between streams */      \
  const gsize rs = (gsize) apart * out;                                           \
  const gsize pd = STREAMS ? (gsize) out : (gsize) ROWS * out;                    \
  for (int t = 0; t < steps; t++)                                                 \
    {                                                                             \
      int first = STREAMS ? i0 + t : i0 + t * ROWS;                               \
      const T *r = w + (gsize) first * out;                                       \
      __m512 xv[ROWS];                                                            \
      for (int k = 0; k < ROWS; k++)                                              \
        xv[k] = _mm512_set1_ps (x[first + k * apart]);                            \
      int j = 0;                                                                  \
      for (; j + 16 <= out; j += 16)                                              \
        ROWS512_STEP (T, LOAD16, ROWS, PF, all);                                  \
      if (j < out)                                                                \
        ROWS512_STEP (T, LOAD16, ROWS, PF, tail);                                 \
    }                                                                             \
  int i = i0 + steps * ROWS;                                                      \
  for (; i < i1; i++)                                                             \
    {                                                                             \
      const T *r = w + (gsize) i * out;                                           \
      __m512 xi = _mm512_set1_ps (x[i]);                                          \
      for (int j = 0; j < out; j += 16)                                           \
        {                                                                         \
          __mmask16 m = tail_mask (out - j);                                      \
          _mm512_mask_storeu_ps (acc + j, m,                                      \
                                 _mm512_fmadd_ps (xi, LOAD16 (r + j, m),          \
                                                  _mm512_maskz_loadu_ps (m, acc + j)));\
        }                                                                         \
    }                                                                             \
}

/* Four rows of W dotted with x[i:i+16] (loads masked by @m) into a0..a3. */
#define OUT_IN512_STEP(LOAD16, PF, m)                                             \
  do {                                                                            \
      __m512 xv = load16_f32 (x + i, m);                                          \
      if (PF)                                                                     \
        {                                                                         \
          PREFETCH_AHEAD (r0 + i, 4, in);                                         \
          PREFETCH_AHEAD (r1 + i, 4, in);                                         \
          PREFETCH_AHEAD (r2 + i, 4, in);                                         \
          PREFETCH_AHEAD (r3 + i, 4, in);                                         \
        }                                                                         \
      a0 = _mm512_fmadd_ps (LOAD16 (r0 + i, m), xv, a0);                          \
      a1 = _mm512_fmadd_ps (LOAD16 (r1 + i, m), xv, a1);                          \
      a2 = _mm512_fmadd_ps (LOAD16 (r2 + i, m), xv, a2);                          \
      a3 = _mm512_fmadd_ps (LOAD16 (r3 + i, m), xv, a3);                          \
  } while (0)

/* y[j0:j1] = W[j0:j1, :] . x + b, four rows at a time sharing each load of x. */
#define OUT_IN512_KERNEL(NAME, T, LOAD16, PF)                                     \
X512_TARGET static void                                                           \
NAME (float *y, const float *x, const void *wv, const float *b,                   \
      int in, int out, int j0, int j1)                                            \
{                                                                                 \
  const T *w = wv;                                                                \
  const __mmask16 all = 0xffff, tail = tail_mask (in % 16);                       \
  int j = j0;                                                                     \
  for (; j + 4 <= j1; j += 4)                                                     \
    {                                                                             \
      const T *r0 = w + (gsize) j * in, *r1 = r0 + in, *r2 = r1 + in,             \
              *r3 = r2 + in;                                                      \
      __m512 a0 = _mm512_setzero_ps (), a1 = a0, a2 = a0, a3 = a0;                \
      int i = 0;                                                                  \
      for (; i + 16 <= in; i += 16)                                               \
        OUT_IN512_STEP (LOAD16, PF, all);                                         \
      if (i < in)                                                                 \
        OUT_IN512_STEP (LOAD16, PF, tail);                                        \
      y[j] = _mm512_reduce_add_ps (a0) + (b != NULL ? b[j] : 0.0f);               \
      y[j + 1] = _mm512_reduce_add_ps (a1) + (b != NULL ? b[j + 1] : 0.0f);       \
      y[j + 2] = _mm512_reduce_add_ps (a2) + (b != NULL ? b[j + 2] : 0.0f);       \
      y[j + 3] = _mm512_reduce_add_ps (a3) + (b != NULL ? b[j + 3] : 0.0f);       \
    }                                                                             \
  for (; j < j1; j++)                                                             \
    {                                                                             \
      const T *r = w + (gsize) j * in;                                            \
      __m512 a = _mm512_setzero_ps ();                                            \
      for (int i = 0; i < in; i += 16)                                            \
        {                                                                         \
          __mmask16 m = tail_mask (in - i);                                       \
          a = _mm512_fmadd_ps (LOAD16 (r + i, m), load16_f32 (x + i, m), a);      \
        }                                                                         \
      y[j] = _mm512_reduce_add_ps (a) + (b != NULL ? b[j] : 0.0f);                \
    }                                                                             \
}

/* Rows per step (before the prefetch and the long streams): an F16 [768,
 * 50257] product, 2 threads, best of five alternating runs: 8 rows 2.89 ms,
 * 16 rows 3.00, 4 rows 3.72. */
#define ROWS512 8
/* F32 rows are twice as long: the prefetch measured no gain there (103-120
 * against 102-112 ms per token's products, alternating). */
ROWS512_KERNEL (rows_f32_avx512, float, load16_f32, ROWS512, 0, 0)
ROWS512_KERNEL (rows_f16_avx512, guint16, load16_f16, ROWS512, 1, 1)
ROWS512_KERNEL (rows_bf16_avx512, guint16, load16_bf16, ROWS512, 1, 1)
OUT_IN512_KERNEL (out_in_f32_avx512, float, load16_f32, 0)
OUT_IN512_KERNEL (out_in_f16_avx512, guint16, load16_f16, 1)
OUT_IN512_KERNEL (out_in_bf16_avx512, guint16, load16_bf16, 1)

const LsMatvecKernels ls_matvec_kernels_avx512 = {
  LS_CPU_PATH_AVX512,
  { rows_f32_avx512, rows_f16_avx512, rows_bf16_avx512 },
  { out_in_f32_avx512, out_in_f16_avx512, out_in_bf16_avx512 },
};
#endif
