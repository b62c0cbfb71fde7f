/* leafscope-bench.h: what the two files of leafscope-bench share: the
 * clock, the error reply, and the commands that time the machine and the
 * kernels on synthetic data (leafscope-bench-kernels.c; no model loaded). */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <time.h>

static inline double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static inline void
reply_error (GError *error)
{
  g_autofree char *msg = g_strescape (error != NULL ? error->message : "failed", NULL);
  printf ("{\"ok\": false, \"error\": \"%s\"}\n", msg);
}

/* sgemm M N K [REPS]: GFLOP/s of ls_linear at that shape. */
void cmd_sgemm (int m, int n, int k, int reps);

/* fma: the arithmetic roof in GFLOP/s on @threads threads. */
void cmd_fma (int threads);

/* bandwidth MB: the read bandwidth roof in GB/s on @threads threads. */
void cmd_bandwidth (int mb, int threads);

/* products DTYPE [PATH] [REPS]: the matrix-vector products of one GPT-2
 * 124M decoding step with one kernel path. */
void cmd_products (const char *dtype_name, const char *path_name, int reps, int threads);
