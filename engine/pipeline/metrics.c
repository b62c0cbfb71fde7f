/* metrics.c: confusion matrices and the scores that follow (see metrics.h). */
#include "metrics.h"

#define N_STATUSES (LS_DIAGNOSIS_UNUSABLE + 1)

struct _LsMetrics {
  int  n_classes;
  int *confusion;            /* [truth][predicted], n_classes x n_classes */
  int *diagnosed;            /* [truth][predicted or flagged], n_classes x (n_classes + 1) */
  int  n;
  int  n_correct;
  int  n_diagnosed;
  int  n_correct_diagnosed;
  int  n_status[N_STATUSES];
};

LsMetrics *
ls_metrics_new (int n_classes)
{
  LsMetrics *m = g_new0 (LsMetrics, 1);
  ls_metrics_grow (m, MAX (n_classes, 0));
  return m;
}

void
ls_metrics_free (LsMetrics *m)
{
  if (m == NULL)
    return;
  g_free (m->confusion);
  g_free (m->diagnosed);
  g_free (m);
}

void
ls_metrics_grow (LsMetrics *m, int n_classes)
{
  g_return_if_fail (m != NULL);
  if (n_classes <= m->n_classes && m->confusion != NULL)
    return;
  int old = m->n_classes, n = MAX (n_classes, old);
  int *confusion = g_new0 (int, (gsize) n * n + 1);
  int *diagnosed = g_new0 (int, (gsize) n * (n + 1));
  for (int r = 0; r < old; r++)
    {
      for (int c = 0; c < old; c++)
        {
          confusion[r * n + c] = m->confusion[r * old + c];
          diagnosed[r * (n + 1) + c] = m->diagnosed[r * (old + 1) + c];
        }
      /* The flagged column stays last. */
      diagnosed[r * (n + 1) + n] = m->diagnosed[r * (old + 1) + old];
    }
  g_free (m->confusion);
  g_free (m->diagnosed);
  m->confusion = confusion;
  m->diagnosed = diagnosed;
  m->n_classes = n;
}

int
ls_metrics_get_n_classes (const LsMetrics *m)
{
  return m->n_classes;
}

void
ls_metrics_add (LsMetrics *m, int truth, int predicted, LsDiagnosisStatus status)
{
  g_return_if_fail (m != NULL);
  g_return_if_fail (truth >= 0 && truth < m->n_classes);
  g_return_if_fail (predicted >= -1 && predicted < m->n_classes);
  g_return_if_fail ((int) status >= 0 && status < N_STATUSES);
  gboolean is_diagnosed = status == LS_DIAGNOSIS_DIAGNOSED;
  g_return_if_fail (predicted >= 0 || !is_diagnosed);

  int C = m->n_classes;
  m->n++;
  m->n_status[status]++;
  if (predicted >= 0)
    {
      m->confusion[truth * C + predicted]++;
      m->n_correct += predicted == truth;
    }
  m->diagnosed[truth * (C + 1) + (is_diagnosed ? predicted : C)]++;
  if (is_diagnosed)
    {
      m->n_diagnosed++;
      m->n_correct_diagnosed += predicted == truth;
    }
}

int ls_metrics_get_n (const LsMetrics *m) { return m->n; }
int ls_metrics_get_n_correct (const LsMetrics *m) { return m->n_correct; }
int ls_metrics_get_n_diagnosed (const LsMetrics *m) { return m->n_diagnosed; }
int ls_metrics_get_n_correct_diagnosed (const LsMetrics *m) { return m->n_correct_diagnosed; }
int ls_metrics_get_n_flagged (const LsMetrics *m) { return m->n - m->n_diagnosed; }

int
ls_metrics_get_n_status (const LsMetrics *m, LsDiagnosisStatus status)
{
  g_return_val_if_fail ((int) status >= 0 && status < N_STATUSES, 0);
  return m->n_status[status];
}

double
ls_metrics_get_accuracy (const LsMetrics *m)
{
  return m->n > 0 ? (double) m->n_correct / m->n : 0.0;
}

double
ls_metrics_get_coverage (const LsMetrics *m)
{
  return m->n > 0 ? (double) m->n_diagnosed / m->n : 0.0;
}

double
ls_metrics_get_accuracy_diagnosed (const LsMetrics *m)
{
  return m->n_diagnosed > 0 ? (double) m->n_correct_diagnosed / m->n_diagnosed : 0.0;
}

double
ls_metrics_get_risk (const LsMetrics *m)
{
  return m->n_diagnosed > 0
         ? (double) (m->n_diagnosed - m->n_correct_diagnosed) / m->n_diagnosed : 0.0;
}

int
ls_metrics_get_confusion (const LsMetrics *m, int truth, int predicted)
{
  g_return_val_if_fail (truth >= 0 && truth < m->n_classes, 0);
  g_return_val_if_fail (predicted >= 0 && predicted < m->n_classes, 0);
  return m->confusion[truth * m->n_classes + predicted];
}

int
ls_metrics_get_confusion_diagnosed (const LsMetrics *m, int truth, int column)
{
  g_return_val_if_fail (truth >= 0 && truth < m->n_classes, 0);
  g_return_val_if_fail (column >= 0 && column <= m->n_classes, 0);
  return m->diagnosed[truth * (m->n_classes + 1) + column];
}

void
ls_metrics_get_class (const LsMetrics *m, int c, LsClassMetrics *out)
{
  g_return_if_fail (c >= 0 && c < m->n_classes && out != NULL);
  int C = m->n_classes, tp = m->confusion[c * C + c], predicted = 0, support = 0;
  for (int r = 0; r < C; r++)
    {
      predicted += m->confusion[r * C + c];
      support += m->confusion[c * C + r];
    }
  out->support = support;
  out->precision = predicted > 0 ? (double) tp / predicted : 0.0;
  out->recall = support > 0 ? (double) tp / support : 0.0;
  out->f1 = out->precision + out->recall > 0
            ? 2 * out->precision * out->recall / (out->precision + out->recall) : 0.0;
}
