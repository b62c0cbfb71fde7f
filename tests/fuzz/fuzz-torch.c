/* fuzz-torch.c: pytorch_model.bin from memory: the zip reader (end records,
 * ZIP64, central directory, local headers) and the restricted unpickler. */
#include "fuzz-common.h"
#include "torch-pickle.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_make_warnings_fatal ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* No copy: libFuzzer's buffer is sized exactly, so ASan sees any overread. */
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsTorchFile) tf = ls_torch_file_new_from_bytes (bytes, &error);
  if (tf == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  g_assert (error == NULL);

  guint n = ls_torch_file_get_n_tensors (tf);
  for (guint i = 0; i < n; i++)
    {
      const LsTensorView *t = ls_torch_file_get_tensor (tf, i);
      g_assert (t != NULL && t->name != NULL);
      g_assert (t->ndim >= 0 && t->ndim <= LS_MAX_DIMS);
      /* Views may point into the archive or into a copy made for strided
       * storage: either way every byte must be readable. */
      if (t->nbytes > 0)
        fuzz_touch (t->data, t->nbytes);
      g_assert (ls_torch_file_lookup (tf, t->name) != NULL);
    }
  return 0;
}
