/* scope.c: the scope check at run time (Mahalanobis distance of the CLS
 * feature to the nearest class mean), temperature scaling, and the status of
 * a photo.  Fitting is in scope-fit.c, the files in scope-file.c.  See
 * scope.h for the method and tools/scope/README.md for the measurements the
 * thresholds rest on. */
#include "scope.h"
#include "scope-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- statuses */

const char *
ls_diagnosis_status_name (LsDiagnosisStatus status)
{
  switch (status)
    {
    case LS_DIAGNOSIS_DIAGNOSED:   return "diagnosed";
    case LS_DIAGNOSIS_UNCERTAIN:   return "uncertain";
    case LS_DIAGNOSIS_NOT_A_LEAF:  return "not_a_leaf";
    case LS_DIAGNOSIS_UNUSABLE:    return "unusable";
    default:                       return "unknown";
    }
}

typedef struct {
  const char *name;
  const char *en;
  const char *pt_BR;
} ReasonText;

/* Indexed by LsStatusReason. */
static const ReasonText reasons[] = {
  { "none", "The photo shows a bean leaf the model can judge.",
    "A foto mostra uma folha de feijão que o modelo consegue avaliar." },
  { "close_classes", "Two diseases are about equally likely on this photo.",
    "Duas doenças são quase igualmente prováveis nesta foto." },
  { "low_confidence", "The model is not confident enough about this photo.",
    "O modelo não tem confiança suficiente sobre esta foto." },
  { "out_of_scope", "This photo does not look like the bean leaf photos the model was trained on.",
    "Esta foto não se parece com as fotos de folhas de feijão com que o modelo foi treinado." },
  { "incomplete", "The image file is damaged: it ends before the picture does.",
    "O arquivo de imagem está danificado: ele termina antes da imagem." },
  { "too_small", "The photo is too small to judge (under 64 pixels on its short side for this model).",
    "A foto é pequena demais para avaliar (menos de 64 pixels no lado menor para este modelo)." },
  { "too_dark", "The photo is too dark to judge.",
    "A foto está escura demais para avaliar." },
  { "overexposed", "The photo is too bright (blown out) to judge.",
    "A foto está clara demais (estourada) para avaliar." },
};

const char *
ls_status_reason_name (LsStatusReason reason)
{
  return (guint) reason < G_N_ELEMENTS (reasons) ? reasons[reason].name : "unknown";
}

const char *
ls_status_reason_text (LsStatusReason reason, const char *language)
{
  if ((guint) reason >= G_N_ELEMENTS (reasons))
    reason = LS_STATUS_REASON_NONE;
  return g_strcmp0 (language, "pt_BR") == 0 ? reasons[reason].pt_BR : reasons[reason].en;
}

const char *
ls_status_guidance_text (LsDiagnosisStatus status, const char *language)
{
  gboolean pt = g_strcmp0 (language, "pt_BR") == 0;

  if (status == LS_DIAGNOSIS_NOT_A_LEAF)
    return pt ? "Nenhum diagnóstico foi feito. Leafscope avalia fotos de uma folha de feijão: "
                "fotografe uma única folha preenchendo o quadro, à luz do dia e em foco."
              : "No diagnosis was made. Leafscope judges photos of one bean leaf: take a photo "
                "of a single leaf filling the frame, in daylight and in focus.";
  if (status == LS_DIAGNOSIS_UNUSABLE)
    return pt ? "Nenhum diagnóstico foi feito. Use a foto original completa, de pelo menos "
                "224 pixels, com uma única folha preenchendo o quadro, à luz do dia e em foco."
              : "No diagnosis was made. Use the complete original photo, at least 224 pixels "
                "wide, with a single leaf filling the frame, in daylight and in focus.";
  return NULL;
}

/* ---------------------------------------------------------------- maths */

void
ls_scope_softmax (const float *logits, int n, float temperature, float *probs)
{
  float m = -INFINITY;
  for (int i = 0; i < n; i++)
    m = MAX (m, logits[i] / temperature);
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum += probs[i] = expf (logits[i] / temperature - m);
  for (int i = 0; i < n; i++)
    probs[i] = (float) (probs[i] / sum);
}

void
ls_scope_compute_white_means (LsScope *self)
{
  int d = self->dim;
  g_free (self->white_means);
  self->white_means = g_new (float, (gsize) self->n_labels * d);
  for (int c = 0; c < self->n_labels; c++)
    cblas_sgemv (CblasRowMajor, CblasNoTrans, d, d, 1.0f, self->whitening, d,
                 self->means + (gsize) c * d, 1, 0.0f, self->white_means + (gsize) c * d, 1);
}

void
ls_scope_feature (const float *last_hidden, int tokens, int dim, float *feature)
{
  memset (feature, 0, sizeof (float) * dim);
  for (int t = 1; t < tokens; t++)
    cblas_saxpy (dim, 1.0f, last_hidden + (gsize) t * dim, 1, feature, 1);
  if (tokens > 1)
    cblas_sscal (dim, 1.0f / (tokens - 1), feature, 1);
}

float
ls_scope_distance (const LsScope *self, const float *feature, float *second)
{
  int d = self->dim;
  g_autofree float *y = g_new (float, d);

  /* y = W x: W is lower triangular, so half a matrix-vector product. */
  memcpy (y, feature, sizeof (float) * d);
  cblas_strmv (CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, d, self->whitening, d, y, 1);
  float best = INFINITY, next = INFINITY;
  for (int c = 0; c < self->n_labels; c++)
    {
      const float *m = self->white_means + (gsize) c * d;
      float s = 0;
      for (int k = 0; k < d; k++)
        s += (y[k] - m[k]) * (y[k] - m[k]);
      if (s < best)
        {
          next = best;
          best = s;
        }
      else if (s < next)
        next = s;
    }
  if (second != NULL)
    *second = sqrtf (isfinite (next) ? next : best);
  return sqrtf (best);
}

void
ls_scope_calibrate (const LsScope *self, const float *logits, float *probs)
{
  ls_scope_softmax (logits, self->n_labels, self->temperature, probs);
}

LsScope *
ls_scope_new_empty (int n_labels, int dim, const char *const *labels, const char *digest)
{
  LsScope *self = g_new0 (LsScope, 1);
  self->n_labels = n_labels;
  self->dim = dim;
  self->labels = g_new0 (char *, n_labels + 1);
  for (int i = 0; i < n_labels; i++)
    self->labels[i] = g_strdup (labels != NULL && labels[i] != NULL ? labels[i] : "");
  self->weights_sha256 = g_strdup (digest != NULL ? digest : "");
  self->temperature = 1.0f;
  return self;
}

float
ls_scope_get_temperature (const LsScope *self)
{
  return self->temperature;
}

float
ls_scope_get_threshold (const LsScope *self)
{
  return self->threshold;
}

const char *
ls_scope_get_weights_digest (const LsScope *self)
{
  return self->weights_sha256;
}

const char *
ls_scope_get_dir (const LsScope *self)
{
  return self->dir;
}

void
ls_scope_free (LsScope *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->labels);
  g_free (self->weights_sha256);
  g_free (self->dir);
  g_free (self->means);
  g_free (self->whitening);
  g_free (self->white_means);
  g_free (self);
}

/* ---------------------------------------------------------------- judging */

void
ls_scope_judge (const LsScope *scope, const float *logits, const float *raw_probs, int n_labels,
                const float *last_hidden, int tokens, int dim, const LsFindings *findings,
                int width, int height, gboolean incomplete, int model_size,
                float uncertainty_threshold, LsScopeVerdict *verdict)
{
  float *probs = verdict->probs;

  verdict->scope_checked = scope != NULL && scope->dim == dim && scope->n_labels == n_labels;
  verdict->scope_score = 0.0f;
  verdict->scope_gap = 0.0f;
  if (verdict->scope_checked)
    {
      g_autofree float *feature = g_new (float, dim);
      float second = 0;
      ls_scope_feature (last_hidden, tokens, dim, feature);
      float nearest = ls_scope_distance (scope, feature, &second);
      ls_scope_calibrate (scope, logits, probs);
      verdict->scope_score = nearest / scope->threshold;
      verdict->scope_gap = (second - nearest) / scope->threshold;
    }
  else
    {
      scope = NULL;
      memcpy (probs, raw_probs, sizeof (float) * n_labels);
    }

  int top = 0;
  for (int i = 1; i < n_labels; i++)
    if (probs[i] > probs[top])
      top = i;
  float min_confidence = scope != NULL ? MAX (uncertainty_threshold, LS_SCOPE_MIN_CONFIDENCE)
                                       : uncertainty_threshold;

  verdict->reason = LS_STATUS_REASON_NONE;
  if (incomplete)
    verdict->reason = LS_STATUS_REASON_INCOMPLETE;
  else if (MIN (width, height) * LS_SCOPE_MAX_UPSCALE < model_size)
    verdict->reason = LS_STATUS_REASON_TOO_SMALL;
  else if (findings->brightness < LS_SCOPE_DARK_LUMA)
    verdict->reason = LS_STATUS_REASON_TOO_DARK;
  else if (findings->overexposed_fraction > LS_SCOPE_CLIPPED_SHARE)
    verdict->reason = LS_STATUS_REASON_OVEREXPOSED;
  else if (scope != NULL && verdict->scope_score > 1.0f)
    verdict->reason = LS_STATUS_REASON_OUT_OF_SCOPE;
  else if (scope != NULL && n_labels > 1 && verdict->scope_gap < LS_SCOPE_MIN_GAP)
    verdict->reason = LS_STATUS_REASON_CLOSE_CLASSES;
  else if (probs[top] < min_confidence)
    verdict->reason = LS_STATUS_REASON_LOW_CONFIDENCE;

  switch (verdict->reason)
    {
    case LS_STATUS_REASON_NONE:
      verdict->status = LS_DIAGNOSIS_DIAGNOSED;
      break;
    case LS_STATUS_REASON_CLOSE_CLASSES:
    case LS_STATUS_REASON_LOW_CONFIDENCE:
      verdict->status = LS_DIAGNOSIS_UNCERTAIN;
      break;
    case LS_STATUS_REASON_OUT_OF_SCOPE:
      verdict->status = LS_DIAGNOSIS_NOT_A_LEAF;
      break;
    default:
      verdict->status = LS_DIAGNOSIS_UNUSABLE;
      break;
    }
}
