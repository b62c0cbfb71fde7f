/* leafscope-window.h: the main window: header bar with the view switcher,
 * the Diagnose and Dataset views (a bottom switcher bar when narrow), and
 * toasts for messages. */
#pragma once

#include <adwaita.h>
#include "leafscope-application.h"
#include "leafscope-diagnose-view.h"
#include "leafscope-dataset-view.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_WINDOW (leafscope_window_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeWindow, leafscope_window, LEAFSCOPE, WINDOW, AdwApplicationWindow)

LeafscopeWindow       *leafscope_window_new               (LeafscopeApplication *application);
void                   leafscope_window_open_files        (LeafscopeWindow      *self,
                                                           GFile               **files,
                                                           guint                 n_files);
void                   leafscope_window_show_error        (LeafscopeWindow      *self,
                                                           const char           *message);
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
