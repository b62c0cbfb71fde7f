/* cpu.c: CPU features and the OpenBLAS core they call for. */
#include "cpu.h"
#include "cpu-private.h"

#include <cblas.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

LsCpuFeatures
ls_cpu_detect_features (void)
{
  LsCpuFeatures f = 0;
#if defined(__x86_64__) || defined(__i386__)
  /* libgcc's table also checks that the OS saves the AVX / AVX-512 state. */
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("sse3"))     f |= LS_CPU_SSE3;
  if (__builtin_cpu_supports ("ssse3"))    f |= LS_CPU_SSSE3;
  if (__builtin_cpu_supports ("sse4.1"))   f |= LS_CPU_SSE4_1;
  if (__builtin_cpu_supports ("sse4.2"))   f |= LS_CPU_SSE4_2;
  if (__builtin_cpu_supports ("avx"))      f |= LS_CPU_AVX;
  if (__builtin_cpu_supports ("avx2"))     f |= LS_CPU_AVX2;
  if (__builtin_cpu_supports ("fma"))      f |= LS_CPU_FMA;
  /* clang 14 has no "f16c" for __builtin_cpu_supports: CPUID leaf 1, ECX
   * bit 29, trusted only with AVX (whose check covers the OS state). */
  unsigned int a, b, c, d;
  if ((f & LS_CPU_AVX) && __get_cpuid (1, &a, &b, &c, &d) && (c & bit_F16C))
    f |= LS_CPU_F16C;
  if (__builtin_cpu_supports ("avx512f"))  f |= LS_CPU_AVX512F;
  if (__builtin_cpu_supports ("avx512bw")) f |= LS_CPU_AVX512BW;
  if (__builtin_cpu_supports ("avx512dq")) f |= LS_CPU_AVX512DQ;
  if (__builtin_cpu_supports ("avx512vl")) f |= LS_CPU_AVX512VL;
  /* AVX512_BF16: CPUID leaf 7 sub-leaf 1, EAX bit 5 (clang 14 and GCC 12
   * know no name for it), trusted only with AVX-512F's OS check. */
  if ((f & LS_CPU_AVX512F) && __get_cpuid_count (7, 1, &a, &b, &c, &d) && (a & (1u << 5)))
    f |= LS_CPU_AVX512_BF16;
  if (__builtin_cpu_is ("amd"))            f |= LS_CPU_VENDOR_AMD;
#endif
  return f;
}

static gboolean
has_all (LsCpuFeatures features, LsCpuFeatures wanted)
{
  return (features & wanted) == wanted;
}

LsCpuFeatures
ls_cpu_get_features (void)
{
  static gsize cached;  /* features | 1 << 31 once probed */

  if (g_once_init_enter (&cached))
    g_once_init_leave (&cached, (gsize) ls_cpu_detect_features () | (gsize) 1 << 31);
  return (LsCpuFeatures) (cached & ~((gsize) 1 << 31));
}

#define PATH_AVX2   (LS_CPU_AVX | LS_CPU_AVX2 | LS_CPU_FMA | LS_CPU_F16C)
#define PATH_AVX512 (PATH_AVX2 | LS_CPU_AVX512F | LS_CPU_AVX512BW | LS_CPU_AVX512DQ \
                     | LS_CPU_AVX512VL)

LsCpuPath
ls_cpu_best_path (LsCpuFeatures features)
{
  if (has_all (features, PATH_AVX512))
    return LS_CPU_PATH_AVX512;
  if (has_all (features, PATH_AVX2))
    return LS_CPU_PATH_AVX2;
  return LS_CPU_PATH_PORTABLE;
}

static const char * const path_names[] = { "portable", "avx2", "avx512" };

const char *
ls_cpu_path_name (LsCpuPath path)
{
  return (guint) path < G_N_ELEMENTS (path_names) ? path_names[path] : "unknown";
}

gboolean
ls_cpu_path_parse (const char *name, LsCpuPath *path)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (path_names); i++)
    if (g_ascii_strcasecmp (name, path_names[i]) == 0)
      {
        *path = (LsCpuPath) i;
        return TRUE;
      }
  return FALSE;
}

LsCpuPath
ls_cpu_plan_path (LsCpuFeatures features, const char *forced)
{
  LsCpuPath best = ls_cpu_best_path (features), want;

  if (forced != NULL && ls_cpu_path_parse (forced, &want) && want <= best)
    return want;
  return best;
}

LsCpuPath
ls_cpu_get_path (void)
{
  static gsize cached;  /* path + 1 once decided */

  if (g_once_init_enter (&cached))
    {
      LsCpuFeatures f = ls_cpu_get_features ();
      const char *forced = g_getenv (LS_CPU_PATH_ENV);
      LsCpuPath path = ls_cpu_plan_path (f, forced), want;
      if (forced != NULL && forced[0] != '\0')
        {
          if (!ls_cpu_path_parse (forced, &want))
            g_warning ("%s=%s: unknown (avx512, avx2 or portable); using %s",
                       LS_CPU_PATH_ENV, forced, ls_cpu_path_name (path));
          else if (want != path)
            g_warning ("%s=%s: this CPU cannot run it; using %s",
                       LS_CPU_PATH_ENV, forced, ls_cpu_path_name (path));
        }
      g_once_init_leave (&cached, (gsize) path + 1);
    }
  return (LsCpuPath) (cached - 1);
}

LsCpuPath
ls_cpu_lower_path (LsCpuPath path)
{
  return MIN (path, ls_cpu_best_path (ls_cpu_get_features ()));
}

const char *
ls_cpu_select_blas_core (LsCpuFeatures features)
{
  const LsCpuFeatures avx512 = LS_CPU_AVX512F | LS_CPU_AVX512BW | LS_CPU_AVX512DQ
                               | LS_CPU_AVX512VL | LS_CPU_AVX2 | LS_CPU_FMA;

  /* SkylakeX's kernels use F, BW, DQ and VL; Debian's 0.3.21 has no
   * Cooperlake/SapphireRapids kernels, so SkylakeX is the best there is. */
  if (has_all (features, avx512))
    return "SkylakeX";
  if (has_all (features, LS_CPU_AVX2 | LS_CPU_FMA))
    return (features & LS_CPU_VENDOR_AMD) ? "Zen" : "Haswell";
  if (features & LS_CPU_AVX)
    return "Sandybridge";
  if (features & LS_CPU_SSE4_2)
    return "Nehalem";
  if (features & LS_CPU_SSSE3)
    return "Core2";
  return NULL;
}

static const struct {
  const char *name;
  int         rank;
} core_ranks[] = {
  /* Roughly: SSE3, SSSE3, SSE4.x, AVX, AVX+FMA, AVX2+FMA, AVX-512. */
  { "Katmai", 5 }, { "Coppermine", 5 }, { "Northwood", 5 }, { "Athlon", 5 },
  { "Prescott", 10 }, { "Banias", 10 }, { "Opteron", 10 }, { "Opteron_SSE3", 10 },
  { "Atom", 10 }, { "Nano", 10 }, { "Bobcat", 15 }, { "Barcelona", 15 },
  { "Core2", 20 }, { "Penryn", 20 }, { "Dunnington", 20 },
  { "Nehalem", 30 },
  { "Sandybridge", 40 }, { "Bulldozer", 40 },
  { "Piledriver", 45 }, { "Steamroller", 45 }, { "Excavator", 45 },
  { "Haswell", 50 }, { "Zen", 50 },
  { "SkylakeX", 60 }, { "Cooperlake", 60 }, { "SapphireRapids", 60 },
};

int
ls_cpu_blas_core_rank (const char *core)
{
  if (core == NULL)
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS (core_ranks); i++)
    if (g_ascii_strcasecmp (core, core_ranks[i].name) == 0)
      return core_ranks[i].rank;
  return 0;
}

const char *
ls_cpu_plan_blas_core (LsCpuFeatures features,
                       const char   *env_coretype,
                       gboolean      guard_set,
                       const char   *current_core)
{
  if (env_coretype != NULL && env_coretype[0] != '\0')
    return NULL;  /* the user's (or the packager's) choice stands */
  if (guard_set)
    return NULL;  /* already re-executed once: never loop */

  const char *best = ls_cpu_select_blas_core (features);
  if (best == NULL)
    return NULL;
  int current = ls_cpu_blas_core_rank (current_core);
  /* A name this table does not know may well be newer: leave it alone. */
  if (current == 0 || current >= ls_cpu_blas_core_rank (best))
    return NULL;
  return best;
}

const char *
ls_cpu_get_blas_core (void)
{
  const char *name = openblas_get_corename ();
  return name != NULL ? name : "unknown";
}

int
ls_cpu_get_blas_threads (void)
{
  return openblas_get_num_threads ();
}

const char *
ls_cpu_get_blas_config (void)
{
  return openblas_get_config ();
}

void
ls_cpu_ensure_blas_core (int argc, char **argv)
{
  if (argc < 1 || argv == NULL || argv[0] == NULL)
    return;

  const char *core = ls_cpu_plan_blas_core (ls_cpu_get_features (),
                                            g_getenv ("OPENBLAS_CORETYPE"),
                                            g_getenv (LS_CPU_REEXEC_GUARD) != NULL,
                                            ls_cpu_get_blas_core ());
  if (core == NULL)
    return;

  /* OpenBLAS read its core in its constructor, before main(): only a new
   * process image sees the variable.  Nothing has been printed yet. */
  g_setenv ("OPENBLAS_CORETYPE", core, TRUE);
  g_setenv (LS_CPU_REEXEC_GUARD, "1", TRUE);
  fflush (NULL);
  execv ("/proc/self/exe", argv);

  /* No /proc (or no permission): run on with the detected core. */
  g_unsetenv ("OPENBLAS_CORETYPE");
  g_unsetenv (LS_CPU_REEXEC_GUARD);
}

char *
ls_cpu_describe (void)
{
  LsCpuFeatures f = ls_cpu_get_features ();
  static const struct {
    LsCpuFeatures bit;
    const char   *name;
  } names[] = {
    { LS_CPU_SSE4_2, "sse4.2" }, { LS_CPU_AVX, "avx" }, { LS_CPU_AVX2, "avx2" },
    { LS_CPU_FMA, "fma" }, { LS_CPU_F16C, "f16c" }, { LS_CPU_AVX512F, "avx512f" },
    { LS_CPU_AVX512BW, "avx512bw" }, { LS_CPU_AVX512DQ, "avx512dq" },
    { LS_CPU_AVX512VL, "avx512vl" }, { LS_CPU_AVX512_BF16, "avx512_bf16" },
  };
  GString *s = g_string_new (NULL);
  const char *source;

  if (g_getenv (LS_CPU_REEXEC_GUARD) != NULL)
    source = "chosen from the CPU features";
  else if (g_getenv ("OPENBLAS_CORETYPE") != NULL && g_getenv ("OPENBLAS_CORETYPE")[0] != '\0')
    source = "from OPENBLAS_CORETYPE";
  else
    source = "auto-detected";

  g_string_append_printf (s, "BLAS core %s (%s), %d threads; engine kernels %s%s; CPU:",
                          ls_cpu_get_blas_core (), source, ls_cpu_get_blas_threads (),
                          ls_cpu_path_name (ls_cpu_get_path ()),
                          g_getenv (LS_CPU_PATH_ENV) != NULL ? " (forced)" : "");
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (f & names[i].bit)
      g_string_append_printf (s, " %s", names[i].name);
  if ((f & ~LS_CPU_VENDOR_AMD) == 0)
    g_string_append (s, " (no x86 SIMD features detected)");
  g_autofree char *config = g_strdup (openblas_get_config ());
  g_string_append_printf (s, "; %s", g_strstrip (config));
  return g_string_free (s, FALSE);
}
