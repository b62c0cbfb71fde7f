/* leafscope-preferences.h: the Preferences window, bound to GSettings, in
 * plain words: confidences and opacity in percent, the text model's sampling
 * under an "Advanced" row.  A model folder is checked (loaded in a thread)
 * before it is stored. */
#pragma once

#include <adwaita.h>
#include "leafscope-worker.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_PREFERENCES (leafscope_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopePreferences, leafscope_preferences, LEAFSCOPE, PREFERENCES, AdwPreferencesWindow)

/* @worker (may be NULL) gives the text model's generation defaults, shown
 * for the settings the user did not change. */
LeafscopePreferences *leafscope_preferences_new        (GtkWindow            *parent,
                                                        GSettings            *settings,
                                                        LeafscopeWorker      *worker);
/* Checks @folder as the vision (@vision TRUE) or text model and stores it
 * when it loads; the outcome is shown in the window. */
void                  leafscope_preferences_try_model  (LeafscopePreferences *self,
                                                        gboolean              vision,
                                                        const char           *folder);

G_END_DECLS
