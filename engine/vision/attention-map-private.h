/* attention-map-private.h: attention-map.h's functions that only the engine's tests and
 * benchmarks call; clients see attention-map.h alone. */
#pragma once

#include "attention-map.h"

G_BEGIN_DECLS

/* One layer of the rollout: @heads (num_heads, T, T) fused, the lowest
 * @discard_ratio dropped, identity added and rows renormalised into @out
 * (T, T), each row of which sums to 1. */
void     ls_attention_rollout_layer (const float         *heads,
                                     int                  num_heads,
                                     int                  tokens,
                                     LsHeadFusion         fusion,
                                     float                discard_ratio,
                                     float               *out);

/* Scales @map so that its maximum is 1 (left as is when the max is <= 0). */
void     ls_attention_normalize  (float                  *map,
                                  gsize                   n);

G_END_DECLS
