/* fuzz-safetensors.c: the safetensors header (length prefix, JSON, dtypes,
 * shapes, offsets) and tensor table, from a whole file in memory. */
#include "fuzz-common.h"
#include "safetensors.h"
#include "safetensors-private.h"

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
  g_autoptr(LsSafetensors) st = ls_safetensors_new_from_bytes (bytes, &error);
  if (st == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  g_assert (error == NULL);

  /* Every accepted tensor must lie inside the file and match dtype x shape. */
  guint n = ls_safetensors_get_n_tensors (st);
  for (guint i = 0; i < n; i++)
    {
      const LsTensorView *t = ls_safetensors_get_tensor (st, i);
      g_assert (t != NULL && t->name != NULL);
      g_assert (t->ndim >= 0 && t->ndim <= LS_MAX_DIMS);
      if (t->dtype != LS_DTYPE_OTHER)
        g_assert (ls_tensor_view_numel (t) * ls_dtype_size (t->dtype) == t->nbytes);
      if (t->nbytes > 0)
        {
          g_assert ((const guint8 *) t->data >= data
                    && (const guint8 *) t->data + t->nbytes <= data + size);
          fuzz_touch (t->data, t->nbytes);
        }
      g_assert (ls_safetensors_lookup (st, t->name) == t);
    }
  ls_safetensors_get_metadata (st, "format");
  return 0;
}
