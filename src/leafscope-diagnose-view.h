/* leafscope-diagnose-view.h: drop a leaf, see the diagnosis, the heatmap and
 * the streamed description. */
#pragma once

#include <gtk/gtk.h>
#include "leafscope-worker.h"
#include "leafscope-result.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_DIAGNOSE_VIEW (leafscope_diagnose_view_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeDiagnoseView, leafscope_diagnose_view, LEAFSCOPE, DIAGNOSE_VIEW, GtkWidget)

void     leafscope_diagnose_view_setup        (LeafscopeDiagnoseView *self,
                                               LeafscopeWorker       *worker,
                                               GSettings             *settings);
/* Appends to the strip of photos and diagnoses the first of @files. */
void     leafscope_diagnose_view_open_files   (LeafscopeDiagnoseView *self,
                                               GFile                **files,
                                               guint                  n_files);
void     leafscope_diagnose_view_open_texture (LeafscopeDiagnoseView *self,
                                               GdkTexture            *texture,
                                               const char            *name);
void     leafscope_diagnose_view_paste        (LeafscopeDiagnoseView *self);
void     leafscope_diagnose_view_stop         (LeafscopeDiagnoseView *self);
void     leafscope_diagnose_view_regenerate   (LeafscopeDiagnoseView *self);
/* Empties the strip and goes back to the empty state. */
void     leafscope_diagnose_view_clear_photos (LeafscopeDiagnoseView *self);
/* "diagnose.*": stop, regenerate, save-report, step(i), clear-photos. */
GActionGroup *leafscope_diagnose_view_get_action_group (LeafscopeDiagnoseView *self);
/* Asks where, then writes the PNG and its Markdown sibling. */
void     leafscope_diagnose_view_save_report  (LeafscopeDiagnoseView *self);
/* Writes the report without asking (tests, scripts). */
gboolean leafscope_diagnose_view_write_report (LeafscopeDiagnoseView *self,
                                               GFile                 *png_file,
                                               gboolean               overwrite,
                                               GError               **error);
/* Steps through the strip; returns FALSE at its ends. */
gboolean leafscope_diagnose_view_step         (LeafscopeDiagnoseView *self,
                                               int                    delta);

/* Loading, diagnosing or writing (the window's actions follow it). */
gboolean leafscope_diagnose_view_get_busy     (LeafscopeDiagnoseView *self);

G_END_DECLS
