/* ops.h: the numeric kernels shared by every model.  Row-major everywhere.
 * Every matrix product goes through cblas_sgemm. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include "tensor.h"

G_BEGIN_DECLS

/* y[n,out] = x[n,in] . W^T + b, W stored [out,in] (nn.Linear).  @b may be NULL. */
void  ls_linear        (float       *y,
                        const float *x,
                        const float *w,
                        const float *b,
                        int          n,
                        int          in,
                        int          out);
/* y[n,out] = x[n,in] . W + b, W stored [in,out] (GPT-2 Conv1D).  @b may be NULL. */
void  ls_conv1d        (float       *y,
                        const float *x,
                        const float *w,
                        const float *b,
                        int          n,
                        int          in,
                        int          out);
/* Row-wise LayerNorm over @dim, @out may equal @x. */
void  ls_layernorm     (float       *out,
                        const float *x,
                        const float *gamma,
                        const float *beta,
                        int          n,
                        int          dim,
                        float        eps);
void  ls_activation_apply (LsActivation act,
                           float       *x,
                           gsize        n);
/* In-place softmax of each of @rows rows of @cols values (max-subtracted, fp32). */
void  ls_softmax_rows  (float       *x,
                        int          rows,
                        int          cols);
void  ls_add_inplace   (float       *y,
                        const float *x,
                        gsize        n);
/* Widening conversions; @src may be unaligned. */
void  ls_f16_to_f32    (float       *dst,
                        const void  *src,
                        gsize        n);
void  ls_bf16_to_f32   (float       *dst,
                        const void  *src,
                        gsize        n);

G_END_DECLS
