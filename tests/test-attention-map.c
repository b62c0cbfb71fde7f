/* Attention maps: a rollout worked out by hand, and the rollout against a
 * plain full-matrix implementation written independently below. */
#include <math.h>
#include <string.h>
#include "attention-map.h"
#include "attention-map-private.h"
#include "ls-error.h"

#define T 5 /* CLS + 2 x 2 patches */

/* Fills (T, T) with a row-stochastic matrix whose row 0 is @row0 and whose
 * other rows are uniform. */
static void
fill_layer (float *m, const float *row0)
{
  for (int r = 0; r < T; r++)
    for (int c = 0; c < T; c++)
      m[r * T + c] = r == 0 ? row0[c] : 1.0f / T;
}

static void
test_rollout_by_hand (void)
{
  /* Layer 1 (first): uniform attention, so (A + I) / 2 has 0.6 on the
   * diagonal and 0.1 elsewhere.  Layer 2 (last): row 0 = [.2 .4 .1 .2 .1],
   * so row 0 of (A + I) / 2 = [.6 .2 .05 .1 .05].
   * Row 0 of A2' A1': column j = 0.1 * sum(row) + 0.5 * row[j]
   *   = [.4 .2 .125 .15 .125]; patches [.2 .125 .15 .125] / .2
   *   = [1 .625 .75 .625].
   * Two heads, +d and -d around those matrices, so that the mean is them;
   * batch of 2 with the item of interest second. */
  const float uniform[T] = { .2f, .2f, .2f, .2f, .2f };
  const float last[T] = { .2f, .4f, .1f, .2f, .1f };
  const int H = 2, B = 2, L = 2;
  gsize tt = T * T;
  g_autofree float *data = g_new0 (float, (gsize) L * B * H * tt);

  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++)
      {
        float *m = data + (((gsize) l * B + 1) * H + h) * tt;
        fill_layer (m, l == 0 ? uniform : last);
        /* Move 0.05 between columns 3 and 4 of row 0, opposite ways per
         * head: the mean is unchanged. */
        float d = h == 0 ? 0.05f : -0.05f;
        m[3] += d;
        m[4] -= d;
      }
  /* Batch item 0 holds something else entirely: must not leak in. */
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++)
      fill_layer (data + (((gsize) l * B + 0) * H + h) * tt, (const float[T]) { 1, 0, 0, 0, 0 });

  LsAttentionStack stack = { data, L, B, H, T };
  float map[4];
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (ls_attention_grid_size (T), ==, 2);
  g_assert_true (ls_attention_rollout (&stack, 1, LS_HEAD_FUSION_MEAN, 0.0f, map, &error));
  g_assert_no_error (error);
  const float expected[4] = { 1.0f, 0.625f, 0.75f, 0.625f };
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (map[i], expected[i], 1e-6);

  /* Max fusion: layer 2 row 0 becomes [.2 .4 .1 .25 .15] (rows no longer
   * sum to 1 before the identity).  Row 0 of (A+I) normalised:
   * [1.2 .4 .1 .25 .15] / 2.1.  Layer 1 with max fusion: row 0 is
   * [.2 .2 .2 .25 .25] (sum 1.1), other rows uniform.
   * v = [1.2 .4 .1 .25 .15] / 2.1; v A1':
   *   rows 1..4 of A1' = (0.2 + I) / 2 -> 0.1 off-diagonal, 0.6 diagonal;
   *   row 0 of A1' = ([.2 .2 .2 .25 .25] + e0) / 2.1.
   * column j (j >= 1) = v0 * row0[j] + sum_{r>=1} v_r * (0.1 + 0.5 [r==j])
   *   with v0 = 1.2/2.1, sum_{r>=1} v_r = 0.9/2.1:
   *   j=1: (1.2*.2/2.1 + .09 + .5*.4) / 2.1 ... computed below in doubles. */
  double v[T] = { 1.2 / 2.1, .4 / 2.1, .1 / 2.1, .25 / 2.1, .15 / 2.1 };
  double row0[T] = { 1.2 / 2.1, .2 / 2.1, .2 / 2.1, .25 / 2.1, .25 / 2.1 };
  double rest = 0.9 / 2.1, col[4], max = 0;
  for (int j = 1; j < T; j++)
    {
      col[j - 1] = v[0] * row0[j] + 0.1 * rest + 0.5 * v[j];
      max = MAX (max, col[j - 1]);
    }
  g_assert_true (ls_attention_rollout (&stack, 1, LS_HEAD_FUSION_MAX, 0.0f, map, &error));
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (map[i], col[i] / max, 1e-6);

  /* In item 0 CLS attends only to itself in every layer: nothing flows to
   * the patches, and an all-zero map stays zero (no division by zero). */
  g_assert_true (ls_attention_rollout (&stack, 0, LS_HEAD_FUSION_MEAN, 0.0f, map, &error));
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (map[i], ==, 0.0f);
}

/* --- an independent reference: full matrices, explicit loops --- */

static void
reference_rollout (const float *layers /* [L][H,T,T] */, int L, int H, int n,
                   int fusion, double ratio, double *mask /* n - 1 */)
{
  int nn = n * n;
  double *result = g_new0 (double, nn), *a = g_new (double, nn), *tmp = g_new (double, nn);
  for (int i = 0; i < n; i++)
    result[i * n + i] = 1.0;

  for (int l = 0; l < L; l++)
    {
      const float *att = layers + (gsize) l * H * nn;
      for (int i = 0; i < nn; i++)
        {
          double acc = att[i];
          for (int h = 1; h < H; h++)
            {
              double x = att[h * nn + i];
              if (fusion == LS_HEAD_FUSION_MEAN) acc += x;
              else if (fusion == LS_HEAD_FUSION_MAX) acc = fmax (acc, x);
              else acc = fmin (acc, x);
            }
          a[i] = fusion == LS_HEAD_FUSION_MEAN ? acc / H : acc;
        }
      /* rank of each element = how many are smaller, ties by index */
      int k = (int) (nn * ratio);
      double *copy = g_memdup2 (a, sizeof (double) * nn);
      for (int i = 1; i < nn; i++)
        {
          int rank = 0;
          for (int j = 0; j < nn; j++)
            if (copy[j] < copy[i] || (copy[j] == copy[i] && j < i))
              rank++;
          if (rank < k)
            a[i] = 0.0;
        }
      g_free (copy);
      for (int r = 0; r < n; r++)
        {
          double s = 0;
          for (int c = 0; c < n; c++)
            {
              a[r * n + c] = (a[r * n + c] + (r == c)) / 2.0;
              s += a[r * n + c];
            }
          for (int c = 0; c < n; c++)
            a[r * n + c] /= s;
        }
      for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++)
          {
            double s = 0;
            for (int m = 0; m < n; m++)
              s += a[r * n + m] * result[m * n + c];
            tmp[r * n + c] = s;
          }
      memcpy (result, tmp, sizeof (double) * nn);
    }
  double max = 0;
  for (int j = 1; j < n; j++)
    max = fmax (max, result[j]);
  for (int j = 1; j < n; j++)
    mask[j - 1] = result[j] / max;
  g_free (result);
  g_free (a);
  g_free (tmp);
}

/* Random softmax rows, (L, B=1, H, n, n). */
static float *
random_attention (GRand *rand, int L, int H, int n)
{
  float *data = g_new (float, (gsize) L * H * n * n);
  for (gsize r = 0; r < (gsize) L * H * n; r++)
    {
      float *row = data + r * n, s = 0;
      for (int c = 0; c < n; c++)
        s += row[c] = expf ((float) g_rand_double_range (rand, -3, 3));
      for (int c = 0; c < n; c++)
        row[c] /= s;
    }
  return data;
}

static void
test_rollout_reference (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const int L = 4, H = 3, n = 17;
  g_autofree float *data = random_attention (rand, L, H, n);
  LsAttentionStack stack = { data, L, 1, H, n };
  const float ratios[] = { 0.0f, 0.5f, 0.9f };

  for (int f = LS_HEAD_FUSION_MEAN; f <= LS_HEAD_FUSION_MIN; f++)
    for (gsize r = 0; r < G_N_ELEMENTS (ratios); r++)
      {
        float map[16];
        double expected[16];
        g_autoptr(GError) error = NULL;
        g_assert_true (ls_attention_rollout (&stack, 0, f, ratios[r], map, &error));
        reference_rollout (data, L, H, n, f, ratios[r], expected);
        for (int i = 0; i < 16; i++)
          g_assert_cmpfloat_with_epsilon (map[i], expected[i], 1e-5);
      }
}

static void
test_rollout_layer_stochastic (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  const int H = 4, n = 10;
  g_autofree float *heads = random_attention (rand, 1, H, n);
  float a[100];

  /* Make CLS->CLS the smallest entry of every head: it must survive. */
  for (int h = 0; h < H; h++)
    heads[h * n * n] = 1e-9f;

  ls_attention_rollout_layer (heads, H, n, LS_HEAD_FUSION_MEAN, 0.9f, a);
  int zeros = 0;
  for (int r = 0; r < n; r++)
    {
      double s = 0;
      for (int c = 0; c < n; c++)
        {
          s += a[r * n + c];
          zeros += a[r * n + c] == 0.0f;
          g_assert_cmpfloat (a[r * n + c], >=, 0.0f);
        }
      g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-6);
      /* the identity keeps the diagonal at >= 1/2 of the row before
       * renormalising, so it never vanishes */
      g_assert_cmpfloat (a[r * n + r], >, 0.0f);
    }
  g_assert_cmpfloat (a[0], >, 0.0f);
  /* 90 lowest of 100 asked for; element 0 is among them and kept, and the
   * diagonal refills the 9 others on the diagonal that were dropped: zeros
   * are exactly the 89 dropped off-diagonal ones. */
  int dropped_diag = 0;
  {
    /* recount from the fused matrix: which diagonal entries were among the
     * 90 lowest? (the +I makes them non-zero again) */
    float fused[100];
    for (int i = 0; i < 100; i++)
      {
        fused[i] = 0;
        for (int h = 0; h < H; h++)
          fused[i] += heads[h * 100 + i] / H;
      }
    for (int d = 1; d < n; d++)
      {
        int rank = 0;
        for (int j = 0; j < 100; j++)
          rank += fused[j] < fused[d * n + d] || (fused[j] == fused[d * n + d] && j < d * n + d);
        dropped_diag += rank < 90;
      }
  }
  g_assert_cmpint (zeros, ==, 89 - dropped_diag);
}

static void
test_last_layer (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  const int L = 2, H = 3, n = 10; /* grid 3 */
  g_autofree float *data = random_attention (rand, L, H, n);
  LsAttentionStack stack = { data, L, 1, H, n };
  float maps[4 * 9];
  g_autoptr(GError) error = NULL;

  g_assert_true (ls_attention_last_layer (&stack, 0, maps, &error));
  const float *last = data + (gsize) 1 * H * n * n;
  double mean[9] = { 0 }, mean_max = 0;
  for (int h = 0; h < H; h++)
    {
      double max = 0;
      for (int j = 1; j < n; j++)
        {
          max = fmax (max, last[h * n * n + j]);
          mean[j - 1] += last[h * n * n + j] / H;
        }
      for (int j = 1; j < n; j++)
        g_assert_cmpfloat_with_epsilon (maps[(h + 1) * 9 + j - 1], last[h * n * n + j] / max, 1e-6);
    }
  for (int i = 0; i < 9; i++)
    mean_max = fmax (mean_max, mean[i]);
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (maps[i], mean[i] / mean_max, 1e-6);
}

static void
test_errors (void)
{
  float dummy[4 * 4] = { 0 }, out[4];
  g_autoptr(GError) error = NULL;
  LsAttentionStack stack = { dummy, 1, 1, 1, 4 }; /* 3 patches: not a square */

  g_assert_cmpint (ls_attention_grid_size (4), ==, 0);
  g_assert_cmpint (ls_attention_grid_size (197), ==, 14);
  g_assert_false (ls_attention_rollout (&stack, 0, LS_HEAD_FUSION_MEAN, 0.0f, out, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_SHAPE);
  g_clear_error (&error);
  stack.tokens = 2;
  g_assert_false (ls_attention_last_layer (&stack, 1, out, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ls_attention_rollout (&stack, 0, LS_HEAD_FUSION_MEAN, 1.0f, out, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/AttentionMap/rollout-by-hand", test_rollout_by_hand);
  g_test_add_func ("/Engine/AttentionMap/rollout-reference", test_rollout_reference);
  g_test_add_func ("/Engine/AttentionMap/rollout-layer-stochastic", test_rollout_layer_stochastic);
  g_test_add_func ("/Engine/AttentionMap/last-layer", test_last_layer);
  g_test_add_func ("/Engine/AttentionMap/errors", test_errors);
  return g_test_run ();
}
