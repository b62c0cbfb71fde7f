/* leafscope-window-private.h: the window's state and parts, for tests
 * (tests/test-gui-*.c), and its screenshots. */
#pragma once

#include "leafscope-window.h"

G_BEGIN_DECLS

/* The last error shown since the last photo was opened, NULL when none. */
const char            *leafscope_window_get_error         (LeafscopeWindow      *self);
void                   leafscope_window_set_view          (LeafscopeWindow      *self,
                                                           const char           *name);
const char            *leafscope_window_get_view          (LeafscopeWindow      *self);
LeafscopeDiagnoseView *leafscope_window_get_diagnose_view (LeafscopeWindow      *self);
LeafscopeDatasetView  *leafscope_window_get_dataset_view  (LeafscopeWindow      *self);
/* Renders @window as it is now into a PNG (screenshots, tests). */
gboolean               leafscope_window_save_screenshot   (GtkWindow            *window,
                                                           const char           *path,
                                                           GError              **error);

G_END_DECLS
