/* threaded-ops.h: the element-wise steps between the products of a batch
 * (LayerNorm, residual adds, activations, softmax) cut into chunks of whole
 * rows for an LsMatvec's threads.  OpenBLAS runs the products on every core
 * and leaves these to one; for a ViT-B/16 image they were about a tenth of
 * the time (perf, 2 cores).  Each row is computed as ops.h computes it alone,
 * so the results do not depend on the cut.  @threads NULL: this thread. */
#pragma once

#include <glib.h>
#include "matvec.h"
#include "tensor.h"
#include "weights.h"

G_BEGIN_DECLS

void  ls_threaded_layernorm    (LsMatvec    *threads,
                                float       *out,
                                const float *x,
                                const float *gamma,
                                const float *beta,
                                int          rows,
                                int          dim,
                                float        eps);
/* y += x over @rows rows of @dim. */
void  ls_threaded_add          (LsMatvec    *threads,
                                float       *y,
                                const float *x,
                                int          rows,
                                int          dim);
void  ls_threaded_activation   (LsMatvec    *threads,
                                LsActivation act,
                                float       *x,
                                int          rows,
                                int          dim);
void  ls_threaded_softmax_rows (LsMatvec    *threads,
                                float       *x,
                                int          rows,
                                int          cols);
/* ls_weight_format_rows() for rows [0, @rows) of a matrix of @cols columns,
 * the widening (when there is one) cut between the threads: a prompt's
 * F16 products widen each whole matrix before sgemm, and on one core that
 * was a fifth of a GPT-2 124M prefill (perf, 2 cores). */
const float *ls_threaded_weight_rows (LsMatvec             *threads,
                                      const LsWeightFormat *format,
                                      const void           *w,
                                      int                   rows,
                                      int                   cols,
                                      float                *scratch);

G_END_DECLS
