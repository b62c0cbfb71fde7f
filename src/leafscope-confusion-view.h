/* leafscope-confusion-view.h: the confusion matrix of an evaluation as a grid
 * of buttons (rows: true class, columns: predicted); activating a cell emits
 * ::cell-activated. */
#pragma once

#include <gtk/gtk.h>
#include "leafscope-evaluation.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_CONFUSION_VIEW (leafscope_confusion_view_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeConfusionView, leafscope_confusion_view, LEAFSCOPE, CONFUSION_VIEW, GtkWidget)

void       leafscope_confusion_view_set_evaluation (LeafscopeConfusionView *self,
                                                    LeafscopeEvaluation    *evaluation);
/* Refreshes the counts (the evaluation progressed). */
void       leafscope_confusion_view_update         (LeafscopeConfusionView *self);
/* Marks the cell whose photos are shown; G_MAXUINT: none. */
void       leafscope_confusion_view_set_selected   (LeafscopeConfusionView *self,
                                                    guint                   row,
                                                    guint                   column);
/* The button of a cell, for tests; NULL when out of range. */
GtkWidget *leafscope_confusion_view_get_cell       (LeafscopeConfusionView *self,
                                                    guint                   row,
                                                    guint                   column);

G_END_DECLS
