/* test-cpu.c: the choice of OpenBLAS core from CPU features, as pure
 * functions (no timing, nothing depends on the machine the test runs on,
 * except the last case which only checks consistency). */
#include <glib.h>
#include <string.h>

#include "cpu.h"
#include "cpu-private.h"

#define SSE (LS_CPU_SSE3 | LS_CPU_SSSE3 | LS_CPU_SSE4_1 | LS_CPU_SSE4_2)
#define HASWELL (SSE | LS_CPU_AVX | LS_CPU_AVX2 | LS_CPU_FMA | LS_CPU_F16C)
#define SKX (HASWELL | LS_CPU_AVX512F | LS_CPU_AVX512BW | LS_CPU_AVX512DQ | LS_CPU_AVX512VL)

static void
test_select (void)
{
  g_assert_cmpstr (ls_cpu_select_blas_core (SKX), ==, "SkylakeX");
  /* AMD Zen 4 has AVX-512 too: SkylakeX kernels beat Zen's AVX2 ones. */
  g_assert_cmpstr (ls_cpu_select_blas_core (SKX | LS_CPU_VENDOR_AMD), ==, "SkylakeX");
  /* Xeon Phi style: AVX512F without BW/DQ/VL cannot run SkylakeX kernels. */
  g_assert_cmpstr (ls_cpu_select_blas_core (HASWELL | LS_CPU_AVX512F), ==, "Haswell");
  g_assert_cmpstr (ls_cpu_select_blas_core (SKX & ~LS_CPU_AVX512VL), ==, "Haswell");
  g_assert_cmpstr (ls_cpu_select_blas_core (HASWELL), ==, "Haswell");
  g_assert_cmpstr (ls_cpu_select_blas_core (HASWELL | LS_CPU_VENDOR_AMD), ==, "Zen");
  /* AVX2 without FMA (some VMs mask FMA) must not get FMA kernels. */
  g_assert_cmpstr (ls_cpu_select_blas_core (HASWELL & ~LS_CPU_FMA), ==, "Sandybridge");
  g_assert_cmpstr (ls_cpu_select_blas_core (SSE | LS_CPU_AVX), ==, "Sandybridge");
  g_assert_cmpstr (ls_cpu_select_blas_core (SSE), ==, "Nehalem");
  g_assert_cmpstr (ls_cpu_select_blas_core (LS_CPU_SSE3 | LS_CPU_SSSE3), ==, "Core2");
  g_assert_null (ls_cpu_select_blas_core (LS_CPU_SSE3));
  g_assert_null (ls_cpu_select_blas_core (0));
}

static void
test_rank (void)
{
  g_assert_cmpint (ls_cpu_blas_core_rank ("Prescott"), <, ls_cpu_blas_core_rank ("Haswell"));
  g_assert_cmpint (ls_cpu_blas_core_rank ("Sandybridge"), <, ls_cpu_blas_core_rank ("Haswell"));
  g_assert_cmpint (ls_cpu_blas_core_rank ("Haswell"), <, ls_cpu_blas_core_rank ("SkylakeX"));
  g_assert_cmpint (ls_cpu_blas_core_rank ("Zen"), ==, ls_cpu_blas_core_rank ("Haswell"));
  /* openblas_get_corename() spells some names in lower case. */
  g_assert_cmpint (ls_cpu_blas_core_rank ("skylakex"), ==, ls_cpu_blas_core_rank ("SkylakeX"));
  g_assert_cmpint (ls_cpu_blas_core_rank ("NoSuchCore"), ==, 0);
  g_assert_cmpint (ls_cpu_blas_core_rank (NULL), ==, 0);
}

static void
test_plan (void)
{
  /* The case from the issue: Debian's OpenBLAS says Prescott on AVX-512. */
  g_assert_cmpstr (ls_cpu_plan_blas_core (SKX, NULL, FALSE, "Prescott"), ==, "SkylakeX");
  g_assert_cmpstr (ls_cpu_plan_blas_core (SKX, "", FALSE, "Prescott"), ==, "SkylakeX");
  g_assert_cmpstr (ls_cpu_plan_blas_core (HASWELL, NULL, FALSE, "Sandybridge"), ==, "Haswell");
  /* Never override the environment, even with a worse core. */
  g_assert_null (ls_cpu_plan_blas_core (SKX, "Prescott", FALSE, "Prescott"));
  g_assert_null (ls_cpu_plan_blas_core (SKX, "Haswell", FALSE, "Haswell"));
  /* Re-executed already: never loop, whatever OpenBLAS says. */
  g_assert_null (ls_cpu_plan_blas_core (SKX, NULL, TRUE, "Prescott"));
  /* Detected right, or as well as we would: no re-exec. */
  g_assert_null (ls_cpu_plan_blas_core (SKX, NULL, FALSE, "SkylakeX"));
  g_assert_null (ls_cpu_plan_blas_core (HASWELL | LS_CPU_VENDOR_AMD, NULL, FALSE, "Zen"));
  g_assert_null (ls_cpu_plan_blas_core (HASWELL | LS_CPU_VENDOR_AMD, NULL, FALSE, "Haswell"));
  g_assert_null (ls_cpu_plan_blas_core (HASWELL, NULL, FALSE, "SkylakeX"));
  /* A core name we do not know may be newer than our table. */
  g_assert_null (ls_cpu_plan_blas_core (SKX, NULL, FALSE, "FutureLake"));
  /* Nothing known for this CPU. */
  g_assert_null (ls_cpu_plan_blas_core (0, NULL, FALSE, "Prescott"));
}

static void
test_running (void)
{
  /* On this machine: the plan never asks for something the CPU cannot run,
   * and the description names the core OpenBLAS reports. */
  LsCpuFeatures f = ls_cpu_detect_features ();
  const char *best = ls_cpu_select_blas_core (f);
  if (best != NULL && strcmp (best, "SkylakeX") == 0)
    g_assert_true (f & LS_CPU_AVX512VL);
  g_autofree char *text = ls_cpu_describe ();
  g_assert_nonnull (strstr (text, ls_cpu_get_blas_core ()));
  g_assert_cmpint (ls_cpu_get_blas_threads (), >=, 1);
}

static void
test_path (void)
{
  LsCpuPath p = LS_CPU_PATH_PORTABLE;

  g_assert_cmpint (ls_cpu_best_path (SKX), ==, LS_CPU_PATH_AVX512);
  g_assert_cmpint (ls_cpu_best_path (HASWELL), ==, LS_CPU_PATH_AVX2);
  /* AVX-512F alone (Xeon Phi) is not the AVX-512 path; no F16C, no AVX2 path. */
  g_assert_cmpint (ls_cpu_best_path (HASWELL | LS_CPU_AVX512F), ==, LS_CPU_PATH_AVX2);
  g_assert_cmpint (ls_cpu_best_path (HASWELL & ~LS_CPU_F16C), ==, LS_CPU_PATH_PORTABLE);
  g_assert_cmpint (ls_cpu_best_path (SSE), ==, LS_CPU_PATH_PORTABLE);
  g_assert_cmpint (ls_cpu_best_path (0), ==, LS_CPU_PATH_PORTABLE);

  g_assert_true (ls_cpu_path_parse ("AVX512", &p) && p == LS_CPU_PATH_AVX512);
  g_assert_true (ls_cpu_path_parse ("avx2", &p) && p == LS_CPU_PATH_AVX2);
  g_assert_true (ls_cpu_path_parse ("portable", &p) && p == LS_CPU_PATH_PORTABLE);
  g_assert_false (ls_cpu_path_parse ("sse", &p));
  g_assert_false (ls_cpu_path_parse (NULL, &p));
  for (int i = LS_CPU_PATH_PORTABLE; i <= LS_CPU_PATH_AVX512; i++)
    g_assert_true (ls_cpu_path_parse (ls_cpu_path_name (i), &p) && (int) p == i);

  /* A forced path is taken when the CPU runs it, never above what it runs. */
  g_assert_cmpint (ls_cpu_plan_path (SKX, NULL), ==, LS_CPU_PATH_AVX512);
  g_assert_cmpint (ls_cpu_plan_path (SKX, "avx2"), ==, LS_CPU_PATH_AVX2);
  g_assert_cmpint (ls_cpu_plan_path (SKX, "portable"), ==, LS_CPU_PATH_PORTABLE);
  g_assert_cmpint (ls_cpu_plan_path (HASWELL, "avx512"), ==, LS_CPU_PATH_AVX2);
  g_assert_cmpint (ls_cpu_plan_path (HASWELL, "nonsense"), ==, LS_CPU_PATH_AVX2);
  g_assert_cmpint (ls_cpu_plan_path (0, "avx2"), ==, LS_CPU_PATH_PORTABLE);

  /* This process: the cached answer is consistent with the features. */
  g_assert_cmpint (ls_cpu_get_features (), ==, ls_cpu_detect_features ());
  g_assert_cmpint (ls_cpu_get_path (), <=, ls_cpu_best_path (ls_cpu_get_features ()));
  /* A requested path lowers to what the CPU runs, never rises. */
  LsCpuPath best = ls_cpu_best_path (ls_cpu_get_features ());
  for (LsCpuPath p = LS_CPU_PATH_PORTABLE; p <= LS_CPU_PATH_AVX512; p++)
    g_assert_cmpint (ls_cpu_lower_path (p), ==, MIN (p, best));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Cpu/select", test_select);
  g_test_add_func ("/Engine/Cpu/rank", test_rank);
  g_test_add_func ("/Engine/Cpu/plan", test_plan);
  g_test_add_func ("/Engine/Cpu/running", test_running);
  g_test_add_func ("/Engine/Cpu/path", test_path);
  return g_test_run ();
}
