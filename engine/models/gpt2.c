/* gpt2.c: GPT-2 forward pass with a KV cache (transformers' modeling_gpt2.py,
 * eager attention), plus cross-attention for the ViT-GPT-2 decoder.
 *
 * Block: x += attn(ln_1(x)); [x += crossattn(ln_cross_attn(x), enc)];
 *        x += mlp(ln_2(x)).  Conv1D weights are [in, out]: y = x.W + b.
 */
#include "gpt2.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* cblas.h pulls in complex.h, whose imaginary unit `I` would shadow the MLP
 * width below. */
#undef I

#include "ls-error.h"
#include "matvec.h"
#include "threaded-ops.h"
#include "ops.h"
#include "weights.h"

/* Prompt tokens per batched pass: large enough for sgemm to reuse each
 * weight across rows, small enough to keep the planned buffers modest. */
#define CHUNK_MAX 256

/* A weight matrix as the checkpoint stores it: float32, or F16 kept F16
 * (half the memory, half the bytes per decoded token) and widened on use;
 * @format says how (weights.h). */
typedef struct {
  const void           *data;
  const LsWeightFormat *format;
} Weights;

/* Rows of a widened LM head at a time when every position's logits are
 * asked for. */
#define LM_HEAD_BLOCK 4096

typedef struct {
  const float *ln_1_w, *ln_1_b;
  Weights      c_attn_w;                  /* (E, 3E) */
  const float *c_attn_b;
  Weights      attn_proj_w;               /* (E, E) */
  const float *attn_proj_b;
  const float *ln_x_w, *ln_x_b;           /* cross-attention only */
  const float *q_attn_w, *q_attn_b;       /* (E, E) */
  const float *kv_attn_w, *kv_attn_b;     /* (E, 2E) */
  const float *x_proj_w, *x_proj_b;       /* (E, E) */
  const float *ln_2_w, *ln_2_b;
  Weights      fc_w;                      /* (E, I) */
  const float *fc_b;
  Weights      mlp_proj_w;                /* (I, E) */
  const float *mlp_proj_b;
} Layer;

struct _LsGpt2 {
  LsGpt2Config config;
  int          E, H, D, I, V, P, L;  /* n_embd, heads, head dim, inner, vocab, positions, layers */
  Weights      wte;                  /* (V, E) */
  const float *wpe;                  /* (P, E) */
  const float *ln_f_w, *ln_f_b;
  Weights      lm_head;              /* (V, E), wte when tied */
  LsMatvec    *mv;                   /* one-row products (decoding) and their threads */
  float       *widen;                /* matrices widened for a batched product, or NULL */
  Layer       *layers;

  int          planned;   /* rows of the activation buffers */
  int          chunk;     /* rows per pass, <= planned */
  int          position;  /* tokens in the cache */
  float       *x;         /* (chunk, E) residual stream */
  float       *h;         /* (chunk, E) normalised input of a sub-block */
  float       *qkv;       /* (chunk, 3E) */
  float       *att;       /* (chunk, E) heads concatenated */
  float       *proj;      /* (chunk, E) */
  float       *mlp;       /* (chunk, I) */
  float       *scores;    /* (chunk, max(P, n_states)) one head at a time */
  gsize        scores_cols;
  float       *k_cache;   /* (L, H, P, D) */
  float       *v_cache;   /* (L, H, P, D) */

  int          n_states;  /* encoder tokens, 0 until set */
  float       *cross_k;   /* (L, H, n_states, D) */
  float       *cross_v;
};

/* y (n, out) = x (n, in) . W (in, out) + b, W float32.  A single row
 * (decoding) reads W once on the matvec threads: OpenBLAS 0.3.21's sgemm
 * packs W even for M = 1, reading and writing the whole matrix again, and
 * its sgemv was slower than matvec.c's row split (GPT-2 124M F32 decoding:
 * 23.5-25.9 ms/token with sgemv, 20.7-23.5 with the row split).  Batches
 * keep sgemm. */
static void
conv1d (LsGpt2 *self, float *y, const float *x, const float *w, const float *b,
        int n, int in, int out)
{
  if (n == 1)
    ls_matvec_in_out (self->mv, y, x, w, LS_DTYPE_F32, b, in, out);
  else
    ls_conv1d (y, x, w, b, n, in, out);
}

/* y (n, out) = x (n, in) . W (in, out) + b for a checkpoint matrix.  One
 * row reads W once in its own dtype, widening in registers (matvec.c); a
 * batch widens a 16-bit W first, then sgemm. */
static void
project (LsGpt2 *self, float *y, const float *x, Weights w, const float *b,
         int n, int in, int out)
{
  if (n == 1)
    {
      ls_matvec_in_out (self->mv, y, x, w.data, w.format->dtype, b, in, out);
      return;
    }
  ls_conv1d (y, x, ls_threaded_weight_rows (self->mv, w.format, w.data, in, out, self->widen),
             b, n, in, out);
}

/* A matrix in whichever dtype the checkpoint keeps it. */
static gboolean
get_weights (LsCheckpoint *ckpt, const char *prefix, const char *name,
             int64_t d0, int64_t d1, Weights *w, GError **error)
{
  g_autofree char *key = g_strconcat (prefix, name, NULL);
  int64_t shape[2] = { d0, d1 };
  LsDtype dtype;

  if ((w->data = ls_checkpoint_get_weights (ckpt, key, 2, shape, &dtype, error)) == NULL)
    return FALSE;
  if ((w->format = ls_weight_format (dtype)) == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED, "%s: dtype %s cannot be used",
                   key, ls_dtype_to_string (dtype));
      return FALSE;
    }
  return TRUE;
}

static const float *
get_weight (LsCheckpoint *ckpt, const char *prefix, const char *name,
            int ndim, int64_t d0, int64_t d1, GError **error)
{
  g_autofree char *key = g_strconcat (prefix, name, NULL);
  int64_t shape[2] = { d0, d1 };
  return ls_checkpoint_get_f32 (ckpt, key, ndim, shape, error);
}

#define GET1(field, name, n) \
  if ((field = get_weight (ckpt, lp, name, 1, n, 0, error)) == NULL) return FALSE
#define GET2(field, name, a, b) \
  if ((field = get_weight (ckpt, lp, name, 2, a, b, error)) == NULL) return FALSE
#define GETW(field, name, a, b) \
  if (!get_weights (ckpt, lp, name, a, b, &field, error)) return FALSE

static gboolean
load_layer (LsGpt2 *self, LsCheckpoint *ckpt, const char *tp, int l, GError **error)
{
  Layer *y = &self->layers[l];
  int E = self->E, I = self->I;
  g_autofree char *lp = g_strdup_printf ("%sh.%d.", tp, l);

  GET1 (y->ln_1_w, "ln_1.weight", E);
  GET1 (y->ln_1_b, "ln_1.bias", E);
  GETW (y->c_attn_w, "attn.c_attn.weight", E, 3 * E);
  GET1 (y->c_attn_b, "attn.c_attn.bias", 3 * E);
  GETW (y->attn_proj_w, "attn.c_proj.weight", E, E);
  GET1 (y->attn_proj_b, "attn.c_proj.bias", E);
  if (self->config.add_cross_attention)
    {
      GET1 (y->ln_x_w, "ln_cross_attn.weight", E);
      GET1 (y->ln_x_b, "ln_cross_attn.bias", E);
      GET2 (y->q_attn_w, "crossattention.q_attn.weight", E, E);
      GET1 (y->q_attn_b, "crossattention.q_attn.bias", E);
      GET2 (y->kv_attn_w, "crossattention.c_attn.weight", E, 2 * E);
      GET1 (y->kv_attn_b, "crossattention.c_attn.bias", 2 * E);
      GET2 (y->x_proj_w, "crossattention.c_proj.weight", E, E);
      GET1 (y->x_proj_b, "crossattention.c_proj.bias", E);
    }
  GET1 (y->ln_2_w, "ln_2.weight", E);
  GET1 (y->ln_2_b, "ln_2.bias", E);
  GETW (y->fc_w, "mlp.c_fc.weight", E, I);
  GET1 (y->fc_b, "mlp.c_fc.bias", I);
  GETW (y->mlp_proj_w, "mlp.c_proj.weight", I, E);
  GET1 (y->mlp_proj_b, "mlp.c_proj.bias", E);
  return TRUE;
}

#undef GET1
#undef GET2
#undef GETW

LsGpt2 *
ls_gpt2_new (LsCheckpoint *ckpt, const LsGpt2Config *config, const char *prefix,
             GError **error)
{
  g_autoptr(LsGpt2) self = g_new0 (LsGpt2, 1);
  g_autofree char *tp = NULL;
  g_autofree char *lm_key = g_strconcat (prefix, "lm_head.weight", NULL);

  if (config->n_embd <= 0 || config->n_head <= 0 || config->n_embd % config->n_head != 0
      || config->n_layer <= 0 || config->n_positions <= 0 || config->vocab_size <= 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "GPT-2 config: inconsistent sizes (n_embd %d, n_head %d, n_layer %d, "
                   "n_positions %d, vocab_size %d)", config->n_embd, config->n_head,
                   config->n_layer, config->n_positions, config->vocab_size);
      return NULL;
    }
  self->config = *config;
  self->E = config->n_embd;
  self->H = config->n_head;
  self->D = config->n_embd / config->n_head;
  self->I = config->n_inner > 0 ? config->n_inner : 4 * config->n_embd;
  self->V = config->vocab_size;
  self->P = config->n_positions;
  self->L = config->n_layer;

  /* GPT2LMHeadModel saved from the model ("transformer." prefix) or from the
   * bare GPT2Model of the original checkpoints (no prefix). */
  g_autofree char *with_tf = g_strconcat (prefix, "transformer.", NULL);
  tp = ls_checkpoint_has_prefix (ckpt, with_tf) ? g_steal_pointer (&with_tf) : g_strdup (prefix);

  const char *lp = tp;
  int E = self->E;
  if (!get_weights (ckpt, lp, "wte.weight", self->V, E, &self->wte, error)
      || (self->wpe = get_weight (ckpt, lp, "wpe.weight", 2, self->P, E, error)) == NULL
      || (self->ln_f_w = get_weight (ckpt, lp, "ln_f.weight", 1, E, 0, error)) == NULL
      || (self->ln_f_b = get_weight (ckpt, lp, "ln_f.bias", 1, E, 0, error)) == NULL)
    return NULL;
  self->layers = g_new0 (Layer, self->L);
  for (int l = 0; l < self->L; l++)
    if (!load_layer (self, ckpt, tp, l, error))
      return NULL;
  if (ls_checkpoint_lookup (ckpt, lm_key) != NULL)
    {
      if (!get_weights (ckpt, prefix, "lm_head.weight", self->V, E, &self->lm_head, error))
        return NULL;
    }
  else
    self->lm_head = self->wte;

  /* Plan every buffer now. */
  self->planned = self->chunk = MIN (self->P, CHUNK_MAX);
  gsize C = self->planned;
  self->x = g_new (float, C * E);
  self->h = g_new (float, C * E);
  self->qkv = g_new (float, C * 3 * E);
  self->att = g_new (float, C * E);
  self->proj = g_new (float, C * E);
  self->mlp = g_new (float, C * self->I);
  self->scores_cols = self->P;
  self->scores = g_new (float, C * self->scores_cols);
  self->mv = ls_matvec_new (0);
  /* A buffer to widen into when some matrix is not float32 already. */
  gboolean widens = !self->wte.format->in_place || !self->lm_head.format->in_place;
  for (int l = 0; l < self->L; l++)
    {
      const Layer *y = &self->layers[l];
      widens |= !y->c_attn_w.format->in_place || !y->attn_proj_w.format->in_place
                || !y->fc_w.format->in_place || !y->mlp_proj_w.format->in_place;
    }
  if (widens)
    self->widen = g_new (float, MAX (MAX ((gsize) E * 3 * E, (gsize) E * self->I),
                                     (gsize) MIN (LM_HEAD_BLOCK, self->V) * E));
  gsize cache = (gsize) self->L * self->P * E;
  self->k_cache = g_new0 (float, cache);
  self->v_cache = g_new0 (float, cache);
  return g_steal_pointer (&self);
}

void
ls_gpt2_free (LsGpt2 *self)
{
  if (self == NULL)
    return;
  g_free (self->layers);
  ls_matvec_free (self->mv);
  g_free (self->widen);
  g_free (self->x);
  g_free (self->h);
  g_free (self->qkv);
  g_free (self->att);
  g_free (self->proj);
  g_free (self->mlp);
  g_free (self->scores);
  g_free (self->k_cache);
  g_free (self->v_cache);
  g_free (self->cross_k);
  g_free (self->cross_v);
  g_free (self);
}

int
ls_gpt2_get_position (LsGpt2 *self)
{
  return self->position;
}

void
ls_gpt2_set_chunk_size (LsGpt2 *self, int rows)
{
  self->chunk = CLAMP (rows, 1, self->planned);
}

void
ls_gpt2_reset (LsGpt2 *self)
{
  self->position = 0;
}

/* 1/sqrt(head_dim), and 1/(layer+1) when the config asks for it. */
static float
attn_scale (const LsGpt2 *self, int layer)
{
  float scale = self->config.scale_attn_weights ? 1.0f / sqrtf ((float) self->D) : 1.0f;
  if (self->config.scale_attn_by_inverse_layer_idx)
    scale /= (float) (layer + 1);
  return scale;
}

gboolean
ls_gpt2_set_encoder_states (LsGpt2 *self, const float *states, int n_states, GError **error)
{
  int E = self->E, H = self->H, D = self->D;

  if (!self->config.add_cross_attention)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "this GPT-2 has no cross-attention (add_cross_attention is false)");
      return FALSE;
    }
  if (n_states <= 0 || n_states > 65536)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "encoder output of %d tokens is out of range", n_states);
      return FALSE;
    }
  if (n_states != self->n_states)
    {
      gsize size = (gsize) self->L * n_states * E;
      g_free (self->cross_k);
      g_free (self->cross_v);
      self->cross_k = g_new (float, size);
      self->cross_v = g_new (float, size);
      self->n_states = n_states;
      if ((gsize) n_states > self->scores_cols)
        {
          g_free (self->scores);
          self->scores_cols = n_states;
          self->scores = g_new (float, (gsize) self->planned * self->scores_cols);
        }
    }

  /* K,V = crossattention.c_attn(states), split into heads (L, H, S, D).  Done
   * once per image: every decoding step reuses them. */
  g_autofree float *kv = g_new (float, (gsize) n_states * 2 * E); /* (S, 2E) */
  for (int l = 0; l < self->L; l++)
    {
      const Layer *y = &self->layers[l];
      conv1d (self, kv, states, y->kv_attn_w, y->kv_attn_b, n_states, E, 2 * E);
      for (int hd = 0; hd < H; hd++)
        {
          float *k = self->cross_k + (((gsize) l * H + hd) * n_states) * D;
          float *v = self->cross_v + (((gsize) l * H + hd) * n_states) * D;
          for (int s = 0; s < n_states; s++)
            {
              memcpy (k + (gsize) s * D, kv + (gsize) s * 2 * E + hd * D, sizeof (float) * D);
              memcpy (v + (gsize) s * D, kv + (gsize) s * 2 * E + E + hd * D, sizeof (float) * D);
            }
        }
    }
  return TRUE;
}

/* Softmax over the first @valid of @cols scores of each row, zeros after.
 * Row i of a causal block at @p0 sees p0 + i + 1 keys. */
static void
softmax_masked (float *scores, int n, int cols, int p0, gboolean causal)
{
  for (int i = 0; i < n; i++)
    {
      float *row = scores + (gsize) i * cols;
      int valid = causal ? p0 + i + 1 : cols;
      ls_softmax_rows (row, 1, valid);
      for (int j = valid; j < cols; j++)
        row[j] = 0.0f;
    }
}

/* att (n, E) = softmax(scale q k^T [mask]) v for each head, q rows strided by
 * @q_stride, k/v laid out (H, keys_stride, D) with @n_keys used. */
static void
attend (LsGpt2 *self, const float *q, int q_stride, const float *k, const float *v,
        int keys_stride, int n_keys, int n, int p0, gboolean causal, float scale)
{
  int E = self->E, D = self->D;
  for (int hd = 0; hd < self->H; hd++)
    {
      const float *kh = k + (gsize) hd * keys_stride * D;
      const float *vh = v + (gsize) hd * keys_stride * D;
      /* (n, keys) = q_h (n, D) . k_h^T; one row: k_h (keys, D) . q_h */
      if (n == 1)
        cblas_sgemv (CblasRowMajor, CblasNoTrans, n_keys, D, scale, kh, D,
                     q + hd * D, 1, 0.0f, self->scores, 1);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n_keys, D,
                     scale, q + hd * D, q_stride, kh, D, 0.0f, self->scores, n_keys);
      softmax_masked (self->scores, n, n_keys, p0, causal);
      /* (n, D) = p (n, keys) . v_h (keys, D), into the head's columns */
      if (n == 1)
        cblas_sgemv (CblasRowMajor, CblasTrans, n_keys, D, 1.0f, vh, D,
                     self->scores, 1, 0.0f, self->att + hd * D, 1);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, D, n_keys,
                     1.0f, self->scores, n_keys, vh, D, 0.0f, self->att + hd * D, E);
    }
}

/* One chunk of @n tokens at positions [p0, p0 + n). */
static void
forward_chunk (LsGpt2 *self, const int *ids, int n, int p0)
{
  int E = self->E, H = self->H, D = self->D, P = self->P, I = self->I;
  float eps = self->config.layer_norm_epsilon;
  gsize nE = (gsize) n * E;
  /* A prompt's rows: the element-wise steps on the matvec threads, which
   * then sleep at once between them rather than spin beside OpenBLAS'
   * threads; one row (decoding): too little to hand over, and the workers
   * spin for the next product. */
  LsMatvec *mt = n > 1 ? self->mv : NULL;
  ls_matvec_set_spin_us (self->mv, n > 1 ? 0 : LS_MATVEC_DEFAULT_SPIN_US);

  for (int i = 0; i < n; i++)
    {
      const float *pe = self->wpe + (gsize) (p0 + i) * E;
      float *x = self->x + (gsize) i * E;
      self->wte.format->widen (x, (const guint8 *) self->wte.data
                                      + (gsize) ids[i] * E * self->wte.format->size, E);
      for (int c = 0; c < E; c++)
        x[c] += pe[c];
    }

  for (int l = 0; l < self->L; l++)
    {
      const Layer *y = &self->layers[l];
      float scale = attn_scale (self, l);
      float *kc = self->k_cache + (gsize) l * H * P * D; /* (H, P, D) */
      float *vc = self->v_cache + (gsize) l * H * P * D;

      /* Self-attention. */
      ls_threaded_layernorm (mt, self->h, self->x, y->ln_1_w, y->ln_1_b, n, E, eps);
      project (self, self->qkv, self->h, y->c_attn_w, y->c_attn_b, n, E, 3 * E); /* (n, 3E) */
      for (int i = 0; i < n; i++)
        for (int hd = 0; hd < H; hd++)
          {
            const float *row = self->qkv + (gsize) i * 3 * E;
            gsize at = ((gsize) hd * P + p0 + i) * D;
            memcpy (kc + at, row + E + hd * D, sizeof (float) * D);
            memcpy (vc + at, row + 2 * E + hd * D, sizeof (float) * D);
          }
      attend (self, self->qkv, 3 * E, kc, vc, P, p0 + n, n, p0, TRUE, scale);
      project (self, self->proj, self->att, y->attn_proj_w, y->attn_proj_b, n, E, E);
      ls_threaded_add (mt, self->x, self->proj, n, E);

      /* Cross-attention over the encoder output. */
      if (self->config.add_cross_attention)
        {
          ls_layernorm (self->h, self->x, y->ln_x_w, y->ln_x_b, n, E, eps);
          conv1d (self, self->qkv, self->h, y->q_attn_w, y->q_attn_b, n, E, E); /* (n, E) */
          gsize S = self->n_states;
          attend (self, self->qkv, E, self->cross_k + (gsize) l * H * S * D,
                  self->cross_v + (gsize) l * H * S * D, (int) S, (int) S, n, 0, FALSE, scale);
          conv1d (self, self->proj, self->att, y->x_proj_w, y->x_proj_b, n, E, E);
          ls_add_inplace (self->x, self->proj, nE);
        }

      /* MLP. */
      ls_threaded_layernorm (mt, self->h, self->x, y->ln_2_w, y->ln_2_b, n, E, eps);
      project (self, self->mlp, self->h, y->fc_w, y->fc_b, n, E, I); /* (n, I) */
      ls_threaded_activation (mt, self->config.activation, self->mlp, n, I);
      project (self, self->proj, self->mlp, y->mlp_proj_w, y->mlp_proj_b, n, I, E);
      ls_threaded_add (mt, self->x, self->proj, n, E);
    }
}

gboolean
ls_gpt2_forward (LsGpt2 *self, const int *ids, int n, float *logits, gboolean all_positions,
                 GCancellable *cancellable, GError **error)
{
  int E = self->E, V = self->V;
  int start = self->position;

  if (n <= 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT, "no tokens to run");
      return FALSE;
    }
  if (n > self->P - start)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_TOO_LARGE,
                   "%d tokens after %d do not fit in the context of %d positions",
                   n, start, self->P);
      return FALSE;
    }
  if (self->config.add_cross_attention && self->n_states == 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "the decoder needs the encoder output first");
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= V)
      {
        g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                     "token id %d is out of range (vocab_size %d)", ids[i], V);
        return FALSE;
      }

  for (int done = 0; done < n; done += self->chunk)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          self->position = start;
          return FALSE;
        }
      int m = MIN (self->chunk, n - done);
      forward_chunk (self, ids + done, m, self->position);
      self->position += m;

      gboolean last = done + m == n;
      if (logits == NULL || (!all_positions && !last))
        continue;
      if (all_positions)
        {
          ls_layernorm (self->h, self->x, self->ln_f_w, self->ln_f_b, m, E,
                        self->config.layer_norm_epsilon);
          float *out = logits + (gsize) done * V;
          /* Blocks of vocabulary rows, each through sgemm into its
           * columns of the (m, V) logits: float32 in one block, where it
           * lies; other dtypes widened a block at a time. */
          const LsWeightFormat *f = self->lm_head.format;
          int block = f->in_place ? V : LM_HEAD_BLOCK;
          for (int v0 = 0; v0 < V; v0 += block)
            {
              int vb = MIN (block, V - v0);
              const float *wb = ls_weight_format_rows (f, self->lm_head.data, v0, vb, E,
                                                       self->widen);
              cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, m, vb, E, 1.0f, self->h, E,
                           wb, E, 0.0f, out + v0, V);
            }
        }
      else
        {
          /* Only the last row: lm_head (V, E) . h, read once in its dtype */
          ls_layernorm (self->h, self->x + (gsize) (m - 1) * E, self->ln_f_w, self->ln_f_b, 1, E,
                        self->config.layer_norm_epsilon);
          ls_matvec_out_in (self->mv, logits, self->h, self->lm_head.data,
                            self->lm_head.format->dtype, NULL, E, V);
        }
    }
  return TRUE;
}
