/* calibrate.h: fitting a vision model's scope check (scope.h) from labelled
 * photo folders (one subfolder per label, named as the model's id2label), as
 * `leafscope-cli calibrate` and the GUI's Dataset view do it. */
#pragma once

#include <gio/gio.h>
#include "scope.h"

G_BEGIN_DECLS

/* Called after each batch: @stage is "train" or "validation".  Return FALSE
 * to stop (the fit then fails with G_IO_ERROR_CANCELLED). */
typedef gboolean (*LsCalibrateProgress) (const char *stage,
                                         int         done,
                                         int         total,
                                         gpointer    user_data);

typedef struct {
  int    n_train;
  int    n_validation;
  int    n_skipped;      /* files that did not decode (not images, damaged) */
  double ece_raw;        /* top-class ECE (10 bins) of the validation photos, raw softmax */
  double ece_calibrated; /* the same after temperature scaling */
  double accuracy;       /* top-1 accuracy on the validation photos */
  float  temperature;
  float  threshold;
} LsCalibrateReport;

/* Runs the model of @model_dir over the photos of @train_dir and
 * @validation_dir and fits its scope.  @validation_dir NULL: every fifth
 * training photo (in sorted order) is held out as validation instead. */
LsScope  *ls_calibrate_model (const char          *model_dir,
                              const char          *train_dir,
                              const char          *validation_dir,
                              LsCalibrateProgress  progress,
                              gpointer             user_data,
                              LsCalibrateReport   *report,
                              GCancellable        *cancellable,
                              GError             **error);
/* Saves @scope beside the weights in @model_dir, or, when that folder is not
 * writable, in ls_scope_user_dir (created).  *@written_dir (g_free) names
 * the folder used. */
gboolean  ls_calibrate_save  (const LsScope       *scope,
                              const char          *model_dir,
                              char               **written_dir,
                              GError             **error);

G_END_DECLS
