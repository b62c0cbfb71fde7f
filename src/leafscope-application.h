/* leafscope-application.h: the application: actions and accelerators,
 * settings, the inference worker, files from the command line. */
#pragma once

#include <adwaita.h>
#include "leafscope-worker.h"

G_BEGIN_DECLS

#define LEAFSCOPE_APP_ID "io.github.leafscope.Leafscope"

#define LEAFSCOPE_TYPE_APPLICATION (leafscope_application_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeApplication, leafscope_application, LEAFSCOPE, APPLICATION, AdwApplication)

LeafscopeApplication *leafscope_application_new          (void);
GSettings            *leafscope_application_get_settings (LeafscopeApplication *self);
LeafscopeWorker      *leafscope_application_get_worker   (LeafscopeApplication *self);
/* The model folders in use: the setting, or the installed default. */
char                 *leafscope_application_dup_model_dir (LeafscopeApplication *self,
                                                           const char           *key);
/* The folder of the installed data (env LEAFSCOPE_DATA_DIR when set). */
const char           *leafscope_data_dir                  (void);

G_END_DECLS
