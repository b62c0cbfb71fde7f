/* leafscope-bench-kernels.c: the commands of leafscope-bench that time the
 * machine and the kernels on synthetic data, no model loaded: sgemm, fma,
 * bandwidth, products (the protocol: leafscope-bench.c). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "cpu-private.h"
#include "leafscope-bench.h"
#include "matvec.h"
#include "ops.h"

void
cmd_sgemm (int m, int n, int k, int reps)
{
  if (m < 1 || n < 1 || k < 1)
    return reply_error (NULL);
  reps = MAX (reps, 1);
  g_autofree float *x = g_new (float, (gsize) m * k);
  g_autofree float *w = g_new (float, (gsize) n * k);
  g_autofree float *bias = g_new0 (float, n);
  g_autofree float *y = g_new (float, (gsize) m * n);
  for (gsize i = 0; i < (gsize) m * k; i++)
    x[i] = (float) (i % 7) * 0.1f;
  for (gsize i = 0; i < (gsize) n * k; i++)
    w[i] = (float) (i % 5) * 0.01f;
  ls_linear (y, x, w, bias, m, k, n);  /* warm-up: threads up, pages touched */
  double t = now_ms ();
  for (int r = 0; r < reps; r++)
    ls_linear (y, x, w, bias, m, k, n);
  double s = (now_ms () - t) * 1e-3 / reps;
  printf ("{\"ok\": true, \"gflops\": %.3f}\n", 2.0 * m * n * k / s / 1e9);
}

/* The arithmetic roof: independent FMA chains on every thread, nothing
 * loaded, in the widest vectors the CPU has (AVX-512 when present: OpenBLAS'
 * SkylakeX kernels use it).  Ten accumulators hide the FMA latency on
 * current x86 cores (latency 4-5 cycles, 2 units). */
#if defined(__x86_64__)
#include <immintrin.h>
typedef struct {
  gint64   iters;
  gboolean wide;
  float    sink;
} FmaJob;

__attribute__ ((target ("avx2,fma"))) static float
fma_chains_256 (gint64 iters)
{
  __m256 a[10], m = _mm256_set1_ps (0.999999f), c = _mm256_set1_ps (1e-7f);
  for (int k = 0; k < 10; k++)
    a[k] = _mm256_set1_ps ((float) k);
  for (gint64 i = 0; i < iters; i++)
    for (int k = 0; k < 10; k++)
      a[k] = _mm256_fmadd_ps (a[k], m, c);
  float out[8];
  for (int k = 1; k < 10; k++)
    a[0] = _mm256_add_ps (a[0], a[k]);
  _mm256_storeu_ps (out, a[0]);
  return out[0];
}

__attribute__ ((target ("avx512f"))) static float
fma_chains_512 (gint64 iters)
{
  __m512 a[10], m = _mm512_set1_ps (0.999999f), c = _mm512_set1_ps (1e-7f);
  for (int k = 0; k < 10; k++)
    a[k] = _mm512_set1_ps ((float) k);
  for (gint64 i = 0; i < iters; i++)
    for (int k = 0; k < 10; k++)
      a[k] = _mm512_fmadd_ps (a[k], m, c);
  for (int k = 1; k < 10; k++)
    a[0] = _mm512_add_ps (a[0], a[k]);
  return _mm512_reduce_add_ps (a[0]);
}

static gpointer
fma_job (gpointer data)
{
  FmaJob *job = data;
  job->sink = job->wide ? fma_chains_512 (job->iters) : fma_chains_256 (job->iters);
  return NULL;
}
#endif

void
cmd_fma (int threads)
{
#if defined(__x86_64__)
  LsCpuFeatures f = ls_cpu_detect_features ();
  if ((f & (LS_CPU_AVX2 | LS_CPU_FMA)) != (LS_CPU_AVX2 | LS_CPU_FMA))
    {
      printf ("{\"ok\": false, \"error\": \"no AVX2+FMA on this CPU\"}\n");
      return;
    }
  gboolean wide = (f & LS_CPU_AVX512F) != 0;
  threads = CLAMP (threads, 1, 64);
  const gint64 iters = 20 * 1000 * 1000;
  double best = INFINITY;
  /* Best of seven short runs (about 0.1 s each): a roof, so the fastest
   * counts; another process finishing its start-up steals the first ones. */
  for (int r = 0; r < 7; r++)
    {
      FmaJob jobs[64];
      GThread *th[64];
      double t = now_ms ();
      for (int i = 0; i < threads; i++)
        {
          jobs[i] = (FmaJob) { iters, wide, 0 };
          th[i] = g_thread_new ("fma", fma_job, &jobs[i]);
        }
      for (int i = 0; i < threads; i++)
        g_thread_join (th[i]);
      best = MIN (best, now_ms () - t);
    }
  /* 10 chains x 8 or 16 lanes x 2 flops per iteration and thread */
  printf ("{\"ok\": true, \"gflops\": %.3f, \"lanes\": %d}\n",
          threads * iters * 20.0 * (wide ? 16 : 8) / (best * 1e-3) / 1e9, wide ? 16 : 8);
#else
  printf ("{\"ok\": false, \"error\": \"x86-64 only\"}\n");
#endif
}

/* The bandwidth bound: a read-only probe that every thread runs at once,
 * reading its part of a buffer as S interleaved sequential streams in the
 * widest vectors the CPU has (AVX-512 when present).  The best over S = 1,
 * 2, 4, 8, 16 and over repeats counts: a bound must be at least what any real
 * kernel reaches (one stream per core left bandwidth unused on a Xeon:
 * 9.9 GB/s where the decoding kernels drew 18.6). */
typedef struct {
  const guint8 *p;
  gsize         bytes;   /* a multiple of 64 * streams */
  int           streams;
  gboolean      wide;
  guint32       sum;
} ReadJob;

#define MAX_STREAMS 16

#if defined(__x86_64__)
__attribute__ ((target ("avx512f"))) static guint32
read_streams_512 (const guint8 *p, gsize bytes, int streams)
{
  __m512i acc[MAX_STREAMS];
  gsize part = bytes / streams;
  for (int s = 0; s < MAX_STREAMS; s++)
    acc[s] = _mm512_setzero_si512 ();
  for (gsize i = 0; i < part; i += 64)
    for (int s = 0; s < streams; s++)
      acc[s] = _mm512_add_epi32 (acc[s], _mm512_load_si512 ((const void *) (p + s * part + i)));
  for (int s = 1; s < streams; s++)
    acc[0] = _mm512_add_epi32 (acc[0], acc[s]);
  return (guint32) _mm512_reduce_add_epi32 (acc[0]);
}

__attribute__ ((target ("avx2"))) static guint32
read_streams_256 (const guint8 *p, gsize bytes, int streams)
{
  __m256i acc[MAX_STREAMS];
  gsize part = bytes / streams;
  for (int s = 0; s < MAX_STREAMS; s++)
    acc[s] = _mm256_setzero_si256 ();
  for (gsize i = 0; i < part; i += 64)
    for (int s = 0; s < streams; s++)
      {
        const __m256i *q = (const __m256i *) (p + s * part + i);
        acc[s] = _mm256_add_epi32 (acc[s], _mm256_add_epi32 (_mm256_load_si256 (q),
                                                             _mm256_load_si256 (q + 1)));
      }
  for (int s = 1; s < streams; s++)
    acc[0] = _mm256_add_epi32 (acc[0], acc[s]);
  guint32 out[8], sum = 0;
  _mm256_storeu_si256 ((__m256i *) out, acc[0]);
  for (int k = 0; k < 8; k++)
    sum += out[k];
  return sum;
}
#endif

static gpointer
read_job (gpointer data)
{
  ReadJob *job = data;
#if defined(__x86_64__)
  job->sum = job->wide ? read_streams_512 (job->p, job->bytes, job->streams)
                       : read_streams_256 (job->p, job->bytes, job->streams);
#else
  guint32 sum = 0;
  for (gsize i = 0; i < job->bytes; i += 4)
    sum += *(const guint32 *) (job->p + i);
  job->sum = sum;
#endif
  return NULL;
}

void
cmd_bandwidth (int mb, int threads)
{
  threads = CLAMP (threads, 1, 64);
  gsize unit = (gsize) 64 * MAX_STREAMS * threads;
  gsize bytes = MAX ((gsize) mb * 1024 * 1024 / unit, 1) * unit;
  guint8 *a = NULL;
  if (posix_memalign ((void **) &a, 2 * 1024 * 1024, bytes) != 0)
    return reply_error (NULL);
  for (gsize i = 0; i < bytes / 4; i++)
    ((guint32 *) a)[i] = (guint32) i;
#if defined(__x86_64__)
  LsCpuFeatures f = ls_cpu_get_features ();
  gboolean wide = (f & LS_CPU_AVX512F) != 0;
  if (!wide && !(f & LS_CPU_AVX2))
    {
      free (a);
      return reply_error (NULL);
    }
#else
  gboolean wide = FALSE;
#endif
  static const int stream_counts[] = { 1, 2, 4, 8, 16 };
  double best[G_N_ELEMENTS (stream_counts)];
  guint32 check = 0;
  for (gsize k = 0; k < G_N_ELEMENTS (stream_counts); k++)
    best[k] = INFINITY;
  /* Stream counts in turns, repeated: a burst of load from elsewhere hits
   * one repeat of each, not every repeat of one. */
  for (int r = 0; r < 4; r++)
    for (gsize k = 0; k < G_N_ELEMENTS (stream_counts); k++)
      {
        ReadJob jobs[64];
        GThread *th[64];
        double t = now_ms ();
        for (int i = 0; i < threads; i++)
          {
            gsize part = bytes / threads;
            jobs[i] = (ReadJob) { a + part * i, part, stream_counts[k], wide, 0 };
            th[i] = g_thread_new ("bw", read_job, &jobs[i]);
          }
        for (int i = 0; i < threads; i++)
          {
            g_thread_join (th[i]);
            check += jobs[i].sum;
          }
        best[k] = MIN (best[k], now_ms () - t);
      }
  free (a);
  double top = 0;
  printf ("{\"ok\": true, \"lanes\": %d, \"by_streams\": {", wide ? 16 : 8);
  for (gsize k = 0; k < G_N_ELEMENTS (stream_counts); k++)
    {
      double gbs = bytes / (best[k] * 1e-3) / 1e9;
      top = MAX (top, gbs);
      printf ("%s\"%d\": %.3f", k ? ", " : "", stream_counts[k], gbs);
    }
  printf ("}, \"gbs\": %.3f, \"mb\": %.1f, \"check\": %u}\n", top, bytes / 1048576.0, check);
}

/* The one-row products of decoding one GPT-2 124M token (12 layers of
 * [768, 2304], [768, 768], [768, 3072], [3072, 768] stored [in, out], and
 * the [50257, 768] LM head stored [out, in]) on synthetic weights, with the
 * kernels of one path: the decode kernels alone, paths side by side in one
 * process.  @dtype: f32, f16 or bf16; @path: avx512, avx2, portable or
 * "auto".  Median and best ms per token over @reps, and GB/s at the best. */
void
cmd_products (const char *dtype_name, const char *path_name, int reps, int threads)
{
  static const int shapes[4][2] = { { 768, 2304 }, { 768, 768 }, { 768, 3072 }, { 3072, 768 } };
  const int layers = 12, vocab = 50257, embd = 768;
  LsDtype dtype = g_str_equal (dtype_name, "f32") ? LS_DTYPE_F32
                  : g_str_equal (dtype_name, "bf16") ? LS_DTYPE_BF16 : LS_DTYPE_F16;
  gsize esize = dtype == LS_DTYPE_F32 ? 4 : 2;
  LsCpuPath path = ls_cpu_get_path ();
  if (path_name != NULL && !g_str_equal (path_name, "auto") && !ls_cpu_path_parse (path_name, &path))
    return reply_error (NULL);

  gsize per_layer = 0;
  for (int k = 0; k < 4; k++)
    per_layer += (gsize) shapes[k][0] * shapes[k][1];
  gsize total = per_layer * layers + (gsize) vocab * embd;
  guint8 *w = g_malloc (total * esize);
  /* Small values of either sign, the same bit patterns every run. */
  guint32 s = 1;
  for (gsize i = 0; i < total; i++)
    {
      s = s * 1664525u + 1013904223u;
      float v = ((s >> 9) / (float) (1u << 23) - 0.5f) * 0.04f;
      if (esize == 4)
        memcpy (w + 4 * i, &v, 4);
      else
        {
          guint32 bits;
          memcpy (&bits, &v, 4);
          guint16 h = dtype == LS_DTYPE_BF16 ? (guint16) (bits >> 16) : ls_float_to_f16 (v);
          memcpy (w + 2 * i, &h, 2);
        }
    }
  float *x = g_new (float, 3072), *y = g_new (float, vocab), *bias = g_new0 (float, 3072);
  for (int i = 0; i < 3072; i++)
    x[i] = (float) ((i * 37) % 101) / 101.0f - 0.5f;

  LsMatvec *mv = ls_matvec_new_for_path (threads, path);
  double *times = g_new (double, reps + 1);
  for (int r = -1; r < reps; r++)   /* one warm-up pass */
    {
      double t = now_ms ();
      const guint8 *p = w;
      for (int l = 0; l < layers; l++)
        for (int k = 0; k < 4; k++)
          {
            ls_matvec_in_out (mv, y, x, p, dtype, bias, shapes[k][0], shapes[k][1]);
            p += (gsize) shapes[k][0] * shapes[k][1] * esize;
          }
      ls_matvec_out_in (mv, y, x, p, dtype, NULL, embd, vocab);
      if (r >= 0)
        times[r] = now_ms () - t;
    }
  double sorted[reps];
  memcpy (sorted, times, sizeof (double) * reps);
  for (int i = 1; i < reps; i++)
    for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
      {
        double tmp = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = tmp;
      }
  printf ("{\"ok\": true, \"kernels\": \"%s\", \"ms\": %.4f, \"best_ms\": %.4f, "
          "\"gbs\": %.3f, \"mb\": %.1f, \"check\": %.6g}\n",
          ls_matvec_get_kernels (mv), sorted[reps / 2], sorted[0],
          total * esize / (sorted[0] * 1e-3) / 1e9, total * esize / 1048576.0, y[0]);
  ls_matvec_free (mv);
  g_free (times);
  g_free (w);
  g_free (x);
  g_free (y);
  g_free (bias);
}
