/* metrics.h: how well a classifier did on labelled photos, as
 * `leafscope-cli evaluate` reports it and the Dataset view shows it.
 *
 * Each photo adds its true class, the predicted class and its status
 * (scope.h).  Two confusion matrices follow from them: every prediction
 * (rows: true class, columns: predicted), and the diagnosed ones only, with
 * one more column for the photos the model would not diagnose ("flagged":
 * uncertain, not a leaf, unusable).  Coverage is the share diagnosed, risk
 * the error rate among them. */
#pragma once

#include <glib.h>

#include "scope.h"

G_BEGIN_DECLS

typedef struct _LsMetrics LsMetrics;

typedef struct {
  double precision;  /* 0 when nothing was predicted as the class */
  double recall;     /* 0 when the class has no photo */
  double f1;         /* 0 when precision + recall is 0 (scikit-learn's zero_division) */
  int    support;    /* photos of the class */
} LsClassMetrics;

LsMetrics *ls_metrics_new  (int        n_classes);
void       ls_metrics_free (LsMetrics *metrics);
/* Makes room for @n_classes classes (never fewer): a client that meets a
 * predicted label late adds its column. */
void       ls_metrics_grow (LsMetrics *metrics,
                            int        n_classes);
int        ls_metrics_get_n_classes (const LsMetrics *metrics);

/* Adds a photo of class @truth predicted as @predicted with @status.
 * @predicted may be -1 for a photo that is not diagnosed and has no class
 * (it then counts only as flagged and in the status counts). */
void       ls_metrics_add  (LsMetrics         *metrics,
                            int                truth,
                            int                predicted,
                            LsDiagnosisStatus  status);

int        ls_metrics_get_n                 (const LsMetrics *metrics);
int        ls_metrics_get_n_correct         (const LsMetrics *metrics);
int        ls_metrics_get_n_diagnosed       (const LsMetrics *metrics);
int        ls_metrics_get_n_correct_diagnosed (const LsMetrics *metrics);
int        ls_metrics_get_n_flagged         (const LsMetrics *metrics);
int        ls_metrics_get_n_status          (const LsMetrics *metrics,
                                             LsDiagnosisStatus status);
/* Correct / all photos; 0 before any. */
double     ls_metrics_get_accuracy          (const LsMetrics *metrics);
/* Diagnosed / all photos; 0 before any. */
double     ls_metrics_get_coverage          (const LsMetrics *metrics);
/* Correct / diagnosed; 0 before any is diagnosed. */
double     ls_metrics_get_accuracy_diagnosed (const LsMetrics *metrics);
/* Wrong / diagnosed (1 - the above); 0 before any is diagnosed. */
double     ls_metrics_get_risk              (const LsMetrics *metrics);
/* Every prediction: photos of class @truth predicted as @predicted. */
int        ls_metrics_get_confusion         (const LsMetrics *metrics,
                                             int              truth,
                                             int              predicted);
/* Diagnosed predictions; @column == n_classes is the flagged column. */
int        ls_metrics_get_confusion_diagnosed (const LsMetrics *metrics,
                                               int              truth,
                                               int              column);
/* Precision, recall, F1 and support of class @c, from every prediction. */
void       ls_metrics_get_class             (const LsMetrics *metrics,
                                             int              c,
                                             LsClassMetrics  *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMetrics, ls_metrics_free)

G_END_DECLS
