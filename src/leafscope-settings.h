/* leafscope-settings.h: the engine's defaults with what the user changed on
 * top.  The text model's generation_config.json (through
 * ls_diagnoser_init_generate_options) and the engine's uncertainty threshold
 * (LS_SCOPE_DEFAULT_THRESHOLD) are the defaults, as in leafscope-cli; a
 * setting counts only once the user changed it (g_settings_get_user_value),
 * so the schema's defaults never reach the engine. */
#pragma once

#include <gio/gio.h>
#include "generate.h"

G_BEGIN_DECLS

/* The sampling settings the user changed.  Made on the main thread, applied
 * on the worker thread over the loaded text model's defaults. */
typedef struct {
  int   max_new_tokens; /* 0: the text model's */
  float temperature;    /* < 0: the text model's; 0: greedy */
  int   top_k;          /* < 0: the text model's */
  float top_p;          /* < 0: the text model's */
} LeafscopeGenerateOverrides;

/* No overrides: the text model's settings as they are. */
void   leafscope_generate_overrides_init          (LeafscopeGenerateOverrides       *overrides);
/* The keys the user changed in @settings (may be NULL: none). */
void   leafscope_generate_overrides_from_settings (LeafscopeGenerateOverrides       *overrides,
                                                   GSettings                        *settings);
/* @options (from ls_diagnoser_init_generate_options) with @overrides on
 * top; a temperature above 0 samples, 0 is greedy. */
void   leafscope_generate_overrides_apply         (const LeafscopeGenerateOverrides *overrides,
                                                   LsGenerateOptions                *options);

/* The value of sampling key @key ("max-new-tokens", "temperature",
 * "top-k", "top-p") that @defaults give, as the settings express it
 * (temperature 0 when @defaults do not sample). */
double leafscope_generate_default_value           (const LsGenerateOptions        *defaults,
                                                   const char                     *key);
/* TRUE when the user changed @key (its value is not the default). */
gboolean leafscope_settings_is_set                (GSettings                      *settings,
                                                   const char                     *key);
/* The uncertainty threshold the user chose, else the engine's default
 * (@settings may be NULL). */
float  leafscope_settings_get_threshold           (GSettings                      *settings);

G_END_DECLS
