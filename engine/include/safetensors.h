/* safetensors.h: read (mmap, validated) and write safetensors files.
 *
 * A view's data pointer points into the mapping and may be unaligned
 * (files written before 2023 have no header padding).
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "tensor.h"

G_BEGIN_DECLS

#define LS_MAX_DIMS 8

typedef struct {
  const char *name;
  LsDtype     dtype;
  int         ndim;
  int64_t     shape[LS_MAX_DIMS];
  const void *data;   /* may be unaligned; NULL when nbytes == 0 */
  gsize       nbytes;
} LsTensorView;

gsize ls_tensor_view_numel (const LsTensorView *view);

typedef struct _LsSafetensors LsSafetensors;

/* Maps @path and validates the header strictly. */
LsSafetensors      *ls_safetensors_open          (const char     *path,
                                                  GError        **error);
guint               ls_safetensors_get_n_tensors (LsSafetensors  *self);
const LsTensorView *ls_safetensors_get_tensor    (LsSafetensors  *self,
                                                  guint           index);
const LsTensorView *ls_safetensors_lookup        (LsSafetensors  *self,
                                                  const char     *name);
void                ls_safetensors_free          (LsSafetensors  *self);

/* Writes @n_tensors views to @path atomically (temp file + rename). */
gboolean            ls_safetensors_write         (const char         *path,
                                                  const LsTensorView *tensors,
                                                  guint               n_tensors,
                                                  GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSafetensors, ls_safetensors_free)

G_END_DECLS
