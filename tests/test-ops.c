/* Checks the shared kernels against values computed by hand. */
#include <math.h>
#include "ops.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Ops/linear", test_linear);
  g_test_add_func ("/Engine/Ops/layernorm", test_layernorm);
  g_test_add_func ("/Engine/Ops/softmax", test_softmax);
  g_test_add_func ("/Engine/Ops/activations", test_activations);
  g_test_add_func ("/Engine/Ops/half", test_half);
  return g_test_run ();
}
