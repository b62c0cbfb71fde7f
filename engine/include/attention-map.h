/* attention-map.h: where a ViT looked, as a (image/patch)^2 grid.
 *
 * Input is the stack of softmax attention matrices a ViT forward returns
 * (LsVitOutput.attentions): [num_layers][batch, heads, T, T], T = 1 + grid^2,
 * CLS first.  Outputs are grid * grid floats, row-major, normalised to
 * [0, 1] by their maximum (all zeros stay zeros).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LS_HEAD_FUSION_MEAN,
  LS_HEAD_FUSION_MAX,
  LS_HEAD_FUSION_MIN,
} LsHeadFusion;

typedef struct {
  const float *data;       /* [num_layers][batch, heads, T, T] */
  int          num_layers;
  int          batch;
  int          num_heads;
  int          tokens;     /* T */
} LsAttentionStack;

/* Side of the patch grid for @tokens (CLS + grid^2), or 0 when T - 1 is not
 * a square. */
int      ls_attention_grid_size (int tokens);

/* Last layer, CLS row, patch columns, for batch item @index.  Writes
 * (num_heads + 1) maps of grid * grid into @out: the head mean first, then
 * each head. */
gboolean ls_attention_last_layer (const LsAttentionStack *stack,
                                  int                     index,
                                  float                  *out,
                                  GError                **error);

/* Attention rollout (Abnar & Zuidema 2020, as jacobgil/vit-explain computes
 * it, with its row-normalisation bug fixed): per layer fuse the heads, zero
 * the lowest @discard_ratio of the fused matrix (never element 0, CLS to
 * CLS), A = (A + I) / 2 with rows renormalised to sum 1, multiply through the
 * layers, take row 0 over the patch columns.  Writes grid * grid into @out. */
gboolean ls_attention_rollout    (const LsAttentionStack *stack,
                                  int                     index,
                                  LsHeadFusion            fusion,
                                  float                   discard_ratio,
                                  float                  *out,
                                  GError                **error);

G_END_DECLS
