/* test-matvec.c: the row-times-matrix kernels against a double-precision
 * reference computed here, for both weight layouts, F32 and F16 (unaligned
 * too), sizes that hit every vector tail, and 1-3 threads. */
#include <stdatomic.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "cpu-private.h"
#include "matvec.h"
#include "ops.h"

typedef struct {
  int in, out;
} Size;

static const Size sizes[] = {
  { 1, 1 }, { 3, 5 }, { 8, 8 }, { 37, 45 }, { 64, 3 }, { 512, 1040 }, { 129, 1031 }, { 1031, 777 },
};

static guint16
float_to_bf16 (float v)
{
  guint32 bits;
  memcpy (&bits, &v, 4);
  bits += 0x7fff + ((bits >> 16) & 1);  /* round to nearest even (no NaN here) */
  return (guint16) (bits >> 16);
}

static float
bf16_to_float (guint16 h)
{
  guint32 bits = (guint32) h << 16;
  float v;
  memcpy (&v, &bits, 4);
  return v;
}

/* @f16 selects the stored dtype (0 F32, 1 F16, 2 BF16); the reference uses
 * the stored values. */
static void
check (LsMatvec *mv, int in, int out, int f16, gboolean in_out, gboolean bias, int misalign)
{
  GRand *rand = g_rand_new_with_seed (in * 7919 + out * 31 + f16 * 2 + in_out);
  gsize n = (gsize) in * out;
  float *x = g_new (float, in);
  float *b = g_new (float, out);
  float *wf = g_new (float, n);              /* the values as stored, widened */
  guint8 *raw = g_malloc (n * 4 + 8);       /* the stored bytes, @misalign bytes in */
  float *y = g_new (float, out);

  for (int i = 0; i < in; i++)
    x[i] = (float) g_rand_double_range (rand, -1, 1);
  for (int j = 0; j < out; j++)
    b[j] = (float) g_rand_double_range (rand, -1, 1);
  for (gsize k = 0; k < n; k++)
    {
      float v = (float) g_rand_double_range (rand, -0.5, 0.5);
      if (f16)
        {
          guint16 h = f16 == 2 ? float_to_bf16 (v) : ls_float_to_f16 (v);
          memcpy (raw + misalign + 2 * k, &h, 2);
          wf[k] = f16 == 2 ? bf16_to_float (h) : ls_f16_to_float (h);
        }
      else
        {
          memcpy (raw + misalign + 4 * k, &v, 4);
          wf[k] = v;
        }
    }

  for (int j = 0; j < out; j++)
    y[j] = NAN;
  LsDtype dt = f16 == 2 ? LS_DTYPE_BF16 : f16 ? LS_DTYPE_F16 : LS_DTYPE_F32;
  if (in_out)
    ls_matvec_in_out (mv, y, x, raw + misalign, dt, bias ? b : NULL, in, out);
  else
    ls_matvec_out_in (mv, y, x, raw + misalign, dt, bias ? b : NULL, in, out);

  for (int j = 0; j < out; j++)
    {
      double s = bias ? b[j] : 0.0, mag = fabs (s);
      for (int i = 0; i < in; i++)
        {
          double w = in_out ? wf[(gsize) i * out + j] : wf[(gsize) j * in + i];
          s += (double) x[i] * w;
          mag += fabs ((double) x[i] * w);
        }
      /* float32 accumulation: error grows with the sum of magnitudes. */
      double tol = 1e-6 * mag * sqrt ((double) in) + 1e-6;
      if (!(fabs (y[j] - s) <= tol))
        g_error ("%s: in=%d out=%d dtype=%d in_out=%d bias=%d misalign=%d threads=%d: "
                 "y[%d] = %.9g, expected %.9g (tolerance %.3g)",
                 ls_matvec_get_kernels (mv), in, out, f16, in_out, bias, misalign,
                 ls_matvec_get_n_threads (mv), j, y[j], s, tol);
    }

  g_free (x);
  g_free (b);
  g_free (wf);
  g_free (raw);
  g_free (y);
  g_rand_free (rand);
}

typedef struct {
  LsCpuPath path;
  int       threads;
} Case;

static void
test_against_reference (gconstpointer data)
{
  const Case *c = data;

  if (c->path > ls_cpu_best_path (ls_cpu_get_features ()))
    {
      g_autofree char *why = g_strdup_printf ("this CPU cannot run the %s kernels",
                                              ls_cpu_path_name (c->path));
      g_test_skip (why);
      return;
    }
  g_autoptr(LsMatvec) mv = ls_matvec_new_for_path (c->threads, c->path);
  g_assert_cmpint (ls_matvec_get_path (mv), ==, c->path);
  g_assert_cmpstr (ls_matvec_get_kernels (mv), ==, ls_cpu_path_name (c->path));
  g_assert_cmpint (ls_matvec_get_n_threads (mv), ==, c->threads);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int f16 = 0; f16 < 3; f16++)
      for (int in_out = 0; in_out < 2; in_out++)
        {
          check (mv, sizes[s].in, sizes[s].out, f16, in_out, TRUE, 0);
          check (mv, sizes[s].in, sizes[s].out, f16, in_out, FALSE, f16 ? 2 : 4);
        }
}

static void
test_default_path (void)
{
  /* ls_matvec_new runs the process's path (LEAFSCOPE_CPU_PATH when set). */
  g_autoptr(LsMatvec) mv = ls_matvec_new (1);
  g_assert_cmpint (ls_matvec_get_path (mv), ==, ls_cpu_get_path ());
  g_test_message ("kernels: %s", ls_matvec_get_kernels (mv));
}

static void
test_repeated_calls (gconstpointer data)
{
  /* Many small parallel jobs back to back: the hand-off between the caller
   * and the workers must not lose or reorder a job.  More threads than
   * cores make late workers likely: one still finishing job N when job N+1
   * starts (a race of that kind was once seen only on a 16-core machine). */
  g_autoptr(LsMatvec) mv = ls_matvec_new (GPOINTER_TO_INT (data));
  int in = 1024, out = 640;  /* above the size that goes parallel */
  float *w = g_new (float, in * out);
  float *x = g_new (float, in);
  float *y = g_new (float, out);
  for (int k = 0; k < in * out; k++)
    w[k] = (k % 3) - 1.0f;   /* -1, 0, 1 */
  for (int round = 0; round < 1000; round++)
    {
      for (int i = 0; i < in; i++)
        x[i] = (float) ((i + round) % 5);
      ls_matvec_in_out (mv, y, x, w, LS_DTYPE_F32, NULL, in, out);
      for (int j = 0; j < out; j += 97)
        {
          /* Small integers: the float sum is exact. */
          double s = 0;
          for (int i = 0; i < in; i++)
            s += x[i] * w[i * out + j];
          g_assert_cmpfloat (y[j], ==, s);
        }
    }
  g_free (w);
  g_free (x);
  g_free (y);
}

typedef struct {
  int         n_chunks;
  _Atomic int *seen;   /* how many times each chunk ran */
} ChunkCount;

static void
count_chunk (gpointer data, int chunk, int n_chunks)
{
  ChunkCount *c = data;
  g_assert_cmpint (n_chunks, ==, c->n_chunks);
  g_assert_cmpint (chunk, >=, 0);
  g_assert_cmpint (chunk, <, n_chunks);
  atomic_fetch_add (&c->seen[chunk], 1);
}

static void
test_run_chunks (gconstpointer data)
{
  /* Every chunk runs exactly once and all have run when the call returns,
   * also between row-split products on the same threads (a late worker of
   * one job must not run a chunk of the next twice), with and without the
   * workers spinning between jobs. */
  int spin_us = GPOINTER_TO_INT (data);
  int in = 1024, out = 640;
  g_autofree float *w = g_new (float, in * out);
  g_autofree float *x = g_new (float, in);
  g_autofree float *y = g_new (float, out);
  for (int k = 0; k < in * out; k++)
    w[k] = (k % 3) - 1.0f;
  for (int i = 0; i < in; i++)
    x[i] = (float) (i % 5);

  for (int threads = 1; threads <= 4; threads++)
    {
      g_autoptr(LsMatvec) mv = ls_matvec_new (threads);
      ls_matvec_set_spin_us (mv, spin_us);
      for (int round = 0; round < 300; round++)
        {
          ChunkCount c = { 1 + round % 17, NULL };
          c.seen = g_new0 (_Atomic int, c.n_chunks);
          ls_matvec_run_chunks (mv, count_chunk, &c, c.n_chunks);
          for (int k = 0; k < c.n_chunks; k++)
            g_assert_cmpint (atomic_load (&c.seen[k]), ==, 1);
          g_free ((gpointer) c.seen);
          if (round % 3 == 0)
            {
              ls_matvec_in_out (mv, y, x, w, LS_DTYPE_F32, NULL, in, out);
              double s = 0;
              for (int i = 0; i < in; i++)
                s += x[i] * w[i * out + 5];
              g_assert_cmpfloat (y[5], ==, s);
            }
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static Case cases[3][3];
  for (int p = LS_CPU_PATH_PORTABLE; p <= LS_CPU_PATH_AVX512; p++)
    for (int t = 1; t <= 3; t++)
      {
        cases[p][t - 1] = (Case) { p, t };
        g_autofree char *name = g_strdup_printf ("/Engine/Matvec/reference/%s/%d-threads",
                                                 ls_cpu_path_name (p), t);
        g_test_add_data_func (name, &cases[p][t - 1], test_against_reference);
      }
  g_test_add_func ("/Engine/Matvec/default-path", test_default_path);
  g_test_add_data_func ("/Engine/Matvec/repeated-calls/2-threads", GINT_TO_POINTER (2), test_repeated_calls);
  g_test_add_data_func ("/Engine/Matvec/repeated-calls/8-threads", GINT_TO_POINTER (8), test_repeated_calls);
  g_test_add_data_func ("/Engine/Matvec/run-chunks/spinning", GINT_TO_POINTER (200), test_run_chunks);
  g_test_add_data_func ("/Engine/Matvec/run-chunks/sleeping", GINT_TO_POINTER (0), test_run_chunks);
  return g_test_run ();
}
