/* matvec-kernels.h: the row-times-matrix kernels of each CPU path, for
 * matvec.c's threads.  Internal to the kernel layer. */
#pragma once

#include <glib.h>
#include "cpu.h"
#include "tensor.h"

G_BEGIN_DECLS

#if defined(__x86_64__) || defined(__i386__)
#define LS_HAVE_X86_KERNELS 1
#endif

/* Computes y[j0:j1] of one product y = W . x + b, W stored [out, in]. */
typedef void (*LsMatvecOutInFn) (float *y, const float *x, const void *w, const float *b,
                                 int in, int out, int j0, int j1);
/* Adds x[i0:i1] . W[i0:i1, :] to acc[0:out] (W stored [in, out]). */
typedef void (*LsMatvecRowsFn) (float *acc, const float *x, const void *w, int out,
                                int i0, int i1);

/* The dtypes the kernels read: the index into the tables below. */
#define LS_MATVEC_N_DTYPES 3
G_STATIC_ASSERT (LS_DTYPE_F32 == 0 && LS_DTYPE_F16 == 1 && LS_DTYPE_BF16 == 2);

/* One path's kernels, indexed by dtype (F32, F16, BF16). */
typedef struct {
  LsCpuPath       path;
  LsMatvecRowsFn  rows[LS_MATVEC_N_DTYPES];
  LsMatvecOutInFn out_in[LS_MATVEC_N_DTYPES];
} LsMatvecKernels;

extern const LsMatvecKernels ls_matvec_kernels_portable;  /* matvec-portable.c */
#ifdef LS_HAVE_X86_KERNELS
extern const LsMatvecKernels ls_matvec_kernels_avx2;      /* matvec-avx2.c */
extern const LsMatvecKernels ls_matvec_kernels_avx512;    /* matvec-avx512.c */
#endif

G_END_DECLS
