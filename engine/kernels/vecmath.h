/* vecmath.h: the element-wise functions of the transformer blocks (GELU,
 * softmax, LayerNorm, F16/BF16 widening) written for 16-wide AVX-512 and
 * 8-wide AVX2 + FMA (runtime dispatch on ls_cpu_get_path(); the libm loops
 * otherwise).
 *
 * Without -ffast-math, GCC vectorises neither erff/expf/tanhf calls nor float
 * reductions, so these took a fifth of a small ViT's time as scalar libm calls.
 * Accuracy: exp within 2 ulp; erf within 2e-7 absolute; tanh within 2e-7
 * absolute: far inside the fixtures' 1e-4 on logits.
 */
#pragma once

#include <glib.h>
#include "cpu.h"

G_BEGIN_DECLS

/* x = 0.5 x (1 + erf(x / sqrt 2)), in place ("gelu"). */
void ls_vec_gelu_erf     (float       *x,
                          gsize        n);
/* x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in place ("gelu_new"). */
void ls_vec_gelu_tanh    (float       *x,
                          gsize        n);
/* Each of @rows rows of @cols values: softmax in place (max-subtracted). */
void ls_vec_softmax_rows (float       *x,
                          int          rows,
                          int          cols);
/* Row-wise LayerNorm over @dim (two passes, like PyTorch); @out may be @x. */
void ls_vec_layernorm    (float       *out,
                          const float *x,
                          const float *gamma,
                          const float *beta,
                          int          n,
                          int          dim,
                          float        eps);
/* IEEE half to float, F16C 8 at a time when the CPU has it; @src may be
 * unaligned.  Exact (every half is a float). */
void ls_vec_f16_to_f32   (float       *dst,
                          const void  *src,
                          gsize        n);
/* bfloat16 to float (a shift: exact); @src may be unaligned. */
void ls_vec_bf16_to_f32  (float       *dst,
                          const void  *src,
                          gsize        n);
/* TRUE when vector versions (AVX2 or AVX-512) run in this process. */
gboolean ls_vec_is_accelerated (void);

/* The kernels of one path, for tests and benchmarks that compare paths in
 * one process: @path is lowered to what the CPU runs. */
typedef struct {
  LsCpuPath path;
  void (*gelu_erf)     (float *x, gsize n);
  void (*gelu_tanh)    (float *x, gsize n);
  void (*softmax_rows) (float *x, int rows, int cols);
  void (*layernorm)    (float *out, const float *x, const float *gamma, const float *beta,
                        int n, int dim, float eps);
  void (*f16_to_f32)   (float *dst, const void *src, gsize n);
  void (*bf16_to_f32)  (float *dst, const void *src, gsize n);
} LsVecKernels;

const LsVecKernels *ls_vec_get_kernels (LsCpuPath path);

G_END_DECLS
