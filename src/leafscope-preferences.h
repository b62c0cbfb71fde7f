/* leafscope-preferences.h: the Preferences window, bound to GSettings.  A
 * model folder is checked (loaded in a thread) before it is stored. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_PREFERENCES (leafscope_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopePreferences, leafscope_preferences, LEAFSCOPE, PREFERENCES, GtkWindow)

LeafscopePreferences *leafscope_preferences_new        (GtkWindow            *parent,
                                                        GSettings            *settings);
/* Checks @folder as the vision (@vision TRUE) or text model and stores it
 * when it loads; the outcome is shown in the window. */
void                  leafscope_preferences_try_model  (LeafscopePreferences *self,
                                                        gboolean              vision,
                                                        const char           *folder);
const char           *leafscope_preferences_get_message (LeafscopePreferences *self);
gboolean              leafscope_preferences_get_checking (LeafscopePreferences *self);

G_END_DECLS
