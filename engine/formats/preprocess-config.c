/* preprocess-config.c: preprocessor_config.json (transformers'
 * ViTImageProcessor settings) into LsPreprocessConfig. */
#include "model-config.h"
#include "model-config-private.h"
#include "config-fields.h"
#include "ls-error.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* ---- preprocessor -------------------------------------------------------- */

void
ls_preprocess_config_init_default (LsPreprocessConfig *config)
{
  memset (config, 0, sizeof *config);
  config->do_resize = TRUE;
  config->height = 224;
  config->width = 224;
  config->shortest_edge = 0;
  config->resample = 2;
  config->do_rescale = TRUE;
  config->rescale_factor = 1.0f / 255.0f;
  config->do_normalize = TRUE;
  for (int i = 0; i < 3; i++)
    {
      config->image_mean[i] = 0.5f;
      config->image_std[i] = 0.5f;
    }
}

static gboolean
read_triple (JsonObject *obj, const char *field, gboolean nonzero,
             float out[3], GError **error)
{
  JsonNode *node = ls_config_get_member (obj, field);
  if (node == NULL)
    return TRUE;
  /* A single number means the same value for every channel. */
  if (ls_config_node_is_number (node))
    {
      float v;
      if (!ls_config_read_float (obj, "", field, -1e6, 1e6, 0, &v, error))
        return FALSE;
      out[0] = out[1] = out[2] = v;
    }
  else
    {
      if (!JSON_NODE_HOLDS_ARRAY (node) ||
          json_array_get_length (json_node_get_array (node)) != 3)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "preprocessor field '%s' must be an array of 3 numbers", field);
          return FALSE;
        }
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < 3; i++)
        {
          JsonNode *e = json_array_get_element (array, i);
          if (!ls_config_node_is_number (e))
            {
              g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                           "preprocessor field '%s' must be an array of 3 numbers", field);
              return FALSE;
            }
          double d = json_node_get_value_type (e) == G_TYPE_INT64
                     ? (double) json_node_get_int (e) : json_node_get_double (e);
          if (!isfinite (d) || fabs (d) > 1e6)
            {
              g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                           "preprocessor field '%s' has an out-of-range value %g",
                           field, d);
              return FALSE;
            }
          out[i] = (float) d;
        }
    }
  for (int i = 0; nonzero && i < 3; i++)
    if (out[i] == 0.0f)
      {
        g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                     "preprocessor field '%s' has a zero value (channel %d): "
                     "normalizing would divide by zero", field, i);
        return FALSE;
      }
  return TRUE;
}

static gboolean
parse_preprocess_root (LsPreprocessConfig *config, JsonObject *root, GError **error)
{
  JsonNode *size;

  if (!ls_config_read_bool (root, "", "do_resize", TRUE, &config->do_resize, error) ||
      !ls_config_read_int32 (root, "", "resample", 0, 5, 2, &config->resample, error) ||
      !ls_config_read_bool (root, "", "do_rescale", TRUE, &config->do_rescale, error) ||
      !ls_config_read_float (root, "", "rescale_factor", 1e-9, 1e6, 1.0 / 255.0, &config->rescale_factor, error) ||
      !ls_config_read_bool (root, "", "do_normalize", TRUE, &config->do_normalize, error) ||
      !read_triple (root, "image_mean", FALSE, config->image_mean, error) ||
      !read_triple (root, "image_std", TRUE, config->image_std, error))
    return FALSE;

  size = ls_config_get_member (root, "size");
  if (size != NULL)
    {
      if (ls_config_node_is_number (size))
        {
          /* Old ViTFeatureExtractor form: "size": 224 means 224x224. */
          if (!ls_config_read_int32 (root, "", "size", 1, LS_MAX_IMAGE, 224, &config->height, error))
            return FALSE;
          config->width = config->height;
          config->shortest_edge = 0;
        }
      else if (JSON_NODE_HOLDS_OBJECT (size))
        {
          JsonObject *s = json_node_get_object (size);
          if (json_object_has_member (s, "shortest_edge"))
            {
              if (!ls_config_read_int32 (s, "size.", "shortest_edge", 1, LS_MAX_IMAGE, 224,
                                         &config->shortest_edge, error))
                return FALSE;
              config->height = config->width = config->shortest_edge;
            }
          else if (json_object_has_member (s, "height") && json_object_has_member (s, "width"))
            {
              if (!ls_config_read_int32 (s, "size.", "height", 1, LS_MAX_IMAGE, 224, &config->height, error) ||
                  !ls_config_read_int32 (s, "size.", "width", 1, LS_MAX_IMAGE, 224, &config->width, error))
                return FALSE;
              config->shortest_edge = 0;
            }
          else
            {
              g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                           "preprocessor field 'size' must have 'height' and "
                           "'width' or 'shortest_edge'");
              return FALSE;
            }
        }
      else
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "preprocessor field 'size' must be a number or an object");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ls_preprocess_config_parse (LsPreprocessConfig *config,
                            const char         *json,
                            gssize              length,
                            GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  g_return_val_if_fail (config != NULL, FALSE);
  ls_preprocess_config_init_default (config);
  root = ls_config_parse_root (parser, json, length, "preprocessor_config.json", error);
  if (root == NULL)
    return FALSE;
  return parse_preprocess_root (config, root, error);
}

gboolean
ls_preprocess_config_load (LsPreprocessConfig *config,
                           const char         *model_dir,
                           GError            **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  gboolean missing;

  g_return_val_if_fail (config != NULL && model_dir != NULL, FALSE);
  ls_preprocess_config_init_default (config);
  if (!ls_config_load_file (model_dir, "preprocessor_config.json", &contents, &length,
                            &missing, error))
    return missing;
  if (!ls_preprocess_config_parse (config, contents, length, error))
    {
      g_prefix_error (error, "%s/preprocessor_config.json: ", model_dir);
      return FALSE;
    }
  return TRUE;
}
