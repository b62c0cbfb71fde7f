/* leafscope-prediction-list.h: the verdict area of the Diagnose view.
 *
 * Shows one of: nothing, "Looking at the leaf…", the verdict with one bar
 * per class, or a calm status page (an icon, a title and what to do) for a
 * photo that cannot be judged or opened. */
#pragma once

#include <gtk/gtk.h>
#include "diagnose.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_PREDICTION_LIST (leafscope_prediction_list_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopePredictionList, leafscope_prediction_list, LEAFSCOPE, PREDICTION_LIST, GtkWidget)

void        leafscope_prediction_list_clear          (LeafscopePredictionList *self);
void        leafscope_prediction_list_show_loading   (LeafscopePredictionList *self);
void        leafscope_prediction_list_show_diagnosis (LeafscopePredictionList *self,
                                                      const LsDiagnosis       *diagnosis);
/* Instead of the bars: "can't judge this photo", "could not be opened". */
void        leafscope_prediction_list_show_status    (LeafscopePredictionList *self,
                                                      const char              *icon_name,
                                                      const char              *title,
                                                      const char              *description);
/* A line under the verdict's detail (where the deciding evidence lies);
 * NULL or "" hides it.  Cleared with the verdict. */
void        leafscope_prediction_list_set_note       (LeafscopePredictionList *self,
                                                      const char              *note);
/* "none", "loading", "result" or "status". */
const char *leafscope_prediction_list_get_state      (LeafscopePredictionList *self);
/* The verdict's title, or the status page's. */
const char *leafscope_prediction_list_get_verdict    (LeafscopePredictionList *self);
const char *leafscope_prediction_list_get_detail     (LeafscopePredictionList *self);
/* The bar of class @label: its fraction, or -1 when there is none. */
double      leafscope_prediction_list_get_bar_fraction (LeafscopePredictionList *self,
                                                        const char              *label);

G_END_DECLS
