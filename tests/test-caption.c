/* test-caption.c: the ViT-GPT-2 captioner (VisionEncoderDecoderModel)
 * against transformers' logits and greedy ids. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "checkpoint.h"
#include "model-config.h"
#include "generate.h"
#include "gpt2.h"
#include "image.h"
#include "ls-error.h"
#include "safetensors.h"
#include "vit.h"
#include "test-util.h"

#define MODEL "vit-gpt2-tiny"

static JsonObject *
expected_json (JsonParser *parser)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ls_test_fixture (MODEL, "expected.json", NULL);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static const float *
expected_tensor (LsSafetensors *st, const char *name, gsize numel)
{
  const LsTensorView *v = ls_safetensors_lookup (st, name);
  g_assert_nonnull (v);
  g_assert_cmpint (v->dtype, ==, LS_DTYPE_F32);
  g_assert_cmpuint (ls_tensor_view_numel (v), ==, numel);
  g_assert_true (((guintptr) v->data & 3) == 0);
  return v->data;
}

static LsSafetensors *
open_expected (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ls_test_fixture (MODEL, "expected.safetensors", NULL);
  LsSafetensors *st = ls_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

/* Encoder + decoder built by hand: the decoder's logits for
 * decoder_input_ids, batched and step by step. */
static void
test_logits (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture (MODEL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *ids_json = json_object_get_array_member (expected_json (parser), "decoder_input_ids");
  LsModelConfig config;

  g_assert_true (ls_model_config_load (&config, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (config.arch, ==, LS_ARCH_VISION_ENCODER_DECODER);
  g_autoptr(LsCheckpoint) ckpt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsVit) vit = ls_vit_new (ckpt, &config.vit, "encoder.", FALSE, &error);
  g_assert_no_error (error);
  g_autoptr(LsGpt2) gpt2 = ls_gpt2_new (ckpt, &config.gpt2, "decoder.", &error);
  g_assert_no_error (error);

  g_autoptr(LsSafetensors) st = open_expected ();
  int S = config.vit.image_size, V = config.gpt2.vocab_size;
  const float *pixels = expected_tensor (st, "pixel_values.0", (gsize) 3 * S * S);
  int n = json_array_get_length (ids_json);
  const float *want = expected_tensor (st, "logits", (gsize) n * V);
  g_autofree int *ids = g_new (int, n);
  for (int i = 0; i < n; i++)
    ids[i] = json_array_get_int_element (ids_json, i);

  g_autoptr(LsVitOutput) enc = ls_vit_forward (vit, pixels, 1, LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (enc->hidden_size, ==, config.gpt2.n_embd);

  /* Without the encoder output the decoder refuses to run. */
  g_assert_false (ls_gpt2_forward (gpt2, ids, n, NULL, FALSE, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (ls_gpt2_set_encoder_states (gpt2, enc->last_hidden, enc->tokens, &error));
  g_assert_no_error (error);
  g_autofree float *all = g_new (float, (gsize) n * V);
  g_assert_true (ls_gpt2_forward (gpt2, ids, n, all, TRUE, NULL, &error));
  g_assert_no_error (error);
  float d = 0.0f;
  for (gsize i = 0; i < (gsize) n * V; i++)
    d = MAX (d, fabsf (all[i] - want[i]));
  g_test_message ("decoder logits: max |diff| %g", d);
  g_assert_cmpfloat (d, <=, 1e-4f);

  /* Step by step through the cache, cross-attention K/V reused. */
  g_autofree float *step = g_new (float, V);
  ls_gpt2_reset (gpt2);
  for (int i = 0; i < n; i++)
    {
      g_assert_true (ls_gpt2_forward (gpt2, ids + i, 1, step, FALSE, NULL, &error));
      for (int v = 0; v < V; v++)
        g_assert_cmpfloat (fabsf (step[v] - want[(gsize) i * V + v]), <=, 1e-4f);
    }
  ls_model_config_clear (&config);
}

static gboolean
count_cb (int token_id, const char *piece, gpointer user_data)
{
  (void) piece;
  if (token_id >= 0)
    (*(int *) user_data)++;
  return TRUE;
}

static void
assert_greedy_ids (GArray *ids, JsonArray *want)
{
  g_assert_cmpuint (ids->len, ==, json_array_get_length (want));
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpint (g_array_index (ids, int, i), ==, (int) json_array_get_int_element (want, i));
}

static void
test_greedy (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture (MODEL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *want = json_object_get_array_member (expected_json (parser), "greedy_ids");
  g_autoptr(LsLanguageModel) lm = ls_language_model_load (dir, &error);
  g_assert_no_error (error);
  g_assert_true (ls_language_model_is_captioner (lm));
  g_assert_nonnull (ls_language_model_get_preprocess_config (lm));

  g_autoptr(LsSafetensors) st = open_expected ();
  int S = ls_language_model_get_config (lm)->vit.image_size;
  const float *pixels = expected_tensor (st, "pixel_values.0", (gsize) 3 * S * S);
  LsGenerateOptions options;
  LsGenerateStats stats;
  ls_generate_options_init (&options);
  options.max_new_tokens = (int) json_array_get_length (want) - 1;

  /* Twice: the second run must not see anything of the first. */
  for (int run = 0; run < 2; run++)
    {
      g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (int));
      int count = 0;
      g_assert_true (ls_language_model_caption (lm, pixels, &options, count_cb, &count, out,
                                                &stats, NULL, &error));
      g_assert_no_error (error);
      assert_greedy_ids (out, want);
      g_assert_cmpint (count, ==, options.max_new_tokens);
      g_assert_cmpint (stats.prompt_tokens, ==, 1);
      g_assert_cmpint (stats.generated_tokens, ==, options.max_new_tokens);
    }

  /* The text entry point is refused: a captioner needs an image. */
  g_assert_false (ls_language_model_generate (lm, "a leaf", &options, NULL, NULL, NULL, NULL,
                                              NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
}

/* From the PNG through the image processor: within the fixture's pixel
 * tolerance, and the same caption. */
static void
test_from_image (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture (MODEL, NULL);
  g_autofree char *png = ls_test_fixture (MODEL, "input0.png", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *want = json_object_get_array_member (expected_json (parser), "greedy_ids");
  g_autoptr(LsLanguageModel) lm = ls_language_model_load (dir, &error);
  g_assert_no_error (error);

  g_autoptr(LsImage) image = ls_image_load (png, &error);
  g_assert_no_error (error);
  int h = 0, w = 0;
  g_autofree float *pixels = ls_image_preprocess (image, ls_language_model_get_preprocess_config (lm),
                                                  &h, &w, &error);
  g_assert_no_error (error);
  int S = ls_language_model_get_config (lm)->vit.image_size;
  g_assert_cmpint (h, ==, S);
  g_assert_cmpint (w, ==, S);
  g_autoptr(LsSafetensors) st = open_expected ();
  const float *ref = expected_tensor (st, "pixel_values.0", (gsize) 3 * S * S);
  float d = 0.0f;
  for (gsize i = 0; i < (gsize) 3 * S * S; i++)
    d = MAX (d, fabsf (pixels[i] - ref[i]));
  g_assert_cmpfloat (d, <=, 0.05f);

  LsGenerateOptions options;
  ls_generate_options_init (&options);
  options.max_new_tokens = (int) json_array_get_length (want) - 1;
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (int));
  g_assert_true (ls_language_model_caption (lm, pixels, &options, NULL, NULL, out, NULL, NULL,
                                            &error));
  g_assert_no_error (error);
  assert_greedy_ids (out, want);
}

static void
copy_file (const char *file, const char *dir)
{
  g_autofree char *src = ls_test_fixture (MODEL, file, NULL);
  g_autofree char *dst = g_build_filename (dir, file, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  g_assert_true (g_file_set_contents (dst, data, len, NULL));
}

/* Writes the fixture's weights plus @extra (name, shape [d0, d1]) into @dir. */
static void
write_with_extra (const char *dir, const char *const *extra)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = ls_test_fixture (MODEL, "model.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (src, &error);
  g_assert_no_error (error);
  guint n = ls_safetensors_get_n_tensors (st), n_extra = g_strv_length ((char **) extra);
  g_autofree LsTensorView *views = g_new0 (LsTensorView, n + n_extra);
  static const float zeros[48 * 48] = { 0 };
  for (guint i = 0; i < n; i++)
    views[i] = *ls_safetensors_get_tensor (st, i);
  for (guint i = 0; i < n_extra; i++)
    {
      LsTensorView *v = &views[n + i];
      v->name = extra[i];
      v->dtype = LS_DTYPE_F32;
      v->ndim = 2;
      v->shape[0] = 48;
      v->shape[1] = 48;
      v->data = zeros;
      v->nbytes = sizeof zeros;
    }
  g_autofree char *out = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (ls_safetensors_write (out, views, n + n_extra, &error));
  g_assert_no_error (error);
}

/* Checkpoints saved by older transformers carry mask buffers in every
 * attention block and the ViTModel pooler: not weights of the captioner.
 * Anything else unknown is an error. */
static void
test_extra_buffers (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-vitgpt2-XXXXXX", &error);
  g_assert_no_error (error);
  const char *files[] = { "config.json", "preprocessor_config.json", "vocab.json", "merges.txt" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    copy_file (files[i], tmp);

  const char *buffers[] = {
    "decoder.transformer.h.0.attn.bias", "decoder.transformer.h.0.attn.masked_bias",
    "decoder.transformer.h.1.crossattention.bias", "decoder.transformer.h.1.crossattention.masked_bias",
    "encoder.pooler.dense.weight", NULL
  };
  write_with_extra (tmp, buffers);
  g_autoptr(LsLanguageModel) lm = ls_language_model_load (tmp, &error);
  g_assert_no_error (error);
  g_autoptr(LsSafetensors) st = open_expected ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *want = json_object_get_array_member (expected_json (parser), "greedy_ids");
  LsGenerateOptions options;
  ls_generate_options_init (&options);
  options.max_new_tokens = (int) json_array_get_length (want) - 1;
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (int));
  const float *pixels = expected_tensor (st, "pixel_values.0", 3 * 32 * 32);
  g_assert_true (ls_language_model_caption (lm, pixels, &options, NULL, NULL, out, NULL, NULL,
                                            &error));
  g_assert_no_error (error);
  assert_greedy_ids (out, want);

  const char *unknown[] = { "decoder.transformer.h.0.crossattention.extra", NULL };
  write_with_extra (tmp, unknown);
  LsLanguageModel *bad = ls_language_model_load (tmp, &error);
  g_assert_null (bad);
  g_assert_error (error, LS_ERROR, LS_ERROR_UNEXPECTED_TENSOR);
  g_assert_nonnull (strstr (error->message, "crossattention.extra"));

  ls_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Caption/logits", test_logits);
  g_test_add_func ("/Engine/Caption/greedy", test_greedy);
  g_test_add_func ("/Engine/Caption/from-image", test_from_image);
  g_test_add_func ("/Engine/Caption/extra-buffers", test_extra_buffers);
  return g_test_run ();
}
