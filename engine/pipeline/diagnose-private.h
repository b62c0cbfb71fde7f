/* diagnose-private.h: the diagnoser's API that only the engine's tests use. */
#pragma once

#include "diagnose.h"

G_BEGIN_DECLS

/* The prompt the text model gets for @diagnosis in @language ("en", "pt_BR"). */
char        *ls_diagnoser_build_prompt (LsDiagnoser      *self,
                                        const LsDiagnosis *diagnosis,
                                        const char       *language);

G_END_DECLS
