/* leafscope-bench: the engine side of bench/run.  Loads models once and times
 * forward / prefill / decode in-process (no process start cost), answering
 * one JSON line per command read from stdin, the same protocol as
 * bench/torch_ref.py:
 *
 *   info | load_vit DIR | vit BATCH | load_gpt2 DIR | prefill N | decode P N
 *   | evidence BLOCK | load_diagnoser DIR | diagnose IMAGE | diagnose_fast IMAGE | load_lm DIR | writer N TEXT
 *   | sgemm M N K [REPS] | bandwidth MB | fma | rss | quit
 *   | products f32|f16|bf16 [avx512|avx2|portable|auto] [REPS]
 *
 * The model commands and the driver are here; sgemm, fma, bandwidth and
 * products: leafscope-bench-kernels.c.
 *
 * Not a test: it prints timings, it checks nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "model-config.h"
#include "cpu.h"
#include "cpu-private.h"
#include "diagnose.h"
#include "evidence.h"
#include "generate.h"
#include "gpt2.h"
#include "image.h"
#include "leafscope-bench.h"
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

/* @n model-input values, the same as torch_ref.random_pixels: a hash of the
 * index mapped to [-1, 1), so that both sides classify the same input. */
static float *
hashed_pixels (gsize n)
{
  float *px = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      guint32 h = (guint32) i * 2654435761u;
      px[i] = (float) (h >> 8) / (float) (1u << 23) - 1.0f;
    }
  return px;
}

static void
cmd_vit (Bench *b, int batch)
{
  GError *error = NULL;
  if (b->vit == NULL || batch < 1)
    return reply_error (NULL);
  const LsVitConfig *c = ls_vit_get_config (b->vit);
  gsize n = (gsize) batch * c->num_channels * c->image_size * c->image_size;
  g_autofree float *px = hashed_pixels (n);
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

/* One occlusion map of the loaded ViT (ls_evidence_compute: the photo, then
 * every cell of BLOCK x BLOCK patches covered by the mean colour, batches
 * of 16) on cmd_vit's hashed pixels, for their top class. */
static void
cmd_evidence (Bench *b, int block)
{
  GError *error = NULL;
  if (b->vit == NULL || block < 1)
    return reply_error (NULL);
  const LsVitConfig *c = ls_vit_get_config (b->vit);
  gsize n = (gsize) c->num_channels * c->image_size * c->image_size;
  g_autofree float *px = hashed_pixels (n);
  LsVitOutput *base = ls_vit_forward (b->vit, px, 1, LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  if (base == NULL)
    return reply_error (error);
  int cls = base->logits != NULL ? argmax (base->logits, base->num_labels) : 0;
  ls_vit_output_free (base);

  LsEvidenceOptions o;
  ls_evidence_options_init (&o, b->vit);
  o.coarse_block = block;
  o.fine = FALSE;
  o.fill = LS_EVIDENCE_FILL_MEAN;
  double t = now_ms ();
  LsEvidenceMap *map = ls_evidence_compute (b->vit, px, cls, &o, NULL, NULL, NULL, &error);
  double ms = now_ms () - t;
  if (map == NULL)
    return reply_error (error);
  printf ("{\"ok\": true, \"ms\": %.4f, \"forwards\": %d, \"class\": %d, "
          "\"max_points\": %.6g, \"cells\": %d}\n", ms, map->forwards, cls, map->max_points,
          map->rows * map->cols);
  ls_evidence_map_free (map);
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
      else if (strcmp (line, "evidence") == 0)
        cmd_evidence (&b, i1);
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
        cmd_sgemm (i1, i2, i3, i4 > 0 ? i4 : 5);
      else if (strcmp (line, "products") == 0)
        {
          g_auto(GStrv) words = g_strsplit (arg, " ", 0);
          int n = g_strv_length (words);
          cmd_products (n > 0 ? words[0] : "f16", n > 1 ? words[1] : "auto",
                  n > 2 ? MAX (atoi (words[2]), 1) : 10, threads);
        }
      else if (strcmp (line, "bandwidth") == 0)
        cmd_bandwidth (i1, threads);
      else if (strcmp (line, "fma") == 0)
        cmd_fma (threads);
      else if (strcmp (line, "rss") == 0)
        printf ("{\"ok\": true, \"mb\": %.2f}\n", peak_rss_mb ());
      else
        printf ("{\"ok\": false, \"error\": \"unknown command\"}\n");
      fflush (stdout);
    }
  bench_clear (&b);
  return 0;
}
