/* scope-file.c: a scope check on disk (scope.json + scope.safetensors),
 * where to find it for a model, and the model weights' digest that ties the
 * two together. */
#include "scope.h"
#include "scope-private.h"

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

  g_autoptr(LsScope) self = ls_scope_new_empty (n_labels, dim, NULL, digest);
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
  ls_scope_compute_white_means (self);
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
