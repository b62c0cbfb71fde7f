/* test-checkpoint.c: model folders in every layout, float32 views (in place
 * or widened), missing/unexpected tensors, shards and hostile indexes. */
#include "checkpoint.h"
#include "ls-error.h"
#include "ops.h"
#include "safetensors.h"
#include "torch-pickle.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static void
write_file (const char *dir, const char *name, const char *contents, gssize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
}

/* Parameters of vit-tiny counted by hand from its config. */
static const gsize vit_tiny_params =
  48 * 192 + 48 + 48 + 17 * 48
  + 2 * (4 * 48 + 4 * (48 * 48 + 48) + 2 * 48 * 96 + 96 + 48)
  + 2 * 48 + 3 * 48 + 3;

static void
test_vit_tiny_in_place (void)
{
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsCheckpoint) ck = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (ls_checkpoint_get_format (ck), ==, "safetensors");
  g_assert_cmpuint (ls_checkpoint_get_n_tensors (ck), ==, 40);
  g_assert_cmpint (ls_checkpoint_get_dtype (ck), ==, LS_DTYPE_F32);
  g_assert_cmpuint (ls_checkpoint_get_n_params (ck), ==, vit_tiny_params);
  g_assert_true (ls_checkpoint_has_prefix (ck, "vit.encoder.layer.1."));
  g_assert_true (ls_checkpoint_has_prefix (ck, "classifier."));
  g_assert_false (ls_checkpoint_has_prefix (ck, "vit.pooler."));
  g_assert_false (ls_checkpoint_has_prefix (ck, "transformer."));

  /* Every F32 tensor of this file is aligned, so every pointer is the
   * mapping itself: no copy. */
  for (guint i = 0; i < ls_checkpoint_get_n_tensors (ck); i++)
    {
      const LsTensorView *v = ls_checkpoint_get_tensor (ck, i);
      g_assert_true (ls_checkpoint_lookup (ck, v->name) == v);
      const float *p = ls_checkpoint_get_f32 (ck, v->name, v->ndim, v->shape, &error);
      g_assert_no_error (error);
      g_assert_true ((const void *) p == v->data);
    }
  g_assert_true (ls_checkpoint_check_all_used (ck, NULL, &error));
  g_assert_no_error (error);

  /* Errors name the tensor, the file and both shapes. */
  const int64_t wrong[] = { 48, 3 };
  g_assert_null (ls_checkpoint_get_f32 (ck, "classifier.weight", 2, wrong, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "classifier.weight"));
  g_assert_nonnull (strstr (error->message, "[3, 48]"));
  g_assert_nonnull (strstr (error->message, "[48, 3]"));
  g_clear_error (&error);
  const int64_t flat[] = { 144 };
  g_assert_null (ls_checkpoint_get_f32 (ck, "classifier.weight", 1, flat, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_SHAPE);
  g_clear_error (&error);

  const int64_t any[] = { 48 };
  g_assert_null (ls_checkpoint_get_f32 (ck, "vit.pooler.dense.bias", 1, any, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR);
  g_assert_nonnull (strstr (error->message, "tensor 'vit.pooler.dense.bias' is missing from"));
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_null (ls_checkpoint_lookup (ck, "vit.pooler.dense.bias"));
}

/* f32 → f16 with round-to-nearest-even, written here independently of ops.c. */
static guint16
f32_to_bf16_rne (float f)
{
  guint32 bits;
  memcpy (&bits, &f, 4);
  return (guint16) ((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

static void
test_widening (void)
{
  g_autofree char *dir32 = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *dir16 = ls_test_fixture ("vit-tiny-f16", NULL);
  g_autofree char *dirbf = ls_test_fixture ("vit-tiny-bf16", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsCheckpoint) c32 = ls_checkpoint_open (dir32, &error);
  g_assert_no_error (error);
  g_autoptr(LsCheckpoint) c16 = ls_checkpoint_open (dir16, &error);
  g_assert_no_error (error);
  g_autoptr(LsCheckpoint) cbf = ls_checkpoint_open (dirbf, &error);
  g_assert_no_error (error);

  g_assert_cmpint (ls_checkpoint_get_dtype (c16), ==, LS_DTYPE_F16);
  g_assert_cmpint (ls_checkpoint_get_dtype (cbf), ==, LS_DTYPE_BF16);
  g_assert_cmpuint (ls_checkpoint_get_n_params (c16), ==, vit_tiny_params);

  gsize checked = 0;
  for (guint i = 0; i < ls_checkpoint_get_n_tensors (c32); i++)
    {
      const LsTensorView *v = ls_checkpoint_get_tensor (c32, i);
      gsize n = ls_tensor_view_numel (v);
      const float *ref = ls_checkpoint_get_f32 (c32, v->name, v->ndim, v->shape, &error);
      g_assert_no_error (error);

      const LsTensorView *v16 = ls_checkpoint_lookup (c16, v->name);
      const LsTensorView *vbf = ls_checkpoint_lookup (cbf, v->name);
      g_assert_nonnull (v16);
      g_assert_nonnull (vbf);
      g_assert_cmpint (v16->dtype, ==, LS_DTYPE_F16);
      g_assert_cmpint (vbf->dtype, ==, LS_DTYPE_BF16);
      const float *w16 = ls_checkpoint_get_f32 (c16, v->name, v->ndim, v->shape, &error);
      g_assert_no_error (error);
      const float *wbf = ls_checkpoint_get_f32 (cbf, v->name, v->ndim, v->shape, &error);
      g_assert_no_error (error);
      /* Widened into a buffer of the checkpoint, once. */
      g_assert_true ((const void *) w16 != v16->data);
      g_assert_true (ls_checkpoint_get_f32 (c16, v->name, v->ndim, v->shape, NULL) == w16);
      g_assert_true (ls_checkpoint_get_f32 (cbf, v->name, v->ndim, v->shape, NULL) == wbf);
      g_assert_cmpuint ((guintptr) w16 % 4, ==, 0);

      for (gsize k = 0; k < n; k++)
        {
          guint16 h, b;
          memcpy (&h, (const guint8 *) v16->data + 2 * k, 2);
          memcpy (&b, (const guint8 *) vbf->data + 2 * k, 2);
          /* The fixtures were made by rounding the F32 weights. */
          g_assert_cmpuint (ls_float_to_f16 (ref[k]), ==, h);
          g_assert_cmpuint (f32_to_bf16_rne (ref[k]), ==, b);
          /* BF16 widening is exact: the top half of the float. */
          guint32 bits;
          memcpy (&bits, &wbf[k], 4);
          g_assert_cmpuint (bits, ==, (guint32) b << 16);
          /* F16 keeps ~11 bits. */
          g_assert_cmpfloat (fabsf (w16[k] - ref[k]), <=, fabsf (ref[k]) * 1e-3f + 1e-7f);
          checked++;
        }
    }
  g_assert_cmpuint (checked, ==, vit_tiny_params);
  g_assert_true (ls_checkpoint_check_all_used (c16, NULL, NULL));
}

static void
test_all_used (void)
{
  g_autofree char *dir = ls_test_fixture ("gpt2-tiny-legacy-layout", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsCheckpoint) ck = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  g_assert_false (ls_checkpoint_has_prefix (ck, "transformer."));
  g_assert_true (ls_checkpoint_has_prefix (ck, "h.0.attn.bias"));

  /* Fetch everything but the causal-mask buffers and ln_f.bias. */
  for (guint i = 0; i < ls_checkpoint_get_n_tensors (ck); i++)
    {
      const LsTensorView *v = ls_checkpoint_get_tensor (ck, i);
      if (g_str_has_suffix (v->name, ".attn.bias") || strcmp (v->name, "ln_f.bias") == 0)
        continue;
      g_assert_nonnull (ls_checkpoint_get_f32 (ck, v->name, v->ndim, v->shape, &error));
      g_assert_no_error (error);
    }
  const char * const ignore[] = { ".attn.bias", ".attn.masked_bias", NULL };
  g_assert_false (ls_checkpoint_check_all_used (ck, ignore, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_UNEXPECTED_TENSOR);
  g_assert_nonnull (strstr (error->message, "'ln_f.bias'"));
  g_clear_error (&error);

  /* A failed get (wrong shape) does not mark a tensor used. */
  const int64_t wrong[] = { 33 };
  g_assert_null (ls_checkpoint_get_f32 (ck, "ln_f.bias", 1, wrong, &error));
  g_clear_error (&error);
  g_assert_false (ls_checkpoint_check_all_used (ck, ignore, NULL));

  const int64_t right[] = { 32 };
  g_assert_nonnull (ls_checkpoint_get_f32 (ck, "ln_f.bias", 1, right, &error));
  g_assert_true (ls_checkpoint_check_all_used (ck, ignore, &error));
  g_assert_no_error (error);
  g_assert_false (ls_checkpoint_check_all_used (ck, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_UNEXPECTED_TENSOR);
  g_assert_nonnull (strstr (error->message, ".attn.bias"));

  g_autofree char *gdir = ls_test_fixture ("gpt2-tiny", NULL);
  g_autoptr(LsCheckpoint) g = ls_checkpoint_open (gdir, NULL);
  g_assert_nonnull (g);
  g_assert_true (ls_checkpoint_has_prefix (g, "transformer.h.1."));
  g_assert_null (ls_checkpoint_lookup (g, "lm_head.weight")); /* tied */
}

/* Splits vit-tiny into two shards + an index, reloads, compares bytes. */
static void
test_sharded (void)
{
  g_autofree char *src = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *dir = g_dir_make_tmp ("ls-ck-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsCheckpoint) orig = ls_checkpoint_open (src, &error);
  g_assert_no_error (error);

  guint n = ls_checkpoint_get_n_tensors (orig);
  g_autofree LsTensorView *views = g_new (LsTensorView, n);
  for (guint i = 0; i < n; i++)
    views[i] = *ls_checkpoint_get_tensor (orig, i);
  guint half = n / 2;
  g_autofree char *s1 = g_build_filename (dir, "model-00001-of-00002.safetensors", NULL);
  g_autofree char *s2 = g_build_filename (dir, "model-00002-of-00002.safetensors", NULL);
  g_assert_true (ls_safetensors_write (s1, views, half, &error));
  g_assert_no_error (error);
  g_assert_true (ls_safetensors_write (s2, views + half, n - half, &error));
  g_assert_no_error (error);

  GString *index = g_string_new ("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (index, "%s\"%s\": \"model-0000%d-of-00002.safetensors\"",
                            i > 0 ? ", " : "", views[i].name, i < half ? 1 : 2);
  g_string_append (index, "}}");
  write_file (dir, "model.safetensors.index.json", index->str, index->len);

  {
    g_autoptr(LsCheckpoint) ck = ls_checkpoint_open (dir, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (ls_checkpoint_get_format (ck), ==, "safetensors (2 shards)");
    g_assert_cmpuint (ls_checkpoint_get_n_tensors (ck), ==, n);
    g_assert_cmpuint (ls_checkpoint_get_n_params (ck), ==, vit_tiny_params);
    for (guint i = 0; i < n; i++)
      {
        const LsTensorView *v = ls_checkpoint_lookup (ck, views[i].name);
        g_assert_nonnull (v);
        const float *p = ls_checkpoint_get_f32 (ck, v->name, views[i].ndim, views[i].shape, &error);
        g_assert_no_error (error);
        g_assert_cmpmem (p, v->nbytes, views[i].data, views[i].nbytes);
      }
    g_assert_true (ls_checkpoint_check_all_used (ck, NULL, &error));
    g_assert_no_error (error);
    g_assert_null (ls_checkpoint_get_f32 (ck, "nope", 0, NULL, &error));
    g_assert_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR);
    g_assert_nonnull (strstr (error->message, "model.safetensors.index.json"));
    g_clear_error (&error);
  }

  /* Hostile indexes. */
  static const struct { const char *json; int code; const char *needle; } bad[] = {
    { "{\"weight_map\": {\"a\": \"../vit-tiny/model.safetensors\"}}", LS_ERROR_FORMAT, "not a file name" },
    { "{\"weight_map\": {\"a\": \"/etc/passwd\"}}", LS_ERROR_FORMAT, "not a file name" },
    { "{\"weight_map\": {\"a\": \"..\"}}", LS_ERROR_FORMAT, "not a file name" },
    { "{\"weight_map\": {\"a\": \"\"}}", LS_ERROR_FORMAT, "not a file name" },
    { "{\"weight_map\": {\"a\": 3}}", LS_ERROR_FORMAT, "not a file name" },
    { "{\"weight_map\": []}", LS_ERROR_FORMAT, "weight_map" },
    { "{}", LS_ERROR_FORMAT, "weight_map" },
    { "not json", LS_ERROR_FORMAT, "model.safetensors.index.json" },
    { "{\"weight_map\": {\"a\": \"missing.safetensors\"}}", LS_ERROR_IO, "missing.safetensors" },
    { "{\"weight_map\": {\"not.there\": \"model-00001-of-00002.safetensors\"}}",
      LS_ERROR_MISSING_TENSOR, "not.there" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      write_file (dir, "model.safetensors.index.json", bad[i].json, -1);
      LsCheckpoint *ck = ls_checkpoint_open (dir, &error);
      if (ck != NULL)
        g_error ("index accepted: %s", bad[i].json);
      if (error->code != bad[i].code || strstr (error->message, bad[i].needle) == NULL)
        g_error ("index %s: expected code %d naming '%s', got %d: %s", bad[i].json,
                 bad[i].code, bad[i].needle, error->code, error->message);
      g_clear_error (&error);
    }

  {
    GString *deep = g_string_new ("{\"weight_map\": ");
    for (int i = 0; i < 100000; i++)
      g_string_append_c (deep, '[');
    write_file (dir, "model.safetensors.index.json", deep->str, deep->len);
    g_string_free (deep, TRUE);
    g_assert_null (ls_checkpoint_open (dir, &error));
    g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "nests deeper"));
    g_clear_error (&error);
  }

  /* The same tensor in two shards is refused. */
  g_assert_true (ls_safetensors_write (s2, views, 1, &error));
  g_autofree char *dup = g_strdup_printf (
    "{\"weight_map\": {\"%s\": \"model-00001-of-00002.safetensors\", \"x\": "
    "\"model-00002-of-00002.safetensors\"}}", views[0].name);
  write_file (dir, "model.safetensors.index.json", dup, -1);
  g_assert_null (ls_checkpoint_open (dir, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "twice"));
  g_clear_error (&error);

  g_string_free (index, TRUE);
  ls_test_remove_tree (dir);
}

/* A model.safetensors whose data section is unaligned: F32 must be copied
 * into aligned memory, once. */
static void
test_unaligned_f32 (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ls-ck-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  const float values[4] = { 0.5f, -1.25f, 3.0f, 1e-5f };
  g_autoptr(GString) hs = g_string_new ("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                                        "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]}}");
  while ((8 + hs->len) % 4 != 1)
    g_string_append_c (hs, ' ');
  const char *header = hs->str;
  gsize n = hs->len;
  g_autofree guint8 *buf = g_malloc0 (8 + n + 24);
  buf[0] = (guint8) n;
  memcpy (buf + 8, header, n);
  memcpy (buf + 8 + n, values, sizeof values);
  write_file (dir, "model.safetensors", (const char *) buf, 8 + n + 24);
  /* A broken pytorch_model.bin beside it is never read. */
  write_file (dir, "pytorch_model.bin", "garbage", -1);

  g_autoptr(LsCheckpoint) ck = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  const int64_t shape[] = { 2, 2 };
  const float *p = ls_checkpoint_get_f32 (ck, "w", 2, shape, &error);
  g_assert_no_error (error);
  g_assert_true ((const void *) p != ls_checkpoint_lookup (ck, "w")->data);
  g_assert_cmpuint ((guintptr) p % 4, ==, 0);
  g_assert_cmpmem (p, sizeof values, values, sizeof values);
  g_assert_true (ls_checkpoint_get_f32 (ck, "w", 2, shape, NULL) == p);

  const int64_t one[] = { 1 };
  g_assert_null (ls_checkpoint_get_f32 (ck, "i", 1, one, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "I64"));
  g_clear_error (&error);
  g_assert_false (ls_checkpoint_check_all_used (ck, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_UNEXPECTED_TENSOR);
  g_assert_nonnull (strstr (error->message, "'i'"));
  g_clear_error (&error);
  g_assert_cmpint (ls_checkpoint_get_dtype (ck), ==, LS_DTYPE_F32);
  g_assert_cmpuint (ls_checkpoint_get_n_params (ck), ==, 5);
  g_clear_pointer (&ck, ls_checkpoint_free);
  ls_test_remove_tree (dir);
}

static void
test_no_weights (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ls-ck-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_null (ls_checkpoint_open (dir, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_nonnull (strstr (error->message, "model.safetensors.index.json"));
  g_assert_nonnull (strstr (error->message, "pytorch_model.bin"));
  g_clear_error (&error);

  /* A broken model.safetensors is an error, not a reason to try the next. */
  write_file (dir, "model.safetensors", "\x02\0\0\0\0\0\0\0[]", 10);
  g_assert_null (ls_checkpoint_open (dir, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  ls_test_remove_tree (dir);
}

/* The shared leaf-vit model: its README states 2,855,811 parameters in F16. */
static void
test_leaf_vit (void)
{
  g_autofree char *dir = ls_test_shared_dir ("models", "leaf-vit", NULL);
  if (dir == NULL)
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(LsCheckpoint) ck = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_checkpoint_get_n_params (ck), ==, 2855811);
  g_assert_cmpint (ls_checkpoint_get_dtype (ck), ==, LS_DTYPE_F16);
  const int64_t patch[] = { 192, 3, 16, 16 };
  const float *w = ls_checkpoint_get_f32 (ck, "vit.embeddings.patch_embeddings.projection.weight",
                                          4, patch, &error);
  g_assert_no_error (error);
  g_assert_true (isfinite (w[0]) && isfinite (w[192 * 3 * 16 * 16 - 1]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Checkpoint/vit-tiny-in-place", test_vit_tiny_in_place);
  g_test_add_func ("/Engine/Checkpoint/widening", test_widening);
  g_test_add_func ("/Engine/Checkpoint/all-used", test_all_used);
  g_test_add_func ("/Engine/Checkpoint/sharded", test_sharded);
  g_test_add_func ("/Engine/Checkpoint/unaligned-f32", test_unaligned_f32);
  g_test_add_func ("/Engine/Checkpoint/no-weights", test_no_weights);
  g_test_add_func ("/Engine/Checkpoint/leaf-vit", test_leaf_vit);
  return g_test_run ();
}
