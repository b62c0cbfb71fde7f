/* scope.h: knowing when not to answer.
 *
 * A scope check that belongs to one vision model, fitted on its own training
 * photos (issue 12):
 *
 *   - out of scope: a Gaussian class-conditional model of the classifier's
 *     final features (the mean of the patch tokens of last_hidden, after the
 *     final LayerNorm): one mean per class and one shared covariance, fitted
 *     on the train split; the score is the Mahalanobis distance to the
 *     nearest class mean (Lee et al. 2018, "A simple unified framework for
 *     detecting out-of-distribution samples").  Photos farther than a
 *     threshold set on validation photos are "not a leaf".  The patch mean
 *     rather than the CLS token: on leaf-vit it separates our out-of-scope
 *     sets from Beans validation photos at AUROC 0.9986 against 0.987
 *     (tools/scope/README.md).
 *   - calibrated confidence: one temperature for the logits, fitted on
 *     validation photos by minimising the negative log-likelihood (Guo et al.
 *     2017).
 *
 * The fitted numbers live beside the model in two files (format in
 * data/models/leaf-vit/README.md): leafscope-scope.safetensors ("means" [C, D]
 * and "whitening" [D, D], the inverse Cholesky factor of the covariance) and
 * leafscope-scope.json (temperature, threshold, labels, the weights' SHA-256,
 * what was measured at fit time).  When the model folder is not writable they
 * go to $XDG_DATA_HOME/leafscope/scope/<SHA-256 of the weights>/.
 *
 * Every status of a photo is decided here, in ls_scope_judge(): the
 * thresholds below are the only ones.
 */
#pragma once

#include <glib.h>
#include "findings.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- statuses */

typedef enum {
  LS_DIAGNOSIS_DIAGNOSED,   /* a diagnosis the model can stand behind */
  LS_DIAGNOSIS_UNCERTAIN,   /* a leaf, but two classes are close or the confidence is low */
  LS_DIAGNOSIS_NOT_A_LEAF,  /* outside what the model was trained on: no disease claim */
  LS_DIAGNOSIS_UNUSABLE,    /* the photo itself cannot be judged */
} LsDiagnosisStatus;

typedef enum {
  LS_STATUS_REASON_NONE,            /* diagnosed */
  LS_STATUS_REASON_CLOSE_CLASSES,   /* uncertain: the top two classes are close */
  LS_STATUS_REASON_LOW_CONFIDENCE,  /* uncertain: the top class is not likely enough */
  LS_STATUS_REASON_OUT_OF_SCOPE,    /* not_a_leaf: unlike every training photo */
  LS_STATUS_REASON_INCOMPLETE,      /* unusable: the file ends before the picture does */
  LS_STATUS_REASON_TOO_SMALL,       /* unusable: blown up more than LS_SCOPE_MAX_UPSCALE times */
  LS_STATUS_REASON_TOO_DARK,        /* unusable: too dark to judge */
  LS_STATUS_REASON_OVEREXPOSED,     /* unusable: blown out */
} LsStatusReason;

/* "diagnosed", "uncertain", "not_a_leaf", "unusable" (stable: JSON, CSV). */
const char *ls_diagnosis_status_name (LsDiagnosisStatus status);
/* "none", "close_classes", "low_confidence", "out_of_scope", "incomplete",
 * "too_small", "too_dark", "overexposed" (stable: JSON, CSV). */
const char *ls_status_reason_name    (LsStatusReason    reason);
/* One sentence saying what is wrong, in @language ("en" or "pt_BR"; others
 * get English).  Static. */
const char *ls_status_reason_text    (LsStatusReason    reason,
                                      const char       *language);
/* What to do about it (how to take a usable photo) for not_a_leaf and
 * unusable, in @language; NULL for the other statuses.  Static. */
const char *ls_status_guidance_text  (LsDiagnosisStatus status,
                                      const char       *language);

/* ---------------------------------------------------------------- policy */

/* Photos the processor must blow up more than this many times on their
 * short side are unusable: under 64 px for a 224 px model such as leaf-vit
 * (issue 12's limit), in proportion for other input sizes. */
#define LS_SCOPE_MAX_UPSCALE       3.5f
/* Too dark / blown out to judge: far beyond findings.h's "dark" (0.20) and
 * "overexposed" (0.20) hints.  Every Beans photo (train and validation) has a
 * mean luma of 0.24 or more and at most 17.5 % clipped pixels
 * (tools/scope/README.md). */
#define LS_SCOPE_DARK_LUMA         0.06f
#define LS_SCOPE_CLIPPED_SHARE     0.70f
/* At fit time the out-of-scope threshold is set to keep this share of the
 * validation photos (the rest become "not a leaf"). */
#define LS_SCOPE_KEEP_QUANTILE     0.98f
/* Uncertain below this calibrated top probability (or the caller's
 * threshold, whichever is higher): "low confidence"; or when the photo lies
 * almost as close to the second class's mean as to the nearest one (the gap
 * between the two distances below this share of the out-of-scope
 * threshold): "close classes".  Chosen on the Beans validation split with
 * leaf-vit (8 errors in 133 photos): 91 % diagnosed, 2 of them wrong;
 * 2-fold cross-validation of the choice gives 88 % and 2.1 %
 * (tools/scope/README.md). */
#define LS_SCOPE_MIN_CONFIDENCE    0.85f
/* The uncertainty threshold callers pass when the user did not choose one
 * (the CLI's --uncertainty-threshold default, the GUI's setting default). */
#define LS_SCOPE_DEFAULT_THRESHOLD 0.6f
#define LS_SCOPE_MIN_GAP           0.02f
/* Shrinkage of the shared covariance towards its mean variance: keeps the
 * inverse stable; 0.001 measured best of 0, 0.001, 0.01, 0.05. */
#define LS_SCOPE_SHRINKAGE         0.001

/* ---------------------------------------------------------------- the check */

typedef struct _LsScope LsScope;

#define LS_SCOPE_FILE_TENSORS "leafscope-scope.safetensors"
#define LS_SCOPE_FILE_JSON    "leafscope-scope.json"

/* The scope feature of one photo: the mean of the @tokens - 1 patch rows of
 * @last_hidden ([tokens, dim], CLS first) into @feature ([dim]). */
void         ls_scope_feature        (const float       *last_hidden,
                                      int                tokens,
                                      int                dim,
                                      float             *feature);

/* Fits means and covariance on @train_features ([n_train, dim], labels in
 * @train_labels), the temperature and the distance threshold on the
 * validation photos (@val_features [n_val, dim], @val_logits [n_val,
 * n_labels]).  @labels (n_labels names) and @weights_sha256 are recorded. */
LsScope     *ls_scope_fit            (int                n_labels,
                                      int                dim,
                                      const char *const *labels,
                                      const char        *weights_sha256,
                                      const float       *train_features,
                                      const int         *train_labels,
                                      int                n_train,
                                      const float       *val_features,
                                      const float       *val_logits,
                                      const int         *val_labels,
                                      int                n_val,
                                      GError           **error);
/* Writes the two files into @dir (atomically each). */
gboolean     ls_scope_save           (const LsScope     *self,
                                      const char        *dir,
                                      GError           **error);
/* SHA-256 (hex) of the weights file of a model folder (model.safetensors,
 * model.safetensors.index.json or pytorch_model.bin). */
char        *ls_scope_weights_digest (const char        *model_dir,
                                      GError           **error);
/* Where the scope of @model_dir is kept when the folder is not writable:
 * g_get_user_data_dir()/leafscope/scope/<digest>. */
char        *ls_scope_user_dir       (const char        *weights_sha256);
/* The scope of @model_dir: beside the weights, else in ls_scope_user_dir.
 * NULL without error when there is none, or when the one found was fitted
 * on other weights (a retrained model: *@stale set TRUE when non-NULL). */
LsScope     *ls_scope_find           (const char        *model_dir,
                                      int                n_labels,
                                      int                dim,
                                      gboolean          *stale,
                                      GError           **error);

float        ls_scope_get_temperature (const LsScope    *self);
/* Mahalanobis distance beyond which a photo is out of scope. */
float        ls_scope_get_threshold   (const LsScope    *self);
/* SHA-256 of the weights it was fitted on. */
const char  *ls_scope_get_weights_digest (const LsScope *self);
/* The folder the scope was loaded from, or NULL (fitted, not loaded). */
const char  *ls_scope_get_dir         (const LsScope    *self);

/* softmax(@logits / T) into @probs ([n_labels]). */
void         ls_scope_calibrate      (const LsScope     *self,
                                      const float       *logits,
                                      float             *probs);

/* Expected calibration error of the top class, @n_bins equal-width bins
 * (Guo et al. 2017). */
double       ls_scope_ece            (const float       *probs,
                                      const int         *labels,
                                      int                n,
                                      int                n_labels,
                                      int                n_bins);

typedef struct {
  LsDiagnosisStatus status;
  LsStatusReason    reason;
  gboolean          scope_checked;  /* a fitted scope was used */
  float             scope_score;    /* distance / threshold (> 1: out of scope); 0 unchecked */
  float             scope_gap;      /* (second distance - nearest) / threshold; 0 unchecked */
  float            *probs;          /* [n_labels] calibrated (raw without a scope), owned by caller */
} LsScopeVerdict;

/* The one place a photo's status is decided.  @scope may be NULL (no scope
 * file: unusable and uncertain only).  @findings needs its photo fields
 * (ls_findings_set_photo); @last_hidden is the photo's [tokens, dim] output
 * of the ViT (LsVitOutput.last_hidden); @probs of @verdict must
 * point to n_labels floats and receives the calibrated probabilities.  The
 * image size and @incomplete come from the decoded LsImage, @model_size is
 * the model's input size (LsVitConfig.image_size). */
void         ls_scope_judge          (const LsScope     *scope,
                                      const float       *logits,
                                      const float       *raw_probs,
                                      int                n_labels,
                                      const float       *last_hidden,
                                      int                tokens,
                                      int                dim,
                                      const LsFindings  *findings,
                                      int                width,
                                      int                height,
                                      gboolean           incomplete,
                                      int                model_size,
                                      float              uncertainty_threshold,
                                      LsScopeVerdict    *verdict);

void         ls_scope_free           (LsScope           *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsScope, ls_scope_free)

G_END_DECLS
