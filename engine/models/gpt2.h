/* gpt2.h: the GPT-2 transformer (GPT2LMHeadModel) with a KV cache, and the
 * cross-attention blocks of the ViT-GPT-2 decoder.
 *
 * Every buffer (activations for a chunk of tokens, the KV cache for
 * n_positions tokens) is planned when the model is built: a forward pass
 * allocates nothing.  A prompt runs in chunks of up to 256 tokens as batched
 * products; decoding runs one token per call, each weight matrix read once.
 */
#pragma once

#include <gio/gio.h>
#include "checkpoint.h"
#include "model-config.h"

G_BEGIN_DECLS

typedef struct _LsGpt2 LsGpt2;

/* Builds from @checkpoint, whose GPT2LMHeadModel keys start with @prefix ("",
 * or "decoder." in a VisionEncoderDecoderModel), followed by "transformer." or
 * not.  "lm_head.weight" is tied to wte when absent.  Cross-attention weights
 * are read when config->add_cross_attention.  @checkpoint must outlive the
 * model. */
LsGpt2             *ls_gpt2_new          (LsCheckpoint       *checkpoint,
                                          const LsGpt2Config *config,
                                          const char         *prefix,
                                          GError            **error);
/* Number of tokens in the KV cache: the position of the next token. */
int                 ls_gpt2_get_position (LsGpt2             *self);
/* Empties the KV cache (the encoder states stay). */
void                ls_gpt2_reset        (LsGpt2             *self);
/* Cross-attention models: computes each layer's K/V of the encoder output
 * @states [n_states, n_embd] once; they serve every following step until the
 * next call. */
gboolean            ls_gpt2_set_encoder_states (LsGpt2       *self,
                                                const float  *states,
                                                int           n_states,
                                                GError      **error);
/* Runs @n tokens at the next @n positions, appending them to the cache, and
 * writes @logits: [n, vocab] when @all_positions, else [vocab] for the last
 * token only (the LM head is the largest product: skip the rows not needed).
 * @logits may be NULL (cache only).  Fails with LS_ERROR_TOO_LARGE when the
 * cache would pass n_positions, LS_ERROR_INVALID_ARGUMENT for an id out of
 * range, G_IO_ERROR_CANCELLED between chunks; the cache is unchanged then. */
gboolean            ls_gpt2_forward      (LsGpt2             *self,
                                          const int          *ids,
                                          int                 n,
                                          float              *logits,
                                          gboolean            all_positions,
                                          GCancellable       *cancellable,
                                          GError            **error);
/* Lowers the number of prompt tokens run per batched pass (at least 1, at
 * most the planned 256): memory for long prompts, and tests of the chunked
 * path. */
void                ls_gpt2_set_chunk_size (LsGpt2           *self,
                                            int               rows);
void                ls_gpt2_free         (LsGpt2             *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsGpt2, ls_gpt2_free)

G_END_DECLS
