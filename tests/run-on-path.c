/* run-on-path: runs a test program with LEAFSCOPE_CPU_PATH set to one kernel
 * path, so that the golden tests cover every path the CPU can run; on a CPU
 * that cannot run it, reports the whole program skipped (TAP) instead.
 *
 *   run-on-path PATH TEST-PROGRAM [ARGS...] */
#include <glib.h>
#include <stdio.h>
#include <unistd.h>

#include "cpu.h"
#include "cpu-private.h"

int
main (int argc, char **argv)
{
  LsCpuPath path;

  if (argc < 3 || !ls_cpu_path_parse (argv[1], &path))
    {
      fprintf (stderr, "usage: run-on-path avx512|avx2|portable PROGRAM [ARGS...]\n");
      return 2;
    }
  if (path > ls_cpu_best_path (ls_cpu_get_features ()))
    {
      printf ("1..0 # SKIP this CPU cannot run the %s kernels\n", argv[1]);
      return 0;
    }
  g_setenv (LS_CPU_PATH_ENV, argv[1], TRUE);
  execv (argv[2], argv + 2);
  perror (argv[2]);
  return 1;
}
