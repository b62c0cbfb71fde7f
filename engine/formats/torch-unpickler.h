/* torch-unpickler.h: the state dict in a torch.save archive's data.pkl,
 * read by a restricted unpickler that executes nothing. */
#pragma once

#include "safetensors.h"
#include "zip-reader.h"

G_BEGIN_DECLS

/* Runs @pkl, the archive's <top>/data.pkl; storages are the entries
 * <top>/data/<key> of @entries.  Returns the state dict's tensors in pickle
 * order (g_free the array; *@n_tensors of them), as views into the entries'
 * bytes, with names interned in @names.  Errors: LS_ERROR_FORMAT, or
 * LS_ERROR_UNSAFE for a global outside the allowlist, prefixed with
 * "@origin: data.pkl: ". */
LsTensorView *ls_torch_unpickle (const LsZipEntry *pkl,
                                 GHashTable       *entries,
                                 const char       *top,
                                 const char       *origin,
                                 GStringChunk     *names,
                                 guint            *n_tensors,
                                 GError          **error);

G_END_DECLS
