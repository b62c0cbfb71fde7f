/* test-metrics.c: engine/include/metrics.h on ten photos whose confusion
 * matrices, precision/recall/F1, coverage and risk are worked out by hand
 * below. */
#include <glib.h>

#include "metrics.h"

#define D LS_DIAGNOSIS_DIAGNOSED
#define U LS_DIAGNOSIS_UNCERTAIN
#define N LS_DIAGNOSIS_NOT_A_LEAF
#define X LS_DIAGNOSIS_UNUSABLE

/* (truth, predicted, status) of ten photos of three classes. */
static const struct { int truth, predicted; LsDiagnosisStatus status; } photos[] = {
  { 0, 0, D }, { 0, 0, D }, { 0, 1, D }, { 0, 0, U },
  { 1, 1, D }, { 1, 0, D }, { 1, 1, N },
  { 2, 2, D }, { 2, 0, D }, { 2, -1, X },   /* unusable: no class at all */
};

/* Every prediction (the unusable photo has none):
 *            pred 0  1  2
 *   true 0      3  1  0
 *   true 1      1  2  0
 *   true 2      1  0  1
 * Diagnosed only, then the flagged column:
 *   true 0      2  1  0 | 1
 *   true 1      1  1  0 | 1
 *   true 2      1  0  1 | 1 */
static const int confusion[3][3] = { { 3, 1, 0 }, { 1, 2, 0 }, { 1, 0, 1 } };
static const int diagnosed[3][4] = { { 2, 1, 0, 1 }, { 1, 1, 0, 1 }, { 1, 0, 1, 1 } };

static LsMetrics *
filled (void)
{
  LsMetrics *m = ls_metrics_new (3);
  for (gsize i = 0; i < G_N_ELEMENTS (photos); i++)
    ls_metrics_add (m, photos[i].truth, photos[i].predicted, photos[i].status);
  return m;
}

static void
test_counts (void)
{
  g_autoptr(LsMetrics) m = filled ();
  g_assert_cmpint (ls_metrics_get_n (m), ==, 10);
  /* correct: photos 1, 2, 4, 5, 7, 8 */
  g_assert_cmpint (ls_metrics_get_n_correct (m), ==, 6);
  g_assert_cmpint (ls_metrics_get_n_diagnosed (m), ==, 7);
  /* correct and diagnosed: photos 1, 2, 5, 8 */
  g_assert_cmpint (ls_metrics_get_n_correct_diagnosed (m), ==, 4);
  g_assert_cmpint (ls_metrics_get_n_flagged (m), ==, 3);
  g_assert_cmpint (ls_metrics_get_n_status (m, D), ==, 7);
  g_assert_cmpint (ls_metrics_get_n_status (m, U), ==, 1);
  g_assert_cmpint (ls_metrics_get_n_status (m, N), ==, 1);
  g_assert_cmpint (ls_metrics_get_n_status (m, X), ==, 1);
  g_assert_cmpfloat_with_epsilon (ls_metrics_get_accuracy (m), 0.6, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_metrics_get_coverage (m), 0.7, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_metrics_get_accuracy_diagnosed (m), 4.0 / 7.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_metrics_get_risk (m), 3.0 / 7.0, 1e-12);
}

static void
test_confusion (void)
{
  g_autoptr(LsMetrics) m = filled ();
  for (int r = 0; r < 3; r++)
    {
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (ls_metrics_get_confusion (m, r, c), ==, confusion[r][c]);
      for (int c = 0; c <= 3; c++)
        g_assert_cmpint (ls_metrics_get_confusion_diagnosed (m, r, c), ==, diagnosed[r][c]);
    }
}

static void
assert_class (const LsMetrics *m, int c, double precision, double recall, double f1, int support)
{
  LsClassMetrics k;
  ls_metrics_get_class (m, c, &k);
  g_assert_cmpfloat_with_epsilon (k.precision, precision, 1e-12);
  g_assert_cmpfloat_with_epsilon (k.recall, recall, 1e-12);
  g_assert_cmpfloat_with_epsilon (k.f1, f1, 1e-12);
  g_assert_cmpint (k.support, ==, support);
}

static void
test_per_class (void)
{
  g_autoptr(LsMetrics) m = filled ();
  /* class 0: tp 3, predicted 5, support 4: P 0.6, R 0.75, F1 2*0.45/1.35 = 2/3 */
  assert_class (m, 0, 0.6, 0.75, 2.0 / 3.0, 4);
  /* class 1: tp 2, predicted 3, support 3 */
  assert_class (m, 1, 2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 3);
  /* class 2: tp 1, predicted 1, support 2: P 1, R 0.5, F1 1/1.5 */
  assert_class (m, 2, 1.0, 0.5, 2.0 / 3.0, 2);
}

/* A column met late: the counts stay, the new class is empty (all zero,
 * as scikit-learn's zero_division=0 reports). */
static void
test_grow (void)
{
  g_autoptr(LsMetrics) m = filled ();
  ls_metrics_grow (m, 4);
  g_assert_cmpint (ls_metrics_get_n_classes (m), ==, 4);
  for (int r = 0; r < 3; r++)
    {
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (ls_metrics_get_confusion (m, r, c), ==, confusion[r][c]);
      for (int c = 0; c < 3; c++)
        g_assert_cmpint (ls_metrics_get_confusion_diagnosed (m, r, c), ==, diagnosed[r][c]);
      g_assert_cmpint (ls_metrics_get_confusion_diagnosed (m, r, 3), ==, 0);
      g_assert_cmpint (ls_metrics_get_confusion_diagnosed (m, r, 4), ==, diagnosed[r][3]);
    }
  assert_class (m, 3, 0.0, 0.0, 0.0, 0);
  ls_metrics_add (m, 0, 3, D);
  g_assert_cmpint (ls_metrics_get_confusion_diagnosed (m, 0, 3), ==, 1);
  /* class 3: predicted once, wrongly: P 0, R 0 (no support) */
  assert_class (m, 3, 0.0, 0.0, 0.0, 0);
  /* class 0's recall drops: tp 3 of support 5 */
  assert_class (m, 0, 0.6, 0.6, 0.6, 5);
}

static void
test_empty (void)
{
  g_autoptr(LsMetrics) m = ls_metrics_new (2);
  g_assert_cmpfloat (ls_metrics_get_accuracy (m), ==, 0.0);
  g_assert_cmpfloat (ls_metrics_get_coverage (m), ==, 0.0);
  g_assert_cmpfloat (ls_metrics_get_accuracy_diagnosed (m), ==, 0.0);
  g_assert_cmpfloat (ls_metrics_get_risk (m), ==, 0.0);
  assert_class (m, 1, 0.0, 0.0, 0.0, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Metrics/counts", test_counts);
  g_test_add_func ("/Engine/Metrics/confusion", test_confusion);
  g_test_add_func ("/Engine/Metrics/per-class", test_per_class);
  g_test_add_func ("/Engine/Metrics/grow", test_grow);
  g_test_add_func ("/Engine/Metrics/empty", test_empty);
  return g_test_run ();
}
