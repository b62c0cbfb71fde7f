/* leafscope-result.h: one photo's diagnosis, kept and shared.
 *
 * The worker classifies a photo once and hands the LsDiagnosis to a
 * LeafscopeResult; the view shows it and the worker writes the description
 * from the same one (GObject's reference counting is thread-safe).  Only its
 * evidence changes after creation: the worker's thread fills
 * diagnosis->evidence and the findings' evidence_* fields
 * (ls_diagnoser_explain) and is the only one to read them; the view gets
 * copies of each stage through the worker's messages and reads none of those
 * fields.  Regenerate describes from
 * it again, so a photo passes through the vision model once.  The result
 * remembers the vision model folder it came from, so a view can tell a
 * result of an older model from a current one. */
#pragma once

#include <glib-object.h>
#include "diagnose.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_RESULT (leafscope_result_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeResult, leafscope_result, LEAFSCOPE, RESULT, GObject)

/* Takes @diagnosis (transfer full). */
LeafscopeResult   *leafscope_result_new              (LsDiagnosis     *diagnosis,
                                                      const char      *vision_model);
const LsDiagnosis *leafscope_result_get_diagnosis    (LeafscopeResult *self);
/* For the worker's thread only: the diagnosis to explain (see above). */
LsDiagnosis       *leafscope_result_get_diagnosis_to_explain (LeafscopeResult *self);
/* The vision model folder the diagnosis came from. */
const char        *leafscope_result_get_vision_model (LeafscopeResult *self);

G_END_DECLS
