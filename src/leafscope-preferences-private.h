/* leafscope-preferences-private.h: what the Preferences window shows, for
 * tests (tests/test-gui-*.c). */
#pragma once

#include "leafscope-preferences.h"

G_BEGIN_DECLS

/* The outcome of the last model check, as shown. */
const char           *leafscope_preferences_get_message (LeafscopePreferences *self);
/* The uncertainty threshold as the window shows it, in percent. */
double                leafscope_preferences_get_threshold_percent (LeafscopePreferences *self);
/* A model folder is being checked. */
gboolean              leafscope_preferences_get_checking (LeafscopePreferences *self);

G_END_DECLS
