/* vit.c: the HuggingFace ViT forward pass (modeling_vit.py, eager attention).
 *
 *   pixels (B, 3, S, S)
 *     -> patch embedding: im2col (B*N, 3*P*P) . W^T (Conv2d, stride P)
 *     -> [CLS; patches] + position embeddings            (B, T, C)
 *     -> L pre-norm blocks:
 *          x += Wo . softmax(Q K^T / sqrt(D)) V   on layernorm_before(x)
 *          x += W2 . act(W1 . layernorm_after(x))
 *     -> final layernorm -> classifier on the CLS row -> softmax.
 *
 * Weights are float32 views owned by the checkpoint; activations live in one
 * arena sized once per forward call.
 */
#include "vit.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "ls-error.h"
#include "matvec.h"
#include "ops.h"
#include "threaded-ops.h"

typedef struct {
  const float *ln1_w, *ln1_b;             /* (C) layernorm_before */
  const float *q_w, *k_w, *v_w;           /* (C, C) */
  const float *q_b, *k_b, *v_b;           /* (C) or NULL without qkv_bias */
  const float *o_w, *o_b;                 /* (C, C), (C) attention.output.dense */
  const float *ln2_w, *ln2_b;             /* (C) layernorm_after */
  const float *fc1_w, *fc1_b;             /* (F, C), (F) intermediate.dense (F = intermediate size) */
  const float *fc2_w, *fc2_b;             /* (C, F), (C) output.dense */
} VitLayer;

struct _LsVit {
  LsVitConfig        config;     /* deep copy: labels owned */
  LsPreprocessConfig preprocess;
  LsCheckpoint      *owned_checkpoint; /* set by ls_vit_load */
  gboolean           with_classifier;

  const float *patch_w;   /* (C, 3, P, P) */
  const float *patch_b;   /* (C) */
  const float *cls_token; /* (C) */
  const float *pos_emb;   /* (T, C) */
  VitLayer    *layers;    /* [L] */
  const float *ln_w, *ln_b;          /* (C) final layernorm */
  const float *head_w, *head_b;      /* (num_labels, C), (num_labels) */

  /* Threads for the element-wise steps between the products (LayerNorm,
   * GELU, softmax, residual adds), which OpenBLAS leaves to one core: with
   * its 2 threads on 2 cores, they took about 10 % of a ViT-B/16 image
   * serially (perf, SkylakeX core).  One forward call uses them at a time
   * (@threads_lock); a concurrent call runs those steps on its own thread. */
  LsMatvec    *threads;
  GMutex       threads_lock;
};

/* ---------------------------------------------------------------- loading */

typedef struct {
  LsCheckpoint *ckpt;
  const char   *prefix;
  GError      **error;
  gboolean      failed;
} Fetch;

/* float32 data of prefix + name with the given shape, or NULL (and the
 * first error kept) when absent or misshapen. */
static const float *
fetch (Fetch *f, const char *name, int ndim, ...)
{
  if (f->failed)
    return NULL;

  int64_t shape[LS_MAX_DIMS];
  va_list args;
  va_start (args, ndim);
  for (int i = 0; i < ndim; i++)
    shape[i] = va_arg (args, int);
  va_end (args);

  g_autofree char *full = g_strconcat (f->prefix, name, NULL);
  const float *data = ls_checkpoint_get_f32 (f->ckpt, full, ndim, shape, f->error);
  if (data == NULL)
    f->failed = TRUE;
  return data;
}

static const float *
fetch_layer (Fetch *f, int layer, const char *name, int ndim, int d0, int d1)
{
  g_autofree char *full = g_strdup_printf ("encoder.layer.%d.%s", layer, name);
  return ndim == 1 ? fetch (f, full, 1, d0) : fetch (f, full, 2, d0, d1);
}

static gboolean
check_config (const LsVitConfig *c, GError **error)
{
  if (c->num_channels != 3)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "config.json: num_channels %d is not supported (RGB models only)",
                   c->num_channels);
      return FALSE;
    }
  if (c->hidden_size <= 0 || c->num_heads <= 0 || c->hidden_size % c->num_heads != 0
      || c->patch_size <= 0 || c->image_size <= 0 || c->image_size % c->patch_size != 0
      || c->num_layers <= 0 || c->intermediate_size <= 0)
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_CONFIG,
                           "config.json: inconsistent ViT sizes");
      return FALSE;
    }
  return TRUE;
}

LsVit *
ls_vit_new (LsCheckpoint *checkpoint, const LsVitConfig *config, const char *prefix,
            gboolean with_classifier, GError **error)
{
  if (!check_config (config, error))
    return NULL;
  if (with_classifier && config->num_labels <= 0)
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_CONFIG,
                           "config.json: an image classifier needs id2label");
      return NULL;
    }

  g_autoptr(LsVit) self = g_new0 (LsVit, 1);
  g_mutex_init (&self->threads_lock);
  self->threads = ls_matvec_new (0);
  /* Wake-ups cost microseconds; spinning between the steps would take the
   * cores from OpenBLAS' threads for up to its length after each step. */
  ls_matvec_set_spin_us (self->threads, 0);
  self->config = *config;
  self->config.labels = g_strdupv (config->labels);
  self->with_classifier = with_classifier;
  ls_preprocess_config_init_default (&self->preprocess);
  self->preprocess.height = self->preprocess.width = config->image_size;

  int C = config->hidden_size, F = config->intermediate_size, P = config->patch_size;
  int grid = config->image_size / P, T = 1 + grid * grid;
  Fetch f = { checkpoint, prefix != NULL ? prefix : "", error, FALSE };

  self->patch_w = fetch (&f, "embeddings.patch_embeddings.projection.weight", 4, C, 3, P, P);
  self->patch_b = fetch (&f, "embeddings.patch_embeddings.projection.bias", 1, C);
  self->cls_token = fetch (&f, "embeddings.cls_token", 3, 1, 1, C);
  self->pos_emb = fetch (&f, "embeddings.position_embeddings", 3, 1, T, C);

  self->layers = g_new0 (VitLayer, config->num_layers);
  for (int l = 0; l < config->num_layers; l++)
    {
      VitLayer *y = &self->layers[l];
      y->ln1_w = fetch_layer (&f, l, "layernorm_before.weight", 1, C, 0);
      y->ln1_b = fetch_layer (&f, l, "layernorm_before.bias", 1, C, 0);
      y->q_w = fetch_layer (&f, l, "attention.attention.query.weight", 2, C, C);
      y->k_w = fetch_layer (&f, l, "attention.attention.key.weight", 2, C, C);
      y->v_w = fetch_layer (&f, l, "attention.attention.value.weight", 2, C, C);
      if (config->qkv_bias)
        {
          y->q_b = fetch_layer (&f, l, "attention.attention.query.bias", 1, C, 0);
          y->k_b = fetch_layer (&f, l, "attention.attention.key.bias", 1, C, 0);
          y->v_b = fetch_layer (&f, l, "attention.attention.value.bias", 1, C, 0);
        }
      y->o_w = fetch_layer (&f, l, "attention.output.dense.weight", 2, C, C);
      y->o_b = fetch_layer (&f, l, "attention.output.dense.bias", 1, C, 0);
      y->ln2_w = fetch_layer (&f, l, "layernorm_after.weight", 1, C, 0);
      y->ln2_b = fetch_layer (&f, l, "layernorm_after.bias", 1, C, 0);
      y->fc1_w = fetch_layer (&f, l, "intermediate.dense.weight", 2, F, C);
      y->fc1_b = fetch_layer (&f, l, "intermediate.dense.bias", 1, F, 0);
      y->fc2_w = fetch_layer (&f, l, "output.dense.weight", 2, C, F);
      y->fc2_b = fetch_layer (&f, l, "output.dense.bias", 1, C, 0);
    }
  self->ln_w = fetch (&f, "layernorm.weight", 1, C);
  self->ln_b = fetch (&f, "layernorm.bias", 1, C);

  if (with_classifier)
    {
      /* The head sits beside the "vit." body, not under it. */
      Fetch head = { checkpoint, "", error, f.failed };
      self->head_w = fetch (&head, "classifier.weight", 2, config->num_labels, C);
      self->head_b = fetch (&head, "classifier.bias", 1, config->num_labels);
      f.failed = head.failed;
    }
  if (f.failed)
    return NULL;
  return g_steal_pointer (&self);
}

LsVit *
ls_vit_load (const char *model_dir, GError **error)
{
  LsModelConfig config = { 0 };

  if (!ls_model_config_load (&config, model_dir, error))
    return NULL;

  const char *prefix;
  gboolean with_classifier = FALSE;
  switch (config.arch)
    {
    case LS_ARCH_VIT_FOR_IMAGE_CLASSIFICATION:
      prefix = "vit.";
      with_classifier = TRUE;
      break;
    case LS_ARCH_VIT_MODEL:
      prefix = "";
      break;
    case LS_ARCH_VISION_ENCODER_DECODER:
      prefix = "encoder.";
      break;
    default:
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "%s: model type '%s' is not a ViT", model_dir,
                   config.model_type != NULL ? config.model_type : "?");
      ls_model_config_clear (&config);
      return NULL;
    }

  LsCheckpoint *checkpoint = ls_checkpoint_open (model_dir, error);
  if (checkpoint == NULL)
    {
      ls_model_config_clear (&config);
      return NULL;
    }

  /* A bare ViTModel may have been saved from inside a classifier. */
  if (config.arch == LS_ARCH_VIT_MODEL && !ls_checkpoint_has_prefix (checkpoint, "embeddings.")
      && ls_checkpoint_has_prefix (checkpoint, "vit.embeddings."))
    prefix = "vit.";

  /* The checkpoint's messages already name the weight file. */
  LsVit *self = ls_vit_new (checkpoint, &config.vit, prefix, with_classifier, error);
  LsArchitecture arch = config.arch;
  ls_model_config_clear (&config);
  if (self == NULL)
    {
      ls_checkpoint_free (checkpoint);
      return NULL;
    }
  self->owned_checkpoint = checkpoint;

  /* Every stored tensor must have been used, except the pooler (ViTModel
   * keeps one; classifiers ignore it).  The decoder of an encoder-decoder
   * model is somebody else's, so the check belongs to whoever loads both. */
  static const char * const ignored[] = { "pooler.dense.weight", "pooler.dense.bias", NULL };
  if (arch != LS_ARCH_VISION_ENCODER_DECODER
      && !ls_checkpoint_check_all_used (checkpoint, ignored, error))
    {
      ls_vit_free (self);
      return NULL;
    }

  /* Without a preprocessor_config.json the model's own image size is a
   * better guess than the processor's 224 default. */
  g_autofree char *pp_path = g_build_filename (model_dir, "preprocessor_config.json", NULL);
  if (g_file_test (pp_path, G_FILE_TEST_EXISTS)
      && !ls_preprocess_config_load (&self->preprocess, model_dir, error))
    {
      ls_vit_free (self);
      return NULL;
    }
  return self;
}

const LsVitConfig *
ls_vit_get_config (LsVit *self)
{
  return &self->config;
}

const LsPreprocessConfig *
ls_vit_get_preprocess_config (LsVit *self)
{
  return &self->preprocess;
}

void
ls_vit_free (LsVit *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->config.labels);
  g_free (self->layers);
  ls_matvec_free (self->threads);
  g_mutex_clear (&self->threads_lock);
  if (self->owned_checkpoint != NULL)
    ls_checkpoint_free (self->owned_checkpoint);
  g_free (self);
}

void
ls_vit_output_free (LsVitOutput *output)
{
  if (output == NULL)
    return;
  g_free (output->logits);
  g_free (output->probs);
  g_free (output->last_hidden);
  g_free (output->attentions);
  g_free (output->hidden_states);
  g_free (output);
}

/* ---------------------------------------------------------------- forward */

/* Scratch for one forward call, carved from a single allocation. */
typedef struct {
  float *arena;
  float *patches;   /* (B*N, 3*P*P) */
  float *embed;     /* (B*N, C) */
  float *x;         /* (B*T, C) residual stream */
  float *xn;        /* (B*T, C) normalised */
  float *q, *k, *v; /* (B*T, C) */
  float *ctx;       /* (B*T, C) attention output before the projection */
  float *proj;      /* (B*T, C) */
  float *mlp;       /* (B*T, F) */
  float *scores;    /* (H, T, T) one image's attention when not kept */
} Scratch;

static void
scratch_plan (Scratch *s, int B, int T, int N, int C, int F, int K, int H)
{
  gsize bt = (gsize) B * T;
  gsize sizes[] = {
    (gsize) B * N * K, (gsize) B * N * C, bt * C, bt * C, bt * C, bt * C, bt * C,
    bt * C, bt * C, bt * F, (gsize) H * T * T,
  };
  float **slots[] = {
    &s->patches, &s->embed, &s->x, &s->xn, &s->q, &s->k, &s->v,
    &s->ctx, &s->proj, &s->mlp, &s->scores,
  };
  gsize total = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    total += sizes[i];
  s->arena = g_new (float, total);
  float *p = s->arena;
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      *slots[i] = p;
      p += sizes[i];
    }
}

/* pixels (B, 3, S, S) -> patches (B*N, 3*P*P), each row ordered (c, ky, kx)
 * like the Conv2d weight, patches row-major over the grid. */
static void
im2col (float *patches, const float *pixels, int B, int S, int P)
{
  int grid = S / P, K = 3 * P * P;
  for (int b = 0; b < B; b++)
    for (int gy = 0; gy < grid; gy++)
      for (int gx = 0; gx < grid; gx++)
        {
          float *row = patches + ((gsize) (b * grid + gy) * grid + gx) * K;
          for (int c = 0; c < 3; c++)
            for (int ky = 0; ky < P; ky++)
              memcpy (row + (c * P + ky) * P,
                      pixels + (((gsize) b * 3 + c) * S + gy * P + ky) * S + gx * P,
                      sizeof (float) * P);
        }
}

/* Multi-head attention on s->xn for layer @y into s->proj; the softmax
 * matrices go to @keep (B, H, T, T) when given. */
static void
attention (LsVit *self, LsMatvec *pool, const VitLayer *y, Scratch *s, int B, int T, float *keep)
{
  const LsVitConfig *c = &self->config;
  int C = c->hidden_size, H = c->num_heads, D = C / H;
  int n = B * T;
  float scale = 1.0f / sqrtf ((float) D);

  ls_linear (s->q, s->xn, y->q_w, y->q_b, n, C, C);
  ls_linear (s->k, s->xn, y->k_w, y->k_b, n, C, C);
  ls_linear (s->v, s->xn, y->v_w, y->v_b, n, C, C);

  /* Heads are column blocks of width D in (T, C): strided views, no copy.
   * Every head's scores first, so that one softmax step covers all of them. */
  for (int b = 0; b < B; b++)
    {
      float *probs = keep != NULL ? keep + (gsize) b * H * T * T : s->scores;
      for (int h = 0; h < H; h++)
        {
          gsize off = (gsize) b * T * C + (gsize) h * D;
          /* scores (T, T) = scale * Q (T, D) . K^T */
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, T, T, D,
                       scale, s->q + off, C, s->k + off, C, 0.0f, probs + (gsize) h * T * T, T);
        }
      ls_threaded_softmax_rows (pool, probs, H * T, T);
      for (int h = 0; h < H; h++)
        {
          gsize off = (gsize) b * T * C + (gsize) h * D;
          /* ctx (T, D) = probs (T, T) . V (T, D) */
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, T, D, T,
                       1.0f, probs + (gsize) h * T * T, T, s->v + off, C, 0.0f, s->ctx + off, C);
        }
    }

  ls_linear (s->proj, s->ctx, y->o_w, y->o_b, n, C, C);
}

LsVitOutput *
ls_vit_forward (LsVit *self, const float *pixel_values, int batch, LsVitOutputFlags flags,
                GCancellable *cancellable, GError **error)
{
  const LsVitConfig *c = &self->config;
  int S = c->image_size, P = c->patch_size, C = c->hidden_size, F = c->intermediate_size;
  int H = c->num_heads, L = c->num_layers;
  int grid = S / P, N = grid * grid, T = N + 1, K = 3 * P * P;
  int B = batch;

  if (B <= 0 || pixel_values == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "a batch of %d images cannot be run", B);
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  g_autoptr(LsVitOutput) out = g_new0 (LsVitOutput, 1);
  out->batch = B;
  out->num_labels = self->with_classifier ? c->num_labels : 0;
  out->num_layers = L;
  out->num_heads = H;
  out->tokens = T;
  out->hidden_size = C;
  gsize btc = (gsize) B * T * C, bhtt = (gsize) B * H * T * T;
  out->last_hidden = g_new (float, btc);
  if (flags & LS_VIT_OUTPUT_ATTENTIONS)
    out->attentions = g_new (float, (gsize) L * bhtt);
  if (flags & LS_VIT_OUTPUT_HIDDEN_STATES)
    out->hidden_states = g_new (float, (gsize) (L + 1) * btc);

  Scratch s;
  scratch_plan (&s, B, T, N, C, F, K, H);
  /* NULL when another call has the threads: its steps then run here. */
  LsMatvec *pool = g_mutex_trylock (&self->threads_lock) ? self->threads : NULL;

  /* Embeddings: (B*N, C) = patches . W^T + b, then CLS and positions. */
  im2col (s.patches, pixel_values, B, S, P);
  ls_linear (s.embed, s.patches, self->patch_w, self->patch_b, B * N, K, C);
  for (int b = 0; b < B; b++)
    {
      float *xb = s.x + (gsize) b * T * C;
      for (int i = 0; i < C; i++)
        xb[i] = self->cls_token[i] + self->pos_emb[i];
      for (int t = 1; t < T; t++)
        {
          const float *e = s.embed + ((gsize) b * N + t - 1) * C;
          const float *pos = self->pos_emb + (gsize) t * C;
          float *dst = xb + (gsize) t * C;
          for (int i = 0; i < C; i++)
            dst[i] = e[i] + pos[i];
        }
    }
  if (out->hidden_states != NULL)
    memcpy (out->hidden_states, s.x, sizeof (float) * btc);

  for (int l = 0; l < L; l++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          if (pool != NULL)
            g_mutex_unlock (&self->threads_lock);
          g_free (s.arena);
          return NULL;
        }
      const VitLayer *y = &self->layers[l];
      int n = B * T;

      ls_threaded_layernorm (pool, s.xn, s.x, y->ln1_w, y->ln1_b, n, C, c->layer_norm_eps);
      attention (self, pool, y, &s, B, T,
                 out->attentions != NULL ? out->attentions + (gsize) l * bhtt : NULL);
      ls_threaded_add (pool, s.x, s.proj, n, C);

      ls_threaded_layernorm (pool, s.xn, s.x, y->ln2_w, y->ln2_b, n, C, c->layer_norm_eps);
      ls_linear (s.mlp, s.xn, y->fc1_w, y->fc1_b, n, C, F);
      ls_threaded_activation (pool, c->hidden_act, s.mlp, n, F);
      ls_linear (s.proj, s.mlp, y->fc2_w, y->fc2_b, n, F, C);
      ls_threaded_add (pool, s.x, s.proj, n, C);

      if (out->hidden_states != NULL)
        memcpy (out->hidden_states + (gsize) (l + 1) * btc, s.x, sizeof (float) * btc);
    }

  ls_threaded_layernorm (pool, out->last_hidden, s.x, self->ln_w, self->ln_b, B * T, C, c->layer_norm_eps);
  if (pool != NULL)
    g_mutex_unlock (&self->threads_lock);

  if (self->with_classifier)
    {
      int M = c->num_labels;
      /* The CLS rows, gathered (B, C), through the head. */
      for (int b = 0; b < B; b++)
        memcpy (s.xn + (gsize) b * C, out->last_hidden + (gsize) b * T * C, sizeof (float) * C);
      out->logits = g_new (float, (gsize) B * M);
      ls_linear (out->logits, s.xn, self->head_w, self->head_b, B, C, M);
      out->probs = g_memdup2 (out->logits, sizeof (float) * B * M);
      ls_softmax_rows (out->probs, B, M);
    }

  g_free (s.arena);
  return g_steal_pointer (&out);
}
