/* config.c: config.json and preprocessor_config.json into plain structs.
 *
 * Every field is read through a typed helper that names the field in its
 * error, so a malformed or hostile config never reaches the model code.
 *
 * Documented limits (anything above is LS_ERROR_CONFIG):
 *   layers <= 256, heads <= 256, hidden/n_embd <= 16384,
 *   intermediate/n_inner <= 65536, image <= 4096, patch <= image,
 *   channels <= 16, vocab <= 1,000,000, positions <= 1 << 20,
 *   labels <= 100,000.
 */
#include "model-config.h"
#include "json-load.h"
#include "ls-error.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define LS_MAX_LAYERS        256
#define LS_MAX_HEADS         256
#define LS_MAX_HIDDEN        16384
#define LS_MAX_INTERMEDIATE  65536
#define LS_MAX_IMAGE         4096
#define LS_MAX_CHANNELS      16
#define LS_MAX_VOCAB         1000000
#define LS_MAX_POSITIONS     (1 << 20)
#define LS_MAX_LABELS        100000

gboolean
ls_activation_from_string (const char   *name,
                           LsActivation *out,
                           GError      **error)
{
  static const struct { const char *name; LsActivation act; } table[] = {
    { "gelu", LS_ACTIVATION_GELU },
    { "gelu_new", LS_ACTIVATION_GELU_NEW },
    { "gelu_pytorch_tanh", LS_ACTIVATION_GELU_PYTORCH_TANH },
    { "gelu_fast", LS_ACTIVATION_GELU_FAST },
    { "quick_gelu", LS_ACTIVATION_QUICK_GELU },
    { "relu", LS_ACTIVATION_RELU },
  };

  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (table); i++)
    if (strcmp (name, table[i].name) == 0)
      {
        *out = table[i].act;
        return TRUE;
      }
  g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
               "unknown activation function '%s' (known: gelu, gelu_new, "
               "gelu_pytorch_tanh, gelu_fast, quick_gelu, relu)",
               name != NULL ? name : "(null)");
  return FALSE;
}

/* ---- typed field readers ------------------------------------------------ */

/* A field that is absent or JSON null counts as missing (HF writes nulls for
 * "use the default"). */
static JsonNode *
get_member (JsonObject *obj, const char *field)
{
  JsonNode *node = json_object_get_member (obj, field);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
node_is_number (JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  GType t = json_node_get_value_type (node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* Reads an integer that may be written "32" or "32.0"; @found tells whether
 * the field was present.  Range [@min, @max] is checked. */
static gboolean
read_int (JsonObject *obj, const char *prefix, const char *field,
          gint64 min, gint64 max, gint64 def, gint64 *out, gboolean *found,
          GError **error)
{
  JsonNode *node = get_member (obj, field);
  if (found != NULL)
    *found = node != NULL;
  if (node == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!node_is_number (node))
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

static gboolean
read_int32 (JsonObject *obj, const char *prefix, const char *field,
            gint64 min, gint64 max, int def, int *out, GError **error)
{
  gint64 v;
  if (!read_int (obj, prefix, field, min, max, def, &v, NULL, error))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

/* Token ids: absent or null → -1. */
static gboolean
read_token_id (JsonObject *obj, const char *prefix, const char *field,
               int *out, GError **error)
{
  return read_int32 (obj, prefix, field, 0, LS_MAX_VOCAB, -1, out, error);
}

static gboolean
read_float (JsonObject *obj, const char *prefix, const char *field,
            double min, double max, double def, float *out, GError **error)
{
  JsonNode *node = get_member (obj, field);
  if (node == NULL)
    {
      *out = (float) def;
      return TRUE;
    }
  if (!node_is_number (node))
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

static gboolean
read_bool (JsonObject *obj, const char *prefix, const char *field,
           gboolean def, gboolean *out, GError **error)
{
  JsonNode *node = get_member (obj, field);
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
static gboolean
read_string (JsonObject *obj, const char *prefix, const char *field,
             const char *def, const char **out, GError **error)
{
  JsonNode *node = get_member (obj, field);
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

static gboolean
read_activation (JsonObject *obj, const char *prefix, const char *field,
                 const char *def, LsActivation *out, GError **error)
{
  const char *name;
  if (!read_string (obj, prefix, field, def, &name, error))
    return FALSE;
  if (!ls_activation_from_string (name, out, error))
    {
      g_prefix_error (error, "config field '%s%s': ", prefix, field);
      return FALSE;
    }
  return TRUE;
}

/* Parses @json into a root object owned by @parser.  A config that is not
 * JSON is reported as LS_ERROR_CONFIG, like any other bad config. */
static JsonObject *
parse_root (JsonParser *parser, const char *json, gssize length,
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

/* ---- ViT ----------------------------------------------------------------- */

static void
vit_config_clear (LsVitConfig *vit)
{
  g_clear_pointer (&vit->labels, g_strfreev);
  vit->num_labels = 0;
}

static gboolean
parse_id2label (LsVitConfig *vit, JsonObject *obj, const char *prefix,
                GError **error)
{
  JsonNode *node = get_member (obj, "id2label");
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%sid2label' must be an object", prefix);
      return FALSE;
    }
  JsonObject *map = json_node_get_object (node);
  guint n = json_object_get_size (map);
  if (n == 0)
    return TRUE;
  if (n > LS_MAX_LABELS)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%sid2label' has %u labels (limit %d)",
                   prefix, n, LS_MAX_LABELS);
      return FALSE;
    }

  char **labels = g_new0 (char *, n + 1);
  GList *members = json_object_get_members (map);
  gboolean ok = TRUE;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *key = l->data;
      guint64 id;
      if (!g_ascii_string_to_unsigned (key, 10, 0, n - 1, &id, NULL))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "config field '%sid2label' has key '%s'; keys must be "
                       "the ids 0..%u", prefix, key, n - 1);
          ok = FALSE;
          break;
        }
      JsonNode *value = json_object_get_member (map, key);
      if (!JSON_NODE_HOLDS_VALUE (value) ||
          json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "config field '%sid2label' entry '%s' must be a string",
                       prefix, key);
          ok = FALSE;
          break;
        }
      if (labels[id] != NULL)
        {
          /* "1" and "01" both name id 1. */
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "config field '%sid2label' names id %" G_GUINT64_FORMAT
                       " twice", prefix, id);
          ok = FALSE;
          break;
        }
      labels[id] = g_strdup (json_node_get_string (value));
    }
  g_list_free (members);

  /* n distinct keys in 0..n-1 with no repeat cover every id, but say which
   * one is missing in case of a bug above. */
  for (guint i = 0; ok && i < n; i++)
    if (labels[i] == NULL)
      {
        g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                     "config field '%sid2label' has no label for id %u",
                     prefix, i);
        ok = FALSE;
      }
  if (!ok)
    {
      /* labels may have holes: free one by one. */
      for (guint i = 0; i < n; i++)
        g_free (labels[i]);
      g_free (labels);
      return FALSE;
    }
  vit->labels = labels;
  vit->num_labels = (int) n;
  return TRUE;
}

static gboolean
parse_vit (LsVitConfig *vit, JsonObject *obj, const char *prefix,
           gboolean want_labels, GError **error)
{
  memset (vit, 0, sizeof *vit);

  if (!read_int32 (obj, prefix, "image_size", 1, LS_MAX_IMAGE, 224, &vit->image_size, error) ||
      !read_int32 (obj, prefix, "patch_size", 1, LS_MAX_IMAGE, 16, &vit->patch_size, error) ||
      !read_int32 (obj, prefix, "num_channels", 1, LS_MAX_CHANNELS, 3, &vit->num_channels, error) ||
      !read_int32 (obj, prefix, "hidden_size", 1, LS_MAX_HIDDEN, 768, &vit->hidden_size, error) ||
      !read_int32 (obj, prefix, "num_hidden_layers", 1, LS_MAX_LAYERS, 12, &vit->num_layers, error) ||
      !read_int32 (obj, prefix, "num_attention_heads", 1, LS_MAX_HEADS, 12, &vit->num_heads, error) ||
      !read_int32 (obj, prefix, "intermediate_size", 1, LS_MAX_INTERMEDIATE, 3072, &vit->intermediate_size, error) ||
      !read_float (obj, prefix, "layer_norm_eps", 0.0, 1.0, 1e-12, &vit->layer_norm_eps, error) ||
      !read_activation (obj, prefix, "hidden_act", "gelu", &vit->hidden_act, error) ||
      !read_bool (obj, prefix, "qkv_bias", TRUE, &vit->qkv_bias, error))
    return FALSE;

  if (vit->hidden_size % vit->num_heads != 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%shidden_size' (%d) is not divisible by "
                   "'%snum_attention_heads' (%d)", prefix, vit->hidden_size,
                   prefix, vit->num_heads);
      return FALSE;
    }
  if (vit->patch_size > vit->image_size || vit->image_size % vit->patch_size != 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%simage_size' (%d) is not divisible by "
                   "'%spatch_size' (%d)", prefix, vit->image_size,
                   prefix, vit->patch_size);
      return FALSE;
    }
  if (want_labels && !parse_id2label (vit, obj, prefix, error))
    return FALSE;
  return TRUE;
}

/* ---- GPT-2 --------------------------------------------------------------- */

static gboolean
parse_gpt2 (LsGpt2Config *gpt2, JsonObject *obj, const char *prefix,
            GError **error)
{
  gint64 positions, n_inner;
  gboolean have_positions, have_inner;

  memset (gpt2, 0, sizeof *gpt2);
  if (!read_int32 (obj, prefix, "vocab_size", 1, LS_MAX_VOCAB, 50257, &gpt2->vocab_size, error) ||
      !read_int (obj, prefix, "n_positions", 1, LS_MAX_POSITIONS, 1024, &positions, &have_positions, error))
    return FALSE;
  /* Legacy configs carry only n_ctx. */
  if (!have_positions &&
      !read_int (obj, prefix, "n_ctx", 1, LS_MAX_POSITIONS, 1024, &positions, NULL, error))
    return FALSE;
  gpt2->n_positions = (int) positions;

  if (!read_int32 (obj, prefix, "n_embd", 1, LS_MAX_HIDDEN, 768, &gpt2->n_embd, error) ||
      !read_int32 (obj, prefix, "n_layer", 1, LS_MAX_LAYERS, 12, &gpt2->n_layer, error) ||
      !read_int32 (obj, prefix, "n_head", 1, LS_MAX_HEADS, 12, &gpt2->n_head, error) ||
      !read_int (obj, prefix, "n_inner", 1, LS_MAX_INTERMEDIATE, 0, &n_inner, &have_inner, error) ||
      !read_float (obj, prefix, "layer_norm_epsilon", 0.0, 1.0, 1e-5, &gpt2->layer_norm_epsilon, error) ||
      !read_activation (obj, prefix, "activation_function", "gelu_new", &gpt2->activation, error) ||
      !read_bool (obj, prefix, "scale_attn_weights", TRUE, &gpt2->scale_attn_weights, error) ||
      !read_bool (obj, prefix, "scale_attn_by_inverse_layer_idx", FALSE, &gpt2->scale_attn_by_inverse_layer_idx, error) ||
      !read_bool (obj, prefix, "add_cross_attention", FALSE, &gpt2->add_cross_attention, error) ||
      !read_token_id (obj, prefix, "bos_token_id", &gpt2->bos_token_id, error) ||
      !read_token_id (obj, prefix, "eos_token_id", &gpt2->eos_token_id, error))
    return FALSE;

  gpt2->n_inner = have_inner ? (int) n_inner : 4 * gpt2->n_embd;
  if (gpt2->n_inner > LS_MAX_INTERMEDIATE)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%sn_inner' (4 * n_embd = %d) exceeds %d",
                   prefix, gpt2->n_inner, LS_MAX_INTERMEDIATE);
      return FALSE;
    }
  if (gpt2->n_embd % gpt2->n_head != 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%sn_embd' (%d) is not divisible by '%sn_head' (%d)",
                   prefix, gpt2->n_embd, prefix, gpt2->n_head);
      return FALSE;
    }
  if (gpt2->bos_token_id >= gpt2->vocab_size || gpt2->eos_token_id >= gpt2->vocab_size)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config field '%s%s' is outside the vocabulary (%d tokens)",
                   prefix, gpt2->bos_token_id >= gpt2->vocab_size
                   ? "bos_token_id" : "eos_token_id", gpt2->vocab_size);
      return FALSE;
    }
  return TRUE;
}

/* ---- model config -------------------------------------------------------- */

/* @by_model_type: @name is a model_type ("vit"), not a class name. */
static gboolean
architecture_from_name (const char *name, gboolean by_model_type,
                        LsArchitecture *arch)
{
  static const struct {
    const char *name;
    gboolean model_type;
    LsArchitecture arch;
  } table[] = {
    { "ViTForImageClassification", FALSE, LS_ARCH_VIT_FOR_IMAGE_CLASSIFICATION },
    { "ViTModel", FALSE, LS_ARCH_VIT_MODEL },
    { "GPT2LMHeadModel", FALSE, LS_ARCH_GPT2_LM_HEAD },
    { "VisionEncoderDecoderModel", FALSE, LS_ARCH_VISION_ENCODER_DECODER },
    { "vit", TRUE, LS_ARCH_VIT_MODEL },
    { "gpt2", TRUE, LS_ARCH_GPT2_LM_HEAD },
    { "vision-encoder-decoder", TRUE, LS_ARCH_VISION_ENCODER_DECODER },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].model_type == by_model_type && strcmp (name, table[i].name) == 0)
      {
        *arch = table[i].arch;
        return TRUE;
      }
  return FALSE;
}

static JsonObject *
get_sub_object (JsonObject *obj, const char *field, GError **error)
{
  JsonNode *node = get_member (obj, field);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   node == NULL ? "config field '%s' is missing"
                                : "config field '%s' must be an object", field);
      return NULL;
    }
  return json_node_get_object (node);
}

static gboolean
parse_model_root (LsModelConfig *config, JsonObject *root, GError **error)
{
  const char *model_type = NULL;
  const char *arch_name = NULL;
  JsonNode *archs;

  if (!read_string (root, "", "model_type", NULL, &model_type, error))
    return FALSE;

  archs = get_member (root, "architectures");
  if (archs != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (archs))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "config field 'architectures' must be an array of strings");
          return FALSE;
        }
      JsonArray *array = json_node_get_array (archs);
      if (json_array_get_length (array) > 0)
        {
          JsonNode *first = json_array_get_element (array, 0);
          if (!JSON_NODE_HOLDS_VALUE (first) ||
              json_node_get_value_type (first) != G_TYPE_STRING)
            {
              g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                           "config field 'architectures' must be an array of strings");
              return FALSE;
            }
          arch_name = json_node_get_string (first);
        }
    }

  if (arch_name != NULL)
    {
      if (!architecture_from_name (arch_name, FALSE, &config->arch))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                       "architecture '%s' is not supported (supported: "
                       "ViTForImageClassification, ViTModel, GPT2LMHeadModel, "
                       "VisionEncoderDecoderModel)", arch_name);
          return FALSE;
        }
    }
  else if (model_type != NULL)
    {
      if (!architecture_from_name (model_type, TRUE, &config->arch))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                       "model_type '%s' is not supported (supported: vit, gpt2, "
                       "vision-encoder-decoder)", model_type);
          return FALSE;
        }
    }
  else
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config has neither 'architectures' nor 'model_type'");
      return FALSE;
    }

  if (model_type == NULL)
    model_type = config->arch == LS_ARCH_GPT2_LM_HEAD ? "gpt2"
               : config->arch == LS_ARCH_VISION_ENCODER_DECODER ? "vision-encoder-decoder"
               : "vit";
  config->model_type = g_strdup (model_type);

  if (!read_token_id (root, "", "pad_token_id", &config->pad_token_id, error))
    return FALSE;

  switch (config->arch)
    {
    case LS_ARCH_VIT_FOR_IMAGE_CLASSIFICATION:
      if (!parse_vit (&config->vit, root, "", TRUE, error))
        return FALSE;
      if (config->vit.num_labels == 0)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                       "config field 'id2label' is missing: an image classifier needs labels");
          return FALSE;
        }
      return TRUE;

    case LS_ARCH_VIT_MODEL:
      return parse_vit (&config->vit, root, "", FALSE, error);

    case LS_ARCH_GPT2_LM_HEAD:
      return parse_gpt2 (&config->gpt2, root, "", error);

    case LS_ARCH_VISION_ENCODER_DECODER:
      {
        JsonObject *enc = get_sub_object (root, "encoder", error);
        if (enc == NULL || !parse_vit (&config->vit, enc, "encoder.", FALSE, error))
          return FALSE;
        JsonObject *dec = get_sub_object (root, "decoder", error);
        if (dec == NULL || !parse_gpt2 (&config->gpt2, dec, "decoder.", error))
          return FALSE;
        /* The decoder must attend to the encoder, whatever its flag says. */
        config->gpt2.add_cross_attention = TRUE;
        if (!read_token_id (root, "", "decoder_start_token_id",
                            &config->decoder_start_token_id, error))
          return FALSE;
        if (config->decoder_start_token_id < 0 &&
            !read_token_id (dec, "decoder.", "decoder_start_token_id",
                            &config->decoder_start_token_id, error))
          return FALSE;
        if (config->decoder_start_token_id < 0)
          config->decoder_start_token_id = config->gpt2.bos_token_id;
        if (config->decoder_start_token_id >= config->gpt2.vocab_size)
          {
            g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                         "config field 'decoder_start_token_id' (%d) is outside "
                         "the vocabulary (%d tokens)",
                         config->decoder_start_token_id, config->gpt2.vocab_size);
            return FALSE;
          }
        if (config->pad_token_id < 0 &&
            !read_token_id (dec, "decoder.", "pad_token_id", &config->pad_token_id, error))
          return FALSE;
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

gboolean
ls_model_config_parse (LsModelConfig *config,
                       const char    *json,
                       gssize         length,
                       GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  g_return_val_if_fail (config != NULL, FALSE);
  memset (config, 0, sizeof *config);
  config->decoder_start_token_id = -1;
  config->pad_token_id = -1;
  config->gpt2.bos_token_id = -1;
  config->gpt2.eos_token_id = -1;

  root = parse_root (parser, json, length, "config.json", error);
  if (root == NULL)
    return FALSE;
  if (!parse_model_root (config, root, error))
    {
      ls_model_config_clear (config);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_file (const char *model_dir, const char *name, char **contents,
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

gboolean
ls_model_config_load (LsModelConfig *config,
                      const char    *model_dir,
                      GError       **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_return_val_if_fail (config != NULL && model_dir != NULL, FALSE);
  memset (config, 0, sizeof *config);
  if (!load_file (model_dir, "config.json", &contents, &length, NULL, error))
    return FALSE;
  if (!ls_model_config_parse (config, contents, length, error))
    {
      g_prefix_error (error, "%s/config.json: ", model_dir);
      return FALSE;
    }
  return TRUE;
}

void
ls_model_config_clear (LsModelConfig *config)
{
  if (config == NULL)
    return;
  g_clear_pointer (&config->model_type, g_free);
  vit_config_clear (&config->vit);
}

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
  JsonNode *node = get_member (obj, field);
  if (node == NULL)
    return TRUE;
  /* A single number means the same value for every channel. */
  if (node_is_number (node))
    {
      float v;
      if (!read_float (obj, "", field, -1e6, 1e6, 0, &v, error))
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
          if (!node_is_number (e))
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

  if (!read_bool (root, "", "do_resize", TRUE, &config->do_resize, error) ||
      !read_int32 (root, "", "resample", 0, 5, 2, &config->resample, error) ||
      !read_bool (root, "", "do_rescale", TRUE, &config->do_rescale, error) ||
      !read_float (root, "", "rescale_factor", 1e-9, 1e6, 1.0 / 255.0, &config->rescale_factor, error) ||
      !read_bool (root, "", "do_normalize", TRUE, &config->do_normalize, error) ||
      !read_triple (root, "image_mean", FALSE, config->image_mean, error) ||
      !read_triple (root, "image_std", TRUE, config->image_std, error))
    return FALSE;

  size = get_member (root, "size");
  if (size != NULL)
    {
      if (node_is_number (size))
        {
          /* Old ViTFeatureExtractor form: "size": 224 means 224x224. */
          if (!read_int32 (root, "", "size", 1, LS_MAX_IMAGE, 224, &config->height, error))
            return FALSE;
          config->width = config->height;
          config->shortest_edge = 0;
        }
      else if (JSON_NODE_HOLDS_OBJECT (size))
        {
          JsonObject *s = json_node_get_object (size);
          if (json_object_has_member (s, "shortest_edge"))
            {
              if (!read_int32 (s, "size.", "shortest_edge", 1, LS_MAX_IMAGE, 224,
                               &config->shortest_edge, error))
                return FALSE;
              config->height = config->width = config->shortest_edge;
            }
          else if (json_object_has_member (s, "height") && json_object_has_member (s, "width"))
            {
              if (!read_int32 (s, "size.", "height", 1, LS_MAX_IMAGE, 224, &config->height, error) ||
                  !read_int32 (s, "size.", "width", 1, LS_MAX_IMAGE, 224, &config->width, error))
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
  root = parse_root (parser, json, length, "preprocessor_config.json", error);
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
  if (!load_file (model_dir, "preprocessor_config.json", &contents, &length,
                  &missing, error))
    return missing;
  if (!ls_preprocess_config_parse (config, contents, length, error))
    {
      g_prefix_error (error, "%s/preprocessor_config.json: ", model_dir);
      return FALSE;
    }
  return TRUE;
}
