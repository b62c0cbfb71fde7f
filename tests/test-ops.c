/* Checks the shared kernels against values computed by hand. */
#include <math.h>
#include <string.h>
#include "ops.h"
#include "threaded-ops.h"
#include "weights.h"

static void
test_linear (void)
{
  /* x = [[1,2],[3,4]], W (out 3, in 2) = [[1,0],[0,1],[1,1]], b = [10,20,30] */
  const float x[] = { 1, 2, 3, 4 };
  const float w[] = { 1, 0, 0, 1, 1, 1 };
  const float b[] = { 10, 20, 30 };
  const float expected[] = { 11, 22, 33, 13, 24, 37 };
  float y[6];

  ls_linear (y, x, w, b, 2, 2, 3);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (y[i], expected[i], 1e-6);

  /* The same product with the weight stored [in, out] (Conv1D). */
  const float wt[] = { 1, 0, 1, 0, 1, 1 };
  ls_conv1d (y, x, wt, b, 2, 2, 3);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (y[i], expected[i], 1e-6);
}

static void
test_layernorm (void)
{
  const float x[] = { 1, 2, 3, 4 };
  const float g[] = { 1, 1, 2, 2 };
  const float b[] = { 0, 0, 1, 1 };
  float y[4];
  /* mean 2.5, var 1.25 */
  ls_layernorm (y, x, g, b, 1, 4, 0.0f);
  float s = 1.0f / sqrtf (1.25f);
  g_assert_cmpfloat_with_epsilon (y[0], -1.5f * s, 1e-6);
  g_assert_cmpfloat_with_epsilon (y[1], -0.5f * s, 1e-6);
  g_assert_cmpfloat_with_epsilon (y[2], 2 * 0.5f * s + 1, 1e-6);
  g_assert_cmpfloat_with_epsilon (y[3], 2 * 1.5f * s + 1, 1e-6);
}

static void
test_softmax (void)
{
  float x[] = { 0, 0, 1000, 1000, 1, 2 };
  ls_softmax_rows (x, 2, 3);
  g_assert_cmpfloat_with_epsilon (x[0], 0.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (x[2], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (x[3], 1 / (1 + expf (-999) + expf (-998)), 1e-6);
  g_assert_cmpfloat_with_epsilon (x[4] + x[5] + x[3], 1.0f, 1e-6);
}

static void
test_activations (void)
{
  float x[] = { -1.0f, 0.0f, 1.0f };
  ls_activation_apply (LS_ACTIVATION_GELU, x, 3);
  /* 0.5 * 1 * (1 + erf(1/sqrt 2)) = 0.8413447 */
  g_assert_cmpfloat_with_epsilon (x[2], 0.8413447f, 1e-6);
  g_assert_cmpfloat_with_epsilon (x[0], -0.1586553f, 1e-6);

  float y[] = { 1.0f };
  ls_activation_apply (LS_ACTIVATION_GELU_NEW, y, 1);
  g_assert_cmpfloat_with_epsilon (y[0], 0.8411920f, 1e-6);
}

static void
test_half (void)
{
  const uint16_t h[] = { 0x3c00, 0xc000, 0x0001, 0x7bff, 0x3555 };
  float f[5];
  ls_f16_to_f32 (f, h, 5);
  g_assert_cmpfloat (f[0], ==, 1.0f);
  g_assert_cmpfloat (f[1], ==, -2.0f);
  g_assert_cmpfloat (f[2], ==, 5.9604644775390625e-08f);
  g_assert_cmpfloat (f[3], ==, 65504.0f);
  for (int i = 0; i < 5; i++)
    g_assert_cmpuint (ls_float_to_f16 (f[i]), ==, h[i]);

  const uint16_t bf[] = { 0x3f80, 0xc040 };
  ls_bf16_to_f32 (f, bf, 2);
  g_assert_cmpfloat (f[0], ==, 1.0f);
  g_assert_cmpfloat (f[1], ==, -3.0f);
}

/* bfloat16 by hand: the top half of the float's bits, rounded to nearest
 * even on the lower half. */
static void
test_bfloat16 (void)
{
  static const struct { guint32 f; guint16 bf; } cases[] = {
    { 0x3f800000, 0x3f80 },  /* 1.0 */
    { 0xc0400000, 0xc040 },  /* -3.0 */
    { 0x3f808000, 0x3f80 },  /* a tie, low bit even: stays */
    { 0x3f818000, 0x3f82 },  /* a tie, low bit odd: up */
    { 0x3f808001, 0x3f81 },  /* above the tie: up */
    { 0x7f7fffff, 0x7f80 },  /* FLT_MAX rounds to infinity */
    { 0x7f800000, 0x7f80 },  /* infinity */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      float f;
      memcpy (&f, &cases[i].f, 4);
      g_assert_cmphex (ls_float_to_bf16 (f), ==, cases[i].bf);
    }
  g_assert_cmpfloat (ls_bf16_to_float (0x3f80), ==, 1.0f);
  g_assert_cmpfloat (ls_bf16_to_float (0xc040), ==, -3.0f);
  /* NaN stays NaN (rounding would carry a payload of ones into infinity). */
  guint32 nan_bits = 0x7fffffff;
  float nan;
  memcpy (&nan, &nan_bits, 4);
  g_assert_true (isnan (ls_bf16_to_float (ls_float_to_bf16 (nan))));
}

/* The weight-format table: float32 rows are used where they lie, 16-bit
 * rows are widened exactly, anything else is refused. */
static void
test_weight_formats (void)
{
  const float w32[] = { 1, 2, 3, 4, 5, 6 };         /* 3 rows of 2 */
  const uint16_t w16[] = { 0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0x8000 };
  const uint16_t wbf[] = { 0x3f80, 0xc040, 0x4000, 0x4080, 0xbf80, 0x0000 };
  float scratch[4];

  const LsWeightFormat *f32 = ls_weight_format (LS_DTYPE_F32);
  g_assert_nonnull (f32);
  g_assert_true (f32->in_place);
  g_assert_true (ls_weight_format_rows (f32, w32, 1, 2, 2, scratch) == w32 + 2);

  const LsWeightFormat *f16 = ls_weight_format (LS_DTYPE_F16);
  g_assert_nonnull (f16);
  g_assert_false (f16->in_place);
  g_assert_cmpuint (f16->size, ==, 2);
  const float *r = ls_weight_format_rows (f16, w16, 1, 2, 2, scratch);
  g_assert_true (r == scratch);
  for (int k = 0; k < 4; k++)
    g_assert_cmpfloat (r[k], ==, ls_f16_to_float (w16[2 + k]));

  const LsWeightFormat *bf16 = ls_weight_format (LS_DTYPE_BF16);
  g_assert_nonnull (bf16);
  r = ls_weight_format_rows (bf16, wbf, 0, 1, 2, scratch);
  g_assert_cmpfloat (r[0], ==, 1.0f);
  g_assert_cmpfloat (r[1], ==, -3.0f);

  g_assert_null (ls_weight_format (LS_DTYPE_I64));
  g_assert_null (ls_weight_format (LS_DTYPE_OTHER));
}

/* The threaded steps give the bytes of the plain ones for any thread count
 * and any number of rows (fewer rows than chunks too). */
static void
test_threaded (void)
{
  const int dims[] = { 1, 7, 33, 197 };
  /* 45 x 197 runs on one thread, 300 x 197 is cut between them. */
  const int row_counts[] = { 1, 3, 8, 45, 300 };
  for (int threads = 1; threads <= 4; threads++)
    {
      g_autoptr(LsMatvec) mt = ls_matvec_new (threads);
      for (gsize a = 0; a < G_N_ELEMENTS (dims); a++)
        for (gsize b = 0; b < G_N_ELEMENTS (row_counts); b++)
          {
            int dim = dims[a], rows = row_counts[b];
            gsize n = (gsize) rows * dim;
            g_autofree float *x = g_new (float, n), *y = g_new (float, n);
            g_autofree float *want = g_new (float, n), *got = g_new (float, n);
            g_autofree float *gamma = g_new (float, dim), *beta = g_new (float, dim);
            guint32 s = (guint32) (threads * 1000 + dim * 10 + rows);
            for (gsize i = 0; i < n; i++)
              {
                s = s * 1664525u + 1013904223u;
                x[i] = (float) ((s >> 8) % 2001) / 250.0f - 4.0f;
                y[i] = (float) (i % 13) - 6.0f;
              }
            for (int i = 0; i < dim; i++)
              {
                gamma[i] = 1.0f + 0.01f * i;
                beta[i] = -0.5f + 0.02f * i;
              }

            ls_layernorm (want, x, gamma, beta, rows, dim, 1e-5f);
            ls_threaded_layernorm (mt, got, x, gamma, beta, rows, dim, 1e-5f);
            g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));

            memcpy (want, y, n * sizeof (float));
            ls_add_inplace (want, x, n);
            memcpy (got, y, n * sizeof (float));
            ls_threaded_add (mt, got, x, rows, dim);
            g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));

            memcpy (want, x, n * sizeof (float));
            ls_activation_apply (LS_ACTIVATION_GELU, want, n);
            memcpy (got, x, n * sizeof (float));
            ls_threaded_activation (mt, LS_ACTIVATION_GELU, got, rows, dim);
            g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));

            memcpy (want, x, n * sizeof (float));
            ls_softmax_rows (want, rows, dim);
            memcpy (got, x, n * sizeof (float));
            ls_threaded_softmax_rows (mt, got, rows, dim);
            g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));

            /* No threads: the same again. */
            memcpy (got, x, n * sizeof (float));
            ls_threaded_softmax_rows (NULL, got, rows, dim);
            g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));

            /* F16 and BF16 rows widened as one call widens them. */
            for (LsDtype dt = LS_DTYPE_F16; dt <= LS_DTYPE_BF16; dt++)
              {
                const LsWeightFormat *f = ls_weight_format (dt);
                g_autofree guint16 *half = g_new (guint16, n);
                for (gsize i = 0; i < n; i++)
                  half[i] = (guint16) (0x3c00u + (i * 7919u) % 0x0800u);
                const float *w1 = ls_weight_format_rows (f, half, 0, rows, dim, want);
                const float *w2 = ls_threaded_weight_rows (mt, f, half, rows, dim, got);
                g_assert_true (w1 == want && w2 == got);
                g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));
              }
          }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Ops/linear", test_linear);
  g_test_add_func ("/Engine/Ops/layernorm", test_layernorm);
  g_test_add_func ("/Engine/Ops/softmax", test_softmax);
  g_test_add_func ("/Engine/Ops/activations", test_activations);
  g_test_add_func ("/Engine/Ops/half", test_half);
  g_test_add_func ("/Engine/Ops/bfloat16", test_bfloat16);
  g_test_add_func ("/Engine/Ops/weight-formats", test_weight_formats);
  g_test_add_func ("/Engine/Ops/threaded", test_threaded);
  return g_test_run ();
}
