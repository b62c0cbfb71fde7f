/* torch-pickle.h: pytorch_model.bin (torch.save zip format) read without
 * executing anything: a zip reader plus a restricted unpickler that accepts only
 * the globals PyTorch uses to describe tensors.
 */
#pragma once

#include "safetensors.h"

G_BEGIN_DECLS

typedef struct _LsTorchFile LsTorchFile;

LsTorchFile        *ls_torch_file_open           (const char   *path,
                                                  GError      **error);
LsTorchFile        *ls_torch_file_new_from_bytes (GBytes       *bytes,
                                                  GError      **error);
guint               ls_torch_file_get_n_tensors  (LsTorchFile  *self);
const LsTensorView *ls_torch_file_get_tensor     (LsTorchFile  *self,
                                                  guint         index);
const LsTensorView *ls_torch_file_lookup         (LsTorchFile  *self,
                                                  const char   *name);
void                ls_torch_file_free           (LsTorchFile  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsTorchFile, ls_torch_file_free)

G_END_DECLS
