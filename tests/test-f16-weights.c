/* test-f16-weights.c: a GPT-2 whose checkpoint is F16 (weights kept F16,
 * widened on the fly) gives the logits of the same weights stored as F32.
 *
 * Built from the gpt2-tiny fixture: every tensor rounded to F16, written
 * once as F16 and once as the exact same values in F32; the two models must
 * agree to float rounding, for a batched prompt (all positions) and for
 * one-token decoding steps (the matvec path). */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "checkpoint.h"
#include "model-config.h"
#include "gpt2.h"
#include "ops.h"
#include "safetensors.h"

typedef struct {
  LsModelConfig config;
  LsCheckpoint *ckpt;
  LsGpt2       *gpt2;
} Model;

static char *
fixture_dir (void)
{
  const char *root = g_getenv ("LEAFSCOPE_FIXTURES");
  g_assert_nonnull (root);
  return g_build_filename (root, "gpt2-tiny", NULL);
}

/* Writes DIR/model.safetensors with every F32 tensor of @src rounded to F16,
 * stored as @dtype (F16, or the rounded values as F32), and copies config.json. */
static void
write_rounded (LsSafetensors *src, const char *src_dir, const char *dir, LsDtype dtype)
{
  g_autoptr(GError) error = NULL;
  guint n = ls_safetensors_get_n_tensors (src);
  LsTensorView *views = g_new0 (LsTensorView, n);
  GPtrArray *buffers = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    {
      const LsTensorView *v = ls_safetensors_get_tensor (src, i);
      g_assert_cmpint (v->dtype, ==, LS_DTYPE_F32);
      gsize numel = ls_tensor_view_numel (v);
      views[i] = *v;
      views[i].dtype = dtype;
      views[i].nbytes = numel * (dtype == LS_DTYPE_F16 ? 2 : 4);
      guint8 *buf = g_malloc (MAX (views[i].nbytes, 1));
      for (gsize k = 0; k < numel; k++)
        {
          float f;
          memcpy (&f, (const guint8 *) v->data + 4 * k, 4);
          guint16 h = ls_float_to_f16 (f);
          if (dtype == LS_DTYPE_F16)
            memcpy (buf + 2 * k, &h, 2);
          else
            {
              float r = ls_f16_to_float (h);
              memcpy (buf + 4 * k, &r, 4);
            }
        }
      views[i].data = buf;
      g_ptr_array_add (buffers, buf);
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (ls_safetensors_write (path, views, n, &error));
  g_assert_no_error (error);

  g_autofree char *config_src = g_build_filename (src_dir, "config.json", NULL);
  g_autofree char *config_dst = g_build_filename (dir, "config.json", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (config_src, &text, &len, NULL));
  g_assert_true (g_file_set_contents (config_dst, text, len, NULL));

  g_ptr_array_unref (buffers);
  g_free (views);
}

static void
model_open (Model *m, const char *dir)
{
  g_autoptr(GError) error = NULL;
  memset (m, 0, sizeof *m);
  g_assert_true (ls_model_config_load (&m->config, dir, &error));
  g_assert_no_error (error);
  m->ckpt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  m->gpt2 = ls_gpt2_new (m->ckpt, &m->config.gpt2, "", &error);
  g_assert_no_error (error);
}

static void
model_close (Model *m)
{
  ls_gpt2_free (m->gpt2);
  ls_checkpoint_free (m->ckpt);
  ls_model_config_clear (&m->config);
}

static void
remove_tree (const char *dir)
{
  const char *files[] = { "model.safetensors", "config.json" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (dir, files[i], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

static void
assert_close (const float *a, const float *b, gsize n, const char *what)
{
  for (gsize i = 0; i < n; i++)
    if (!(fabsf (a[i] - b[i]) <= 2e-5f * fmaxf (1.0f, fabsf (b[i]))))
      g_error ("%s: [%" G_GSIZE_FORMAT "] F16 %.9g vs F32 %.9g", what, i, a[i], b[i]);
}

static void
test_same_logits (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src_dir = fixture_dir ();
  g_autofree char *src_path = g_build_filename (src_dir, "model.safetensors", NULL);
  g_autoptr(LsSafetensors) src = ls_safetensors_open (src_path, &error);
  g_assert_no_error (error);

  g_autofree char *tmp = g_dir_make_tmp ("leafscope-f16-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *dir16 = g_build_filename (tmp, "f16", NULL);
  g_autofree char *dir32 = g_build_filename (tmp, "f32", NULL);
  write_rounded (src, src_dir, dir16, LS_DTYPE_F16);
  write_rounded (src, src_dir, dir32, LS_DTYPE_F32);

  Model a, b;
  model_open (&a, dir16);
  model_open (&b, dir32);

  /* The F16 matrices are handed out as F16, not widened. */
  LsDtype dt = LS_DTYPE_F32;
  int64_t shape[2] = { a.config.gpt2.n_embd, 3 * a.config.gpt2.n_embd };
  g_assert_nonnull (ls_checkpoint_get_weights (a.ckpt, "transformer.h.0.attn.c_attn.weight",
                                               2, shape, &dt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (dt, ==, LS_DTYPE_F16);

  int V = a.config.gpt2.vocab_size;
  int ids[] = { 5, 17, 250, 3, 99, 42 };
  int n = G_N_ELEMENTS (ids);
  float *la = g_new (float, (gsize) n * V), *lb = g_new (float, (gsize) n * V);

  /* A batched prompt, every position's logits. */
  g_assert_true (ls_gpt2_forward (a.gpt2, ids, n, la, TRUE, NULL, &error));
  g_assert_true (ls_gpt2_forward (b.gpt2, ids, n, lb, TRUE, NULL, &error));
  g_assert_no_error (error);
  assert_close (la, lb, (gsize) n * V, "prompt logits");

  /* One token at a time after it: the decoding path. */
  for (int step = 0; step < 4; step++)
    {
      int id = (step * 37 + 11) % V;
      g_assert_true (ls_gpt2_forward (a.gpt2, &id, 1, la, FALSE, NULL, &error));
      g_assert_true (ls_gpt2_forward (b.gpt2, &id, 1, lb, FALSE, NULL, &error));
      g_assert_no_error (error);
      assert_close (la, lb, V, "decoding logits");
    }

  g_free (la);
  g_free (lb);
  model_close (&a);
  model_close (&b);
  remove_tree (dir16);
  remove_tree (dir32);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/F16Weights/gpt2-same-logits", test_same_logits);
  return g_test_run ();
}
