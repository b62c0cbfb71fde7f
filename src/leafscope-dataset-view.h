/* leafscope-dataset-view.h: browse a dataset folder as a grid of photos,
 * filter by split and class, and evaluate the vision model on a split. */
#pragma once

#include <gtk/gtk.h>
#include "leafscope-worker.h"
#include "leafscope-dataset-model.h"
#include "leafscope-evaluation.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_DATASET_VIEW (leafscope_dataset_view_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeDatasetView, leafscope_dataset_view, LEAFSCOPE, DATASET_VIEW, GtkWidget)

void                   leafscope_dataset_view_setup        (LeafscopeDatasetView *self,
                                                            LeafscopeWorker      *worker,
                                                            GSettings            *settings);
/* Scans @folder in a thread, then shows it; remembered as the last dataset. */
void                   leafscope_dataset_view_open_folder  (LeafscopeDatasetView *self,
                                                            const char           *folder);
void                   leafscope_dataset_view_choose_folder (LeafscopeDatasetView *self);
void                   leafscope_dataset_view_evaluate     (LeafscopeDatasetView *self);
void                   leafscope_dataset_view_cancel_evaluation (LeafscopeDatasetView *self);
/* Shows only the photos of confusion cell (@row, @column). */
void                   leafscope_dataset_view_show_cell    (LeafscopeDatasetView *self,
                                                            guint                 row,
                                                            guint                 column);
void                   leafscope_dataset_view_set_split    (LeafscopeDatasetView *self,
                                                            const char           *split);

G_END_DECLS
