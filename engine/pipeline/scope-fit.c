/* scope-fit.c: fitting a scope check: class means and a shrunk, whitened
 * covariance from training features, the temperature and the distance
 * threshold from validation ones (scope.h describes the method). */
#include "scope.h"
#include "scope-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "ls-error.h"

/* Mean negative log-likelihood of @labels under softmax(@logits / t). */
static double
mean_nll (const float *logits, const int *labels, int n, int c, double t)
{
  double total = 0;
  for (int i = 0; i < n; i++)
    {
      const float *z = logits + (gsize) i * c;
      double m = -INFINITY, sum = 0;
      for (int k = 0; k < c; k++)
        m = MAX (m, z[k] / t);
      for (int k = 0; k < c; k++)
        sum += exp (z[k] / t - m);
      total += m + log (sum) - z[labels[i]] / t;
    }
  return total / n;
}

/* The temperature minimising the NLL: golden-section search on log t in
 * [0.02, 50] (the NLL is convex in 1/t, so unimodal in log t). */
static double
fit_temperature (const float *logits, const int *labels, int n, int c)
{
  const double phi = (sqrt (5.0) - 1) / 2;
  double a = log (0.02), b = log (50.0);
  double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
  double f1 = mean_nll (logits, labels, n, c, exp (x1));
  double f2 = mean_nll (logits, labels, n, c, exp (x2));

  for (int it = 0; it < 100 && b - a > 1e-7; it++)
    {
      if (f1 < f2)
        {
          b = x2; x2 = x1; f2 = f1;
          x1 = b - phi * (b - a);
          f1 = mean_nll (logits, labels, n, c, exp (x1));
        }
      else
        {
          a = x1; x1 = x2; f1 = f2;
          x2 = a + phi * (b - a);
          f2 = mean_nll (logits, labels, n, c, exp (x2));
        }
    }
  return exp ((a + b) / 2);
}

double
ls_scope_ece (const float *probs, const int *labels, int n, int n_labels, int n_bins)
{
  g_autofree double *conf = g_new0 (double, n_bins);
  g_autofree double *hits = g_new0 (double, n_bins);
  g_autofree int *count = g_new0 (int, n_bins);

  for (int i = 0; i < n; i++)
    {
      const float *p = probs + (gsize) i * n_labels;
      int top = 0;
      for (int k = 1; k < n_labels; k++)
        if (p[k] > p[top])
          top = k;
      /* bins (lo, hi], as the usual implementations do */
      int bin = (int) ceil (p[top] * n_bins) - 1;
      bin = CLAMP (bin, 0, n_bins - 1);
      conf[bin] += p[top];
      hits[bin] += top == labels[i];
      count[bin]++;
    }
  double ece = 0;
  for (int b = 0; b < n_bins; b++)
    if (count[b] > 0)
      ece += fabs (hits[b] - conf[b]) / n;
  return ece;
}

/* In-place Cholesky factor (lower) of the symmetric positive definite
 * [d, d] matrix @a, then its inverse in place (lower triangular). */
static gboolean
cholesky_inverse (double *a, int d)
{
  for (int j = 0; j < d; j++)
    {
      double s = a[j * d + j];
      for (int k = 0; k < j; k++)
        s -= a[j * d + k] * a[j * d + k];
      if (!(s > 0))
        return FALSE;
      double l = sqrt (s);
      a[j * d + j] = l;
      for (int i = j + 1; i < d; i++)
        {
          double t = a[i * d + j];
          for (int k = 0; k < j; k++)
            t -= a[i * d + k] * a[j * d + k];
          a[i * d + j] = t / l;
        }
      for (int k = j + 1; k < d; k++)
        a[j * d + k] = 0;
    }
  /* Forward substitution, column by column: L X = I. */
  g_autofree double *x = g_new0 (double, (gsize) d * d);
  for (int c = 0; c < d; c++)
    for (int i = c; i < d; i++)
      {
        double t = i == c ? 1.0 : 0.0;
        for (int k = c; k < i; k++)
          t -= a[i * d + k] * x[k * d + c];
        x[i * d + c] = t / a[i * d + i];
      }
  memcpy (a, x, sizeof (double) * d * d);
  return TRUE;
}

static int
compare_floats (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- fitting */

LsScope *
ls_scope_fit (int n_labels, int dim, const char *const *labels, const char *weights_sha256,
              const float *train_features, const int *train_labels, int n_train,
              const float *val_features, const float *val_logits, const int *val_labels,
              int n_val, GError **error)
{
  g_return_val_if_fail (n_labels >= 1 && dim >= 1, NULL);

  if (n_train <= n_labels || n_val < 1)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "calibration needs more training photos than classes and at least one "
                   "validation photo (got %d and %d)", n_train, n_val);
      return NULL;
    }
  g_autofree int *count = g_new0 (int, n_labels);
  for (int i = 0; i < n_train; i++)
    {
      if (train_labels[i] < 0 || train_labels[i] >= n_labels)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT, "label %d out of range", train_labels[i]);
          return NULL;
        }
      count[train_labels[i]]++;
    }
  for (int c = 0; c < n_labels; c++)
    if (count[c] == 0)
      {
        g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                     "no training photo of class '%s'", labels != NULL ? labels[c] : "?");
        return NULL;
      }

  g_autoptr(LsScope) self = ls_scope_new_empty (n_labels, dim, labels, weights_sha256);
  int d = dim;

  /* Class means, in double. */
  g_autofree double *means = g_new0 (double, (gsize) n_labels * d);
  for (int i = 0; i < n_train; i++)
    for (int k = 0; k < d; k++)
      means[(gsize) train_labels[i] * d + k] += train_features[(gsize) i * d + k];
  for (int c = 0; c < n_labels; c++)
    for (int k = 0; k < d; k++)
      means[(gsize) c * d + k] /= count[c];

  /* Shared (pooled) covariance of the centred features: X^T X / (n - C). */
  g_autofree double *centred = g_new (double, (gsize) n_train * d);
  for (int i = 0; i < n_train; i++)
    for (int k = 0; k < d; k++)
      centred[(gsize) i * d + k] = train_features[(gsize) i * d + k]
                                   - means[(gsize) train_labels[i] * d + k];
  g_autofree double *cov = g_new0 (double, (gsize) d * d);
  cblas_dsyrk (CblasRowMajor, CblasLower, CblasTrans, d, n_train,
               1.0 / (n_train - n_labels), centred, d, 0.0, cov, d);
  double trace = 0;
  for (int k = 0; k < d; k++)
    trace += cov[k * d + k];
  double alpha = LS_SCOPE_SHRINKAGE;
  for (int i = 0; i < d; i++)
    for (int j = 0; j <= i; j++)
      cov[i * d + j] = (1 - alpha) * cov[i * d + j] + (i == j ? alpha * trace / d : 0.0);
  if (!cholesky_inverse (cov, d))
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                           "the features' covariance is singular (all photos alike?)");
      return NULL;
    }

  self->means = g_new (float, (gsize) n_labels * d);
  for (gsize i = 0; i < (gsize) n_labels * d; i++)
    self->means[i] = (float) means[i];
  self->whitening = g_new (float, (gsize) d * d);
  for (gsize i = 0; i < (gsize) d * d; i++)
    self->whitening[i] = (float) cov[i];
  ls_scope_compute_white_means (self);

  /* Temperature and threshold on the validation photos. */
  self->temperature = (float) fit_temperature (val_logits, val_labels, n_val, n_labels);
  g_autofree float *dist = g_new (float, n_val);
  for (int i = 0; i < n_val; i++)
    dist[i] = ls_scope_distance (self, val_features + (gsize) i * d, NULL);
  qsort (dist, n_val, sizeof (float), compare_floats);
  /* Linear interpolation between order statistics (numpy's default). */
  double pos = LS_SCOPE_KEEP_QUANTILE * (n_val - 1);
  int lo = (int) floor (pos), hi = MIN (lo + 1, n_val - 1);
  self->threshold = (float) (dist[lo] + (pos - lo) * (dist[hi] - dist[lo]));

  g_autofree float *raw = g_new (float, (gsize) n_val * n_labels);
  g_autofree float *cal = g_new (float, (gsize) n_val * n_labels);
  for (int i = 0; i < n_val; i++)
    {
      ls_scope_softmax (val_logits + (gsize) i * n_labels, n_labels, 1.0f, raw + (gsize) i * n_labels);
      ls_scope_calibrate (self, val_logits + (gsize) i * n_labels, cal + (gsize) i * n_labels);
    }
  self->ece_raw = ls_scope_ece (raw, val_labels, n_val, n_labels, 10);
  self->ece_calibrated = ls_scope_ece (cal, val_labels, n_val, n_labels, 10);
  self->n_train = n_train;
  self->n_val = n_val;
  self->shrinkage = alpha;
  self->keep_quantile = LS_SCOPE_KEEP_QUANTILE;
  return g_steal_pointer (&self);
}
