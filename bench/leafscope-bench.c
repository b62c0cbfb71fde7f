/* leafscope-bench: the engine side of bench/run.  Loads models once and times
 * forward / prefill / decode in-process (no process start cost), answering
 * one JSON line per command read from stdin, the same protocol as
 * bench/torch_ref.py:
 *
 *   info | load_vit DIR | vit BATCH | load_gpt2 DIR | prefill N | decode P N
 *   | load_diagnoser DIR | diagnose IMAGE | diagnose_fast IMAGE | load_lm DIR | writer N TEXT
 *   | sgemm M N K [REPS] | bandwidth MB | fma | rss | quit
 *   | products f32|f16|bf16 [avx512|avx2|portable|auto] [REPS]
 *
 * Not a test: it prints timings, it checks nothing. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "model-config.h"
#include "cpu.h"
#include "cpu-private.h"
#include "diagnose.h"
#include "generate.h"
#include "gpt2.h"
#include "image.h"
#include "matvec.h"
#include "ops.h"
#include "vit.h"

typedef struct {
  LsVit           *vit;
  LsCheckpoint    *gpt2_checkpoint;
  LsModelConfig    gpt2_config;
  gboolean         gpt2_config_set;
  LsGpt2          *gpt2;
  float           *logits;           /* [vocab] */
  LsDiagnoser     *diagnoser;
  LsPreprocessConfig diagnoser_pre;  /* its input size, for the fast decode */
  LsLanguageModel *lm;
} Bench;

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* Same 32-bit LCG as torch_ref.random_ids: both sides run the same prompt. */
static void
random_ids (int *ids, int n, int vocab, guint32 seed)
{
  guint32 s = seed;
  for (int i = 0; i < n; i++)
    {
      s = s * 1664525u + 1013904223u;
      ids[i] = (int) ((s >> 8) % (guint32) vocab);
    }
}

static int
argmax (const float *x, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

static double
peak_rss_mb (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  const char *p = strstr (status, "VmHWM:");
  return p != NULL ? g_ascii_strtod (p + 6, NULL) / 1024.0 : -1;
}

static void
reply_error (GError *error)
{
  g_autofree char *msg = g_strescape (error != NULL ? error->message : "failed", NULL);
  printf ("{\"ok\": false, \"error\": \"%s\"}\n", msg);
}

static void
print_ids (const int *ids, int n)
{
  printf ("[");
  for (int i = 0; i < n; i++)
    printf ("%s%d", i ? ", " : "", ids[i]);
  printf ("]");
}

static void
cmd_info (Bench *b)
{
  g_autofree char *text = ls_cpu_describe ();
  g_autofree char *esc = g_strescape (text, NULL);
  printf ("{\"ok\": true, \"blas_core\": \"%s\", \"threads\": %d, \"path\": \"%s\", "
          "\"best_path\": \"%s\", \"describe\": \"%s\"}\n",
          ls_cpu_get_blas_core (), ls_cpu_get_blas_threads (), ls_cpu_path_name (ls_cpu_get_path ()),
          ls_cpu_path_name (ls_cpu_best_path (ls_cpu_get_features ())), esc);
}

static void
cmd_load_vit (Bench *b, const char *dir)
{
  GError *error = NULL;
  g_clear_pointer (&b->vit, ls_vit_free);
  double t = now_ms ();
  b->vit = ls_vit_load (dir, &error);
  double ms = now_ms () - t;
  if (b->vit == NULL)
    return reply_error (error);
  printf ("{\"ok\": true, \"ms\": %.4f}\n", ms);
}

static void
cmd_vit (Bench *b, int batch)
{
  GError *error = NULL;
  if (b->vit == NULL || batch < 1)
    return reply_error (NULL);
  const LsVitConfig *c = ls_vit_get_config (b->vit);
  gsize n = (gsize) batch * c->num_channels * c->image_size * c->image_size;
  g_autofree float *px = g_new (float, n);
  /* Same values as torch_ref.random_pixels: a hash of the index, [-1, 1). */
  for (gsize i = 0; i < n; i++)
    {
      guint32 h = (guint32) i * 2654435761u;
      px[i] = (float) (h >> 8) / (float) (1u << 23) - 1.0f;
    }
  double t = now_ms ();
  LsVitOutput *out = ls_vit_forward (b->vit, px, batch, LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  double ms = now_ms () - t;
  if (out == NULL)
    return reply_error (error);
  int top = out->logits != NULL ? argmax (out->logits, out->num_labels) : -1;
  printf ("{\"ok\": true, \"ms\": %.4f, \"top\": %d, \"logits\": [", ms, top);
  for (int i = 0; out->logits != NULL && i < out->num_labels; i++)
    printf ("%s%.7g", i ? ", " : "", out->logits[i]);
  printf ("]}\n");
  ls_vit_output_free (out);
}

static void
cmd_load_gpt2 (Bench *b, const char *dir)
{
  GError *error = NULL;
  g_clear_pointer (&b->gpt2, ls_gpt2_free);
  g_clear_pointer (&b->gpt2_checkpoint, ls_checkpoint_free);
  g_clear_pointer (&b->logits, g_free);
  if (b->gpt2_config_set)
    ls_model_config_clear (&b->gpt2_config);
  b->gpt2_config_set = FALSE;

  double t = now_ms ();
  if (!ls_model_config_load (&b->gpt2_config, dir, &error))
    return reply_error (error);
  b->gpt2_config_set = TRUE;
  b->gpt2_checkpoint = ls_checkpoint_open (dir, &error);
  if (b->gpt2_checkpoint == NULL)
    return reply_error (error);
  b->gpt2 = ls_gpt2_new (b->gpt2_checkpoint, &b->gpt2_config.gpt2, "", &error);
  double ms = now_ms () - t;
  if (b->gpt2 == NULL)
    return reply_error (error);
  b->logits = g_new (float, b->gpt2_config.gpt2.vocab_size);
  printf ("{\"ok\": true, \"ms\": %.4f}\n", ms);
}

static void
cmd_prefill (Bench *b, int n)
{
  GError *error = NULL;
  if (b->gpt2 == NULL || n < 1)
    return reply_error (NULL);
  g_autofree int *ids = g_new (int, n);
  random_ids (ids, n, b->gpt2_config.gpt2.vocab_size, 11);
  ls_gpt2_reset (b->gpt2);
  double t = now_ms ();
  gboolean ok = ls_gpt2_forward (b->gpt2, ids, n, b->logits, FALSE, NULL, &error);
  double ms = now_ms () - t;
  if (!ok)
    return reply_error (error);
  printf ("{\"ok\": true, \"ms\": %.4f, \"next\": %d}\n", ms,
          argmax (b->logits, b->gpt2_config.gpt2.vocab_size));
}

static void
cmd_decode (Bench *b, int p, int n)
{
  GError *error = NULL;
  if (b->gpt2 == NULL || p < 1 || n < 1)
    return reply_error (NULL);
  int vocab = b->gpt2_config.gpt2.vocab_size;
  g_autofree int *prompt = g_new (int, p);
  g_autofree int *out = g_new (int, n + 1);
  random_ids (prompt, p, vocab, 13);
  ls_gpt2_reset (b->gpt2);
  if (!ls_gpt2_forward (b->gpt2, prompt, p, b->logits, FALSE, NULL, &error))
    return reply_error (error);
  out[0] = argmax (b->logits, vocab);
  double t = now_ms ();
  for (int i = 0; i < n; i++)
    {
      if (!ls_gpt2_forward (b->gpt2, &out[i], 1, b->logits, FALSE, NULL, &error))
        return reply_error (error);
      out[i + 1] = argmax (b->logits, vocab);
    }
  double ms = now_ms () - t;
  printf ("{\"ok\": true, \"ms_per_token\": %.5f, \"ids\": ", ms / n);
  print_ids (out, n + 1);
  printf ("}\n");
}

static void
cmd_load_diagnoser (Bench *b, const char *dir)
{
  GError *error = NULL;
  g_clear_pointer (&b->diagnoser, ls_diagnoser_free);
  double t = now_ms ();
  b->diagnoser = ls_diagnoser_new (dir, NULL, &error);
  double ms = now_ms () - t;
  if (b->diagnoser == NULL || !ls_preprocess_config_load (&b->diagnoser_pre, dir, &error))
    return reply_error (error);
  printf ("{\"ok\": true, \"ms\": %.4f}\n", ms);
}

/* Photo to diagnosis: decode, preprocess, ViT with attentions, maps,
 * findings, as the pipeline loads photos (ls_diagnoser_load_photo).  @fast:
 * LS_IMAGE_DECODE_FAST (reduced-size JPEG decode, the pipeline's default)
 * instead of the exact decode. */
static void
cmd_diagnose (Bench *b, const char *path, gboolean fast)
{
  GError *error = NULL;
  if (b->diagnoser == NULL)
    return reply_error (NULL);
  double t = now_ms ();
  LsImage *image = ls_diagnoser_load_photo (b->diagnoser, path,
                                            fast ? LS_IMAGE_DECODE_FAST : LS_IMAGE_DECODE_EXACT,
                                            &error);
  if (image == NULL)
    return reply_error (error);
  double decoded = now_ms ();
  LsDiagnosis *d = ls_diagnoser_classify (b->diagnoser, image, 0.5f, NULL, &error);
  double ms = now_ms () - t;
  int w = image->width, h = image->height;
  ls_image_free (image);
  if (d == NULL)
    return reply_error (error);
  printf ("{\"ok\": true, \"ms\": %.4f, \"decode_ms\": %.4f, \"decoded\": [%d, %d], "
          "\"top\": %d, \"status\": %d, \"probs\": [", ms, decoded - t, w, h, d->top_index,
          (int) d->status);
  for (int i = 0; i < d->n_labels; i++)
    printf ("%s%.7g", i ? ", " : "", d->probs[i]);
  printf ("]}\n");
  ls_diagnosis_free (d);
}

static void
cmd_load_lm (Bench *b, const char *dir)
{
  GError *error = NULL;
  g_clear_pointer (&b->lm, ls_language_model_free);
  double t = now_ms ();
  b->lm = ls_language_model_load (dir, &error);
  double ms = now_ms () - t;
  if (b->lm == NULL)
    return reply_error (error);
  printf ("{\"ok\": true, \"ms\": %.4f}\n", ms);
}

static void
cmd_writer (Bench *b, int n, const char *text)
{
  GError *error = NULL;
  if (b->lm == NULL || n < 1)
    return reply_error (NULL);
  /* Unescape "\n" so the harness can pass a multi-line prompt on one line. */
  g_autofree char *prompt = g_strcompress (text);
  g_autoptr(GArray) prompt_ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (!ls_tokenizer_encode (ls_language_model_get_tokenizer (b->lm), prompt, -1, prompt_ids, &error))
    return reply_error (error);

  LsGenerateOptions options;
  ls_generate_options_init (&options);
  options.max_new_tokens = n;
  options.do_sample = FALSE;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  LsGenerateStats stats = { 0 };
  double t = now_ms ();
  gboolean ok = ls_language_model_generate (b->lm, prompt, &options, NULL, NULL, ids,
                                            &stats, NULL, &error);
  double ms = now_ms () - t;
  if (!ok)
    return reply_error (error);
  printf ("{\"ok\": true, \"tokens_per_s\": %.4f, \"tokens\": %u, \"ids\": ",
          ids->len / (ms * 1e-3), ids->len);
  print_ids ((const int *) ids->data, ids->len);
  printf (", \"prompt_ids\": ");
  print_ids ((const int *) prompt_ids->data, prompt_ids->len);
  printf ("}\n");
}

static void
cmd_sgemm (Bench *b, int m, int n, int k, int reps)
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

static void
cmd_fma (Bench *b, int threads)
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

static void
cmd_bandwidth (Bench *b, int mb, int threads)
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
static void
cmd_products (Bench *b, const char *dtype_name, const char *path_name, int reps, int threads)
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

static void
bench_clear (Bench *b)
{
  g_clear_pointer (&b->vit, ls_vit_free);
  g_clear_pointer (&b->gpt2, ls_gpt2_free);
  g_clear_pointer (&b->gpt2_checkpoint, ls_checkpoint_free);
  g_clear_pointer (&b->logits, g_free);
  if (b->gpt2_config_set)
    ls_model_config_clear (&b->gpt2_config);
  g_clear_pointer (&b->diagnoser, ls_diagnoser_free);
  g_clear_pointer (&b->lm, ls_language_model_free);
}

int
main (int argc, char **argv)
{
  ls_cpu_ensure_blas_core (argc, argv);

  Bench b = { 0 };
  char line[65536];
  int threads = 2;
  const char *env = g_getenv ("LEAFSCOPE_BENCH_THREADS");
  if (env != NULL)
    threads = atoi (env);

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_strchomp (line);
      char *arg = strchr (line, ' ');
      if (arg != NULL)
        *arg++ = '\0';
      else
        arg = line + strlen (line);
      int i1 = 0, i2 = 0, i3 = 0, i4 = 0;
      sscanf (arg, "%d %d %d %d", &i1, &i2, &i3, &i4);

      if (strcmp (line, "quit") == 0)
        break;
      else if (strcmp (line, "info") == 0)
        cmd_info (&b);
      else if (strcmp (line, "load_vit") == 0)
        cmd_load_vit (&b, arg);
      else if (strcmp (line, "vit") == 0)
        cmd_vit (&b, i1);
      else if (strcmp (line, "load_gpt2") == 0)
        cmd_load_gpt2 (&b, arg);
      else if (strcmp (line, "prefill") == 0)
        cmd_prefill (&b, i1);
      else if (strcmp (line, "decode") == 0)
        cmd_decode (&b, i1, i2);
      else if (strcmp (line, "load_diagnoser") == 0)
        cmd_load_diagnoser (&b, arg);
      else if (strcmp (line, "diagnose") == 0)
        cmd_diagnose (&b, arg, FALSE);
      else if (strcmp (line, "diagnose_fast") == 0)
        cmd_diagnose (&b, arg, TRUE);
      else if (strcmp (line, "load_lm") == 0)
        cmd_load_lm (&b, arg);
      else if (strcmp (line, "writer") == 0)
        {
          const char *text = strchr (arg, ' ');
          cmd_writer (&b, i1, text != NULL ? text + 1 : "");
        }
      else if (strcmp (line, "sgemm") == 0)
        cmd_sgemm (&b, i1, i2, i3, i4 > 0 ? i4 : 5);
      else if (strcmp (line, "products") == 0)
        {
          g_auto(GStrv) words = g_strsplit (arg, " ", 0);
          int n = g_strv_length (words);
          cmd_products (&b, n > 0 ? words[0] : "f16", n > 1 ? words[1] : "auto",
                        n > 2 ? MAX (atoi (words[2]), 1) : 10, threads);
        }
      else if (strcmp (line, "bandwidth") == 0)
        cmd_bandwidth (&b, i1, threads);
      else if (strcmp (line, "fma") == 0)
        cmd_fma (&b, threads);
      else if (strcmp (line, "rss") == 0)
        printf ("{\"ok\": true, \"mb\": %.2f}\n", peak_rss_mb ());
      else
        printf ("{\"ok\": false, \"error\": \"unknown command\"}\n");
      fflush (stdout);
    }
  bench_clear (&b);
  return 0;
}
