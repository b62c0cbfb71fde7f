/* matvec.h: one row times a weight matrix, the whole cost of decoding a token.
 *
 * sgemm with one row packs the weight matrix before using it (OpenBLAS 0.3.21
 * does not switch to gemv), which reads and writes every weight byte again;
 * and an F16 checkpoint widened to float32 doubles both the memory and the
 * bytes read per token.  These kernels read each weight once, in the dtype it
 * has in the file (F32, F16 or BF16, widened in registers: AVX-512, AVX2 +
 * FMA + F16C or a portable loop, chosen at run time), split over a few threads
 * because one core alone cannot use the memory bandwidth.
 *
 * An LsMatvec owns its worker threads; use it from one thread at a time.
 */
#pragma once

#include <glib.h>
#include "cpu.h"
#include "tensor.h"

G_BEGIN_DECLS

typedef struct _LsMatvec LsMatvec;

/* @n_threads <= 0: as many as OpenBLAS uses.  Kernels of ls_cpu_get_path(). */
LsMatvec   *ls_matvec_new        (int          n_threads);
/* The kernels of @path, or of the best path the CPU runs when it cannot run
 * @path (tests cover every path in one process). */
LsMatvec   *ls_matvec_new_for_path (int        n_threads,
                                    LsCpuPath  path);
int         ls_matvec_get_n_threads (LsMatvec *self);
/* The path whose kernels run ("avx512", "avx2", "portable"). */
const char *ls_matvec_get_kernels (LsMatvec   *self);
LsCpuPath   ls_matvec_get_path   (LsMatvec    *self);

/* y[out] = x[in] . W + b, W stored [in, out] (GPT-2 Conv1D), dtype F32, F16
 * or BF16 (widened exactly); @w may be unaligned; @b may be NULL. */
void        ls_matvec_in_out     (LsMatvec    *self,
                                  float       *y,
                                  const float *x,
                                  const void  *w,
                                  LsDtype      dtype,
                                  const float *b,
                                  int          in,
                                  int          out);
/* y[out] = W . x[in] + b, W stored [out, in] (nn.Linear, the LM head). */
void        ls_matvec_out_in     (LsMatvec    *self,
                                  float       *y,
                                  const float *x,
                                  const void  *w,
                                  LsDtype      dtype,
                                  const float *b,
                                  int          in,
                                  int          out);

/* Runs fn (data, chunk, n_chunks) for every chunk in [0, n_chunks) on the
 * threads (the caller works too), in no set order, and returns when all are
 * done: the element-wise steps between the products of a batch (LayerNorm,
 * GELU, softmax) run on every core instead of one. */
typedef void (*LsMatvecChunkFn) (gpointer data, int chunk, int n_chunks);
void        ls_matvec_run_chunks (LsMatvec       *self,
                                  LsMatvecChunkFn fn,
                                  gpointer        data,
                                  int             n_chunks);
#define LS_MATVEC_DEFAULT_SPIN_US 200
/* How long (microseconds) an idle worker spins before it sleeps; the default
 * suits decoding, whose calls come back to back.  Between products that
 * OpenBLAS runs on the same cores, spinning only takes time from its threads. */
void        ls_matvec_set_spin_us (LsMatvec   *self,
                                   int         spin_us);
void        ls_matvec_free       (LsMatvec    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMatvec, ls_matvec_free)

G_END_DECLS
