/* leafscope-dataset-view-private.h: what the files of the Dataset view share
 * (the grid and its filters: leafscope-dataset-view.c; evaluation and the
 * confusion matrix: -evaluation.c).  Not for other widgets. */
#pragma once

#include "leafscope-dataset-view.h"
#include "leafscope-confusion-view.h"
#include "leafscope-evaluation.h"
#include "leafscope-thumbnailer.h"

G_BEGIN_DECLS

struct _LeafscopeDatasetView
{
  GtkWidget              parent_instance;

  GtkStack              *stack;
  GtkLabel              *folder_label;
  GtkDropDown           *split_dropdown;
  GtkDropDown           *class_dropdown;
  GtkWidget             *evaluate_button;
  GtkRevealer           *filter_revealer;
  GtkLabel              *filter_label;
  GtkGridView           *grid_view;
  GtkWidget             *grid_scroller;
  GtkRevealer           *eval_revealer;
  GtkProgressBar        *eval_progress;
  GtkWidget             *eval_cancel;
  GtkLabel              *accuracy_label;
  GtkLabel              *eval_detail;
  GtkLabel              *eval_title;
  GtkLabel              *eval_progress_label;
  GtkBox                *body;
  GtkBox                *toolbar;
  GtkScrolledWindow     *eval_scroller;
  GtkWidget             *eval_box;
  GtkStack              *grid_stack;
  LeafscopeConfusionView *confusion_view;
  GtkRevealer           *scope_revealer;
  GtkLabel              *scope_label;
  GtkWidget             *calibrate_button;
  GtkWidget             *calibrate_cancel;
  GtkProgressBar        *calibrate_progress;

  LeafscopeWorker       *worker;
  GSettings             *settings;
  LeafscopeThumbnailer  *thumbnailer;
  LeafscopeDatasetModel *model;
  GtkFilterListModel    *filtered;
  GtkCustomFilter       *filter;
  GCancellable          *scan_cancellable;
  GStrv                  split_ids;  /* dropdown position -> split */
  GStrv                  class_ids;  /* dropdown position -> class, 0 = all */
  LeafscopeEvaluation   *evaluation;
  char                  *eval_split;  /* the split @evaluation is of */
  gboolean               narrow;
  gboolean               evaluating;
  gboolean               calibrating;
  gboolean               calibrated;  /* the bar reports a calibration done */
  guint                  probe_id;
  gboolean               loading;
  gboolean               cell_filter;
  guint                  cell_row;
  guint                  cell_column;
  gboolean               updating_dropdowns;
  GHashTable            *bound;       /* LeafscopeDatasetItem -> its GtkPicture, bound now */
  guint                  flush_id;
  guint                  flush_retries;
};

const char *leafscope_dataset_view_current_split         (LeafscopeDatasetView *self);
char       *leafscope_split_display_name                 (const char           *split);
void        leafscope_dataset_view_refilter              (LeafscopeDatasetView *self);
void        leafscope_dataset_view_clear_cell_filter     (LeafscopeDatasetView *self);
void        leafscope_dataset_view_update_class_dropdown (LeafscopeDatasetView *self);
void        leafscope_dataset_view_notify_can_evaluate   (LeafscopeDatasetView *self);
/* Evaluation (-evaluation.c). */
void        leafscope_dataset_view_close_evaluation      (LeafscopeDatasetView *self);
void        leafscope_dataset_view_on_cell_activated     (LeafscopeDatasetView *self,
                                                          guint                 row,
                                                          guint                 column);
void        leafscope_dataset_view_on_show_all_clicked   (LeafscopeDatasetView *self);
void        leafscope_dataset_view_on_close_evaluation_clicked  (LeafscopeDatasetView *self);
void        leafscope_dataset_view_on_cancel_evaluation_clicked (LeafscopeDatasetView *self);
/* The scope check (-scope.c): the bar saying it is off, calibration. */
void        leafscope_dataset_view_init_scope            (LeafscopeDatasetView *self);
void        leafscope_dataset_view_update_scope          (LeafscopeDatasetView *self);
void        leafscope_dataset_view_on_calibrate_clicked  (LeafscopeDatasetView *self);
void        leafscope_dataset_view_on_calibrate_cancel_clicked (LeafscopeDatasetView *self);

/* State the public API does not give: for tests (tests/test-gui-*.c). */
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
