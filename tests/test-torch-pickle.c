/* test-torch-pickle.c: pytorch_model.bin against model.safetensors for the
 * fixtures, hand-built archives and pickles, and hostile ones (globals
 * outside the allowlist, compressed entries, broken offsets). */
#include "checkpoint.h"
#include "ls-error.h"
#include "safetensors.h"
#include "torch-pickle.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---- a zip writer for hand-made archives ---- */

typedef struct {
  const char *name;
  const void *data;
  gsize       size;
  guint16     method;
} Entry;

static void
put16 (GByteArray *a, guint v)
{
  guint8 b[2] = { v & 0xff, (v >> 8) & 0xff };
  g_byte_array_append (a, b, 2);
}

static void
put32 (GByteArray *a, guint32 v)
{
  put16 (a, v & 0xffff);
  put16 (a, v >> 16);
}

static void
put64 (GByteArray *a, guint64 v)
{
  put32 (a, (guint32) v);
  put32 (a, (guint32) (v >> 32));
}

/* @zip64: saturate the classic end record and add the ZIP64 record and
 * locator, as torch does for large files. */
static GBytes *
build_zip (const Entry *entries, guint n, gboolean zip64)
{
  GByteArray *a = g_byte_array_new ();
  g_autofree guint32 *offsets = g_new (guint32, n);
  for (guint i = 0; i < n; i++)
    {
      offsets[i] = a->len;
      put32 (a, 0x04034b50);
      put16 (a, 20); put16 (a, 0); put16 (a, entries[i].method);
      put16 (a, 0); put16 (a, 0); put32 (a, 0);
      put32 (a, entries[i].size); put32 (a, entries[i].size);
      put16 (a, strlen (entries[i].name)); put16 (a, 0);
      g_byte_array_append (a, (const guint8 *) entries[i].name, strlen (entries[i].name));
      g_byte_array_append (a, entries[i].data, entries[i].size);
    }
  guint32 cd = a->len;
  for (guint i = 0; i < n; i++)
    {
      put32 (a, 0x02014b50);
      put16 (a, 20); put16 (a, 20); put16 (a, 0); put16 (a, entries[i].method);
      put16 (a, 0); put16 (a, 0); put32 (a, 0);
      put32 (a, entries[i].size); put32 (a, entries[i].size);
      put16 (a, strlen (entries[i].name)); put16 (a, 0); put16 (a, 0);
      put16 (a, 0); put16 (a, 0); put32 (a, 0);
      put32 (a, offsets[i]);
      g_byte_array_append (a, (const guint8 *) entries[i].name, strlen (entries[i].name));
    }
  guint32 cd_size = a->len - cd;
  if (zip64)
    {
      guint32 z64 = a->len;
      put32 (a, 0x06064b50); put64 (a, 44); put16 (a, 45); put16 (a, 45);
      put32 (a, 0); put32 (a, 0); put64 (a, n); put64 (a, n); put64 (a, cd_size); put64 (a, cd);
      put32 (a, 0x07064b50); put32 (a, 0); put64 (a, z64); put32 (a, 1);
    }
  put32 (a, 0x06054b50); put16 (a, 0); put16 (a, 0);
  put16 (a, zip64 ? 0xffff : n); put16 (a, zip64 ? 0xffff : n);
  put32 (a, zip64 ? 0xffffffff : cd_size); put32 (a, zip64 ? 0xffffffff : cd);
  put16 (a, 0);
  return g_byte_array_free_to_bytes (a);
}

/* A torch-style pickle: {'w': tensor(storage 'k', offset 1, size (2, 3))}
 * over a FloatStorage of 8 floats. */
static const char good_pickle[] =
  "\x80\x02}q\x00(X\x01\x00\x00\x00wq\x01"
  "ctorch._utils\n_rebuild_tensor_v2\nq\x02"
  "((X\x07\x00\x00\x00storageq\x03" "ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x00kq\x05"
  "X\x03\x00\x00\x00" "cpuq\x06K\x08tq\x07Q"
  "K\x01K\x02K\x03\x86q\x08K\x03K\x01\x86q\x09\x89" "ccollections\nOrderedDict\nq\x0a)Rq\x0btq\x0cRq\x0d"
  "X\x01\x00\x00\x00vh\x02(h\x07QK\x00K\x08\x85K\x01\x85\x89h\x0btRu.";

static const float storage_values[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static GBytes *
build_torch (const char *pickle, gsize pickle_len, const void *storage,
             gsize storage_len, gboolean zip64)
{
  Entry e[] = {
    { "archive/data.pkl", pickle, pickle_len, 0 },
    { "archive/version", "3\n", 2, 0 },
    { "archive/data/k", storage, storage_len, 0 },
  };
  return build_zip (e, G_N_ELEMENTS (e), zip64);
}

static void
test_hand_built (void)
{
  for (int zip64 = 0; zip64 <= 1; zip64++)
    {
      g_autoptr(GBytes) bytes = build_torch (good_pickle, sizeof good_pickle - 1,
                                             storage_values, sizeof storage_values, zip64);
      g_autoptr(GError) error = NULL;
      g_autoptr(LsTorchFile) tf = ls_torch_file_new_from_bytes (bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ls_torch_file_get_n_tensors (tf), ==, 2);

      const LsTensorView *w = ls_torch_file_lookup (tf, "w");
      g_assert_nonnull (w);
      g_assert_cmpint (w->dtype, ==, LS_DTYPE_F32);
      g_assert_cmpint (w->ndim, ==, 2);
      g_assert_cmpint (w->shape[0], ==, 2);
      g_assert_cmpint (w->shape[1], ==, 3);
      g_assert_cmpuint (w->nbytes, ==, 24);
      /* storage offset 1: elements 1..6 */
      float got[6];
      memcpy (got, w->data, sizeof got);
      g_assert_cmpmem (got, sizeof got, storage_values + 1, sizeof got);

      const LsTensorView *v = ls_torch_file_lookup (tf, "v");
      g_assert_nonnull (v);
      g_assert_cmpint (v->ndim, ==, 1);
      g_assert_cmpint (v->shape[0], ==, 8);
      g_assert_cmpmem (v->data, v->nbytes, storage_values, sizeof storage_values);
      /* Two views of one storage share the bytes. */
      g_assert_true ((const guint8 *) w->data == (const guint8 *) v->data + 4);
      g_assert_cmpstr (ls_torch_file_get_tensor (tf, 0)->name, ==, "w");
    }
}

/* What Python's pickle (protocol 2) writes for a state dict that is an
 * OrderedDict carrying _metadata (as model.state_dict() is), with torch's
 * persistent ids: generated with stand-in torch modules, tensors a.weight
 * (2, 2) and b.bias (4,) over one storage of 8 floats. */
static const char ordered_dict_pickle[] =
  "\x80\x02\x63\x63\x6f\x6c\x6c\x65\x63\x74\x69\x6f\x6e\x73\x0a\x4f"
  "\x72\x64\x65\x72\x65\x64\x44\x69\x63\x74\x0a\x71\x00\x29\x52\x71"
  "\x01\x28\x58\x08\x00\x00\x00\x61\x2e\x77\x65\x69\x67\x68\x74\x71"
  "\x02\x63\x74\x6f\x72\x63\x68\x2e\x5f\x75\x74\x69\x6c\x73\x0a\x5f"
  "\x72\x65\x62\x75\x69\x6c\x64\x5f\x74\x65\x6e\x73\x6f\x72\x5f\x76"
  "\x32\x0a\x71\x03\x28\x28\x58\x07\x00\x00\x00\x73\x74\x6f\x72\x61"
  "\x67\x65\x71\x04\x63\x74\x6f\x72\x63\x68\x0a\x46\x6c\x6f\x61\x74"
  "\x53\x74\x6f\x72\x61\x67\x65\x0a\x71\x05\x58\x01\x00\x00\x00\x30"
  "\x71\x06\x58\x03\x00\x00\x00\x63\x70\x75\x71\x07\x4b\x08\x74\x71"
  "\x08\x51\x4b\x00\x4b\x02\x4b\x02\x86\x71\x09\x4b\x02\x4b\x01\x86"
  "\x71\x0a\x89\x68\x00\x29\x52\x71\x0b\x74\x71\x0c\x52\x71\x0d\x58"
  "\x06\x00\x00\x00\x62\x2e\x62\x69\x61\x73\x71\x0e\x68\x03\x28\x28"
  "\x68\x04\x68\x05\x68\x06\x68\x07\x4b\x08\x74\x71\x0f\x51\x4b\x04"
  "\x4b\x04\x85\x71\x10\x4b\x01\x85\x71\x11\x89\x68\x00\x29\x52\x71"
  "\x12\x74\x71\x13\x52\x71\x14\x75\x7d\x71\x15\x58\x09\x00\x00\x00"
  "\x5f\x6d\x65\x74\x61\x64\x61\x74\x61\x71\x16\x68\x00\x29\x52\x71"
  "\x17\x28\x58\x00\x00\x00\x00\x71\x18\x7d\x71\x19\x58\x07\x00\x00"
  "\x00\x76\x65\x72\x73\x69\x6f\x6e\x71\x1a\x4b\x01\x73\x58\x01\x00"
  "\x00\x00\x61\x71\x1b\x7d\x71\x1c\x68\x1a\x4b\x01\x73\x75\x73\x62"
  "\x2e";

static void
test_ordered_dict_metadata (void)
{
  Entry e[] = {
    { "archive/data.pkl", ordered_dict_pickle, sizeof ordered_dict_pickle - 1, 0 },
    { "archive/data/0", storage_values, sizeof storage_values, 0 },
  };
  g_autoptr(GBytes) bytes = build_zip (e, G_N_ELEMENTS (e), FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsTorchFile) tf = ls_torch_file_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_torch_file_get_n_tensors (tf), ==, 2);
  const LsTensorView *a = ls_torch_file_lookup (tf, "a.weight");
  const LsTensorView *b = ls_torch_file_lookup (tf, "b.bias");
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->ndim, ==, 2);
  g_assert_cmpmem (a->data, a->nbytes, storage_values, 4 * sizeof (float));
  g_assert_cmpmem (b->data, b->nbytes, storage_values + 4, 4 * sizeof (float));
  g_assert_null (ls_torch_file_lookup (tf, "_metadata"));
}

static void
compare_with_safetensors (const char *folder)
{
  g_autofree char *st_path = ls_test_fixture (folder, "model.safetensors", NULL);
  g_autofree char *pt_path = ls_test_fixture (folder, "pytorch_model.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsSafetensors) st = ls_safetensors_open (st_path, &error);
  g_assert_no_error (error);
  g_autoptr(LsTorchFile) tf = ls_torch_file_open (pt_path, &error);
  g_assert_no_error (error);

  guint n = ls_safetensors_get_n_tensors (st);
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      const LsTensorView *a = ls_safetensors_get_tensor (st, i);
      const LsTensorView *b = ls_torch_file_lookup (tf, a->name);
      if (b == NULL)
        g_error ("%s: tensor %s missing from pytorch_model.bin", folder, a->name);
      g_assert_cmpint (a->dtype, ==, b->dtype);
      g_assert_cmpint (a->ndim, ==, b->ndim);
      for (int d = 0; d < a->ndim; d++)
        g_assert_cmpint (a->shape[d], ==, b->shape[d]);
      g_assert_cmpmem (a->data, a->nbytes, b->data, b->nbytes);
      /* torch aligns storages in the archive: F32 can be used in place. */
      g_assert_cmpuint ((guintptr) b->data % ls_dtype_size (b->dtype), ==, 0);
    }
  /* Anything more in the pickle must be a tied alias of a stored tensor. */
  for (guint i = 0; i < ls_torch_file_get_n_tensors (tf); i++)
    {
      const LsTensorView *b = ls_torch_file_get_tensor (tf, i);
      if (ls_safetensors_lookup (st, b->name) != NULL)
        continue;
      gboolean alias = FALSE;
      for (guint k = 0; k < n && !alias; k++)
        alias = ls_safetensors_get_tensor (st, k)->nbytes == b->nbytes &&
                memcmp (ls_safetensors_get_tensor (st, k)->data, b->data, b->nbytes) == 0;
      if (!alias)
        g_error ("%s: pytorch_model.bin has extra tensor %s", folder, b->name);
    }
}

static void
test_fixtures (void)
{
  compare_with_safetensors ("vit-tiny");
  compare_with_safetensors ("vit-tiny-f16");
  compare_with_safetensors ("gpt2-tiny");
}

/* A folder with only pytorch_model.bin goes through the checkpoint; F16
 * widening gives the same floats as from model.safetensors. */
static void
test_checkpoint (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ls-pt-XXXXXX", NULL);
  g_autofree char *src = ls_test_fixture ("vit-tiny-f16", "pytorch_model.bin", NULL);
  g_autofree char *dst = g_build_filename (dir, "pytorch_model.bin", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;
  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (dst, contents, len, NULL));

  g_autofree char *st_dir = ls_test_fixture ("vit-tiny-f16", "", NULL);
  g_autoptr(LsCheckpoint) from_st = ls_checkpoint_open (st_dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsCheckpoint) from_pt = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ls_checkpoint_get_format (from_pt), ==, "pytorch_model.bin");
  g_assert_cmpint (ls_checkpoint_get_dtype (from_pt), ==, LS_DTYPE_F16);

  for (guint i = 0; i < ls_checkpoint_get_n_tensors (from_st); i++)
    {
      const LsTensorView *v = ls_checkpoint_get_tensor (from_st, i);
      const float *a = ls_checkpoint_get_f32 (from_st, v->name, v->ndim, v->shape, &error);
      g_assert_no_error (error);
      const float *b = ls_checkpoint_get_f32 (from_pt, v->name, v->ndim, v->shape, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (a, ls_tensor_view_numel (v) * 4, b, ls_tensor_view_numel (v) * 4);
    }
  g_assert_true (ls_checkpoint_check_all_used (from_pt, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ls_checkpoint_get_f32 (from_pt, "missing", 0, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR);
  g_assert_nonnull (strstr (error->message, "pytorch_model.bin"));
  g_clear_error (&error);

  /* vit-tiny F32 from the pickle: in place (aligned in the mapping). */
  g_autofree char *src32 = ls_test_fixture ("vit-tiny", "pytorch_model.bin", NULL);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (src32, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (dst, contents, len, NULL));
  g_autoptr(LsCheckpoint) f32 = ls_checkpoint_open (dir, &error);
  g_assert_no_error (error);
  const LsTensorView *cw = ls_checkpoint_lookup (f32, "classifier.weight");
  g_assert_nonnull (cw);
  const int64_t shape[] = { 3, 48 };
  g_assert_true ((const void *) ls_checkpoint_get_f32 (f32, "classifier.weight", 2, shape, NULL) == cw->data);

  g_remove (dst);
  g_rmdir (dir);
}

static void
expect_error (GBytes *bytes, int code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  LsTorchFile *tf = ls_torch_file_new_from_bytes (bytes, &error);
  if (tf != NULL)
    g_error ("hostile file accepted (expected '%s')", needle);
  g_assert_nonnull (error);
  if (error->domain != LS_ERROR || error->code != code || strstr (error->message, needle) == NULL)
    g_error ("expected code %d naming '%s', got %d: %s", code, needle, error->code, error->message);
}

static void
expect_pickle_error (const char *pickle, gsize len, int code, const char *needle)
{
  g_autoptr(GBytes) bytes = build_torch (pickle, len, storage_values, sizeof storage_values, FALSE);
  expect_error (bytes, code, needle);
}

#define PICKLE(s) s, sizeof (s) - 1

static void
test_unsafe_globals (void)
{
  /* os.system('ls'), as an attacker would write it. */
  expect_pickle_error (PICKLE ("\x80\x02" "cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85R."),
                       LS_ERROR_UNSAFE, "pickle asks for global 'os.system', which is not allowed");
  expect_pickle_error (PICKLE ("\x80\x02" "cposix\nsystem\nX\x02\x00\x00\x00ls\x85R."),
                       LS_ERROR_UNSAFE, "'posix.system'");
  expect_pickle_error (PICKLE ("\x80\x02" "cbuiltins\neval\nX\x01\x00\x00\x00" "1\x85R."),
                       LS_ERROR_UNSAFE, "'builtins.eval'");
  /* Protocol 4 form. */
  expect_pickle_error (PICKLE ("\x80\x04\x8c\x08" "builtins\x94\x8c\x04" "exec\x94\x93\x94."),
                       LS_ERROR_UNSAFE, "'builtins.exec'");
  /* Near misses of allowed names. */
  expect_pickle_error (PICKLE ("\x80\x02" "ctorch\n_utils._rebuild_tensor_v2\n."),
                       LS_ERROR_UNSAFE, "not allowed");
  expect_pickle_error (PICKLE ("\x80\x02" "ctorch._utils\n_rebuild_tensor_v3\n."),
                       LS_ERROR_UNSAFE, "_rebuild_tensor_v3");
  expect_pickle_error (PICKLE ("\x80\x02" "ctorch\nload\n."), LS_ERROR_UNSAFE, "torch.load");

  /* The same inside a real archive layout under a different folder name. */
  static const char evil[] = "\x80\x02}(X\x01\x00\x00\x00" "acsubprocess\nPopen\n)Ru.";
  Entry e[] = { { "pytorch_model/data.pkl", evil, sizeof evil - 1, 0 } };
  g_autoptr(GBytes) bytes = build_zip (e, 1, TRUE);
  expect_error (bytes, LS_ERROR_UNSAFE, "subprocess.Popen");
}

static void
test_hostile_pickles (void)
{
  expect_pickle_error (PICKLE ("\x80\x02}"), LS_ERROR_FORMAT, "without STOP");
  expect_pickle_error (PICKLE ("\x80\x02."), LS_ERROR_FORMAT, "underflow");
  expect_pickle_error (PICKLE ("\x80\x02t."), LS_ERROR_FORMAT, "MARK");
  expect_pickle_error (PICKLE ("\x80\x02}(K\x01u."), LS_ERROR_FORMAT, "odd");
  expect_pickle_error (PICKLE ("\x80\x02}(K\x01K\x02u."), LS_ERROR_FORMAT, "not a string");
  expect_pickle_error (PICKLE ("\x80\x02}(X\x01\x00\x00\x00" "aK\x02u."), LS_ERROR_FORMAT, "not a tensor");
  expect_pickle_error (PICKLE ("\x80\x02]."), LS_ERROR_FORMAT, "not a state dict");
  expect_pickle_error (PICKLE ("\x80\x02h\x05."), LS_ERROR_FORMAT, "never stored");
  expect_pickle_error (PICKLE ("\x80\x02}r\xff\xff\xff\x7f."), LS_ERROR_FORMAT, "memo index");
  expect_pickle_error (PICKLE ("\x80\x02X\xff\xff\xff\xff."), LS_ERROR_FORMAT, "truncated");
  expect_pickle_error (PICKLE ("\x80\x02X\x02\x00\x00\x00\xff\xfe."), LS_ERROR_FORMAT, "UTF-8");
  expect_pickle_error (PICKLE ("\x80\x02\x8a\x09\x01\x01\x01\x01\x01\x01\x01\x01\x01."),
                       LS_ERROR_FORMAT, "too large");
  expect_pickle_error (PICKLE ("\x80\x02S'x'\n."), LS_ERROR_FORMAT, "opcode 0x53");
  expect_pickle_error (PICKLE ("\x80\x02K\x01K\x02R."), LS_ERROR_FORMAT, "not callable");
  expect_pickle_error (PICKLE ("\x80\x02" "ctorch\nFloatStorage\n)R."), LS_ERROR_FORMAT, "cannot be called");
  expect_pickle_error (PICKLE ("\x80\x02" "ccollections\nOrderedDict\nK\x01\x85R."),
                       LS_ERROR_FORMAT, "OrderedDict called with arguments");
  expect_pickle_error (PICKLE ("\x80\x02" "c" "os"), LS_ERROR_FORMAT, "GLOBAL");
  expect_pickle_error (PICKLE ("\x80\x09}."), LS_ERROR_FORMAT, "protocol");

  /* Nesting: thousands of MARKs are refused, not followed. */
  GString *deep = g_string_new ("\x80\x02");
  for (int i = 0; i < 10000; i++)
    g_string_append_c (deep, '(');
  g_string_append_c (deep, '.');
  expect_pickle_error (deep->str, deep->len, LS_ERROR_FORMAT, "nests deeper");
  g_string_free (deep, TRUE);

  /* Persistent ids and tensors. */
#define REBUILD(pid, offset, size, stride) \
  "\x80\x02}(X\x01\x00\x00\x00w" "ctorch._utils\n_rebuild_tensor_v2\n(" \
  pid "Q" offset size stride "\x89)tRu."
#define PID(type, key, numel) "(X\x07\x00\x00\x00storage" "ctorch\n" type "\n" \
  "X\x01\x00\x00\x00" key "X\x03\x00\x00\x00" "cpu" numel "t"

}

static void
test_hostile_tensors (void)
{
  /* Valid baseline built with the same macros, so each failure below is
   * the one change. */
  {
    g_autoptr(GBytes) bytes = build_torch (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x08"),
                                                            "K\x00", "K\x02K\x04\x86", "K\x04K\x01\x86")),
                                           storage_values, sizeof storage_values, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(LsTorchFile) tf = ls_torch_file_new_from_bytes (bytes, &error);
    g_assert_no_error (error);
    g_assert_cmpint (ls_torch_file_lookup (tf, "w")->shape[1], ==, 4);
  }
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "z", "K\x08"), "K\x00", "K\x08\x85", "K\x01\x85")),
                       LS_ERROR_FORMAT, "missing entry 'archive/data/z'");
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x09"), "K\x00", "K\x08\x85", "K\x01\x85")),
                       LS_ERROR_FORMAT, "claims 9 elements");
  expect_pickle_error (PICKLE (REBUILD (PID ("DoubleStorage", "k", "K\x05"), "K\x00", "K\x05\x85", "K\x01\x85")),
                       LS_ERROR_FORMAT, "claims 5 elements");
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x08"), "K\x01", "K\x08\x85", "K\x01\x85")),
                       LS_ERROR_FORMAT, "run past the storage");
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x08"), "J\xff\xff\xff\xff", "K\x01\x85", "K\x01\x85")),
                       LS_ERROR_FORMAT, "storage offset");
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x08"), "K\x00", "K\x02K\x04\x86", "K\x01K\x02\x86")),
                       LS_ERROR_FORMAT, "not contiguous");
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x08"), "K\x00", "K\x02K\x04\x86", "K\x01\x85")),
                       LS_ERROR_FORMAT, "equal length");
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x08"), "K\x00",
                                        "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40K\x04\x86", "K\x04K\x01\x86")),
                       LS_ERROR_FORMAT, "size overflows");
  expect_pickle_error (PICKLE (REBUILD (PID ("FloatStorage", "k", "K\x08"), "K\x00",
                                        "\x8a\x05\x00\x00\x00\x00\x01K\x04\x86", "K\x04K\x01\x86")),
                       LS_ERROR_FORMAT, "past the storage");
  expect_pickle_error (PICKLE (REBUILD ("K\x01", "K\x00", "K\x08\x85", "K\x01\x85")),
                       LS_ERROR_FORMAT, "persistent id");
  expect_pickle_error (PICKLE ("\x80\x02}(X\x01\x00\x00\x00w" "ctorch._utils\n_rebuild_tensor_v2\n(K\x01K\x00)t" "Ru."),
                       LS_ERROR_FORMAT, "expects 6 or 7");
}

static void
test_hostile_zips (void)
{
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  expect_error (empty, LS_ERROR_FORMAT, "too short");
  g_autoptr(GBytes) text = g_bytes_new ("this is not a zip archive at all, just text", 43);
  expect_error (text, LS_ERROR_FORMAT, "not a zip archive");

  /* The old (pre-1.6) torch format is a bare pickle. */
  g_autoptr(GBytes) legacy = g_bytes_new ("\x80\x02\x8a\x0alZ\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 16);
  expect_error (legacy, LS_ERROR_FORMAT, "zip");

  /* Compressed (deflate) data.pkl. */
  Entry deflated[] = { { "archive/data.pkl", good_pickle, sizeof good_pickle - 1, 8 } };
  g_autoptr(GBytes) z1 = build_zip (deflated, 1, FALSE);
  expect_error (z1, LS_ERROR_UNSUPPORTED, "compressed");

  Entry no_pkl[] = { { "archive/other.pkl", good_pickle, sizeof good_pickle - 1, 0 } };
  g_autoptr(GBytes) z2 = build_zip (no_pkl, 1, FALSE);
  expect_error (z2, LS_ERROR_FORMAT, "data.pkl");

  Entry two[] = { { "a/data.pkl", good_pickle, sizeof good_pickle - 1, 0 },
                  { "b/data.pkl", good_pickle, sizeof good_pickle - 1, 0 } };
  g_autoptr(GBytes) z3 = build_zip (two, 2, FALSE);
  expect_error (z3, LS_ERROR_FORMAT, "two pickles");

  /* Corrupt a valid archive field by field. */
  g_autoptr(GBytes) good = build_torch (good_pickle, sizeof good_pickle - 1,
                                        storage_values, sizeof storage_values, FALSE);
  gsize size;
  const guint8 *orig = g_bytes_get_data (good, &size);
  gsize eocd = size - 22;
  guint32 cd = orig[eocd + 16] | (orig[eocd + 17] << 8) | (orig[eocd + 18] << 16);
  static const struct { int where; int offset; guint32 value; const char *needle; } cases[] = {
    { 0, 16, 0x7ffffff0, "outside the file" },          /* cd offset */
    { 0, 12, 0x7ffffff0, "outside the file" },          /* cd size */
    { 0, 10, 0xfff0, "malformed" },                      /* entry count */
    { 1, 42, 0x7ffffff0, "no local header" },            /* local header offset */
    { 1, 20, 0x7ffffff0, "sizes differ" },               /* compressed size */
    { 1, 0, 0x12345678, "malformed" },                   /* central signature */
    { 2, 0, 0x12345678, "no local header" },             /* local signature */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 *copy = g_memdup2 (orig, size);
      gsize at = (cases[i].where == 0 ? eocd : cases[i].where == 1 ? cd : 0) + cases[i].offset;
      guint32 v = cases[i].value;
      gsize width = cases[i].where == 0 && cases[i].offset == 10 ? 2 : 4;
      for (gsize k = 0; k < width; k++)
        copy[at + k] = (guint8) (v >> (8 * k));
      g_autoptr(GBytes) bad = g_bytes_new_take (copy, size);
      expect_error (bad, LS_ERROR_FORMAT, cases[i].needle);
    }

  /* Both sizes grown together: the entry runs into the directory. */
  {
    guint8 *copy = g_memdup2 (orig, size);
    for (int k = 20; k < 28; k += 4)
      {
        copy[cd + k] = 0xf0; copy[cd + k + 1] = 0xff; copy[cd + k + 2] = 0; copy[cd + k + 3] = 0;
      }
    g_autoptr(GBytes) bad = g_bytes_new_take (copy, size);
    expect_error (bad, LS_ERROR_FORMAT, "runs past");
  }

  /* Every truncation and every single-byte corruption fails cleanly or
   * parses; never crashes (the sanitizers watch). */
  for (gsize cut = 0; cut < size; cut++)
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (good, 0, cut);
      g_autoptr(GError) error = NULL;
      LsTorchFile *tf = ls_torch_file_new_from_bytes (part, &error);
      g_assert_null (tf);
      g_assert_nonnull (error);
    }
  for (gsize at = 0; at < size; at++)
    {
      guint8 *copy = g_memdup2 (orig, size);
      copy[at] ^= 0xa5;
      g_autoptr(GBytes) bad = g_bytes_new_take (copy, size);
      g_autoptr(GError) error = NULL;
      LsTorchFile *tf = ls_torch_file_new_from_bytes (bad, &error);
      g_assert_true ((tf == NULL) == (error != NULL));
      if (tf != NULL)
        for (guint i = 0; i < ls_torch_file_get_n_tensors (tf); i++)
          {
            const LsTensorView *v = ls_torch_file_get_tensor (tf, i);
            g_assert_cmpuint (v->nbytes, ==, ls_tensor_view_numel (v) * ls_dtype_size (v->dtype));
            g_assert_true (v->nbytes == 0 ||
                           ((const guint8 *) v->data >= copy &&
                            (const guint8 *) v->data + v->nbytes <= copy + size));
          }
      ls_torch_file_free (tf);
    }
}

static void
test_open_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null (ls_torch_file_open ("/nonexistent/pytorch_model.bin", &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/pytorch_model.bin"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/TorchPickle/hand-built", test_hand_built);
  g_test_add_func ("/Engine/TorchPickle/ordered-dict-metadata", test_ordered_dict_metadata);
  g_test_add_func ("/Engine/TorchPickle/fixtures", test_fixtures);
  g_test_add_func ("/Engine/TorchPickle/checkpoint", test_checkpoint);
  g_test_add_func ("/Engine/TorchPickle/unsafe-globals", test_unsafe_globals);
  g_test_add_func ("/Engine/TorchPickle/hostile-pickles", test_hostile_pickles);
  g_test_add_func ("/Engine/TorchPickle/hostile-tensors", test_hostile_tensors);
  g_test_add_func ("/Engine/TorchPickle/hostile-zips", test_hostile_zips);
  g_test_add_func ("/Engine/TorchPickle/open-errors", test_open_errors);
  return g_test_run ();
}
