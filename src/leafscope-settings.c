/* leafscope-settings.c: see the header. */
#include "config.h"

#include "leafscope-settings.h"
#include "scope.h"

#include <string.h>

gboolean
leafscope_settings_is_set (GSettings *settings, const char *key)
{
  g_autoptr(GVariant) value = NULL;

  if (settings == NULL)
    return FALSE;
  value = g_settings_get_user_value (settings, key);
  return value != NULL;
}

void
leafscope_generate_overrides_init (LeafscopeGenerateOverrides *overrides)
{
  overrides->max_new_tokens = 0;
  overrides->temperature = -1.0f;
  overrides->top_k = -1;
  overrides->top_p = -1.0f;
}

void
leafscope_generate_overrides_from_settings (LeafscopeGenerateOverrides *overrides, GSettings *settings)
{
  leafscope_generate_overrides_init (overrides);
  if (leafscope_settings_is_set (settings, "max-new-tokens"))
    overrides->max_new_tokens = g_settings_get_int (settings, "max-new-tokens");
  if (leafscope_settings_is_set (settings, "temperature"))
    overrides->temperature = (float) g_settings_get_double (settings, "temperature");
  if (leafscope_settings_is_set (settings, "top-k"))
    overrides->top_k = g_settings_get_int (settings, "top-k");
  if (leafscope_settings_is_set (settings, "top-p"))
    overrides->top_p = (float) g_settings_get_double (settings, "top-p");
}

void
leafscope_generate_overrides_apply (const LeafscopeGenerateOverrides *overrides, LsGenerateOptions *options)
{
  if (overrides->max_new_tokens > 0)
    options->max_new_tokens = overrides->max_new_tokens;
  /* The Preferences' temperature also says whether to sample (0: greedy). */
  if (overrides->temperature > 0.0f)
    {
      options->temperature = overrides->temperature;
      options->do_sample = TRUE;
    }
  else if (overrides->temperature == 0.0f)
    options->do_sample = FALSE;
  if (overrides->top_k >= 0)
    options->top_k = overrides->top_k;
  if (overrides->top_p >= 0.0f)
    options->top_p = overrides->top_p;
}

double
leafscope_generate_default_value (const LsGenerateOptions *defaults, const char *key)
{
  if (strcmp (key, "max-new-tokens") == 0)
    return defaults->max_new_tokens;
  if (strcmp (key, "temperature") == 0)
    return defaults->do_sample ? defaults->temperature : 0.0;
  if (strcmp (key, "top-k") == 0)
    return defaults->top_k;
  if (strcmp (key, "top-p") == 0)
    return defaults->top_p;
  g_return_val_if_reached (0.0);
}

float
leafscope_settings_get_threshold (GSettings *settings)
{
  if (leafscope_settings_is_set (settings, "uncertainty-threshold"))
    return (float) g_settings_get_double (settings, "uncertainty-threshold");
  return LS_SCOPE_DEFAULT_THRESHOLD;
}
