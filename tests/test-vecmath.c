/* test-vecmath.c: the vector GELU / softmax / LayerNorm against double
 * precision libm computed here, over ranges that cover the polynomial
 * pieces, the clamps, the signs and the scalar tails. */
#include <glib.h>
#include <math.h>

#include <string.h>

#include "ops.h"
#include "vecmath.h"

/* The kernels of the path in @data, or NULL (test skipped) when the CPU
 * cannot run it. */
static const LsVecKernels *
kernels_or_skip (gconstpointer data)
{
  LsCpuPath path = GPOINTER_TO_INT (data);
  const LsVecKernels *k = ls_vec_get_kernels (path);
  if (k->path != path)
    {
      g_autofree char *why = g_strdup_printf ("this CPU cannot run the %s kernels",
                                              ls_cpu_path_name (path));
      g_test_skip (why);
      return NULL;
    }
  return k;
}

#define N 1003  /* not a multiple of 8: the scalar tail runs too */

static float
input (int i)
{
  /* -12 .. 12, dense near 0, plus exact 0 */
  double t = (i - N / 2) / (double) (N / 2);
  return (float) (12.0 * t * t * t);
}

static void
test_gelu_erf (gconstpointer data)
{
  const LsVecKernels *k = kernels_or_skip (data);
  if (k == NULL)
    return;
  float x[N];
  for (int i = 0; i < N; i++)
    x[i] = input (i);
  k->gelu_erf (x, N);
  for (int i = 0; i < N; i++)
    {
      double v = input (i);
      double want = 0.5 * v * (1.0 + erf (v / sqrt (2.0)));
      double tol = 4e-7 * fmax (1.0, fabs (v));
      if (!(fabs (x[i] - want) <= tol))
        g_error ("gelu(%.9g) = %.9g, expected %.9g", v, x[i], want);
    }
}

static void
test_gelu_tanh (gconstpointer data)
{
  const LsVecKernels *k = kernels_or_skip (data);
  if (k == NULL)
    return;
  float x[N];
  for (int i = 0; i < N; i++)
    x[i] = input (i);
  k->gelu_tanh (x, N);
  for (int i = 0; i < N; i++)
    {
      double v = input (i);
      double want = 0.5 * v * (1.0 + tanh (sqrt (2.0 / M_PI) * (v + 0.044715 * v * v * v)));
      double tol = 4e-7 * fmax (1.0, fabs (v));
      if (!(fabs (x[i] - want) <= tol))
        g_error ("gelu_new(%.9g) = %.9g, expected %.9g", v, x[i], want);
    }
  /* Far out: 0 (within 1e-30) and exactly v, the formula's limits. */
  float far[9] = { -200, -100, -30, 30, 100, 200, -1e30f, 1e30f, 0 };
  k->gelu_tanh (far, 9);
  g_assert_cmpfloat (fabsf (far[0]), <=, 1e-30f);
  g_assert_cmpfloat (fabsf (far[6]), <=, 1e-30f);
  g_assert_cmpfloat (far[3], ==, 30.0f);
  g_assert_cmpfloat (far[5], ==, 200.0f);
  g_assert_cmpfloat (far[7], ==, 1e30f);
  g_assert_cmpfloat (far[8], ==, 0.0f);
}

static void
test_softmax (gconstpointer data)
{
  const LsVecKernels *k = kernels_or_skip (data);
  if (k == NULL)
    return;
  /* Rows of different widths (tails), big spreads, -inf entries (masks). */
  int widths[] = { 1, 7, 8, 9, 197, 1024 };
  for (gsize w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      int cols = widths[w], rows = 3;
      float *x = g_new (float, rows * cols);
      double *ref = g_new (double, rows * cols);
      for (int r = 0; r < rows; r++)
        {
          double max = -INFINITY, sum = 0;
          for (int c = 0; c < cols; c++)
            {
              float v = (float) (sin (c * 1.3 + r) * (r == 2 ? 60.0 : 5.0));
              if (r == 1 && c % 3 == 1)
                v = -INFINITY;
              x[r * cols + c] = v;
              max = fmax (max, v);
            }
          for (int c = 0; c < cols; c++)
            sum += ref[r * cols + c] = exp (x[r * cols + c] - max);
          for (int c = 0; c < cols; c++)
            ref[r * cols + c] /= sum;
        }
      k->softmax_rows (x, rows, cols);
      for (int k = 0; k < rows * cols; k++)
        {
          if (!(fabs (x[k] - ref[k]) <= 1e-6 * fmax (ref[k], 1e-3)))
            g_error ("softmax width %d [%d] = %.9g, expected %.9g", cols, k, x[k], ref[k]);
          if (ref[k] == 0.0)
            g_assert_cmpfloat (x[k], ==, 0.0f);
        }
      g_free (x);
      g_free (ref);
    }
}

static void
test_layernorm (gconstpointer data)
{
  const LsVecKernels *k = kernels_or_skip (data);
  if (k == NULL)
    return;
  int dims[] = { 5, 8, 192, 771 };
  for (gsize d = 0; d < G_N_ELEMENTS (dims); d++)
    {
      int dim = dims[d], n = 2;
      float *x = g_new (float, n * dim), *y = g_new (float, n * dim);
      float *g = g_new (float, dim), *b = g_new (float, dim);
      for (int j = 0; j < dim; j++)
        {
          g[j] = 1.0f + 0.01f * (j % 11);
          b[j] = 0.1f * (j % 5) - 0.2f;
        }
      for (int k = 0; k < n * dim; k++)
        x[k] = (float) (100.0 + 3.0 * cos (k * 0.7));  /* large mean: two passes matter */
      k->layernorm (y, x, g, b, n, dim, 1e-5f);
      for (int i = 0; i < n; i++)
        {
          double mean = 0, var = 0;
          for (int j = 0; j < dim; j++)
            mean += x[i * dim + j];
          mean /= dim;
          for (int j = 0; j < dim; j++)
            var += (x[i * dim + j] - mean) * (x[i * dim + j] - mean);
          var /= dim;
          for (int j = 0; j < dim; j++)
            {
              double want = (x[i * dim + j] - mean) / sqrt (var + 1e-5) * g[j] + b[j];
              if (!(fabs (y[i * dim + j] - want) <= 2e-5))
                g_error ("layernorm dim %d [%d,%d] = %.9g, expected %.9g", dim, i, j,
                         y[i * dim + j], want);
            }
        }
      /* In place gives the same. */
      k->layernorm (x, x, g, b, n, dim, 1e-5f);
      for (int k = 0; k < n * dim; k++)
        g_assert_cmpfloat (x[k], ==, y[k]);
      g_free (x);
      g_free (y);
      g_free (g);
      g_free (b);
    }
}

/* Every 16-bit pattern, from byte 1 on (unaligned). */
static guint8 *
every_half (void)
{
  guint8 *raw = g_malloc (65536 * 2 + 1);
  for (guint32 h = 0; h < 65536; h++)
    {
      guint16 v = (guint16) h;
      memcpy (raw + 1 + 2 * h, &v, 2);
    }
  return raw;
}

static void
test_f16 (gconstpointer data)
{
  const LsVecKernels *k = kernels_or_skip (data);
  if (k == NULL)
    return;
  /* Every half value, at an odd byte offset, against the scalar reference. */
  guint8 *raw = every_half ();
  float *out = g_new (float, 65536);
  k->f16_to_f32 (out, raw + 1, 65536);
  for (guint32 h = 0; h < 65536; h++)
    {
      float want = ls_f16_to_float ((guint16) h);
      if (isnan (want))
        g_assert_true (isnan (out[h]));
      else
        g_assert_cmpint (memcmp (&out[h], &want, 4), ==, 0);  /* bit-exact, -0 too */
    }
  g_free (raw);
  g_free (out);
}

static void
test_bf16 (gconstpointer data)
{
  const LsVecKernels *k = kernels_or_skip (data);
  if (k == NULL)
    return;
  /* Every bfloat16 value, at an odd byte offset: the high half of a float. */
  guint8 *raw = every_half ();
  float *out = g_new (float, 65536);
  k->bf16_to_f32 (out, raw + 1, 65536);
  for (guint32 h = 0; h < 65536; h++)
    {
      guint32 bits;
      memcpy (&bits, &out[h], 4);
      g_assert_cmphex (bits, ==, h << 16);
    }
  g_free (raw);
  g_free (out);
}

static void
test_default_path (void)
{
  /* The process's functions are those of ls_cpu_get_path(). */
  g_assert_cmpint (ls_vec_get_kernels (ls_cpu_get_path ())->path, ==, ls_cpu_get_path ());
  g_assert_cmpint (ls_vec_is_accelerated (), ==, ls_cpu_get_path () != LS_CPU_PATH_PORTABLE);
  g_test_message ("path: %s", ls_cpu_path_name (ls_cpu_get_path ()));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static const struct {
    const char   *name;
    GTestDataFunc fn;
  } tests[] = {
    { "gelu-erf", test_gelu_erf }, { "gelu-tanh", test_gelu_tanh }, { "softmax", test_softmax },
    { "layernorm", test_layernorm }, { "f16", test_f16 }, { "bf16", test_bf16 },
  };
  for (int p = LS_CPU_PATH_PORTABLE; p <= LS_CPU_PATH_AVX512; p++)
    for (gsize t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        g_autofree char *name = g_strdup_printf ("/Engine/Vecmath/%s/%s", ls_cpu_path_name (p),
                                                 tests[t].name);
        g_test_add_data_func (name, GINT_TO_POINTER (p), tests[t].fn);
      }
  g_test_add_func ("/Engine/Vecmath/default-path", test_default_path);
  return g_test_run ();
}
