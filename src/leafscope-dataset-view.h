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
/* Scrolls the grid so that the shown item at @position is visible. */
void                   leafscope_dataset_view_scroll_to    (LeafscopeDatasetView *self,
                                                            guint                 position);

LeafscopeDatasetModel *leafscope_dataset_view_get_model      (LeafscopeDatasetView *self);
GListModel            *leafscope_dataset_view_get_shown      (LeafscopeDatasetView *self);
LeafscopeEvaluation   *leafscope_dataset_view_get_evaluation (LeafscopeDatasetView *self);
gboolean               leafscope_dataset_view_get_evaluating (LeafscopeDatasetView *self);
gboolean               leafscope_dataset_view_get_loading    (LeafscopeDatasetView *self);
GtkWidget             *leafscope_dataset_view_get_confusion_view (LeafscopeDatasetView *self);
guint                  leafscope_dataset_view_get_pending_thumbnails (LeafscopeDatasetView *self);

/* The split shown, and the one the evaluation is of (NULL: none). */
const char            *leafscope_dataset_view_get_split            (LeafscopeDatasetView *self);
const char            *leafscope_dataset_view_get_evaluation_split (LeafscopeDatasetView *self);
GtkWidget             *leafscope_dataset_view_get_grid             (LeafscopeDatasetView *self);

G_END_DECLS
