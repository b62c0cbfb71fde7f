/* cpu-private.h: the pure decisions behind ls_cpu_get_path() and
 * ls_cpu_ensure_blas_core(), and the uncached probe: for the engine's tests
 * and benchmarks, which feed them made-up CPUs.  Clients use cpu.h. */
#pragma once

#include "cpu.h"

G_BEGIN_DECLS

/* Features of the running CPU (and OS support for the wide registers);
 * 0 on other architectures.  Probes every call: everything else in the
 * engine goes through the cached ls_cpu_get_features() / ls_cpu_get_path(). */
LsCpuFeatures ls_cpu_detect_features   (void);
/* The widest path @features can run.  Pure. */
LsCpuPath     ls_cpu_best_path         (LsCpuFeatures features);
/* Parses a path name (case-insensitive); FALSE when unknown.  Pure. */
gboolean      ls_cpu_path_parse        (const char   *name,
                                        LsCpuPath    *path);
/* The whole decision, pure: @forced (LS_CPU_PATH_ENV's value, may be NULL)
 * when it names a path @features can run, the best path otherwise. */
LsCpuPath     ls_cpu_plan_path         (LsCpuFeatures features,
                                        const char   *forced);
/* The OpenBLAS core that best fits @features (an OPENBLAS_CORETYPE value),
 * or NULL when nothing better than OpenBLAS' own choice is known.  Pure. */
const char   *ls_cpu_select_blas_core  (LsCpuFeatures features);
/* How capable the kernels of an OpenBLAS core name are: 0 for names this
 * table does not know, larger is newer.  Case-insensitive.  Pure. */
int           ls_cpu_blas_core_rank    (const char   *core);
/* The whole decision, pure: the OPENBLAS_CORETYPE value to set before
 * re-executing, or NULL to carry on.  NULL when @env_coretype (the
 * environment's value) is set, when @guard_set (this process is the
 * re-executed one), or when @current_core (what OpenBLAS picked) is at least
 * as capable as the best core for @features. */
const char   *ls_cpu_plan_blas_core    (LsCpuFeatures features,
                                        const char   *env_coretype,
                                        gboolean      guard_set,
                                        const char   *current_core);

G_END_DECLS
