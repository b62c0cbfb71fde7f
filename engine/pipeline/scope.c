/* scope.c: the scope check (Mahalanobis distance of the CLS feature to the
 * nearest class mean), temperature scaling, and the status of a photo.  See
 * scope.h for the method and tools/scope/README.md for the measurements the
 * thresholds rest on. */
#include "scope.h"

#include <cblas.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "json-load.h"
#include "ls-error.h"
#include "safetensors.h"

#define SCOPE_FORMAT  "leafscope-scope"
#define SCOPE_VERSION 1

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

static void
softmax_t (const float *logits, int n, float temperature, float *probs)
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

static void
compute_white_means (LsScope *self)
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
  softmax_t (logits, self->n_labels, self->temperature, probs);
}

static int
compare_floats (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- fitting */

static LsScope *
scope_new (int n_labels, int dim, const char *const *labels, const char *digest)
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

  g_autoptr(LsScope) self = scope_new (n_labels, dim, labels, weights_sha256);
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
  compute_white_means (self);

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
      softmax_t (val_logits + (gsize) i * n_labels, n_labels, 1.0f, raw + (gsize) i * n_labels);
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

/* ---------------------------------------------------------------- files */

gboolean
ls_scope_save (const LsScope *self, const char *dir, GError **error)
{
  int c = self->n_labels, d = self->dim;
  LsTensorView views[2] = {
    { .name = "means", .dtype = LS_DTYPE_F32, .ndim = 2, .shape = { c, d },
      .data = self->means, .nbytes = sizeof (float) * c * d },
    { .name = "whitening", .dtype = LS_DTYPE_F32, .ndim = 2, .shape = { d, d },
      .data = self->whitening, .nbytes = sizeof (float) * d * d },
  };
  g_autofree char *tensors = g_build_filename (dir, LS_SCOPE_FILE_TENSORS, NULL);
  if (!ls_safetensors_write (tensors, views, G_N_ELEMENTS (views), error))
    return FALSE;

  g_autoptr(JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, SCOPE_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, SCOPE_VERSION);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, "mahalanobis+temperature");
  json_builder_set_member_name (b, "feature");
  json_builder_add_string_value (b, "patch_mean_last_hidden");
  json_builder_set_member_name (b, "weights_sha256");
  json_builder_add_string_value (b, self->weights_sha256);
  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (int i = 0; i < c; i++)
    json_builder_add_string_value (b, self->labels[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "hidden_size");
  json_builder_add_int_value (b, d);
  json_builder_set_member_name (b, "temperature");
  json_builder_add_double_value (b, self->temperature);
  json_builder_set_member_name (b, "distance_threshold");
  json_builder_add_double_value (b, self->threshold);
  json_builder_set_member_name (b, "keep_quantile");
  json_builder_add_double_value (b, self->keep_quantile);
  json_builder_set_member_name (b, "shrinkage");
  json_builder_add_double_value (b, self->shrinkage);
  json_builder_set_member_name (b, "n_train");
  json_builder_add_int_value (b, self->n_train);
  json_builder_set_member_name (b, "n_validation");
  json_builder_add_int_value (b, self->n_val);
  json_builder_set_member_name (b, "ece_raw");
  json_builder_add_double_value (b, self->ece_raw);
  json_builder_set_member_name (b, "ece_calibrated");
  json_builder_add_double_value (b, self->ece_calibrated);
  json_builder_end_object (b);

  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  g_autofree char *path = g_build_filename (dir, LS_SCOPE_FILE_JSON, NULL);
  g_autoptr(GError) local = NULL;
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  if (!g_file_set_contents (path, with_newline, -1, &local))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_number (JsonObject *o, const char *name, const char *path, double *value, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);
  GType type = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node)
                                                             : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: \"%s\" must be a number", path, name);
      return FALSE;
    }
  *value = type == G_TYPE_INT64 ? (double) json_node_get_int (node) : json_node_get_double (node);
  return TRUE;
}

static const float *
read_tensor (LsSafetensors *st, const char *name, int rows, int cols, const char *path,
             GError **error)
{
  const LsTensorView *v = ls_safetensors_lookup (st, name);
  if (v == NULL || v->dtype != LS_DTYPE_F32 || v->ndim != 2 || v->shape[0] != rows
      || v->shape[1] != cols)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_SHAPE, "%s: \"%s\" must be F32 [%d, %d]",
                   path, name, rows, cols);
      return NULL;
    }
  return v->data;
}

LsScope *
ls_scope_load (const char *dir, int n_labels, int dim, GError **error)
{
  g_autofree char *json_path = g_build_filename (dir, LS_SCOPE_FILE_JSON, NULL);
  g_autofree char *tensor_path = g_build_filename (dir, LS_SCOPE_FILE_TENSORS, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o = ls_json_load_object (parser, json_path, LS_JSON_MAX_FILE_SIZE, error);
  if (o == NULL)
    return NULL;
  /* Strings only: any other type reads as "" (a hostile or damaged file). */
  JsonNode *format_node = json_object_get_member (o, "format");
  JsonNode *digest_node = json_object_get_member (o, "weights_sha256");
  const char *format = format_node != NULL && JSON_NODE_HOLDS_VALUE (format_node)
                       && json_node_get_value_type (format_node) == G_TYPE_STRING
                       ? json_node_get_string (format_node) : "";
  const char *digest = digest_node != NULL && JSON_NODE_HOLDS_VALUE (digest_node)
                       && json_node_get_value_type (digest_node) == G_TYPE_STRING
                       ? json_node_get_string (digest_node) : "";
  double version = 0, hidden = 0, temperature = 0, threshold = 0;
  if (strcmp (format, SCOPE_FORMAT) != 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: not a %s file", json_path, SCOPE_FORMAT);
      return NULL;
    }
  if (!read_number (o, "version", json_path, &version, error)
      || !read_number (o, "hidden_size", json_path, &hidden, error)
      || !read_number (o, "temperature", json_path, &temperature, error)
      || !read_number (o, "distance_threshold", json_path, &threshold, error))
    return NULL;
  if (version != SCOPE_VERSION)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED, "%s: version %g (this Leafscope reads %d)",
                   json_path, version, SCOPE_VERSION);
      return NULL;
    }
  JsonNode *labels_node = json_object_get_member (o, "labels");
  JsonArray *labels = labels_node != NULL && JSON_NODE_HOLDS_ARRAY (labels_node)
                      ? json_node_get_array (labels_node) : NULL;
  if (hidden != dim || labels == NULL || (int) json_array_get_length (labels) != n_labels)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "%s: fitted for another model (hidden size %g, labels %d; the model has %d and %d)",
                   json_path, hidden, labels != NULL ? (int) json_array_get_length (labels) : 0,
                   dim, n_labels);
      return NULL;
    }
  if (!(temperature > 0 && temperature < 1000) || !(threshold > 0 && isfinite (threshold)))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG, "%s: temperature %g or threshold %g out of range",
                   json_path, temperature, threshold);
      return NULL;
    }

  g_autoptr(LsSafetensors) st = ls_safetensors_open (tensor_path, error);
  if (st == NULL)
    return NULL;
  const float *means = read_tensor (st, "means", n_labels, dim, tensor_path, error);
  const float *whitening = means != NULL ? read_tensor (st, "whitening", dim, dim, tensor_path, error) : NULL;
  if (whitening == NULL)
    return NULL;

  g_autoptr(LsScope) self = scope_new (n_labels, dim, NULL, digest);
  for (int i = 0; i < n_labels; i++)
    {
      JsonNode *n = json_array_get_element (labels, i);
      g_free (self->labels[i]);
      self->labels[i] = g_strdup (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                                  ? json_node_get_string (n) : "");
    }
  /* The mapping may be unaligned: copy. */
  self->means = g_new (float, (gsize) n_labels * dim);
  memcpy (self->means, means, sizeof (float) * n_labels * dim);
  self->whitening = g_new (float, (gsize) dim * dim);
  memcpy (self->whitening, whitening, sizeof (float) * dim * dim);
  for (gsize i = 0; i < (gsize) dim * dim; i++)
    if (!isfinite (self->whitening[i]))
      {
        g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: non-finite whitening", tensor_path);
        return NULL;
      }
  compute_white_means (self);
  self->temperature = (float) temperature;
  self->threshold = (float) threshold;
  self->dir = g_strdup (dir);
  return g_steal_pointer (&self);
}

char *
ls_scope_weights_digest (const char *model_dir, GError **error)
{
  static const char *const names[] = { "model.safetensors", "model.safetensors.index.json",
                                       "pytorch_model.bin" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (model_dir, names[i], NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_autoptr(GError) local = NULL;
      g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local);
      if (mapped == NULL)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, local->message);
          return NULL;
        }
      return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                          (const guchar *) g_mapped_file_get_contents (mapped),
                                          g_mapped_file_get_length (mapped));
    }
  g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: no weights file", model_dir);
  return NULL;
}

char *
ls_scope_user_dir (const char *weights_sha256)
{
  return g_build_filename (g_get_user_data_dir (), "leafscope", "scope", weights_sha256, NULL);
}

LsScope *
ls_scope_find (const char *model_dir, int n_labels, int dim, gboolean *stale, GError **error)
{
  g_autofree char *beside = g_build_filename (model_dir, LS_SCOPE_FILE_JSON, NULL);
  g_autofree char *digest = NULL;

  if (stale != NULL)
    *stale = FALSE;
  digest = ls_scope_weights_digest (model_dir, error);
  if (digest == NULL)
    return NULL;

  g_autoptr(LsScope) scope = NULL;
  if (g_file_test (beside, G_FILE_TEST_EXISTS))
    {
      scope = ls_scope_load (model_dir, n_labels, dim, error);
      if (scope == NULL)
        return NULL;
      if (strcmp (scope->weights_sha256, digest) == 0)
        return g_steal_pointer (&scope);
      /* Fitted on other weights: a retrained model that was not recalibrated. */
      if (stale != NULL)
        *stale = TRUE;
      g_clear_pointer (&scope, ls_scope_free);
    }
  g_autofree char *user = ls_scope_user_dir (digest);
  g_autofree char *user_json = g_build_filename (user, LS_SCOPE_FILE_JSON, NULL);
  if (!g_file_test (user_json, G_FILE_TEST_EXISTS))
    return NULL;
  scope = ls_scope_load (user, n_labels, dim, error);
  if (scope == NULL)
    return NULL;
  if (stale != NULL)
    *stale = FALSE;
  return g_steal_pointer (&scope);
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
