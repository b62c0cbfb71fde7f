/* attention-map.c: raw last-layer CLS attention and attention rollout. */
#include "attention-map.h"
#include "attention-map-private.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ls-error.h"

int
ls_attention_grid_size (int tokens)
{
  if (tokens < 2)
    return 0;
  int grid = (int) lround (sqrt ((double) (tokens - 1)));
  return grid * grid == tokens - 1 ? grid : 0;
}

static gboolean
check_stack (const LsAttentionStack *stack, int index, int *grid, GError **error)
{
  if (stack == NULL || stack->data == NULL || stack->num_layers <= 0 || stack->num_heads <= 0)
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                           "no attention matrices (run the model with attentions on)");
      return FALSE;
    }
  if (index < 0 || index >= stack->batch)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "batch index %d out of range (batch of %d)", index, stack->batch);
      return FALSE;
    }
  *grid = ls_attention_grid_size (stack->tokens);
  if (*grid == 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_SHAPE,
                   "%d tokens do not form CLS + a square patch grid", stack->tokens);
      return FALSE;
    }
  return TRUE;
}

/* (heads, T, T) of layer @layer for batch item @index */
static const float *
layer_attention (const LsAttentionStack *stack, int layer, int index)
{
  gsize tt = (gsize) stack->tokens * stack->tokens;
  return stack->data + ((gsize) layer * stack->batch + index) * stack->num_heads * tt;
}

void
ls_attention_normalize (float *map, gsize n)
{
  float max = 0.0f;
  for (gsize i = 0; i < n; i++)
    max = map[i] > max ? map[i] : max;
  if (max <= 0.0f)
    return;
  float inv = 1.0f / max;
  for (gsize i = 0; i < n; i++)
    map[i] *= inv;
}

gboolean
ls_attention_last_layer (const LsAttentionStack *stack, int index, float *out,
                         GError **error)
{
  int grid;
  if (!check_stack (stack, index, &grid, error))
    return FALSE;

  int T = stack->tokens, H = stack->num_heads;
  gsize n = (gsize) grid * grid;
  const float *attn = layer_attention (stack, stack->num_layers - 1, index); /* (H, T, T) */
  float *mean = out;

  memset (mean, 0, n * sizeof (float));
  for (int h = 0; h < H; h++)
    {
      /* Row 0 (CLS as query), columns 1.. (patches as keys). */
      const float *row = attn + (gsize) h * T * T + 1;
      float *map = out + (gsize) (h + 1) * n;
      for (gsize i = 0; i < n; i++)
        {
          map[i] = row[i];
          mean[i] += row[i] / H;
        }
      ls_attention_normalize (map, n);
    }
  ls_attention_normalize (mean, n);
  return TRUE;
}

typedef struct {
  float value;
  int   index;
} Ranked;

static int
ranked_compare (const void *a, const void *b)
{
  const Ranked *x = a, *y = b;
  if (x->value != y->value)
    return x->value < y->value ? -1 : 1;
  return x->index - y->index;
}

void
ls_attention_rollout_layer (const float *attn, int H, int T, LsHeadFusion fusion,
                            float discard_ratio, float *a)
{
  gsize tt = (gsize) T * T;

  for (gsize i = 0; i < tt; i++)
    a[i] = attn[i];
  for (int h = 1; h < H; h++)
    {
      const float *head = attn + (gsize) h * tt;
      switch (fusion)
        {
        case LS_HEAD_FUSION_MEAN:
          for (gsize i = 0; i < tt; i++)
            a[i] += head[i];
          break;
        case LS_HEAD_FUSION_MAX:
          for (gsize i = 0; i < tt; i++)
            a[i] = head[i] > a[i] ? head[i] : a[i];
          break;
        case LS_HEAD_FUSION_MIN:
          for (gsize i = 0; i < tt; i++)
            a[i] = head[i] < a[i] ? head[i] : a[i];
          break;
        default:
          g_assert_not_reached ();
        }
    }
  if (fusion == LS_HEAD_FUSION_MEAN)
    for (gsize i = 0; i < tt; i++)
      a[i] /= H;

  /* Drop the n lowest entries of the flattened matrix (ties: lower index
   * first); element 0 is exempt even when it is among them, so fewer are
   * dropped then, as in vit-explain. */
  gsize n_discard = (gsize) (tt * discard_ratio);
  if (n_discard > 0)
    {
      g_autofree Ranked *ranked = g_new (Ranked, tt);
      for (gsize i = 0; i < tt; i++)
        ranked[i] = (Ranked) { a[i], (int) i };
      qsort (ranked, tt, sizeof (Ranked), ranked_compare);
      for (gsize i = 0; i < n_discard; i++)
        if (ranked[i].index != 0)
          a[ranked[i].index] = 0.0f;
    }

  /* (A + I) / 2 with each row renormalised to sum 1 (per row: the keepdim
   * slip of vit-explain#16 divided by the wrong axis).  The 1/2 cancels in
   * the renormalisation. */
  for (int r = 0; r < T; r++)
    {
      float *row = a + (gsize) r * T;
      row[r] += 1.0f;
      float sum = 0.0f;
      for (int c = 0; c < T; c++)
        sum += row[c];
      float inv = 1.0f / sum; /* sum >= 1: the identity is never dropped */
      for (int c = 0; c < T; c++)
        row[c] *= inv;
    }
}

gboolean
ls_attention_rollout (const LsAttentionStack *stack, int index, LsHeadFusion fusion,
                      float discard_ratio, float *out, GError **error)
{
  int grid;
  if (!check_stack (stack, index, &grid, error))
    return FALSE;
  if (!(discard_ratio >= 0.0f && discard_ratio < 1.0f))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "discard ratio %g is outside [0, 1)", discard_ratio);
      return FALSE;
    }

  int T = stack->tokens;
  g_autofree float *a = g_new (float, (gsize) T * T); /* (T, T) one fused layer */
  g_autofree float *v = g_new0 (float, T);            /* (T) row 0 of the product so far */
  g_autofree float *next = g_new (float, T);

  /* result = A_L ... A_1 and only its row 0 is read, so carry that row from
   * the last layer down: v = e0^T A_L, then v = v A_l.  Same numbers as the
   * full product with T times fewer operations. */
  v[0] = 1.0f;
  for (int layer = stack->num_layers - 1; layer >= 0; layer--)
    {
      ls_attention_rollout_layer (layer_attention (stack, layer, index),
                                  stack->num_heads, T, fusion, discard_ratio, a);
      /* next (1, T) = v (1, T) . A (T, T) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, T, T,
                   1.0f, v, T, a, T, 0.0f, next, T);
      memcpy (v, next, sizeof (float) * T);
    }

  memcpy (out, v + 1, sizeof (float) * grid * grid);
  ls_attention_normalize (out, (gsize) grid * grid);
  return TRUE;
}
