/* torch-pickle.c: pytorch_model.bin reader (placeholder until the zip reader
 * and restricted unpickler land: every open fails cleanly). */
#include "torch-pickle.h"
#include "ls-error.h"

struct _LsTorchFile {
  int unused;
};

LsTorchFile *
ls_torch_file_open (const char *path, GError **error)
{
  g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
               "%s: reading pytorch_model.bin is not implemented yet", path);
  return NULL;
}

LsTorchFile *
ls_torch_file_new_from_bytes (GBytes *bytes, GError **error)
{
  g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
               "reading pytorch_model.bin is not implemented yet");
  return NULL;
}

guint
ls_torch_file_get_n_tensors (LsTorchFile *self)
{
  return 0;
}

const LsTensorView *
ls_torch_file_get_tensor (LsTorchFile *self, guint index)
{
  return NULL;
}

const LsTensorView *
ls_torch_file_lookup (LsTorchFile *self, const char *name)
{
  return NULL;
}

void
ls_torch_file_free (LsTorchFile *self)
{
  g_free (self);
}
