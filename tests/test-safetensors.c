/* test-safetensors.c: the fixtures, a write/read round trip, hand-built files
 * with odd padding and an unaligned data section, and hostile headers. */
#include "safetensors.h"
#include "safetensors-private.h"
#include "ls-error.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <string.h>

/* 8-byte LE length + @header (+ @pad spaces) + @data_len bytes 0,1,2,... */
static GBytes *
build_file (const char *header, gsize data_len)
{
  gsize n = strlen (header);
  guint8 *buf = g_malloc (8 + n + data_len);
  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) ((guint64) n >> (8 * i));
  memcpy (buf + 8, header, n);
  for (gsize i = 0; i < data_len; i++)
    buf[8 + n + i] = (guint8) i;
  return g_bytes_new_take (buf, 8 + n + data_len);
}

static void
check_shape (const LsTensorView *v, int ndim, const int64_t *shape)
{
  g_assert_nonnull (v);
  g_assert_cmpint (v->ndim, ==, ndim);
  for (int i = 0; i < ndim; i++)
    g_assert_cmpint (v->shape[i], ==, shape[i]);
}

static void
test_fixtures (void)
{
  static const struct { const char *folder; LsDtype dtype; } cases[] = {
    { "vit-tiny", LS_DTYPE_F32 },
    { "vit-tiny-f16", LS_DTYPE_F16 },
    { "vit-tiny-bf16", LS_DTYPE_BF16 },
  };
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = ls_test_fixture (cases[c].folder, "model.safetensors", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(LsSafetensors) st = ls_safetensors_open (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (st);

      /* 2 layers x 16 + embeddings 4 + final norm 2 + classifier 2 */
      g_assert_cmpuint (ls_safetensors_get_n_tensors (st), ==, 40);
      g_assert_cmpstr (ls_safetensors_get_metadata (st, "format"), ==, "pt");
      g_assert_null (ls_safetensors_get_metadata (st, "nope"));

      const int64_t proj[] = { 48, 3, 8, 8 };
      const int64_t pos[] = { 1, 17, 48 };
      const int64_t cls[] = { 3, 48 };
      const int64_t fc1[] = { 96, 48 };
      check_shape (ls_safetensors_lookup (st, "vit.embeddings.patch_embeddings.projection.weight"), 4, proj);
      check_shape (ls_safetensors_lookup (st, "vit.embeddings.position_embeddings"), 3, pos);
      check_shape (ls_safetensors_lookup (st, "classifier.weight"), 2, cls);
      check_shape (ls_safetensors_lookup (st, "vit.encoder.layer.1.intermediate.dense.weight"), 2, fc1);
      g_assert_null (ls_safetensors_lookup (st, "vit.pooler.dense.weight"));
      g_assert_null (ls_safetensors_lookup (st, "__metadata__"));

      gsize total = 0;
      for (guint i = 0; i < ls_safetensors_get_n_tensors (st); i++)
        {
          const LsTensorView *v = ls_safetensors_get_tensor (st, i);
          g_assert_cmpint (v->dtype, ==, cases[c].dtype);
          g_assert_cmpuint (v->nbytes, ==, ls_tensor_view_numel (v) * ls_dtype_size (v->dtype));
          g_assert_true (ls_safetensors_lookup (st, v->name) == v);
          /* Views come in file order and tile the data section. */
          if (i > 0)
            {
              const LsTensorView *prev = ls_safetensors_get_tensor (st, i - 1);
              g_assert_true ((const guint8 *) prev->data + prev->nbytes == v->data);
            }
          total += v->nbytes;
        }
      /* Independent count: hidden 48, MLP 96, 3 labels, 17 tokens, 3x8x8 patches. */
      gsize params = 48 * 192 + 48 + 48 + 17 * 48
                     + 2 * (4 * 48 + 4 * (48 * 48 + 48) + 2 * 48 * 96 + 96 + 48)
                     + 2 * 48 + 3 * 48 + 3;
      g_assert_cmpuint (total, ==, params * ls_dtype_size (cases[c].dtype));
    }
}

static void
test_dtype_helpers (void)
{
  g_assert_cmpuint (ls_dtype_size (LS_DTYPE_F32), ==, 4);
  g_assert_cmpuint (ls_dtype_size (LS_DTYPE_BF16), ==, 2);
  g_assert_cmpuint (ls_dtype_size (LS_DTYPE_I64), ==, 8);
  g_assert_cmpuint (ls_dtype_size (LS_DTYPE_BOOL), ==, 1);
  g_assert_cmpuint (ls_dtype_size (LS_DTYPE_OTHER), ==, 0);
  g_assert_cmpstr (ls_dtype_to_string (LS_DTYPE_F16), ==, "F16");
  g_assert_cmpstr (ls_dtype_to_string (LS_DTYPE_U8), ==, "U8");
  g_assert_cmpstr (ls_dtype_to_string (LS_DTYPE_OTHER), ==, "OTHER");

  LsTensorView v = { .ndim = 0 };
  g_assert_cmpuint (ls_tensor_view_numel (&v), ==, 1); /* scalar */
  v.ndim = 3;
  v.shape[0] = 2; v.shape[1] = 3; v.shape[2] = 5;
  g_assert_cmpuint (ls_tensor_view_numel (&v), ==, 30);
  v.shape[1] = 0;
  g_assert_cmpuint (ls_tensor_view_numel (&v), ==, 0);
}

static void
test_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ls-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  float a[6] = { 1.5f, -2.0f, 3.25f, 0.0f, 1e-7f, -1e7f };
  guint16 b[3] = { 0x3c00, 0xc000, 0x7bff };
  gint64 c[1] = { -42 };
  guint8 d[5] = { 1, 2, 3, 4, 5 };
  LsTensorView views[] = {
    { .name = "a.weight", .dtype = LS_DTYPE_F32, .ndim = 2, .shape = { 2, 3 }, .data = a, .nbytes = sizeof a },
    { .name = "b \"quoted\"\\", .dtype = LS_DTYPE_F16, .ndim = 1, .shape = { 3 }, .data = b, .nbytes = sizeof b },
    { .name = "empty", .dtype = LS_DTYPE_F32, .ndim = 2, .shape = { 0, 4 }, .data = NULL, .nbytes = 0 },
    { .name = "scalar", .dtype = LS_DTYPE_I64, .ndim = 0, .data = c, .nbytes = sizeof c },
    { .name = "bytes", .dtype = LS_DTYPE_U8, .ndim = 1, .shape = { 5 }, .data = d, .nbytes = sizeof d },
  };

  g_assert_true (ls_safetensors_write (path, views, G_N_ELEMENTS (views), &error));
  g_assert_no_error (error);

  /* Header padded to a multiple of 8 so the data section is aligned. */
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  guint64 n = 0;
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | (guint8) contents[i];
  g_assert_cmpuint (n % 8, ==, 0);
  g_assert_cmpuint (len, ==, 8 + n + sizeof a + sizeof b + sizeof c + sizeof d);

  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (views));
  for (gsize i = 0; i < G_N_ELEMENTS (views); i++)
    {
      const LsTensorView *v = ls_safetensors_lookup (st, views[i].name);
      g_assert_nonnull (v);
      g_assert_cmpint (v->dtype, ==, views[i].dtype);
      check_shape (v, views[i].ndim, views[i].shape);
      g_assert_cmpuint (v->nbytes, ==, views[i].nbytes);
      if (v->nbytes > 0)
        g_assert_cmpmem (v->data, v->nbytes, views[i].data, views[i].nbytes);
      else
        g_assert_null (v->data);
    }
  const LsTensorView *va = ls_safetensors_lookup (st, "a.weight");
  g_assert_cmpuint ((guintptr) va->data % 8, ==, 0);

  /* Overwrite in place (atomic rename), no temp file left behind. */
  g_assert_true (ls_safetensors_write (path, views, 1, &error));
  g_assert_no_error (error);
  g_autoptr(GDir) gdir = g_dir_open (dir, 0, NULL);
  int n_files = 0;
  while (g_dir_read_name (gdir) != NULL)
    n_files++;
  g_assert_cmpint (n_files, ==, 1);

  /* Invalid views are refused. */
  LsTensorView bad = views[0];
  bad.nbytes = 20;
  g_assert_false (ls_safetensors_write (path, &bad, 1, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  LsTensorView dup[2] = { views[0], views[0] };
  g_assert_false (ls_safetensors_write (path, dup, 2, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_clear_pointer (&st, ls_safetensors_free);
  g_remove (path);
  g_rmdir (dir);
}

/* A pre-2023 style file: header length not a multiple of 8, so the data
 * section is unaligned; plus leading and trailing whitespace in the header. */
static void
test_unaligned (void)
{
  float values[3] = { 1.0f, -2.5f, 1e-3f };
  const char *header = "  {\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[1,13]},"
                       "\"y\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                       "\"__metadata__\":{\"k\":\"v\"}}   ";
  gsize n = strlen (header);
  g_assert_cmpuint ((8 + n) % 4, !=, 0);
  guint8 *buf = g_malloc0 (8 + n + 13);
  buf[0] = (guint8) n;
  memcpy (buf + 8, header, n);
  buf[8 + n] = 7;
  memcpy (buf + 8 + n + 1, values, sizeof values);
  g_autoptr(GBytes) bytes = g_bytes_new_take (buf, 8 + n + 13);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsSafetensors) st = ls_safetensors_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  const LsTensorView *x = ls_safetensors_lookup (st, "x");
  g_assert_nonnull (x);
  g_assert_cmpuint ((guintptr) x->data % 4, !=, 0);
  float got[3];
  memcpy (got, x->data, sizeof got);
  g_assert_cmpmem (got, sizeof got, values, sizeof values);
  g_assert_cmpint (*(const guint8 *) ls_safetensors_lookup (st, "y")->data, ==, 7);
  g_assert_cmpstr (ls_safetensors_get_metadata (st, "k"), ==, "v");
  /* File order: y (offset 0) first. */
  g_assert_cmpstr (ls_safetensors_get_tensor (st, 0)->name, ==, "y");
}

static void
test_other_dtypes (void)
{
  /* Known to safetensors, not to the engine: loads as OTHER.  F4 packs two per byte. */
  g_autoptr(GBytes) bytes = build_file (
    "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]},"
    "\"b\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[2,4]},"
    "\"c\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsSafetensors) st = ls_safetensors_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ls_safetensors_lookup (st, "a")->dtype, ==, LS_DTYPE_OTHER);
  g_assert_cmpint (ls_safetensors_lookup (st, "b")->dtype, ==, LS_DTYPE_OTHER);
  g_assert_cmpint (ls_safetensors_lookup (st, "c")->dtype, ==, LS_DTYPE_OTHER);

  /* Empty header object, no data: valid and empty. */
  g_autoptr(GBytes) empty = build_file ("{}", 0);
  g_autoptr(LsSafetensors) st2 = ls_safetensors_new_from_bytes (empty, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_safetensors_get_n_tensors (st2), ==, 0);
}

static void
expect_bytes_error (GBytes *bytes, const char *needle)
{
  g_autoptr(GError) error = NULL;
  LsSafetensors *st = ls_safetensors_new_from_bytes (bytes, &error);
  if (st != NULL)
    g_error ("hostile file accepted (expected '%s')", needle);
  g_assert_nonnull (error);
  if (error->code != LS_ERROR_FORMAT || strstr (error->message, needle) == NULL)
    g_error ("expected FORMAT error naming '%s', got %d: %s", needle,
             error->code, error->message);
}

static void
expect_header_error (const char *header, gsize data_len, const char *needle)
{
  g_autoptr(GBytes) bytes = build_file (header, data_len);
  expect_bytes_error (bytes, needle);
}

#define ENTRY(name, dtype, shape, b, e) \
  "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void
test_hostile (void)
{
  /* Sizes of the file itself */
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  expect_bytes_error (empty, "too short");
  g_autoptr(GBytes) five = g_bytes_new ("\x10\0\0\0\0", 5);
  expect_bytes_error (five, "too short");
  guint8 big[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}' };
  g_autoptr(GBytes) huge = g_bytes_new (big, sizeof big);
  expect_bytes_error (huge, "exceeds the limit");
  guint8 longer[16] = { 100, 0, 0, 0, 0, 0, 0, 0, '{', '}' };
  g_autoptr(GBytes) too_long = g_bytes_new (longer, sizeof longer);
  expect_bytes_error (too_long, "larger than the file");
  guint8 zero[8] = { 0 };
  g_autoptr(GBytes) zero_header = g_bytes_new (zero, sizeof zero);
  expect_bytes_error (zero_header, "empty");

  /* Header syntax */
  expect_header_error ("this is not json", 0, "not valid JSON");
  expect_header_error ("{\"a\":", 0, "not valid JSON");
  expect_header_error ("[1,2]", 0, "not a JSON object");
  expect_header_error ("\"str\"", 0, "not a JSON object");
  expect_header_error ("{\"a\":{\"dtype\":\"F32\"}}\xff", 0, "UTF-8");
  expect_header_error ("{\"a\":3}", 0, "'a' is not an object");
  expect_header_error ("{\"__metadata__\":{\"k\":3}}", 0, "__metadata__");
  expect_header_error ("{\"__metadata__\":[]}", 0, "__metadata__");

  /* Entries */
  expect_header_error ("{" ENTRY ("w", "F33", "[1]", 0, 4) "}", 4, "unknown dtype 'F33'");
  expect_header_error ("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "dtype");
  expect_header_error ("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "dtype");
  expect_header_error ("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "shape");
  expect_header_error ("{" ENTRY ("w", "F32", "[-1]", 0, 4) "}", 4, "shape");
  expect_header_error ("{" ENTRY ("w", "F32", "[1.5]", 0, 4) "}", 4, "shape");
  expect_header_error ("{" ENTRY ("w", "F32", "[\"1\"]", 0, 4) "}", 4, "shape");
  expect_header_error ("{" ENTRY ("w", "F32", "[1,1,1,1,1,1,1,1,1]", 0, 4) "}", 4, "9 dimensions");
  expect_header_error ("{" ENTRY ("w", "F32", "[4294967296,4294967296]", 0, 4) "}", 4, "overflow");
  expect_header_error ("{" ENTRY ("w", "F32", "[4611686018427387904]", 0, 4) "}", 4, "overflow");
  expect_header_error ("{" ENTRY ("w", "F32", "[9223372036854775807,2]", 0, 4) "}", 4, "overflow");
  expect_header_error ("{" ENTRY ("w", "F4", "[3]", 0, 2) "}", 2, "whole bytes");
  expect_header_error ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "data_offsets");
  expect_header_error ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "data_offsets");
  expect_header_error ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4.0]}}", 4, "data_offsets");
  expect_header_error ("{" ENTRY ("w", "F32", "[1]", -4, 0) "}", 4, "data_offsets");
  expect_header_error ("{" ENTRY ("w", "F32", "[1]", 4, 0) "}", 4, "begin after end");
  expect_header_error ("{" ENTRY ("w", "F32", "[1]", 0, 8) "}", 4, "outside the data section");
  expect_header_error ("{" ENTRY ("w", "F32", "[1]", 18446744073709551615, 4) "}", 4, "data_offsets");
  expect_header_error ("{" ENTRY ("w", "F32", "[2]", 0, 4) "}", 4, "need 8");
  expect_header_error ("{" ENTRY ("w", "F16", "[3]", 0, 4) "}", 4, "need 6");

  /* Layout of the data section */
  expect_header_error ("{" ENTRY ("a", "F32", "[2]", 0, 8) "," ENTRY ("b", "F32", "[2]", 4, 12) "}",
                       12, "overlaps");
  expect_header_error ("{" ENTRY ("a", "F32", "[2]", 0, 8) "," ENTRY ("b", "F32", "[2]", 0, 8) "}",
                       8, "overlaps");
  expect_header_error ("{" ENTRY ("a", "F32", "[1]", 0, 4) "," ENTRY ("b", "F32", "[1]", 8, 12) "}",
                       12, "hole");
  expect_header_error ("{" ENTRY ("a", "F32", "[1]", 0, 4) "}", 12, "cover 4");

  /* Nesting deep enough to overflow a recursive JSON parser. */
  {
    char *deep = g_malloc (100001);
    memset (deep, '[', 100000);
    deep[100000] = '\0';
    expect_header_error (deep, 0, "nests deeper");
    g_free (deep);
  }

  /* Duplicates, at the top level and inside an entry */
  expect_header_error ("{" ENTRY ("a", "F32", "[1]", 0, 4) "," ENTRY ("a", "F32", "[1]", 4, 8) "}",
                       8, "'a' twice");
  expect_header_error ("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                       4, "'dtype' twice");
}

/* Every truncation and every single-byte change of a small valid file
 * either parses into views inside the buffer or fails with an error;
 * never a crash (the sanitizer build watches). */
static void
test_mutations (void)
{
  g_autoptr(GBytes) good = build_file (
    "{\"__metadata__\":{\"format\":\"pt\"},"
    "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
    "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]},"
    "\"c\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[22,30]}}", 30);
  gsize size;
  const guint8 *orig = g_bytes_get_data (good, &size);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsSafetensors) st = ls_safetensors_new_from_bytes (good, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_safetensors_get_n_tensors (st), ==, 3);

  for (gsize cut = 0; cut < size; cut++)
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (good, 0, cut);
      LsSafetensors *t = ls_safetensors_new_from_bytes (part, &error);
      g_assert_null (t);
      g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
      g_clear_error (&error);
    }
  for (gsize at = 0; at < size; at++)
    for (int flip = 1; flip < 256; flip <<= 1)
      {
        guint8 *copy = g_memdup2 (orig, size);
        copy[at] ^= (guint8) flip;
        g_autoptr(GBytes) bad = g_bytes_new_take (copy, size);
        LsSafetensors *t = ls_safetensors_new_from_bytes (bad, &error);
        g_assert_true ((t == NULL) == (error != NULL));
        for (guint i = 0; t != NULL && i < ls_safetensors_get_n_tensors (t); i++)
          {
            const LsTensorView *v = ls_safetensors_get_tensor (t, i);
            g_assert_true (v->nbytes == 0 ||
                           ((const guint8 *) v->data >= copy &&
                            (const guint8 *) v->data + v->nbytes <= copy + size));
          }
        ls_safetensors_free (t);
        g_clear_error (&error);
      }
}

static void
test_open_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ls-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "empty.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  LsSafetensors *st = ls_safetensors_open (path, &error);
  g_assert_null (st);
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  st = ls_safetensors_open (path, &error);
  g_assert_null (st);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "too short"));
  g_clear_error (&error);

  /* A real fixture cut short. */
  g_autofree char *fixture = ls_test_fixture ("vit-tiny", "model.safetensors", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (fixture, &contents, &len, NULL));
  for (gsize cut = 4; cut < len; cut += len / 7)
    {
      g_assert_true (g_file_set_contents (path, contents, cut, NULL));
      st = ls_safetensors_open (path, &error);
      g_assert_null (st);
      g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
      g_clear_error (&error);
    }
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Safetensors/fixtures", test_fixtures);
  g_test_add_func ("/Engine/Safetensors/dtype-helpers", test_dtype_helpers);
  g_test_add_func ("/Engine/Safetensors/round-trip", test_round_trip);
  g_test_add_func ("/Engine/Safetensors/unaligned", test_unaligned);
  g_test_add_func ("/Engine/Safetensors/other-dtypes", test_other_dtypes);
  g_test_add_func ("/Engine/Safetensors/hostile", test_hostile);
  g_test_add_func ("/Engine/Safetensors/mutations", test_mutations);
  g_test_add_func ("/Engine/Safetensors/open-errors", test_open_errors);
  return g_test_run ();
}
