/* generate-private.h: generate.h's functions that only the engine's tests and
 * benchmarks call; clients see generate.h alone. */
#pragma once

#include "generate.h"

G_BEGIN_DECLS

/* n_positions of the (decoder) GPT-2. */
int              ls_language_model_get_context_length (LsLanguageModel *self);

G_END_DECLS
