/* leafscope-evaluation.h: the bookkeeping of an evaluation run: which photo
 * was predicted as what, accuracy, and the confusion matrix (rows: the
 * dataset's classes, columns: the same classes, then any label of the model
 * that the dataset lacks), and last, once a photo was flagged, the photos
 * the model would not diagnose (status uncertain, not_a_leaf or unusable:
 * issue 12). */
#pragma once

#include "leafscope-dataset-model.h"
#include "metrics.h"
#include "scope.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_EVALUATION (leafscope_evaluation_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeEvaluation, leafscope_evaluation, LEAFSCOPE, EVALUATION, GObject)

/* @items: the LeafscopeDatasetItems evaluated, in order. */
LeafscopeEvaluation *leafscope_evaluation_new          (const char * const *classes,
                                                        GListModel         *items);
guint                leafscope_evaluation_get_n_items  (LeafscopeEvaluation *self);
LeafscopeDatasetItem *leafscope_evaluation_get_item    (LeafscopeEvaluation *self,
                                                        guint                index);
/* Records the prediction for item @index (@label NULL: it failed). */
void                 leafscope_evaluation_record       (LeafscopeEvaluation *self,
                                                        guint                index,
                                                        const char          *label);
/* The same with the photo's status: anything but diagnosed goes to the
 * flagged column, whatever @label. */
void                 leafscope_evaluation_record_status (LeafscopeEvaluation *self,
                                                         guint                index,
                                                         const char          *label,
                                                         LsDiagnosisStatus    status);
guint                leafscope_evaluation_get_n_done   (LeafscopeEvaluation *self);
guint                leafscope_evaluation_get_n_failed (LeafscopeEvaluation *self);
/* Photos the model did not diagnose (not failures). */
guint                leafscope_evaluation_get_n_flagged (LeafscopeEvaluation *self);
/* The engine's counts behind the numbers below (metrics.h): classes are
 * the columns, failed photos are left out.  Owned by @self. */
const LsMetrics     *leafscope_evaluation_get_metrics  (LeafscopeEvaluation *self);
/* Correct / diagnosed (failures and flagged photos excluded); 0 before any. */
double               leafscope_evaluation_get_accuracy (LeafscopeEvaluation *self);
/* Diagnosed / classified (failures excluded): the share the model answers; 0 before any. */
double               leafscope_evaluation_get_coverage (LeafscopeEvaluation *self);
/* TRUE for the column of flagged photos (its label is NULL). */
gboolean             leafscope_evaluation_is_flagged_column (LeafscopeEvaluation *self,
                                                             guint                column);
guint                leafscope_evaluation_get_n_rows   (LeafscopeEvaluation *self);
guint                leafscope_evaluation_get_n_columns (LeafscopeEvaluation *self);
const char          *leafscope_evaluation_get_row_label (LeafscopeEvaluation *self,
                                                         guint                row);
const char          *leafscope_evaluation_get_column_label (LeafscopeEvaluation *self,
                                                            guint                column);
guint                leafscope_evaluation_get_cell     (LeafscopeEvaluation *self,
                                                        guint                row,
                                                        guint                column);
/* TRUE when @item was classified into cell (@row, @column). */
gboolean             leafscope_evaluation_item_in_cell (LeafscopeEvaluation  *self,
                                                        LeafscopeDatasetItem *item,
                                                        guint                 row,
                                                        guint                 column);

G_END_DECLS
