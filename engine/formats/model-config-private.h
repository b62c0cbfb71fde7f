/* model-config-private.h: model-config.h's functions that only the
 * engine's tests and fuzzers call; clients see model-config.h alone. */
#pragma once

#include "model-config.h"

G_BEGIN_DECLS

/* "gelu", "gelu_new", ... as in transformers' ACT2FN. */
gboolean ls_activation_from_string (const char   *name,
                                    LsActivation *out,
                                    GError      **error);

/* From the text of config.json / preprocessor_config.json (@length -1:
 * NUL-terminated): tests and fuzzing. */
gboolean ls_model_config_parse (LsModelConfig *config,
                                const char    *json,
                                gssize         length,
                                GError       **error);

gboolean ls_preprocess_config_parse (LsPreprocessConfig *config,
                                     const char         *json,
                                     gssize              length,
                                     GError            **error);

G_END_DECLS
