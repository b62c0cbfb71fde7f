/* matvec.c: row-times-matrix kernels (F32, F16, BF16; AVX-512, AVX2 + FMA +
 * F16C and portable, one set chosen per LsMatvec from the CPU path) and the
 * few threads that run them.  See matvec.h for why these exist beside
 * cblas_sgemm. */
#include "matvec.h"

#include <cblas.h>
#include <stdatomic.h>
#include <string.h>

#include "cpu.h"
#include "ops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86_KERNELS 1
#endif

/* Below this many weights (2 MB as F32) a call runs on the calling thread
 * alone: handing work over costs more than it saves, and on a busy machine a
 * helper that is not scheduled in time costs milliseconds. */
#define MIN_PARALLEL_WEIGHTS (512 * 1024)
/* How long an idle worker spins before it sleeps: decoding calls come back
 * to back, a few microseconds apart. */
#define SPIN_US 200

/* Computes y[j0:j1] of one product. */
typedef void (*KernelFn) (float *y, const float *x, const void *w, const float *b,
                          int in, int out, int j0, int j1);
/* Adds x[i0:i1] . W[i0:i1, :] to acc[0:out] (W stored [in, out]). */
typedef void (*RowsFn) (float *acc, const float *x, const void *w, int out, int i0, int i1);

typedef struct {
  KernelFn     fn;      /* a chunk is a range of outputs... */
  RowsFn       rows_fn; /* ...or, when set, a range of input rows */
  float       *y;
  const float *x;
  const void  *w;
  const float *b;
  int          in, out;
  int          n_chunks;
  int          align;   /* chunk boundaries are multiples of this */
} Job;

typedef struct {
  LsMatvec *owner;
  int       index;       /* 1 .. n_threads - 1; the caller is 0 */
} Worker;

struct _LsMatvec {
  int        n_threads;
  GThread  **threads;    /* n_threads - 1 workers; the caller works too */
  Worker    *workers;
  LsCpuPath  path;
  KernelFn   out_in_f32, out_in_f16, out_in_bf16;
  RowsFn     rows_f32, rows_f16, rows_bf16;

  /* Row-split jobs: each participant sums its chunks into its own
   * partial[index] (partial_size floats each), and says so in used[index];
   * the caller adds up the used ones. */
  float           *partial;
  int              partial_size;
  _Atomic int     *used;

  /* A job is cut into chunks that whoever is running claims one by one:
   * on a busy machine a worker that is not scheduled in time leaves its
   * share to the caller instead of making it wait.  @claim and @limit hold
   * (generation << 32 | chunk index / chunk count), so that a late claim on
   * a finished job is recognised; @job is read only after a valid claim,
   * and stays unchanged until every chunk is @done. */
  Job              job;
  _Atomic guint64  claim;
  _Atomic guint64  limit;
  _Atomic int      done;
  _Atomic int      generation;
  _Atomic int      quit;
  GMutex           lock;
  GCond            cond;
};

/* ------------------------------------------------------------ portable */

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
  guint32 bits = (guint32) h << 16;
  float f;
  memcpy (&f, &bits, 4);
  return f;
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

/* ------------------------------------------------------------ AVX2 + FMA + F16C */

#ifdef HAVE_X86_KERNELS
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
  return load_bf16 ((const guint8 *) p);
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

/* ------------------------------------------------------------ AVX-512 */

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
#endif

/* ------------------------------------------------------------ threads */

static void
run_chunk (const Job *job, int chunk)
{
  /* Contiguous ranges of output elements, boundaries aligned for the
   * vector loops (and whole cache lines of y per chunk). */
  int units = (job->out + job->align - 1) / job->align;
  int j0 = MIN (job->out, (int) ((gint64) units * chunk / job->n_chunks) * job->align);
  int j1 = MIN (job->out, (int) ((gint64) units * (chunk + 1) / job->n_chunks) * job->align);
  if (j0 < j1)
    job->fn (job->y, job->x, job->w, job->b, job->in, job->out, j0, j1);
}

/* Claims and runs chunks of the current job until none is left; @index
 * says whose partial sums a row-split job adds to. */
static void
work (LsMatvec *self, int index)
{
  /* The job whose partial sums this participant has started.  Per job, not
   * per call: a worker still in here after the last chunk of one job can
   * claim the first chunks of the next. */
  guint64 touched = 0;

  for (;;)
    {
      guint64 c = atomic_fetch_add (&self->claim, 1);
      guint64 lim = atomic_load (&self->limit);
      if ((c >> 32) != (lim >> 32) || (c & 0xffffffffu) >= (lim & 0xffffffffu))
        return;  /* all claimed, or a job that is over */
      const Job *job = &self->job;
      int chunk = (int) (c & 0xffffffffu);
      if (job->rows_fn != NULL)
        {
          float *acc = self->partial + (gsize) index * self->partial_size;
          if (touched != (c >> 32))
            {
              memset (acc, 0, sizeof (float) * job->out);
              atomic_store (&self->used[index], 1);
              touched = c >> 32;
            }
          int i0 = (int) ((gint64) job->in * chunk / job->n_chunks);
          int i1 = (int) ((gint64) job->in * (chunk + 1) / job->n_chunks);
          job->rows_fn (acc, job->x, job->w, job->out, i0, i1);
        }
      else
        run_chunk (job, chunk);
      atomic_fetch_add (&self->done, 1);
    }
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  LsMatvec *self = worker->owner;
  int seen = 0;

  for (;;)
    {
      gint64 spin_until = g_get_monotonic_time () + SPIN_US;
      guint spins = 0;
      while (atomic_load (&self->generation) == seen && !atomic_load (&self->quit))
        {
#ifdef HAVE_X86_KERNELS
          _mm_pause ();
#endif
          if ((++spins & 255) == 0 && g_get_monotonic_time () > spin_until)
            {
              g_mutex_lock (&self->lock);
              while (atomic_load (&self->generation) == seen && !atomic_load (&self->quit))
                g_cond_wait (&self->cond, &self->lock);
              g_mutex_unlock (&self->lock);
            }
        }
      if (atomic_load (&self->quit))
        return NULL;
      seen = atomic_load (&self->generation);
      work (self, worker->index);
    }
}

/* Hands @job to whoever is free, works on it too, and returns when every
 * chunk is done. */
static void
run_parallel (LsMatvec *self, const Job *job)
{
  self->job = *job;
  atomic_store (&self->done, 0);
  /* Never 0: that means "no job" to work().  Wraps without overflow. */
  int gen = (int) (((guint32) atomic_load (&self->generation) + 1) & 0x7fffffff);
  if (gen == 0)
    gen = 1;
  atomic_store (&self->limit, (guint64) (guint32) gen << 32 | (guint32) job->n_chunks);
  atomic_store (&self->claim, (guint64) (guint32) gen << 32);
  /* Under the lock so that a worker about to sleep cannot miss it. */
  g_mutex_lock (&self->lock);
  atomic_store (&self->generation, gen);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  work (self, 0);
  /* Only chunks a worker is running are left: wait for those. */
  for (guint spins = 1; atomic_load (&self->done) < job->n_chunks; spins++)
    {
#ifdef HAVE_X86_KERNELS
      _mm_pause ();
#endif
      if ((spins & 1023) == 0)
        g_thread_yield ();
    }
}

/* y = b + x . W with W stored [in, out].  Split by input rows, so that each
 * thread streams one contiguous block of W (split by columns, every thread
 * reads short pieces of every row: GPT-2 124M F16 decoding measured 18-26
 * ms/token that way, 14.4-15.8 this way); the partial sums are added at the
 * end. */
static void
run_rows (LsMatvec *self, RowsFn fn, float *y, const float *x, const void *w,
          const float *b, int in, int out)
{
  if (b != NULL)
    memcpy (y, b, sizeof (float) * out);
  else
    memset (y, 0, sizeof (float) * out);

  if (self->n_threads == 1 || (gint64) in * out < MIN_PARALLEL_WEIGHTS)
    {
      fn (y, x, w, out, 0, in);
      return;
    }

  if (out > self->partial_size)
    {
      g_free (self->partial);
      self->partial = g_new (float, (gsize) self->n_threads * out);
      self->partial_size = out;
    }
  for (int t = 0; t < self->n_threads; t++)
    atomic_store (&self->used[t], 0);

  Job job = { NULL, fn, y, x, w, b, in, out, MIN (4 * self->n_threads, in), 1 };
  run_parallel (self, &job);

  for (int t = 0; t < self->n_threads; t++)
    if (atomic_load (&self->used[t]))
      ls_add_inplace (y, self->partial + (gsize) t * self->partial_size, out);
}

static void
run_columns (LsMatvec *self, KernelFn fn, float *y, const float *x, const void *w,
             const float *b, int in, int out, int align)
{
  Job job = { fn, NULL, y, x, w, b, in, out, 1, align };

  if (self->n_threads == 1 || (gint64) in * out < MIN_PARALLEL_WEIGHTS)
    {
      run_chunk (&job, 0);
      return;
    }
  job.n_chunks = MIN (4 * self->n_threads, (out + align - 1) / align);
  run_parallel (self, &job);
}

/* ------------------------------------------------------------ API */

LsMatvec *
ls_matvec_new (int n_threads)
{
  return ls_matvec_new_for_path (n_threads, ls_cpu_get_path ());
}

LsMatvec *
ls_matvec_new_for_path (int n_threads, LsCpuPath path)
{
  LsMatvec *self = g_new0 (LsMatvec, 1);

  if (n_threads <= 0)
    n_threads = openblas_get_num_threads ();
  self->n_threads = CLAMP (n_threads, 1, 64);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  /* Never more than the CPU runs. */
  path = MIN (path, ls_cpu_best_path (ls_cpu_get_features ()));
#ifndef HAVE_X86_KERNELS
  path = LS_CPU_PATH_PORTABLE;
#endif
  self->path = path;
  switch (path)
    {
#ifdef HAVE_X86_KERNELS
    case LS_CPU_PATH_AVX512:
      self->rows_f32 = rows_f32_avx512;
      self->rows_f16 = rows_f16_avx512;
      self->rows_bf16 = rows_bf16_avx512;
      self->out_in_f32 = out_in_f32_avx512;
      self->out_in_f16 = out_in_f16_avx512;
      self->out_in_bf16 = out_in_bf16_avx512;
      break;
    case LS_CPU_PATH_AVX2:
      self->rows_f32 = rows_f32_avx2;
      self->rows_f16 = rows_f16_avx2;
      self->rows_bf16 = rows_bf16_avx2;
      self->out_in_f32 = out_in_f32_avx2;
      self->out_in_f16 = out_in_f16_avx2;
      self->out_in_bf16 = out_in_bf16_avx2;
      break;
#endif
    default:
      self->path = LS_CPU_PATH_PORTABLE;
      self->rows_f32 = rows_f32_portable;
      self->rows_f16 = rows_f16_portable;
      self->rows_bf16 = rows_bf16_portable;
      self->out_in_f32 = out_in_f32_portable;
      self->out_in_f16 = out_in_f16_portable;
      self->out_in_bf16 = out_in_bf16_portable;
      break;
    }

  self->used = g_new0 (_Atomic int, self->n_threads);
  self->threads = g_new0 (GThread *, MAX (self->n_threads - 1, 1));
  self->workers = g_new0 (Worker, MAX (self->n_threads - 1, 1));
  for (int i = 0; i < self->n_threads - 1; i++)
    {
      self->workers[i] = (Worker) { self, i + 1 };
      self->threads[i] = g_thread_new ("ls-matvec", worker_main, &self->workers[i]);
    }
  return self;
}

int
ls_matvec_get_n_threads (LsMatvec *self)
{
  return self->n_threads;
}

const char *
ls_matvec_get_kernels (LsMatvec *self)
{
  return ls_cpu_path_name (self->path);
}

LsCpuPath
ls_matvec_get_path (LsMatvec *self)
{
  return self->path;
}

void
ls_matvec_in_out (LsMatvec *self, float *y, const float *x, const void *w, LsDtype dtype,
                  const float *b, int in, int out)
{
  g_return_if_fail (dtype == LS_DTYPE_F32 || dtype == LS_DTYPE_F16 || dtype == LS_DTYPE_BF16);
  run_rows (self, dtype == LS_DTYPE_F16 ? self->rows_f16
                  : dtype == LS_DTYPE_BF16 ? self->rows_bf16 : self->rows_f32,
            y, x, w, b, in, out);
}

void
ls_matvec_out_in (LsMatvec *self, float *y, const float *x, const void *w, LsDtype dtype,
                  const float *b, int in, int out)
{
  g_return_if_fail (dtype == LS_DTYPE_F32 || dtype == LS_DTYPE_F16 || dtype == LS_DTYPE_BF16);
  run_columns (self, dtype == LS_DTYPE_F16 ? self->out_in_f16
                     : dtype == LS_DTYPE_BF16 ? self->out_in_bf16 : self->out_in_f32,
               y, x, w, b, in, out, 4);
}

void
ls_matvec_free (LsMatvec *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  atomic_store (&self->quit, 1);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  for (int i = 0; i < self->n_threads - 1; i++)
    g_thread_join (self->threads[i]);
  g_free (self->threads);
  g_free (self->workers);
  g_free (self->partial);
  g_free ((gpointer) self->used);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
