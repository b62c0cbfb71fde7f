/* cpu.h: what the CPU can do, and which OpenBLAS kernel set ("core") runs
 * on it.
 *
 * OpenBLAS picks its core in a library constructor, before main().  Some
 * builds (Debian's 0.3.21 on virtual machines) pick a generic one such as
 * Prescott on a CPU with AVX-512, which makes every sgemm several times
 * slower.  ls_cpu_ensure_blas_core() fixes that the only way that works after
 * the fact: it sets OPENBLAS_CORETYPE from the CPU's features and re-executes
 * the program once.  A value the environment already holds is never changed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LS_CPU_SSE3       = 1 << 0,
  LS_CPU_SSSE3      = 1 << 1,
  LS_CPU_SSE4_1     = 1 << 2,
  LS_CPU_SSE4_2     = 1 << 3,
  LS_CPU_AVX        = 1 << 4,
  LS_CPU_AVX2       = 1 << 5,
  LS_CPU_FMA        = 1 << 6,
  LS_CPU_F16C       = 1 << 7,
  LS_CPU_AVX512F    = 1 << 8,
  LS_CPU_AVX512BW   = 1 << 9,
  LS_CPU_AVX512DQ   = 1 << 10,
  LS_CPU_AVX512VL   = 1 << 11,
  LS_CPU_AVX512_BF16 = 1 << 12,
  LS_CPU_VENDOR_AMD = 1 << 30,  /* not a feature: who made it (picks Zen over Haswell) */
} LsCpuFeatures;

/* The kernel set the engine's own hot loops (matvec.c, vecmath.c) run:
 * chosen once per process from the CPU, or forced with LS_CPU_PATH_ENV
 * ("avx512", "avx2" or "portable") so that tests and benchmarks cover each
 * one on any machine. */
typedef enum {
  LS_CPU_PATH_PORTABLE,  /* plain C loops */
  LS_CPU_PATH_AVX2,      /* AVX2 + FMA + F16C */
  LS_CPU_PATH_AVX512,    /* AVX-512 F, BW, DQ, VL (and the AVX2 set) */
} LsCpuPath;

#define LS_CPU_PATH_ENV "LEAFSCOPE_CPU_PATH"

/* The environment variable that marks a process as already re-executed. */
#define LS_CPU_REEXEC_GUARD "LEAFSCOPE_BLAS_CORE_SET"

/* The CPU's features, probed once per process (cached). */
LsCpuFeatures ls_cpu_get_features      (void);
/* "avx512", "avx2", "portable". */
const char   *ls_cpu_path_name         (LsCpuPath     path);
/* The path of this process: ls_cpu_plan_path() of the cached features and
 * LS_CPU_PATH_ENV, decided once (a warning when the variable names an
 * unknown path or one the CPU cannot run). */
LsCpuPath     ls_cpu_get_path          (void);
/* @path, or the best path this CPU runs when it cannot run @path (the
 * cached features): what the kernels of a requested path lower to. */
LsCpuPath     ls_cpu_lower_path        (LsCpuPath     path);
/* Call first thing in main(): may re-execute the program (same @argv, from
 * /proc/self/exe) with OPENBLAS_CORETYPE set; returns when nothing needs to
 * change or when the re-exec fails (then the process goes on as it was). */
void          ls_cpu_ensure_blas_core  (int           argc,
                                        char        **argv);
/* The core OpenBLAS runs with ("Zen", "SkylakeX", ...). */
const char   *ls_cpu_get_blas_core     (void);
int           ls_cpu_get_blas_threads  (void);
/* OpenBLAS' build configuration line, as openblas_get_config() gives it. */
const char   *ls_cpu_get_blas_config   (void);
/* One line for `inspect` and the benchmark: core, OpenBLAS config, threads,
 * CPU features, and whether the core was chosen here.  Newly allocated. */
char         *ls_cpu_describe          (void);

G_END_DECLS
