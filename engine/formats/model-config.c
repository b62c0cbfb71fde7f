/* model-config.c: config.json into plain structs (ViT, GPT-2, or a ViT-GPT-2
 * VisionEncoderDecoderModel), every field read through config-fields.h's
 * typed readers and checked against its documented limits. */
#include "model-config.h"
#include "model-config-private.h"
#include "config-fields.h"
#include "ls-error.h"

#include <json-glib/json-glib.h>
#include <string.h>

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

static gboolean
read_activation (JsonObject *obj, const char *prefix, const char *field,
                 const char *def, LsActivation *out, GError **error)
{
  const char *name;
  if (!ls_config_read_string (obj, prefix, field, def, &name, error))
    return FALSE;
  if (!ls_activation_from_string (name, out, error))
    {
      g_prefix_error (error, "config field '%s%s': ", prefix, field);
      return FALSE;
    }
  return TRUE;
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
  JsonNode *node = ls_config_get_member (obj, "id2label");
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

  if (!ls_config_read_int32 (obj, prefix, "image_size", 1, LS_MAX_IMAGE, 224, &vit->image_size, error) ||
      !ls_config_read_int32 (obj, prefix, "patch_size", 1, LS_MAX_IMAGE, 16, &vit->patch_size, error) ||
      !ls_config_read_int32 (obj, prefix, "num_channels", 1, LS_MAX_CHANNELS, 3, &vit->num_channels, error) ||
      !ls_config_read_int32 (obj, prefix, "hidden_size", 1, LS_MAX_HIDDEN, 768, &vit->hidden_size, error) ||
      !ls_config_read_int32 (obj, prefix, "num_hidden_layers", 1, LS_MAX_LAYERS, 12, &vit->num_layers, error) ||
      !ls_config_read_int32 (obj, prefix, "num_attention_heads", 1, LS_MAX_HEADS, 12, &vit->num_heads, error) ||
      !ls_config_read_int32 (obj, prefix, "intermediate_size", 1, LS_MAX_INTERMEDIATE, 3072, &vit->intermediate_size, error) ||
      !ls_config_read_float (obj, prefix, "layer_norm_eps", 0.0, 1.0, 1e-12, &vit->layer_norm_eps, error) ||
      !read_activation (obj, prefix, "hidden_act", "gelu", &vit->hidden_act, error) ||
      !ls_config_read_bool (obj, prefix, "qkv_bias", TRUE, &vit->qkv_bias, error))
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
  if (!ls_config_read_int32 (obj, prefix, "vocab_size", 1, LS_MAX_VOCAB, 50257, &gpt2->vocab_size, error) ||
      !ls_config_read_int (obj, prefix, "n_positions", 1, LS_MAX_POSITIONS, 1024, &positions, &have_positions, error))
    return FALSE;
  /* Legacy configs carry only n_ctx. */
  if (!have_positions &&
      !ls_config_read_int (obj, prefix, "n_ctx", 1, LS_MAX_POSITIONS, 1024, &positions, NULL, error))
    return FALSE;
  gpt2->n_positions = (int) positions;

  if (!ls_config_read_int32 (obj, prefix, "n_embd", 1, LS_MAX_HIDDEN, 768, &gpt2->n_embd, error) ||
      !ls_config_read_int32 (obj, prefix, "n_layer", 1, LS_MAX_LAYERS, 12, &gpt2->n_layer, error) ||
      !ls_config_read_int32 (obj, prefix, "n_head", 1, LS_MAX_HEADS, 12, &gpt2->n_head, error) ||
      !ls_config_read_int (obj, prefix, "n_inner", 1, LS_MAX_INTERMEDIATE, 0, &n_inner, &have_inner, error) ||
      !ls_config_read_float (obj, prefix, "layer_norm_epsilon", 0.0, 1.0, 1e-5, &gpt2->layer_norm_epsilon, error) ||
      !read_activation (obj, prefix, "activation_function", "gelu_new", &gpt2->activation, error) ||
      !ls_config_read_bool (obj, prefix, "scale_attn_weights", TRUE, &gpt2->scale_attn_weights, error) ||
      !ls_config_read_bool (obj, prefix, "scale_attn_by_inverse_layer_idx", FALSE, &gpt2->scale_attn_by_inverse_layer_idx, error) ||
      !ls_config_read_bool (obj, prefix, "add_cross_attention", FALSE, &gpt2->add_cross_attention, error) ||
      !ls_config_read_token_id (obj, prefix, "bos_token_id", &gpt2->bos_token_id, error) ||
      !ls_config_read_token_id (obj, prefix, "eos_token_id", &gpt2->eos_token_id, error))
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
  JsonNode *node = ls_config_get_member (obj, field);
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

  if (!ls_config_read_string (root, "", "model_type", NULL, &model_type, error))
    return FALSE;

  archs = ls_config_get_member (root, "architectures");
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

  if (!ls_config_read_token_id (root, "", "pad_token_id", &config->pad_token_id, error))
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
        if (!ls_config_read_token_id (root, "", "decoder_start_token_id",
                                      &config->decoder_start_token_id, error))
          return FALSE;
        if (config->decoder_start_token_id < 0 &&
            !ls_config_read_token_id (dec, "decoder.", "decoder_start_token_id",
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
            !ls_config_read_token_id (dec, "decoder.", "pad_token_id", &config->pad_token_id, error))
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

  root = ls_config_parse_root (parser, json, length, "config.json", error);
  if (root == NULL)
    return FALSE;
  if (!parse_model_root (config, root, error))
    {
      ls_model_config_clear (config);
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
  if (!ls_config_load_file (model_dir, "config.json", &contents, &length, NULL, error))
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
