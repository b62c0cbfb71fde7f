/* test-gpt2.c: GPT-2 logits against transformers' (fixtures), KV cache
 * against the batched pass, context limits. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "checkpoint.h"
#include "model-config.h"
#include "gpt2.h"
#include "ls-error.h"
#include "ops.h"
#include "safetensors.h"
#include "test-util.h"

typedef struct {
  LsModelConfig config;
  LsCheckpoint *ckpt;
  LsGpt2       *gpt2;
  LsSafetensors *expected;
  JsonParser   *parser;
  JsonArray    *prompts;
} Fixture;

static void
fixture_open (Fixture *f, const char *model)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture (model, NULL);
  g_autofree char *expected = ls_test_fixture (model, "expected.safetensors", NULL);
  g_autofree char *json = ls_test_fixture (model, "expected.json", NULL);

  memset (f, 0, sizeof *f);
  g_assert_true (ls_model_config_load (&f->config, dir, &error));
  g_assert_no_error (error);
  f->ckpt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  f->gpt2 = ls_gpt2_new (f->ckpt, &f->config.gpt2, "", &error);
  g_assert_no_error (error);
  const char *const ignore[] = { ".attn.bias", ".attn.masked_bias", NULL };
  g_assert_true (ls_checkpoint_check_all_used (f->ckpt, ignore, &error));
  g_assert_no_error (error);
  f->expected = ls_safetensors_open (expected, &error);
  g_assert_no_error (error);
  f->parser = json_parser_new ();
  json_parser_load_from_file (f->parser, json, &error);
  g_assert_no_error (error);
  f->prompts = json_object_get_array_member (json_node_get_object (json_parser_get_root (f->parser)),
                                             "prompts");
}

static void
fixture_close (Fixture *f)
{
  g_object_unref (f->parser);
  ls_safetensors_free (f->expected);
  ls_gpt2_free (f->gpt2);
  ls_checkpoint_free (f->ckpt);
  ls_model_config_clear (&f->config);
}

static int *
prompt_ids (Fixture *f, guint p, int *n)
{
  JsonArray *a = json_object_get_array_member (json_array_get_object_element (f->prompts, p), "ids");
  *n = json_array_get_length (a);
  int *ids = g_new (int, *n);
  for (int i = 0; i < *n; i++)
    ids[i] = json_array_get_int_element (a, i);
  return ids;
}

static const float *
expected_logits (Fixture *f, guint p, int n, int vocab)
{
  g_autofree char *name = g_strdup_printf ("logits.%u", p);
  const LsTensorView *v = ls_safetensors_lookup (f->expected, name);
  g_assert_nonnull (v);
  g_assert_cmpint (v->dtype, ==, LS_DTYPE_F32);
  g_assert_cmpint (v->ndim, ==, 2);
  g_assert_cmpint (v->shape[0], ==, n);
  g_assert_cmpint (v->shape[1], ==, vocab);
  g_assert_true (((guintptr) v->data & 3) == 0);
  return v->data;
}

static float
max_abs_diff (const float *a, const float *b, gsize n)
{
  float m = 0.0f;
  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabsf (a[i] - b[i]));
  return m;
}

static void
check_logits (const char *model)
{
  Fixture f;
  fixture_open (&f, model);
  int V = f.config.gpt2.vocab_size;
  g_assert_cmpuint (json_array_get_length (f.prompts), ==, 3);

  for (guint p = 0; p < json_array_get_length (f.prompts); p++)
    {
      g_autoptr(GError) error = NULL;
      int n;
      g_autofree int *ids = prompt_ids (&f, p, &n);
      const float *want = expected_logits (&f, p, n, V);
      g_autofree float *all = g_new (float, (gsize) n * V);
      g_autofree float *last = g_new (float, V);
      g_autofree float *step = g_new (float, V);

      /* Batched, every position. */
      ls_gpt2_reset (f.gpt2);
      g_assert_true (ls_gpt2_forward (f.gpt2, ids, n, all, TRUE, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ls_gpt2_get_position (f.gpt2), ==, n);
      float d = max_abs_diff (all, want, (gsize) n * V);
      g_test_message ("%s prompt %u (%d tokens): max |diff| %g", model, p, n, d);
      g_assert_cmpfloat (d, <=, 1e-4f);

      /* Batched, last position only. */
      ls_gpt2_reset (f.gpt2);
      g_assert_true (ls_gpt2_forward (f.gpt2, ids, n, last, FALSE, NULL, &error));
      g_assert_cmpfloat (max_abs_diff (last, want + (gsize) (n - 1) * V, V), <=, 1e-4f);

      /* One token at a time through the cache: each step's logits are the
       * batched pass's row. */
      ls_gpt2_reset (f.gpt2);
      for (int i = 0; i < n; i++)
        {
          g_assert_true (ls_gpt2_forward (f.gpt2, ids + i, 1, step, FALSE, NULL, &error));
          g_assert_no_error (error);
          g_assert_cmpfloat (max_abs_diff (step, all + (gsize) i * V, V), <=, 1e-5f);
          g_assert_cmpfloat (max_abs_diff (step, want + (gsize) i * V, V), <=, 1e-4f);
        }

      /* In passes of 5 tokens (the last one short), and of 1. */
      for (int rows = 5; rows >= 1; rows -= 4)
        {
          ls_gpt2_reset (f.gpt2);
          ls_gpt2_set_chunk_size (f.gpt2, rows);
          g_assert_true (ls_gpt2_forward (f.gpt2, ids, n, all, TRUE, NULL, &error));
          g_assert_cmpfloat (max_abs_diff (all, want, (gsize) n * V), <=, 1e-4f);
          ls_gpt2_reset (f.gpt2);
          g_assert_true (ls_gpt2_forward (f.gpt2, ids, n, last, FALSE, NULL, &error));
          g_assert_cmpfloat (max_abs_diff (last, want + (gsize) (n - 1) * V, V), <=, 1e-4f);
          ls_gpt2_set_chunk_size (f.gpt2, 1000);
        }
      ls_gpt2_reset (f.gpt2);
      g_assert_true (ls_gpt2_forward (f.gpt2, ids, n, all, TRUE, NULL, &error));

      /* A prompt split in two uneven pieces agrees as well. */
      if (n > 3)
        {
          ls_gpt2_reset (f.gpt2);
          g_assert_true (ls_gpt2_forward (f.gpt2, ids, 3, NULL, FALSE, NULL, &error));
          g_assert_true (ls_gpt2_forward (f.gpt2, ids + 3, n - 3, all, TRUE, NULL, &error));
          g_assert_cmpfloat (max_abs_diff (all, want + (gsize) 3 * V, (gsize) (n - 3) * V), <=, 1e-4f);
        }
    }
  fixture_close (&f);
}

static void
test_logits_gpt2 (void)
{
  check_logits ("gpt2-tiny");
}

static void
test_logits_legacy (void)
{
  check_logits ("gpt2-tiny-legacy-layout");
}

/* Greedy from the model alone (argmax of each step's logits) reproduces
 * transformers' greedy_ids. */
static void
check_greedy (const char *model)
{
  Fixture f;
  fixture_open (&f, model);
  int V = f.config.gpt2.vocab_size;
  g_autofree float *logits = g_new (float, V);

  for (guint p = 0; p < json_array_get_length (f.prompts); p++)
    {
      g_autoptr(GError) error = NULL;
      int n;
      g_autofree int *ids = prompt_ids (&f, p, &n);
      JsonArray *want = json_object_get_array_member (json_array_get_object_element (f.prompts, p),
                                                      "greedy_ids");
      ls_gpt2_reset (f.gpt2);
      g_assert_true (ls_gpt2_forward (f.gpt2, ids, n, logits, FALSE, NULL, &error));
      for (guint t = 0; t < json_array_get_length (want); t++)
        {
          int best = 0;
          for (int v = 1; v < V; v++)
            if (logits[v] > logits[best])
              best = v;
          g_assert_cmpint (best, ==, (int) json_array_get_int_element (want, t));
          g_assert_true (ls_gpt2_forward (f.gpt2, &best, 1, logits, FALSE, NULL, &error));
          g_assert_no_error (error);
        }
    }
  fixture_close (&f);
}

static void
test_greedy_gpt2 (void)
{
  check_greedy ("gpt2-tiny");
}

static void
test_greedy_legacy (void)
{
  check_greedy ("gpt2-tiny-legacy-layout");
}

static void
test_context_full (void)
{
  Fixture f;
  g_autoptr(GError) error = NULL;
  fixture_open (&f, "gpt2-tiny");
  int P = f.config.gpt2.n_positions, V = f.config.gpt2.vocab_size;
  g_autofree int *ids = g_new0 (int, P + 1);
  g_autofree float *logits = g_new (float, V);
  for (int i = 0; i <= P; i++)
    ids[i] = 1 + i % (V - 1);

  /* P + 1 tokens do not fit; the cache stays empty. */
  g_assert_false (ls_gpt2_forward (f.gpt2, ids, P + 1, logits, FALSE, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (ls_gpt2_get_position (f.gpt2), ==, 0);

  /* Exactly P fit; one more does not. */
  g_assert_true (ls_gpt2_forward (f.gpt2, ids, P - 1, NULL, FALSE, NULL, &error));
  g_assert_true (ls_gpt2_forward (f.gpt2, ids + P - 1, 1, logits, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ls_gpt2_get_position (f.gpt2), ==, P);
  g_assert_false (ls_gpt2_forward (f.gpt2, ids, 1, logits, FALSE, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_clear_error (&error);
  for (int v = 0; v < V; v++)
    g_assert_true (isfinite (logits[v]));

  /* Ids out of range, no tokens, cancelled. */
  ls_gpt2_reset (f.gpt2);
  int bad[] = { 3, V };
  g_assert_false (ls_gpt2_forward (f.gpt2, bad, 2, logits, FALSE, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ls_gpt2_forward (f.gpt2, bad, 0, logits, FALSE, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_false (ls_gpt2_forward (f.gpt2, ids, 4, logits, FALSE, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (ls_gpt2_get_position (f.gpt2), ==, 0);

  /* No cross-attention in a plain GPT-2. */
  float states[32] = { 0 };
  g_assert_false (ls_gpt2_set_encoder_states (f.gpt2, states, 1, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  fixture_close (&f);
}

/* A config that disagrees with the weights is a shape error naming a tensor. */
static void
test_shape_mismatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture ("gpt2-tiny", NULL);
  LsModelConfig config;
  g_assert_true (ls_model_config_load (&config, dir, &error));
  g_autoptr(LsCheckpoint) ckpt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);

  LsGpt2Config wrong = config.gpt2;
  wrong.n_layer = 3;
  LsGpt2 *g = ls_gpt2_new (ckpt, &wrong, "", &error);
  g_assert_null (g);
  g_assert_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR);
  g_assert_nonnull (strstr (error->message, "h.2."));
  g_clear_error (&error);

  wrong = config.gpt2;
  wrong.n_positions = 64;
  g = ls_gpt2_new (ckpt, &wrong, "", &error);
  g_assert_null (g);
  g_assert_error (error, LS_ERROR, LS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "wpe"));
  g_clear_error (&error);

  wrong = config.gpt2;
  wrong.n_head = 5;
  g = ls_gpt2_new (ckpt, &wrong, "", &error);
  g_assert_null (g);
  g_assert_error (error, LS_ERROR, LS_ERROR_CONFIG);
  g_clear_error (&error);

  wrong = config.gpt2;
  wrong.add_cross_attention = TRUE;
  g = ls_gpt2_new (ckpt, &wrong, "", &error);
  g_assert_null (g);
  g_assert_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR);
  g_clear_error (&error);
  ls_model_config_clear (&config);
}

static guint16
to_bf16 (float f)
{
  guint32 bits;
  memcpy (&bits, &f, 4);
  bits += 0x7fff + ((bits >> 16) & 1); /* round to nearest even */
  return (guint16) (bits >> 16);
}

/* Writes gpt2-tiny's weights into @dir as @dtype (F16/BF16), or as F32 holding
 * the values rounded through @round_through. */
static void
write_rounded (const char *dir, LsDtype dtype, LsDtype round_through)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = ls_test_fixture ("gpt2-tiny", "model.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (src, &error);
  g_assert_no_error (error);
  guint n = ls_safetensors_get_n_tensors (st);
  g_autofree LsTensorView *views = g_new0 (LsTensorView, n);
  g_autoptr(GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      const LsTensorView *v = ls_safetensors_get_tensor (st, i);
      gsize numel = ls_tensor_view_numel (v);
      g_autofree float *f = g_new (float, numel);
      memcpy (f, v->data, numel * 4);
      views[i] = *v;
      views[i].dtype = dtype;
      if (dtype == LS_DTYPE_F32)
        {
          for (gsize k = 0; k < numel; k++)
            {
              if (round_through == LS_DTYPE_F16)
                f[k] = ls_f16_to_float (ls_float_to_f16 (f[k]));
              else
                {
                  guint32 b = (guint32) to_bf16 (f[k]) << 16;
                  memcpy (&f[k], &b, 4);
                }
            }
          views[i].data = f;
          views[i].nbytes = numel * 4;
          g_ptr_array_add (buffers, g_steal_pointer (&f));
        }
      else
        {
          guint16 *h = g_new (guint16, numel);
          for (gsize k = 0; k < numel; k++)
            h[k] = dtype == LS_DTYPE_F16 ? ls_float_to_f16 (f[k]) : to_bf16 (f[k]);
          views[i].data = h;
          views[i].nbytes = numel * 2;
          g_ptr_array_add (buffers, h);
        }
    }
  g_autofree char *out = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (ls_safetensors_write (out, views, n, &error));
  g_assert_no_error (error);
}

static float *
logits_of_dir (const char *dir, const int *ids, int n, int vocab)
{
  g_autoptr(GError) error = NULL;
  LsModelConfig config;
  g_autofree char *fixture = ls_test_fixture ("gpt2-tiny", NULL);
  g_assert_true (ls_model_config_load (&config, fixture, &error));
  g_autoptr(LsCheckpoint) ckpt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsGpt2) g = ls_gpt2_new (ckpt, &config.gpt2, "", &error);
  g_assert_no_error (error);
  float *logits = g_new (float, (gsize) n * vocab);
  g_assert_true (ls_gpt2_forward (g, ids, n, logits, TRUE, NULL, &error));
  g_assert_no_error (error);
  ls_model_config_clear (&config);
  return logits;
}

/* F16 and BF16 weights are widened: the logits equal those of F32 weights
 * holding the same rounded values, and stay near transformers' F32 ones. */
static void
test_half_precision (void)
{
  Fixture f;
  fixture_open (&f, "gpt2-tiny");
  int V = f.config.gpt2.vocab_size, n;
  g_autofree int *ids = prompt_ids (&f, 2, &n);
  const float *want = expected_logits (&f, 2, n, V);
  const LsDtype dtypes[] = { LS_DTYPE_F16, LS_DTYPE_BF16 };

  for (gsize d = 0; d < G_N_ELEMENTS (dtypes); d++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *half = g_dir_make_tmp ("leafscope-gpt2-half-XXXXXX", &error);
      g_autofree char *full = g_dir_make_tmp ("leafscope-gpt2-full-XXXXXX", &error);
      g_assert_no_error (error);
      write_rounded (half, dtypes[d], dtypes[d]);
      write_rounded (full, LS_DTYPE_F32, dtypes[d]);
      g_autofree float *a = logits_of_dir (half, ids, n, V);
      g_autofree float *b = logits_of_dir (full, ids, n, V);
      g_assert_cmpfloat (max_abs_diff (a, b, (gsize) n * V), <=, 1e-6f);
      /* The rounding is real, and small next to the logits' range: a unit
       * roundoff of 2^-11 (F16) or 2^-8 (BF16) per weight, grown through the
       * layers, stays under 8 of them relative to the largest logit. */
      float d_ref = max_abs_diff (a, want, (gsize) n * V);
      float range = 0.0f;
      for (gsize i = 0; i < (gsize) n * V; i++)
        range = MAX (range, fabsf (want[i]));
      float unit = dtypes[d] == LS_DTYPE_F16 ? 1.0f / 2048 : 1.0f / 256;
      g_test_message ("%s weights: max |diff| to the F32 reference %g (largest logit %g)",
                      ls_dtype_to_string (dtypes[d]), d_ref, range);
      g_assert_cmpfloat (d_ref, >, 0.0f);
      g_assert_cmpfloat (d_ref, <=, 8 * unit * range);
      const char *dirs[] = { half, full };
      for (int k = 0; k < 2; k++)
        {
          g_autofree char *file = g_build_filename (dirs[k], "model.safetensors", NULL);
          g_remove (file);
          g_rmdir (dirs[k]);
        }
    }
  fixture_close (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Gpt2/logits/gpt2-tiny", test_logits_gpt2);
  g_test_add_func ("/Engine/Gpt2/logits/legacy-layout", test_logits_legacy);
  g_test_add_func ("/Engine/Gpt2/greedy/gpt2-tiny", test_greedy_gpt2);
  g_test_add_func ("/Engine/Gpt2/greedy/legacy-layout", test_greedy_legacy);
  g_test_add_func ("/Engine/Gpt2/context-full", test_context_full);
  g_test_add_func ("/Engine/Gpt2/half-precision", test_half_precision);
  g_test_add_func ("/Engine/Gpt2/shape-mismatch", test_shape_mismatch);
  return g_test_run ();
}
