/* test-config.c: config.json / preprocessor_config.json parsing, fixtures and
 * hostile inputs. */
#include "model-config.h"
#include "model-config-private.h"
#include "ls-error.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_vit_tiny (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  LsModelConfig c;

  g_assert_true (ls_model_config_load (&c, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.arch, ==, LS_ARCH_VIT_FOR_IMAGE_CLASSIFICATION);
  g_assert_cmpstr (c.model_type, ==, "vit");
  g_assert_cmpint (c.vit.image_size, ==, 32);
  g_assert_cmpint (c.vit.patch_size, ==, 8);
  g_assert_cmpint (c.vit.num_channels, ==, 3);
  g_assert_cmpint (c.vit.hidden_size, ==, 48);
  g_assert_cmpint (c.vit.num_layers, ==, 2);
  g_assert_cmpint (c.vit.num_heads, ==, 4);
  g_assert_cmpint (c.vit.intermediate_size, ==, 96);
  g_assert_cmpfloat (c.vit.layer_norm_eps, ==, 1e-12f);
  g_assert_cmpint (c.vit.hidden_act, ==, LS_ACTIVATION_GELU);
  g_assert_true (c.vit.qkv_bias);
  g_assert_cmpint (c.vit.num_labels, ==, 3);
  g_assert_cmpstr (c.vit.labels[0], ==, "angular_leaf_spot");
  g_assert_cmpstr (c.vit.labels[1], ==, "bean_rust");
  g_assert_cmpstr (c.vit.labels[2], ==, "healthy");
  g_assert_null (c.vit.labels[3]);
  ls_model_config_clear (&c);
  ls_model_config_clear (&c); /* idempotent */

  LsPreprocessConfig p;
  g_assert_true (ls_preprocess_config_load (&p, dir, &error));
  g_assert_no_error (error);
  g_assert_true (p.do_resize);
  g_assert_cmpint (p.height, ==, 32);
  g_assert_cmpint (p.width, ==, 32);
  g_assert_cmpint (p.shortest_edge, ==, 0);
  g_assert_cmpint (p.resample, ==, 2);
  g_assert_cmpfloat_with_epsilon (p.rescale_factor, 1.0 / 255.0, 1e-9);
  g_assert_cmpfloat (p.image_mean[2], ==, 0.5f);
  g_assert_cmpfloat (p.image_std[0], ==, 0.5f);
}

static void
test_vit_variants (void)
{
  const char *names[] = { "vit-tiny-f16", "vit-tiny-bf16" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *dir = ls_test_fixture (names[i], NULL);
      g_autoptr(GError) error = NULL;
      LsModelConfig c;
      g_assert_true (ls_model_config_load (&c, dir, &error));
      g_assert_no_error (error);
      g_assert_cmpint (c.vit.hidden_size, ==, 48);
      g_assert_cmpint (c.vit.num_labels, ==, 3);
      ls_model_config_clear (&c);
    }
}

static void
test_gpt2_tiny (void)
{
  const char *names[] = { "gpt2-tiny", "gpt2-tiny-legacy-layout" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *dir = ls_test_fixture (names[i], NULL);
      g_autoptr(GError) error = NULL;
      LsModelConfig c;
      g_assert_true (ls_model_config_load (&c, dir, &error));
      g_assert_no_error (error);
      g_assert_cmpint (c.arch, ==, LS_ARCH_GPT2_LM_HEAD);
      g_assert_cmpstr (c.model_type, ==, "gpt2");
      g_assert_cmpint (c.gpt2.vocab_size, ==, 400);
      g_assert_cmpint (c.gpt2.n_positions, ==, 128);
      g_assert_cmpint (c.gpt2.n_embd, ==, 32);
      g_assert_cmpint (c.gpt2.n_layer, ==, 2);
      g_assert_cmpint (c.gpt2.n_head, ==, 4);
      g_assert_cmpint (c.gpt2.n_inner, ==, 128); /* null → 4 * n_embd */
      g_assert_cmpfloat (c.gpt2.layer_norm_epsilon, ==, 1e-5f);
      g_assert_cmpint (c.gpt2.activation, ==, LS_ACTIVATION_GELU_NEW);
      g_assert_true (c.gpt2.scale_attn_weights);
      g_assert_false (c.gpt2.scale_attn_by_inverse_layer_idx);
      g_assert_false (c.gpt2.add_cross_attention);
      g_assert_cmpint (c.gpt2.bos_token_id, ==, 0);
      g_assert_cmpint (c.gpt2.eos_token_id, ==, 0);
      g_assert_cmpint (c.pad_token_id, ==, -1);
      g_assert_cmpint (c.decoder_start_token_id, ==, -1);
      ls_model_config_clear (&c);
    }
}

static void
test_vit_gpt2_tiny (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-gpt2-tiny", NULL);
  g_autoptr(GError) error = NULL;
  LsModelConfig c;

  g_assert_true (ls_model_config_load (&c, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.arch, ==, LS_ARCH_VISION_ENCODER_DECODER);
  g_assert_cmpstr (c.model_type, ==, "vision-encoder-decoder");
  g_assert_cmpint (c.vit.image_size, ==, 32);
  g_assert_cmpint (c.vit.patch_size, ==, 8);
  g_assert_cmpint (c.vit.hidden_size, ==, 48);
  g_assert_cmpint (c.vit.num_layers, ==, 2);
  g_assert_cmpint (c.vit.num_heads, ==, 4);
  g_assert_cmpint (c.vit.intermediate_size, ==, 96);
  g_assert_cmpint (c.vit.num_labels, ==, 0); /* encoder labels are meaningless */
  g_assert_null (c.vit.labels);
  g_assert_cmpint (c.gpt2.vocab_size, ==, 400);
  g_assert_cmpint (c.gpt2.n_positions, ==, 64);
  g_assert_cmpint (c.gpt2.n_embd, ==, 48);
  g_assert_cmpint (c.gpt2.n_inner, ==, 192);
  g_assert_true (c.gpt2.add_cross_attention);
  g_assert_cmpint (c.decoder_start_token_id, ==, 0);
  g_assert_cmpint (c.pad_token_id, ==, 0);
  g_assert_cmpint (c.gpt2.eos_token_id, ==, 0);
  ls_model_config_clear (&c);
}

static void
test_activation (void)
{
  LsActivation a;
  g_autoptr(GError) error = NULL;
  g_assert_true (ls_activation_from_string ("gelu_pytorch_tanh", &a, NULL));
  g_assert_cmpint (a, ==, LS_ACTIVATION_GELU_PYTORCH_TANH);
  g_assert_true (ls_activation_from_string ("quick_gelu", &a, NULL));
  g_assert_cmpint (a, ==, LS_ACTIVATION_QUICK_GELU);
  g_assert_true (ls_activation_from_string ("gelu_fast", &a, NULL));
  g_assert_cmpint (a, ==, LS_ACTIVATION_GELU_FAST);
  g_assert_true (ls_activation_from_string ("relu", &a, NULL));
  g_assert_cmpint (a, ==, LS_ACTIVATION_RELU);
  g_assert_false (ls_activation_from_string ("swish", &a, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "swish"));
}

/* Variants written by hand: model_type fallback, n_ctx, numbers as floats. */
static void
test_variants (void)
{
  g_autoptr(GError) error = NULL;
  LsModelConfig c;
  const char *gpt2 =
    "{\"model_type\": \"gpt2\", \"vocab_size\": 50257.0, \"n_ctx\": 1024,"
    " \"n_embd\": 64, \"n_layer\": 1, \"n_head\": 2, \"n_inner\": 100,"
    " \"layer_norm_epsilon\": 0.00001, \"activation_function\": \"relu\","
    " \"scale_attn_by_inverse_layer_idx\": true, \"bos_token_id\": 50256}";
  g_assert_true (ls_model_config_parse (&c, gpt2, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.arch, ==, LS_ARCH_GPT2_LM_HEAD);
  g_assert_cmpint (c.gpt2.vocab_size, ==, 50257);
  g_assert_cmpint (c.gpt2.n_positions, ==, 1024);
  g_assert_cmpint (c.gpt2.n_inner, ==, 100);
  g_assert_cmpint (c.gpt2.activation, ==, LS_ACTIVATION_RELU);
  g_assert_true (c.gpt2.scale_attn_by_inverse_layer_idx);
  g_assert_cmpint (c.gpt2.bos_token_id, ==, 50256);
  g_assert_cmpint (c.gpt2.eos_token_id, ==, -1);
  ls_model_config_clear (&c);

  /* ViTModel by model_type, defaults for what is absent. */
  const char *vit = "{\"model_type\": \"vit\", \"hidden_size\": 64,"
                    " \"num_attention_heads\": 4, \"qkv_bias\": false}";
  g_assert_true (ls_model_config_parse (&c, vit, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.arch, ==, LS_ARCH_VIT_MODEL);
  g_assert_cmpint (c.vit.image_size, ==, 224);
  g_assert_cmpint (c.vit.patch_size, ==, 16);
  g_assert_cmpint (c.vit.num_layers, ==, 12);
  g_assert_cmpfloat (c.vit.layer_norm_eps, ==, 1e-12f);
  g_assert_false (c.vit.qkv_bias);
  g_assert_cmpint (c.vit.num_labels, ==, 0);
  ls_model_config_clear (&c);

  /* decoder_start_token_id inside the decoder. */
  const char *ved =
    "{\"architectures\": [\"VisionEncoderDecoderModel\"],"
    " \"encoder\": {\"model_type\": \"vit\", \"hidden_size\": 32, \"num_attention_heads\": 2,"
    "   \"image_size\": 64, \"patch_size\": 16},"
    " \"decoder\": {\"model_type\": \"gpt2\", \"vocab_size\": 10, \"n_embd\": 32,"
    "   \"n_head\": 2, \"decoder_start_token_id\": 7}}";
  g_assert_true (ls_model_config_parse (&c, ved, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.decoder_start_token_id, ==, 7);
  g_assert_cmpint (c.vit.image_size, ==, 64);
  ls_model_config_clear (&c);
}

static void
expect_config_error (const char *json, const char *needle)
{
  g_autoptr(GError) error = NULL;
  LsModelConfig c;
  if (ls_model_config_parse (&c, json, -1, &error))
    g_error ("accepted: %s", json);
  if (error->code != LS_ERROR_CONFIG || strstr (error->message, needle) == NULL)
    g_error ("for %s: expected CONFIG error naming '%s', got %d: %s",
             json, needle, error->code, error->message);
  /* A failed parse leaves nothing to free, but clear must stay safe. */
  ls_model_config_clear (&c);
}

#define VIT_OK "\"architectures\": [\"ViTForImageClassification\"], " \
               "\"id2label\": {\"0\": \"a\", \"1\": \"b\"}"

static void
test_hostile_model (void)
{
  expect_config_error ("", "JSON");
  expect_config_error ("{\"hidden_size\": ", "JSON");
  expect_config_error ("[1, 2, 3]", "object");
  expect_config_error ("42", "object");
  expect_config_error ("{}", "architectures");
  expect_config_error ("{" VIT_OK ", \"hidden_size\": 0}", "hidden_size");
  expect_config_error ("{" VIT_OK ", \"hidden_size\": -48}", "hidden_size");
  expect_config_error ("{" VIT_OK ", \"hidden_size\": 1000000}", "hidden_size");
  expect_config_error ("{" VIT_OK ", \"num_hidden_layers\": 1e9}", "num_hidden_layers");
  expect_config_error ("{" VIT_OK ", \"num_hidden_layers\": 1000000000}", "num_hidden_layers");
  expect_config_error ("{" VIT_OK ", \"num_hidden_layers\": 2.5}", "num_hidden_layers");
  expect_config_error ("{" VIT_OK ", \"num_hidden_layers\": 1e300}", "num_hidden_layers");
  expect_config_error ("{" VIT_OK ", \"num_attention_heads\": 0}", "num_attention_heads");
  expect_config_error ("{" VIT_OK ", \"image_size\": 100000}", "image_size");
  expect_config_error ("{" VIT_OK ", \"patch_size\": 0}", "patch_size");
  expect_config_error ("{" VIT_OK ", \"hidden_size\": 50, \"num_attention_heads\": 4}",
                       "not divisible by 'num_attention_heads'");
  expect_config_error ("{" VIT_OK ", \"image_size\": 30, \"patch_size\": 8}",
                       "not divisible by 'patch_size'");
  expect_config_error ("{" VIT_OK ", \"image_size\": 8, \"patch_size\": 16}", "patch_size");
  expect_config_error ("{" VIT_OK ", \"hidden_size\": \"48\"}", "hidden_size");
  expect_config_error ("{" VIT_OK ", \"hidden_size\": [48]}", "hidden_size");
  expect_config_error ("{" VIT_OK ", \"qkv_bias\": 1}", "qkv_bias");
  expect_config_error ("{" VIT_OK ", \"layer_norm_eps\": \"1e-12\"}", "layer_norm_eps");
  expect_config_error ("{" VIT_OK ", \"layer_norm_eps\": -1}", "layer_norm_eps");
  expect_config_error ("{" VIT_OK ", \"hidden_act\": \"swish\"}", "hidden_act");
  expect_config_error ("{" VIT_OK ", \"hidden_act\": 3}", "hidden_act");
  expect_config_error ("{\"architectures\": \"ViTModel\"}", "architectures");
  expect_config_error ("{\"architectures\": [3]}", "architectures");
  expect_config_error ("{\"model_type\": 3}", "model_type");

  /* id2label */
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"]}", "id2label");
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"],"
                       " \"id2label\": {\"0\": \"a\", \"2\": \"c\"}}", "id2label");
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"],"
                       " \"id2label\": {\"1\": \"a\", \"2\": \"c\"}}", "id2label");
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"],"
                       " \"id2label\": {\"0\": \"a\", \"x\": \"c\"}}", "id2label");
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"],"
                       " \"id2label\": {\"0\": \"a\", \"-1\": \"c\"}}", "id2label");
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"],"
                       " \"id2label\": {\"0\": \"a\", \"00\": \"c\"}}", "twice");
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"],"
                       " \"id2label\": {\"0\": \"a\", \"1\": 5}}", "id2label");
  expect_config_error ("{\"architectures\": [\"ViTForImageClassification\"],"
                       " \"id2label\": [\"a\", \"b\"]}", "id2label");

  /* GPT-2 */
  expect_config_error ("{\"model_type\": \"gpt2\", \"vocab_size\": 0}", "vocab_size");
  expect_config_error ("{\"model_type\": \"gpt2\", \"vocab_size\": 2000000}", "vocab_size");
  expect_config_error ("{\"model_type\": \"gpt2\", \"n_positions\": 2000000}", "n_positions");
  expect_config_error ("{\"model_type\": \"gpt2\", \"n_ctx\": -1}", "n_ctx");
  expect_config_error ("{\"model_type\": \"gpt2\", \"n_layer\": 1e9}", "n_layer");
  expect_config_error ("{\"model_type\": \"gpt2\", \"n_embd\": 100, \"n_head\": 3}",
                       "not divisible by 'n_head'");
  expect_config_error ("{\"model_type\": \"gpt2\", \"n_inner\": 0}", "n_inner");
  expect_config_error ("{\"model_type\": \"gpt2\", \"n_inner\": 70000}", "n_inner");
  expect_config_error ("{\"model_type\": \"gpt2\", \"scale_attn_weights\": \"yes\"}",
                       "scale_attn_weights");
  expect_config_error ("{\"model_type\": \"gpt2\", \"vocab_size\": 10, \"eos_token_id\": 10}",
                       "eos_token_id");
  expect_config_error ("{\"model_type\": \"gpt2\", \"activation_function\": \"tanh\"}",
                       "activation_function");

  /* Nested */
  expect_config_error ("{\"architectures\": [\"VisionEncoderDecoderModel\"],"
                       " \"decoder\": {}}", "encoder");
  expect_config_error ("{\"architectures\": [\"VisionEncoderDecoderModel\"],"
                       " \"encoder\": 3, \"decoder\": {}}", "encoder");
  expect_config_error ("{\"architectures\": [\"VisionEncoderDecoderModel\"],"
                       " \"encoder\": {\"num_hidden_layers\": 0}, \"decoder\": {}}",
                       "encoder.num_hidden_layers");
  expect_config_error ("{\"architectures\": [\"VisionEncoderDecoderModel\"],"
                       " \"encoder\": {}, \"decoder\": {\"n_layer\": 300}}",
                       "decoder.n_layer");
  expect_config_error ("{\"architectures\": [\"VisionEncoderDecoderModel\"],"
                       " \"encoder\": {}, \"decoder\": {\"vocab_size\": 5},"
                       " \"decoder_start_token_id\": 9}", "decoder_start_token_id");

  /* Deep nesting would overflow json-glib's recursive parser: refused first. */
  {
    char *deep = g_malloc (200001);
    memset (deep, '[', 100000);
    memset (deep + 100000, ']', 100000);
    deep[200000] = '\0';
    expect_config_error (deep, "nests deeper");
    LsPreprocessConfig p;
    g_autoptr(GError) perr = NULL;
    g_assert_false (ls_preprocess_config_parse (&p, deep, -1, &perr));
    g_assert_error (perr, LS_ERROR, LS_ERROR_CONFIG);
    g_free (deep);
    /* Brackets inside strings do not count. */
    LsModelConfig ok;
    g_assert_true (ls_model_config_parse (&ok,
        "{\"model_type\": \"vit\", \"note\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}", -1, NULL));
    ls_model_config_clear (&ok);
  }

  /* Unsupported architecture is a different code. */
  g_autoptr(GError) error = NULL;
  LsModelConfig c;
  g_assert_false (ls_model_config_parse (&c, "{\"architectures\": [\"BertModel\"]}", -1, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "BertModel"));
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ls-config-XXXXXX", NULL);
  LsModelConfig c;
  LsPreprocessConfig p;

  g_assert_false (ls_model_config_load (&c, dir, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_clear_error (&error);

  /* No preprocessor_config.json: ViTImageProcessor defaults. */
  memset (&p, 0xff, sizeof p);
  g_assert_true (ls_preprocess_config_load (&p, dir, NULL));
  g_assert_true (p.do_resize);
  g_assert_cmpint (p.height, ==, 224);
  g_assert_cmpint (p.width, ==, 224);
  g_assert_cmpint (p.shortest_edge, ==, 0);
  g_assert_cmpint (p.resample, ==, 2);
  g_assert_true (p.do_rescale);
  g_assert_cmpfloat_with_epsilon (p.rescale_factor, 1.0 / 255.0, 1e-9);
  g_assert_true (p.do_normalize);
  g_assert_cmpfloat (p.image_mean[0], ==, 0.5f);
  g_assert_cmpfloat (p.image_std[2], ==, 0.5f);

  /* Present but broken: an error naming the file. */
  g_autofree char *path = g_build_filename (dir, "preprocessor_config.json", NULL);
  g_assert_true (g_file_set_contents (path, "{\"size\": true}", -1, NULL));
  g_assert_false (ls_preprocess_config_load (&p, dir, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "preprocessor_config.json"));
  g_assert_nonnull (strstr (error->message, "size"));
  g_remove (path);
  g_rmdir (dir);
}

static void
test_preprocess_variants (void)
{
  g_autoptr(GError) error = NULL;
  LsPreprocessConfig p;

  /* Old ViTFeatureExtractor: int size. */
  g_assert_true (ls_preprocess_config_parse (&p,
      "{\"do_resize\": true, \"size\": 384, \"resample\": 3, \"image_mean\": [0.485, 0.456, 0.406],"
      " \"image_std\": [0.229, 0.224, 0.225], \"do_normalize\": true}", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.height, ==, 384);
  g_assert_cmpint (p.width, ==, 384);
  g_assert_cmpint (p.shortest_edge, ==, 0);
  g_assert_cmpint (p.resample, ==, 3);
  g_assert_cmpfloat_with_epsilon (p.image_mean[1], 0.456, 1e-6);
  g_assert_cmpfloat_with_epsilon (p.image_std[2], 0.225, 1e-6);

  g_assert_true (ls_preprocess_config_parse (&p,
      "{\"size\": {\"shortest_edge\": 256}, \"do_rescale\": false, \"rescale_factor\": 1}",
      -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.shortest_edge, ==, 256);
  g_assert_false (p.do_rescale);
  g_assert_cmpfloat (p.rescale_factor, ==, 1.0f);

  g_assert_true (ls_preprocess_config_parse (&p,
      "{\"size\": {\"height\": 48, \"width\": 64}}", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.height, ==, 48);
  g_assert_cmpint (p.width, ==, 64);

  static const struct { const char *json; const char *needle; } bad[] = {
    { "{\"image_std\": [0.5, 0, 0.5]}", "image_std" },
    { "{\"image_std\": [0.5, 0.5]}", "image_std" },
    { "{\"image_mean\": [0.5, \"a\", 0.5]}", "image_mean" },
    { "{\"size\": 0}", "size" },
    { "{\"size\": -5}", "size" },
    { "{\"size\": 100000}", "size" },
    { "{\"size\": {\"height\": 32}}", "size" },
    { "{\"size\": {\"height\": 0, \"width\": 32}}", "size.height" },
    { "{\"size\": {\"shortest_edge\": \"x\"}}", "size.shortest_edge" },
    { "{\"size\": \"224\"}", "size" },
    { "{\"do_resize\": \"yes\"}", "do_resize" },
    { "{\"resample\": 17}", "resample" },
    { "{\"rescale_factor\": 0}", "rescale_factor" },
    { "[]", "object" },
    { "{", "JSON" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (ls_preprocess_config_parse (&p, bad[i].json, -1, &error));
      g_assert_nonnull (error);
      if (error->code != LS_ERROR_CONFIG || strstr (error->message, bad[i].needle) == NULL)
        g_error ("for %s: expected CONFIG error naming '%s', got %s",
                 bad[i].json, bad[i].needle, error->message);
    }
}

/* The shared leaf-vit model, values from its README. */
static void
test_leaf_vit (void)
{
  g_autofree char *dir = ls_test_shared_dir ("models", "leaf-vit", NULL);
  if (dir == NULL)
    return;
  g_autoptr(GError) error = NULL;
  LsModelConfig c;
  g_assert_true (ls_model_config_load (&c, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.arch, ==, LS_ARCH_VIT_FOR_IMAGE_CLASSIFICATION);
  g_assert_cmpint (c.vit.image_size, ==, 224);
  g_assert_cmpint (c.vit.patch_size, ==, 16);
  g_assert_cmpint (c.vit.hidden_size, ==, 192);
  g_assert_cmpint (c.vit.num_layers, ==, 6);
  g_assert_cmpint (c.vit.num_heads, ==, 3);
  g_assert_cmpint (c.vit.intermediate_size, ==, 768);
  g_assert_cmpint (c.vit.num_labels, ==, 3);
  g_assert_cmpstr (c.vit.labels[1], ==, "bean_rust");
  ls_model_config_clear (&c);
  LsPreprocessConfig p;
  g_assert_true (ls_preprocess_config_load (&p, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.height, ==, 224);
  g_assert_cmpint (p.width, ==, 224);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Config/vit-tiny", test_vit_tiny);
  g_test_add_func ("/Engine/Config/vit-dtype-variants", test_vit_variants);
  g_test_add_func ("/Engine/Config/gpt2-tiny", test_gpt2_tiny);
  g_test_add_func ("/Engine/Config/vit-gpt2-tiny", test_vit_gpt2_tiny);
  g_test_add_func ("/Engine/Config/activation", test_activation);
  g_test_add_func ("/Engine/Config/variants", test_variants);
  g_test_add_func ("/Engine/Config/hostile", test_hostile_model);
  g_test_add_func ("/Engine/Config/missing-file", test_missing_file);
  g_test_add_func ("/Engine/Config/preprocess-variants", test_preprocess_variants);
  g_test_add_func ("/Engine/Config/leaf-vit", test_leaf_vit);
  return g_test_run ();
}
