/* config-fields.c: typed config field readers (see config-fields.h). */
#include "config-fields.h"
#include "json-load.h"
#include "ls-error.h"

#include <math.h>
#include <string.h>

/* A field that is absent or JSON null counts as missing (HF writes nulls for
 * "use the default"). */
JsonNode *
ls_config_get_member (JsonObject *obj, const char *field)
{
  JsonNode *node = json_object_get_member (obj, field);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

gboolean
ls_config_node_is_number (JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  GType t = json_node_get_value_type (node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* Reads an integer that may be written "32" or "32.0"; @found tells whether
 * the field was present.  Range [@min, @max] is checked. */
gboolean
ls_config_read_int (JsonObject *obj, const char *prefix, const char *field,
                    gint64 min, gint64 max, gint64 def, gint64 *out, gboolean *found,
                    GError **error)
{
  JsonNode *node = ls_config_get_member (obj, field);
  if (found != NULL)
    *found = node != NULL;
  if (node == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!ls_config_node_is_number (node))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%s%s' must be a number", prefix, field);
      return FALSE;
    }
  gint64 v;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    v = json_node_get_int (node);
  else
    {
      double d = json_node_get_double (node);
      /* Range check in double first: casting 1e300 to int64 is undefined. */
      if (!isfinite (d) || d != floor (d) || d < (double) min || d > (double) max)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "config field '%s%s' is %g; it must be an integer in "
                       "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                       prefix, field, d, min, max);
          return FALSE;
        }
      v = (gint64) d;
    }
  if (v < min || v > max)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%s%s' is %" G_GINT64_FORMAT "; it must be in "
                   "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                   prefix, field, v, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
ls_config_read_int32 (JsonObject *obj, const char *prefix, const char *field,
                      gint64 min, gint64 max, int def, int *out, GError **error)
{
  gint64 v;
  if (!ls_config_read_int (obj, prefix, field, min, max, def, &v, NULL, error))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

/* Token ids: absent or null → -1. */
gboolean
ls_config_read_token_id (JsonObject *obj, const char *prefix, const char *field,
                         int *out, GError **error)
{
  return ls_config_read_int32 (obj, prefix, field, 0, LS_MAX_VOCAB, -1, out, error);
}

gboolean
ls_config_read_float (JsonObject *obj, const char *prefix, const char *field,
                      double min, double max, double def, float *out, GError **error)
{
  JsonNode *node = ls_config_get_member (obj, field);
  if (node == NULL)
    {
      *out = (float) def;
      return TRUE;
    }
  if (!ls_config_node_is_number (node))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%s%s' must be a number", prefix, field);
      return FALSE;
    }
  double d = json_node_get_value_type (node) == G_TYPE_INT64
             ? (double) json_node_get_int (node) : json_node_get_double (node);
  if (!isfinite (d) || d < min || d > max)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%s%s' is %g; it must be in [%g, %g]",
                   prefix, field, d, min, max);
      return FALSE;
    }
  *out = (float) d;
  return TRUE;
}

gboolean
ls_config_read_bool (JsonObject *obj, const char *prefix, const char *field,
                     gboolean def, gboolean *out, GError **error)
{
  JsonNode *node = ls_config_get_member (obj, field);
  if (node == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%s%s' must be true or false", prefix, field);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* Returns a borrowed string, @def when absent. */
gboolean
ls_config_read_string (JsonObject *obj, const char *prefix, const char *field,
                       const char *def, const char **out, GError **error)
{
  JsonNode *node = ls_config_get_member (obj, field);
  if (node == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%s%s' must be a string", prefix, field);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

/* Parses @json into a root object owned by @parser.  A config that is not
 * JSON is reported as LS_ERROR_CONFIG, like any other bad config. */
JsonObject *
ls_config_parse_root (JsonParser *parser, const char *json, gssize length,
                      const char *what, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (json == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG, "%s: no data", what);
      return NULL;
    }
  JsonObject *root = ls_json_parse_object (parser, json, length, what, &local);
  if (root == NULL)
    g_set_error_literal (error, LS_ERROR, LS_ERROR_CONFIG, local->message);
  return root;
}

gboolean
ls_config_load_file (const char *model_dir, const char *name, char **contents,
                     gsize *length, gboolean *missing, GError **error)
{
  g_autofree char *path = g_build_filename (model_dir, name, NULL);
  g_autoptr(GError) local = NULL;

  if (missing != NULL)
    *missing = FALSE;
  if (!g_file_get_contents (path, contents, length, &local))
    {
      if (missing != NULL && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          *missing = TRUE;
          return FALSE;
        }
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "cannot read %s: %s",
                   path, local->message);
      return FALSE;
    }
  return TRUE;
}
