/* leafscope-worker-private.h: counters of the worker, for tests
 * (tests/test-gui-*.c). */
#pragma once

#include "leafscope-worker.h"

G_BEGIN_DECLS

/* The generation of the latest job of any lane; 0 before any. */
guint            leafscope_worker_get_generation (LeafscopeWorker *self);
/* How many times the vision model ran on a photo to be diagnosed (not
 * counting evaluations): one per photo, none for Regenerate. */
guint            leafscope_worker_get_n_vision_passes (LeafscopeWorker *self);

G_END_DECLS
