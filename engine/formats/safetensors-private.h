/* safetensors-private.h: safetensors.h's functions that only the engine's tests and
 * benchmarks call; clients see safetensors.h alone. */
#pragma once

#include "safetensors.h"

G_BEGIN_DECLS

/* Parses a whole file held in @bytes (kept alive by the object): fuzzing, tests. */
LsSafetensors      *ls_safetensors_new_from_bytes (GBytes        *bytes,
                                                  GError        **error);

/* "__metadata__" value for @key, or NULL. */
const char         *ls_safetensors_get_metadata  (LsSafetensors  *self,
                                                  const char     *key);

G_END_DECLS
