/* checkpoint.h: the weights of a HuggingFace model folder, whatever the file
 * layout: model.safetensors, sharded model.safetensors.index.json, or
 * pytorch_model.bin.  Hands out float32 views: F32 data aligned in the mapping
 * is used in place (never copied); F16/BF16 (and unaligned F32) are widened
 * once and owned by the checkpoint.
 */
#pragma once

#include "safetensors.h"

G_BEGIN_DECLS

typedef struct _LsCheckpoint LsCheckpoint;

LsCheckpoint       *ls_checkpoint_open        (const char    *model_dir,
                                               GError       **error);
/* Raw view (any dtype), or NULL when absent.  Does not mark the tensor used. */
const LsTensorView *ls_checkpoint_lookup      (LsCheckpoint  *self,
                                               const char    *name);
/* float32 data of tensor @name, which must have exactly @ndim dims equal to
 * @shape; marks it used.  The pointer lives as long as @self. */
const float        *ls_checkpoint_get_f32     (LsCheckpoint  *self,
                                               const char    *name,
                                               int            ndim,
                                               const int64_t *shape,
                                               GError       **error);
/* Same checks as ls_checkpoint_get_f32, but F16 data is handed out as it
 * is in the file (a pointer into the mapping, maybe unaligned; *@dtype =
 * LS_DTYPE_F16) for kernels that widen it on the fly: half the memory and
 * half the bytes read per use.  Any other dtype comes as
 * ls_checkpoint_get_f32 gives it (*@dtype = LS_DTYPE_F32).  Marks it used. */
const void         *ls_checkpoint_get_weights (LsCheckpoint  *self,
                                               const char    *name,
                                               int            ndim,
                                               const int64_t *shape,
                                               LsDtype       *dtype,
                                               GError       **error);
/* TRUE when some tensor name starts with @prefix. */
gboolean            ls_checkpoint_has_prefix  (LsCheckpoint  *self,
                                               const char    *prefix);
/* Fails with LS_ERROR_UNEXPECTED_TENSOR naming the first tensor that was never
 * fetched with ls_checkpoint_get_f32() and whose name does not end with one of
 * the NULL-terminated @ignore_suffixes (e.g. ".attn.bias" buffers). */
gboolean            ls_checkpoint_check_all_used (LsCheckpoint       *self,
                                                  const char * const *ignore_suffixes,
                                                  GError            **error);
guint               ls_checkpoint_get_n_tensors (LsCheckpoint *self);
const LsTensorView *ls_checkpoint_get_tensor  (LsCheckpoint  *self,
                                               guint          index);
/* "safetensors", "safetensors (N shards)" or "pytorch_model.bin" */
const char         *ls_checkpoint_get_format  (LsCheckpoint  *self);
/* The dtype most of the weight bytes have. */
LsDtype             ls_checkpoint_get_dtype   (LsCheckpoint  *self);
gsize               ls_checkpoint_get_n_params (LsCheckpoint *self);
void                ls_checkpoint_free        (LsCheckpoint  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsCheckpoint, ls_checkpoint_free)

G_END_DECLS
