/* findings-private.h: findings.h's functions that only the engine's tests and
 * benchmarks call; clients see findings.h alone. */
#pragma once

#include "findings.h"

G_BEGIN_DECLS

/* Place of cell (@row, @col) of such a map. */
LsEvidencePlace  ls_photo_analysis_cell_place (const LsPhotoAnalysis *analysis,
                                               int                    row,
                                               int                    col,
                                               float                  cell_share);

G_END_DECLS
