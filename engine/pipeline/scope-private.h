/* scope-private.h: LsScope's fields and the helpers its parts share:
 * scope.c (distances, calibration, the verdict), scope-fit.c (fitting) and
 * scope-file.c (saving and loading). */
#pragma once

#include "scope.h"

G_BEGIN_DECLS

struct _LsScope {
  int     n_labels;
  int     dim;
  char  **labels;        /* NULL-terminated */
  char   *weights_sha256;
  char   *dir;           /* where it was loaded from, or NULL */
  float  *means;         /* [C, D] */
  float  *whitening;     /* [D, D] lower triangular W, W^T W = inverse covariance */
  float  *white_means;   /* [C, D] W mean_c */
  float   temperature;
  float   threshold;     /* Mahalanobis distance */
  /* recorded at fit time, for the report */
  int     n_train;
  int     n_val;
  double  shrinkage;
  double  keep_quantile;
  double  ece_raw;
  double  ece_calibrated;
};

/* An LsScope without statistics: temperature 1, labels copied ("" for NULL). */
LsScope *ls_scope_new_empty           (int                n_labels,
                                       int                dim,
                                       const char *const *labels,
                                       const char        *digest);
/* white_means = W means, after the means or the whitening change. */
void     ls_scope_compute_white_means (LsScope           *self);
/* probs = softmax (logits / temperature), @n of them. */
void     ls_scope_softmax             (const float       *logits,
                                       int                n,
                                       float              temperature,
                                       float             *probs);

/* Not public: only the tests (and bench/) call these. */

/* Reads the two files from @dir; they must hold @dim-wide features and
 * @n_labels classes. */
LsScope     *ls_scope_load           (const char        *dir,
                                      int                n_labels,
                                      int                dim,
                                      GError           **error);

/* Mahalanobis distance of @feature ([dim], ls_scope_feature) to the
 * nearest class mean; *@second (may be NULL) gets the distance to the second
 * nearest (the first again with one class). */
float        ls_scope_distance       (const LsScope     *self,
                                      const float       *feature,
                                      float             *second);

G_END_DECLS
