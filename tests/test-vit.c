/* The ViT forward against HF transformers' own outputs (the fixtures'
 * expected.safetensors), for every weight layout and dtype. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ls-error.h"
#include "safetensors.h"
#include "vit.h"
#include "test-util.h"

static const LsTensorView *
expect_tensor (LsSafetensors *st, const char *name, gsize numel)
{
  const LsTensorView *view = ls_safetensors_lookup (st, name);
  g_assert_nonnull (view);
  g_assert_cmpint (view->dtype, ==, LS_DTYPE_F32);
  g_assert_cmpuint (ls_tensor_view_numel (view), ==, numel);
  return view;
}

/* max |a - b| over @n floats; @b may be unaligned */
static double
max_abs_diff (const float *a, const void *b, gsize n)
{
  double max = 0;
  for (gsize i = 0; i < n; i++)
    {
      float v;
      memcpy (&v, (const guint8 *) b + 4 * i, 4);
      g_assert_true (isfinite (a[i]));
      max = fmax (max, fabs ((double) a[i] - v));
    }
  return max;
}

/* The fixture's pixel_values.N stacked into one batch (B, 3, S, S). */
static float *
load_batch (LsSafetensors *st, int S, int *out_batch)
{
  int B = 0;
  while (TRUE)
    {
      g_autofree char *name = g_strdup_printf ("pixel_values.%d", B);
      if (ls_safetensors_lookup (st, name) == NULL)
        break;
      B++;
    }
  g_assert_cmpint (B, >, 0);
  gsize per = (gsize) 3 * S * S;
  float *batch = g_new (float, B * per);
  for (int b = 0; b < B; b++)
    {
      g_autofree char *name = g_strdup_printf ("pixel_values.%d", b);
      const LsTensorView *v = expect_tensor (st, name, per);
      memcpy (batch + b * per, v->data, per * 4);
    }
  *out_batch = B;
  return batch;
}

/* Runs @model_dir's model on its fixture's pixel values (from
 * @expected_dir) and compares every output with the reference. */
static void
check_against_expected (const char *model_dir, const char *expected_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_vit_load (model_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (vit);

  g_autofree char *path = g_build_filename (expected_dir, "expected.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, &error);
  g_assert_no_error (error);

  const LsVitConfig *config = ls_vit_get_config (vit);
  int S = config->image_size, B;
  g_autofree float *pixels = load_batch (st, S, &B);

  g_autoptr(LsVitOutput) out = ls_vit_forward (vit, pixels, B,
                                               LS_VIT_OUTPUT_ATTENTIONS | LS_VIT_OUTPUT_HIDDEN_STATES,
                                               NULL, &error);
  g_assert_no_error (error);
  int T = out->tokens, C = out->hidden_size, H = out->num_heads, L = out->num_layers;
  g_assert_cmpint (out->num_labels, ==, 3);

  const LsTensorView *logits = expect_tensor (st, "logits", (gsize) B * 3);
  double d = max_abs_diff (out->logits, logits->data, (gsize) B * 3);
  g_test_message ("%s: logits max |diff| %.3g", model_dir, d);
  g_assert_cmpfloat (d, <=, 1e-4);

  /* probabilities: softmax of the logits, rows sum to 1 */
  for (int b = 0; b < B; b++)
    {
      double s = 0;
      for (int j = 0; j < 3; j++)
        s += out->probs[b * 3 + j];
      g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-5);
    }

  gsize btc = (gsize) B * T * C, bhtt = (gsize) B * H * T * T;
  /* The F16/BF16 fixtures carry logits and attentions only. */
  for (int k = 0; k <= L && ls_safetensors_lookup (st, "hidden_states.0") != NULL; k++)
    {
      g_autofree char *name = g_strdup_printf ("hidden_states.%d", k);
      const LsTensorView *ref = expect_tensor (st, name, btc);
      d = max_abs_diff (out->hidden_states + k * btc, ref->data, btc);
      g_test_message ("%s: %s max |diff| %.3g", model_dir, name, d);
      g_assert_cmpfloat (d, <=, 1e-4);
    }
  for (int l = 0; l < L; l++)
    {
      g_autofree char *name = g_strdup_printf ("attentions.%d", l);
      const LsTensorView *ref = expect_tensor (st, name, bhtt);
      d = max_abs_diff (out->attentions + l * bhtt, ref->data, bhtt);
      g_test_message ("%s: %s max |diff| %.3g", model_dir, name, d);
      g_assert_cmpfloat (d, <=, 1e-5);
    }

  /* Without the optional outputs: same logits, nothing else allocated. */
  g_autoptr(LsVitOutput) plain = ls_vit_forward (vit, pixels, B, LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (plain->attentions);
  g_assert_null (plain->hidden_states);
  g_assert_cmpmem (plain->logits, B * 3 * sizeof (float), out->logits, B * 3 * sizeof (float));

  /* One image alone gives the same answer as inside the batch. */
  g_autoptr(LsVitOutput) single = ls_vit_forward (vit, pixels + (gsize) (B - 1) * 3 * S * S, 1,
                                                  LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  for (int j = 0; j < 3; j++)
    g_assert_cmpfloat_with_epsilon (single->logits[j], out->logits[(B - 1) * 3 + j], 1e-5);
}

static void
test_safetensors_f32 (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  check_against_expected (dir, dir);

  /* this one must carry the hidden states, or the check above was empty */
  g_autofree char *path = g_build_filename (dir, "expected.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, NULL);
  g_assert_nonnull (ls_safetensors_lookup (st, "hidden_states.2"));
}

static void
test_safetensors_f16 (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny-f16", NULL);
  check_against_expected (dir, dir);
}

static void
test_safetensors_bf16 (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny-bf16", NULL);
  check_against_expected (dir, dir);
}

static void
copy_file (const char *from_dir, const char *to_dir, const char *name)
{
  g_autofree char *from = g_build_filename (from_dir, name, NULL);
  g_autofree char *to = g_build_filename (to_dir, name, NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (from, &data, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, data, len, &error);
  g_assert_no_error (error);
}

/* pytorch_model.bin alone (no safetensors beside it) gives the same. */
static void
test_pickle (void)
{
  const char *variants[] = { "vit-tiny", "vit-tiny-f16" };
  for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *src = ls_test_fixture (variants[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *tmp = g_dir_make_tmp ("leafscope-vit-XXXXXX", &error);
      g_assert_no_error (error);
      copy_file (src, tmp, "pytorch_model.bin");
      copy_file (src, tmp, "config.json");
      copy_file (src, tmp, "preprocessor_config.json");
      check_against_expected (tmp, src);
      ls_test_remove_tree (tmp);
    }
}

/* The encoder of a VisionEncoderDecoderModel ("encoder." prefix, no
 * classifier, no pooler). */
static void
test_encoder (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-gpt2-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_vit_load (dir, &error);
  g_assert_no_error (error);

  const LsVitConfig *config = ls_vit_get_config (vit);
  const LsPreprocessConfig *pp = ls_vit_get_preprocess_config (vit);
  g_assert_cmpint (pp->height, ==, config->image_size);

  g_autofree char *path = g_build_filename (dir, "expected.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, &error);
  g_assert_no_error (error);
  int B;
  g_autofree float *pixels = load_batch (st, config->image_size, &B);
  g_autoptr(LsVitOutput) out = ls_vit_forward (vit, pixels, B, LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (out->logits);
  g_assert_cmpint (out->num_labels, ==, 0);
  g_assert_cmpint (out->hidden_size, ==, config->hidden_size);

  /* The rows are the final LayerNorm's output: undoing its affine part
   * (encoder.layernorm, read from the checkpoint) leaves rows of mean 0 and
   * variance 1 (up to eps). */
  {
    g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
    g_autoptr(LsSafetensors) wst = ls_safetensors_open (weights, &error);
    g_assert_no_error (error);
    const LsTensorView *gamma = expect_tensor (wst, "encoder.layernorm.weight", out->hidden_size);
    const LsTensorView *beta = expect_tensor (wst, "encoder.layernorm.bias", out->hidden_size);
    for (int t = 0; t < B * out->tokens; t++)
      {
        const float *row = out->last_hidden + (gsize) t * out->hidden_size;
        double mean = 0, var = 0;
        for (int i = 0; i < out->hidden_size; i++)
          {
            float g, b;
            memcpy (&g, (const guint8 *) gamma->data + 4 * i, 4);
            memcpy (&b, (const guint8 *) beta->data + 4 * i, 4);
            double x = ((double) row[i] - b) / g;
            mean += x;
            var += x * x;
          }
        mean /= out->hidden_size;
        var = var / out->hidden_size - mean * mean;
        g_assert_cmpfloat_with_epsilon (mean, 0.0, 1e-4);
        g_assert_cmpfloat_with_epsilon (var, 1.0, 1e-3);
      }
  }

  /* The same through ls_vit_new with an explicit checkpoint and prefix. */
  g_autoptr(LsCheckpoint) ckpt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsVit) again = ls_vit_new (ckpt, config, "encoder.", FALSE, &error);
  g_assert_no_error (error);
  g_autoptr(LsVitOutput) out2 = ls_vit_forward (again, pixels, B, LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  gsize n = (gsize) B * out->tokens * out->hidden_size;
  g_assert_cmpmem (out->last_hidden, n * 4, out2->last_hidden, n * 4);
}

/* The encoder path (no classifier) against HF: vit-tiny's weights built
 * without their classifier give last_hidden = LayerNorm (hidden_states.L),
 * the reference's last layer output with the final LayerNorm (vit.layernorm
 * of the checkpoint, layer_norm_eps of the config) applied here in double
 * precision. */
static void
test_encoder_reference (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) classifier = ls_vit_load (dir, &error);
  g_assert_no_error (error);
  const LsVitConfig *config = ls_vit_get_config (classifier);
  g_autoptr(LsCheckpoint) ckpt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsVit) vit = ls_vit_new (ckpt, config, "vit.", FALSE, &error);
  g_assert_no_error (error);

  g_autofree char *path = g_build_filename (dir, "expected.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(LsSafetensors) wst = ls_safetensors_open (weights, &error);
  g_assert_no_error (error);
  int B;
  g_autofree float *pixels = load_batch (st, config->image_size, &B);
  g_autoptr(LsVitOutput) out = ls_vit_forward (vit, pixels, B, LS_VIT_OUTPUT_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (out->logits);
  g_assert_cmpint (out->num_labels, ==, 0);

  int H = out->hidden_size, T = out->tokens;
  g_autofree char *name = g_strdup_printf ("hidden_states.%d", config->num_layers);
  const LsTensorView *ref = expect_tensor (st, name, (gsize) B * T * H);
  const LsTensorView *gamma = expect_tensor (wst, "vit.layernorm.weight", H);
  const LsTensorView *beta = expect_tensor (wst, "vit.layernorm.bias", H);
  g_autofree double *x = g_new (double, H);
  double max = 0;
  for (int r = 0; r < B * T; r++)
    {
      double mean = 0, var = 0;
      for (int i = 0; i < H; i++)
        {
          float v;
          memcpy (&v, (const guint8 *) ref->data + 4 * ((gsize) r * H + i), 4);
          x[i] = v;
          mean += v;
        }
      mean /= H;
      for (int i = 0; i < H; i++)
        var += (x[i] - mean) * (x[i] - mean);
      var /= H;
      for (int i = 0; i < H; i++)
        {
          float g, b;
          memcpy (&g, (const guint8 *) gamma->data + 4 * i, 4);
          memcpy (&b, (const guint8 *) beta->data + 4 * i, 4);
          double want = (x[i] - mean) / sqrt (var + config->layer_norm_eps) * g + b;
          max = fmax (max, fabs (out->last_hidden[(gsize) r * H + i] - want));
        }
    }
  g_test_message ("encoder last_hidden vs LayerNorm (hidden_states.%d): max |diff| %.3g",
                  config->num_layers, max);
  g_assert_cmpfloat (max, <=, 1e-4);
}

/* Writes vit-tiny's weights to a temp folder, minus @drop, plus @extra,
 * with tensor @reshape given one element fewer; returns the folder. */
static char *
doctored_model (const char *drop, const char *extra, const char *reshape)
{
  g_autofree char *src = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *weights = g_build_filename (src, "model.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsSafetensors) st = ls_safetensors_open (weights, &error);
  g_assert_no_error (error);

  g_autoptr(GArray) views = g_array_new (FALSE, FALSE, sizeof (LsTensorView));
  for (guint i = 0; i < ls_safetensors_get_n_tensors (st); i++)
    {
      LsTensorView v = *ls_safetensors_get_tensor (st, i);
      if (drop != NULL && strcmp (v.name, drop) == 0)
        continue;
      if (reshape != NULL && strcmp (v.name, reshape) == 0)
        {
          v.shape[v.ndim - 1] -= 1;
          v.nbytes = ls_tensor_view_numel (&v) * ls_dtype_size (v.dtype);
        }
      g_array_append_val (views, v);
      if (extra != NULL && i == 0)
        {
          LsTensorView e = v;
          e.name = extra;
          g_array_append_val (views, e);
        }
    }

  char *tmp = g_dir_make_tmp ("leafscope-vit-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *out = g_build_filename (tmp, "model.safetensors", NULL);
  g_assert_true (ls_safetensors_write (out, (LsTensorView *) views->data, views->len, &error));
  g_assert_no_error (error);
  copy_file (src, tmp, "config.json");
  return tmp;
}

static void
test_bad_checkpoints (void)
{
  struct {
    const char *drop, *extra, *reshape;
    int code;
    const char *names;
  } cases[] = {
    { "vit.encoder.layer.1.output.dense.bias", NULL, NULL, LS_ERROR_MISSING_TENSOR,
      "vit.encoder.layer.1.output.dense.bias" },
    { "classifier.weight", NULL, NULL, LS_ERROR_MISSING_TENSOR, "classifier.weight" },
    { NULL, "vit.encoder.layer.7.mystery", NULL, LS_ERROR_UNEXPECTED_TENSOR,
      "vit.encoder.layer.7.mystery" },
    { NULL, NULL, "vit.embeddings.position_embeddings", LS_ERROR_SHAPE,
      "vit.embeddings.position_embeddings" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = doctored_model (cases[i].drop, cases[i].extra, cases[i].reshape);
      g_autoptr(GError) error = NULL;
      g_autoptr(LsVit) vit = ls_vit_load (dir, &error);
      g_assert_null (vit);
      g_assert_error (error, LS_ERROR, cases[i].code);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].names));
      ls_test_remove_tree (dir);
    }

  /* A pooler is tolerated and ignored. */
  g_autofree char *dir = doctored_model (NULL, "vit.pooler.dense.bias", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_vit_load (dir, &error);
  g_assert_no_error (error);
  ls_test_remove_tree (dir);

  /* A folder that is not a model. */
  g_autoptr(LsVit) none = ls_vit_load ("/nonexistent/leafscope", &error);
  g_assert_null (none);
  g_assert_nonnull (error);
}

static void
test_cancel (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_vit_load (dir, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = g_new0 (float, 3 * 32 * 32);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  g_autoptr(LsVitOutput) out = ls_vit_forward (vit, pixels, 1, LS_VIT_OUTPUT_ATTENTIONS,
                                               cancellable, &error);
  g_assert_null (out);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_null (ls_vit_forward (vit, pixels, 0, 0, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
}

typedef struct {
  LsVit       *vit;
  const float *pixels;
  int          batch;
  const LsVitOutput *expected;
} Concurrent;

static gpointer
forward_again (gpointer data)
{
  Concurrent *c = data;
  gsize bhtt = (gsize) c->batch * c->expected->num_heads * c->expected->tokens * c->expected->tokens;
  for (int round = 0; round < 20; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LsVitOutput) out = ls_vit_forward (c->vit, c->pixels, c->batch,
                                                   LS_VIT_OUTPUT_ATTENTIONS, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (out->logits, c->batch * 3 * sizeof (float),
                       c->expected->logits, c->batch * 3 * sizeof (float));
      g_assert_cmpmem (out->attentions, c->expected->num_layers * bhtt * sizeof (float),
                       c->expected->attentions, c->expected->num_layers * bhtt * sizeof (float));
    }
  return NULL;
}

/* One LsVit used by several threads at once: the element-wise steps run on
 * the model's threads for one call and on the caller's thread for the
 * others, and every call gives the bytes a lone call gives. */
static void
test_concurrent (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_vit_load (dir, &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "expected.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, &error);
  g_assert_no_error (error);
  int B;
  g_autofree float *pixels = load_batch (st, ls_vit_get_config (vit)->image_size, &B);
  g_autoptr(LsVitOutput) expected = ls_vit_forward (vit, pixels, B, LS_VIT_OUTPUT_ATTENTIONS,
                                                    NULL, &error);
  g_assert_no_error (error);

  Concurrent c = { vit, pixels, B, expected };
  GThread *threads[4];
  for (int i = 0; i < 4; i++)
    threads[i] = g_thread_new ("forward", forward_again, &c);
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Vit/safetensors-f32", test_safetensors_f32);
  g_test_add_func ("/Engine/Vit/safetensors-f16", test_safetensors_f16);
  g_test_add_func ("/Engine/Vit/safetensors-bf16", test_safetensors_bf16);
  g_test_add_func ("/Engine/Vit/pytorch-model-bin", test_pickle);
  g_test_add_func ("/Engine/Vit/encoder", test_encoder);
  g_test_add_func ("/Engine/Vit/encoder-reference", test_encoder_reference);
  g_test_add_func ("/Engine/Vit/bad-checkpoints", test_bad_checkpoints);
  g_test_add_func ("/Engine/Vit/cancel", test_cancel);
  g_test_add_func ("/Engine/Vit/concurrent", test_concurrent);
  return g_test_run ();
}
