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

G_END_DECLS
