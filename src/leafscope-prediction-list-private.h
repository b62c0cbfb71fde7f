/* leafscope-prediction-list-private.h: what the verdict area shows, for
 * tests (tests/test-gui-*.c). */
#pragma once

#include "leafscope-prediction-list.h"

G_BEGIN_DECLS

/* The note under the verdict, as set. */
const char *leafscope_prediction_list_get_note       (LeafscopePredictionList *self);

G_END_DECLS
