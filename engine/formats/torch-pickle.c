/* torch-pickle.c: pytorch_model.bin (torch.save's zip format) read without
 * executing anything.
 *
 * Two parts:
 *  - a zip reader for the STORED (uncompressed) archives torch writes,
 *    ZIP64 included: the central directory gives every entry; each offset
 *    and size is checked against the file before use;
 *  - a restricted unpickler: a small stack machine that knows the opcodes
 *    torch.save emits and a fixed allowlist of globals.  Calling a global
 *    means interpreting it here (OrderedDict → dict, _rebuild_tensor_v2 →
 *    a view); anything else is refused with LS_ERROR_UNSAFE before any
 *    effect.  Values live in an arena freed at the end, so shared or
 *    cyclic references (memo, BINGET) need no refcounting.
 *
 * Tensor views point into the mapped file (STORED data is the raw bytes).
 * CRCs are not verified: the header checks bound every access, and a
 * flipped data byte gives a wrong weight, not a crash.
 */
#include "torch-pickle.h"
#include "ls-error.h"

#include <math.h>
#include <string.h>

#define ZIP_MAX_ENTRIES     (1u << 20)
#define PICKLE_MAX_STACK    (1u << 20)
#define PICKLE_MAX_MARKS    4096
#define PICKLE_MAX_MEMO     (1u << 20)

/* ---- zip ----------------------------------------------------------------- */

typedef struct {
  const guint8 *data;
  gsize         size;
} ZipEntry;

struct _LsTorchFile {
  char         *origin;
  GMappedFile  *mapped;
  GBytes       *bytes;
  const guint8 *base;
  gsize         size;
  GHashTable   *entries;  /* name → ZipEntry* (owned) */
  GStringChunk *names;
  LsTensorView *tensors;
  guint         n_tensors;
  GHashTable   *by_name;  /* name → LsTensorView* */
};

static gboolean
fail_code (GError **error, LsTorchFile *self, int code, const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail_code (GError **error, LsTorchFile *self, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_ERROR, code, "%s: %s", self->origin, msg);
  return FALSE;
}

#define fail(error, self, ...) fail_code (error, self, LS_ERROR_FORMAT, __VA_ARGS__)

static guint16
rd16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint64
rd64 (const guint8 *p)
{
  return (guint64) rd32 (p) | ((guint64) rd32 (p + 4) << 32);
}

/* [off, off + len) inside [0, limit)? */
static gboolean
in_range (guint64 off, guint64 len, guint64 limit)
{
  return off <= limit && len <= limit - off;
}

static gboolean
parse_zip (LsTorchFile *self, GError **error)
{
  const guint8 *b = self->base;
  gsize size = self->size;

  if (size < 22)
    return fail (error, self, "file is %" G_GSIZE_FORMAT " bytes, too short for a zip archive", size);

  /* End of central directory: the last 22 bytes, or earlier when a comment follows. */
  gsize eocd = 0;
  gboolean found = FALSE;
  gsize lowest = size >= 22 + 65535 ? size - 22 - 65535 : 0;
  for (gsize pos = size - 22 + 1; pos-- > lowest; )
    if (rd32 (b + pos) == 0x06054b50 && pos + 22 + rd16 (b + pos + 20) == size)
      {
        eocd = pos;
        found = TRUE;
        break;
      }
  if (!found)
    return fail (error, self, "not a zip archive (no end of central directory); "
                 "only the zip format of torch.save (PyTorch >= 1.6) is supported");

  if (rd16 (b + eocd + 4) != 0 || rd16 (b + eocd + 6) != 0)
    return fail (error, self, "multi-disk zip archives are not supported");
  guint64 n_entries = rd16 (b + eocd + 10);
  guint64 cd_size = rd32 (b + eocd + 12);
  guint64 cd_offset = rd32 (b + eocd + 16);
  guint64 cd_limit = eocd;

  /* ZIP64: the locator sits just before the classic record. */
  if (eocd >= 20 && rd32 (b + eocd - 20) == 0x07064b50)
    {
      guint64 z64 = rd64 (b + eocd - 20 + 8);
      if (!in_range (z64, 56, eocd - 20) || rd32 (b + z64) != 0x06064b50)
        return fail (error, self, "ZIP64 end of central directory record is "
                     "missing or out of range");
      if (n_entries == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff)
        {
          n_entries = rd64 (b + z64 + 32);
          cd_size = rd64 (b + z64 + 40);
          cd_offset = rd64 (b + z64 + 48);
        }
      cd_limit = z64;
    }

  if (n_entries > ZIP_MAX_ENTRIES)
    return fail (error, self, "zip archive claims %" G_GUINT64_FORMAT " entries (limit %u)",
                 n_entries, ZIP_MAX_ENTRIES);
  if (!in_range (cd_offset, cd_size, cd_limit))
    return fail (error, self, "zip central directory (offset %" G_GUINT64_FORMAT
                 ", %" G_GUINT64_FORMAT " bytes) lies outside the file", cd_offset, cd_size);

  guint64 p = cd_offset;
  guint64 cd_end = cd_offset + cd_size;
  for (guint64 i = 0; i < n_entries; i++)
    {
      if (!in_range (p, 46, cd_end) || rd32 (b + p) != 0x02014b50)
        return fail (error, self, "zip central directory entry %" G_GUINT64_FORMAT
                     " is malformed", i);
      guint16 flags = rd16 (b + p + 8);
      guint16 method = rd16 (b + p + 10);
      guint64 csize = rd32 (b + p + 20);
      guint64 usize = rd32 (b + p + 24);
      guint16 name_len = rd16 (b + p + 28);
      guint16 extra_len = rd16 (b + p + 30);
      guint16 comment_len = rd16 (b + p + 32);
      guint64 local = rd32 (b + p + 42);
      if (!in_range (p + 46, (guint64) name_len + extra_len + comment_len, cd_end))
        return fail (error, self, "zip central directory entry %" G_GUINT64_FORMAT
                     " runs past the directory", i);
      const guint8 *name = b + p + 46;
      const guint8 *extra = name + name_len;

      /* ZIP64 extended information: the saturated fields, in order. */
      for (guint e = 0; e + 4 <= extra_len; )
        {
          guint16 id = rd16 (extra + e), len = rd16 (extra + e + 2);
          if (e + 4 + len > extra_len)
            return fail (error, self, "zip entry %" G_GUINT64_FORMAT " has a "
                         "malformed extra field", i);
          if (id == 0x0001)
            {
              guint off = e + 4;
              guint64 *fields[] = { &usize, &csize, &local };
              for (gsize f = 0; f < G_N_ELEMENTS (fields); f++)
                if (*fields[f] == 0xffffffff)
                  {
                    if (off + 8 > e + 4 + (guint) len)
                      return fail (error, self, "zip entry %" G_GUINT64_FORMAT
                                   " has a truncated ZIP64 field", i);
                    *fields[f] = rd64 (extra + off);
                    off += 8;
                  }
            }
          e += 4 + len;
        }

      g_autofree char *entry_name = g_strndup ((const char *) name, name_len);
      if (strlen (entry_name) != name_len)
        return fail (error, self, "zip entry %" G_GUINT64_FORMAT " has a NUL in its name", i);
      if (flags & 0x1)
        return fail_code (error, self, LS_ERROR_UNSUPPORTED,
                          "zip entry '%s' is encrypted", entry_name);
      if (method != 0)
        return fail_code (error, self, LS_ERROR_UNSUPPORTED,
                          "zip entry '%s' is compressed (method %u); torch.save "
                          "writes uncompressed (stored) entries, re-save the "
                          "file with torch.save or convert it to safetensors",
                          entry_name, method);
      if (csize != usize)
        return fail (error, self, "zip entry '%s' is stored but its sizes differ", entry_name);

      if (!in_range (local, 30, cd_offset) || rd32 (b + local) != 0x04034b50)
        return fail (error, self, "zip entry '%s' has no local header at offset %"
                     G_GUINT64_FORMAT, entry_name, local);
      guint64 lname = rd16 (b + local + 26);
      guint64 lextra = rd16 (b + local + 28);
      guint64 start = local + 30 + lname + lextra;
      if (lname != name_len || memcmp (b + local + 30, name, name_len) != 0)
        return fail (error, self, "zip entry '%s': local and central names differ", entry_name);
      if (!in_range (start, csize, cd_offset))
        return fail (error, self, "zip entry '%s' (%" G_GUINT64_FORMAT " bytes at %"
                     G_GUINT64_FORMAT ") runs past the file data", entry_name, csize, start);

      ZipEntry *z = g_new (ZipEntry, 1);
      z->data = b + start;
      z->size = (gsize) csize;
      if (!g_hash_table_insert (self->entries, g_steal_pointer (&entry_name), z))
        return fail (error, self, "zip archive has the entry '%.*s' twice",
                     (int) name_len, (const char *) name);
      p += 46 + (guint64) name_len + extra_len + comment_len;
    }
  return TRUE;
}

/* ---- unpickler ----------------------------------------------------------- */

typedef enum {
  V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_TUPLE, V_LIST, V_DICT,
  V_GLOBAL, V_STORAGE, V_TENSOR,
} Kind;

typedef enum {
  G_ORDERED_DICT,
  G_REBUILD_TENSOR_V2,
  G_REBUILD_PARAMETER,
  G_STORAGE,   /* dtype in Value.u.global.dtype */
} GlobalKind;

typedef struct {
  Kind kind;
  union {
    gint64 i;
    double f;
    char *s;
    GPtrArray *items;  /* tuple, list; dict: key, value, key, value... */
    struct { GlobalKind kind; LsDtype dtype; } global;
    struct { LsDtype dtype; const guint8 *data; gsize nbytes; } storage;
    struct { LsDtype dtype; int ndim; int64_t shape[LS_MAX_DIMS]; const void *data; gsize nbytes; } tensor;
  } u;
} Value;

typedef struct {
  LsTorchFile  *file;
  const char   *top;      /* archive folder, e.g. "pytorch_model" */
  const guint8 *p, *end;
  GPtrArray    *arena;    /* every Value, freed at the end */
  GPtrArray    *stack;
  GArray       *marks;    /* stack lengths at MARK */
  GPtrArray    *memo;
} Unpickler;

static void
value_free (gpointer data)
{
  Value *v = data;
  if (v->kind == V_STR)
    g_free (v->u.s);
  else if (v->kind == V_TUPLE || v->kind == V_LIST || v->kind == V_DICT)
    g_ptr_array_unref (v->u.items);
  g_free (v);
}

static Value *
value_new (Unpickler *u, Kind kind)
{
  Value *v = g_new0 (Value, 1);
  v->kind = kind;
  if (kind == V_TUPLE || kind == V_LIST || kind == V_DICT)
    v->u.items = g_ptr_array_new ();
  g_ptr_array_add (u->arena, v);
  return v;
}

static const char *
kind_name (Kind k)
{
  static const char *names[] = { "None", "bool", "int", "float", "str", "tuple",
                                 "list", "dict", "global", "storage", "tensor" };
  return names[k];
}

#define pfail(error, u, ...) fail (error, (u)->file, "data.pkl: " __VA_ARGS__)

static gboolean
push (Unpickler *u, Value *v, GError **error)
{
  if (u->stack->len >= PICKLE_MAX_STACK)
    return pfail (error, u, "pickle stack exceeds %u entries", PICKLE_MAX_STACK);
  g_ptr_array_add (u->stack, v);
  return TRUE;
}

static Value *
pop (Unpickler *u, GError **error)
{
  guint floor_len = u->marks->len > 0 ? g_array_index (u->marks, guint, u->marks->len - 1) : 0;
  if (u->stack->len <= floor_len)
    {
      pfail (error, u, "pickle stack underflow");
      return NULL;
    }
  return g_ptr_array_steal_index (u->stack, u->stack->len - 1);
}

static Value *
top (Unpickler *u, GError **error)
{
  guint floor_len = u->marks->len > 0 ? g_array_index (u->marks, guint, u->marks->len - 1) : 0;
  if (u->stack->len <= floor_len)
    {
      pfail (error, u, "pickle stack underflow");
      return NULL;
    }
  return u->stack->pdata[u->stack->len - 1];
}

/* Pops the items above the last MARK, and the mark. */
static gboolean
pop_mark (Unpickler *u, guint *start, GError **error)
{
  if (u->marks->len == 0)
    return pfail (error, u, "pickle has no MARK to pop to");
  *start = g_array_index (u->marks, guint, u->marks->len - 1);
  g_array_set_size (u->marks, u->marks->len - 1);
  return TRUE;
}

static gboolean
need (Unpickler *u, gsize n, GError **error)
{
  if ((gsize) (u->end - u->p) < n)
    return pfail (error, u, "pickle is truncated");
  return TRUE;
}

static gboolean
memo_put (Unpickler *u, guint64 index, GError **error)
{
  Value *v = top (u, error);
  if (v == NULL)
    return FALSE;
  if (index >= PICKLE_MAX_MEMO)
    return pfail (error, u, "pickle memo index %" G_GUINT64_FORMAT " exceeds %u",
                  index, PICKLE_MAX_MEMO);
  if (index >= u->memo->len)
    g_ptr_array_set_size (u->memo, (guint) index + 1);
  u->memo->pdata[index] = v;
  return TRUE;
}

static gboolean
memo_get (Unpickler *u, guint64 index, GError **error)
{
  if (index >= u->memo->len || u->memo->pdata[index] == NULL)
    return pfail (error, u, "pickle reads memo entry %" G_GUINT64_FORMAT
                  " that was never stored", index);
  return push (u, u->memo->pdata[index], error);
}

static gboolean
push_string (Unpickler *u, gsize len, GError **error)
{
  if (!need (u, len, error))
    return FALSE;
  if (memchr (u->p, '\0', len) != NULL || !g_utf8_validate ((const char *) u->p, len, NULL))
    return pfail (error, u, "pickle string is not valid UTF-8 text");
  Value *v = value_new (u, V_STR);
  v->u.s = g_strndup ((const char *) u->p, len);
  u->p += len;
  return push (u, v, error);
}

static const struct {
  const char *module, *name;
  GlobalKind kind;
  LsDtype dtype;
} allowed_globals[] = {
  { "collections", "OrderedDict", G_ORDERED_DICT, 0 },
  { "torch._utils", "_rebuild_tensor_v2", G_REBUILD_TENSOR_V2, 0 },
  { "torch._utils", "_rebuild_parameter", G_REBUILD_PARAMETER, 0 },
  { "torch", "FloatStorage", G_STORAGE, LS_DTYPE_F32 },
  { "torch", "HalfStorage", G_STORAGE, LS_DTYPE_F16 },
  { "torch", "BFloat16Storage", G_STORAGE, LS_DTYPE_BF16 },
  { "torch", "DoubleStorage", G_STORAGE, LS_DTYPE_F64 },
  { "torch", "LongStorage", G_STORAGE, LS_DTYPE_I64 },
  { "torch", "IntStorage", G_STORAGE, LS_DTYPE_I32 },
  { "torch", "ShortStorage", G_STORAGE, LS_DTYPE_I16 },
  { "torch", "CharStorage", G_STORAGE, LS_DTYPE_I8 },
  { "torch", "ByteStorage", G_STORAGE, LS_DTYPE_U8 },
  { "torch", "BoolStorage", G_STORAGE, LS_DTYPE_BOOL },
};

static gboolean
push_global (Unpickler *u, const char *module, const char *name, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (allowed_globals); i++)
    if (strcmp (module, allowed_globals[i].module) == 0 &&
        strcmp (name, allowed_globals[i].name) == 0)
      {
        Value *v = value_new (u, V_GLOBAL);
        v->u.global.kind = allowed_globals[i].kind;
        v->u.global.dtype = allowed_globals[i].dtype;
        return push (u, v, error);
      }
  return fail_code (error, u->file, LS_ERROR_UNSAFE,
                    "pickle asks for global '%s.%s', which is not allowed "
                    "(only the globals torch uses to describe tensors are)",
                    module, name);
}

/* GLOBAL: "module\nname\n" */
static gboolean
read_line (Unpickler *u, char **out, GError **error)
{
  const guint8 *nl = memchr (u->p, '\n', MIN ((gsize) (u->end - u->p), 256));
  if (nl == NULL)
    return pfail (error, u, "pickle GLOBAL name is unterminated or too long");
  gsize len = nl - u->p;
  if (memchr (u->p, '\0', len) != NULL || !g_utf8_validate ((const char *) u->p, len, NULL))
    return pfail (error, u, "pickle GLOBAL name is not valid text");
  *out = g_strndup ((const char *) u->p, len);
  u->p = nl + 1;
  return TRUE;
}

static gboolean
int_tuple (Value *v, int max, int *n, int64_t *out)
{
  if (v->kind != V_TUPLE || v->u.items->len > (guint) max)
    return FALSE;
  for (guint i = 0; i < v->u.items->len; i++)
    {
      Value *e = v->u.items->pdata[i];
      if (e->kind != V_INT)
        return FALSE;
      out[i] = e->u.i;
    }
  *n = (int) v->u.items->len;
  return TRUE;
}

/* persistent id ('storage', StorageType, key, location, numel) → storage */
static gboolean
persistent_load (Unpickler *u, GError **error)
{
  Value *pid = pop (u, error);
  if (pid == NULL)
    return FALSE;
  if (pid->kind != V_TUPLE || pid->u.items->len != 5)
    return pfail (error, u, "persistent id is not a 5-tuple ('storage', type, key, location, numel)");
  Value **f = (Value **) pid->u.items->pdata;
  if (f[0]->kind != V_STR || strcmp (f[0]->u.s, "storage") != 0)
    return pfail (error, u, "persistent id is not a storage");
  if (f[1]->kind != V_GLOBAL || f[1]->u.global.kind != G_STORAGE)
    return pfail (error, u, "persistent id has no storage type");
  if (f[2]->kind != V_STR || f[4]->kind != V_INT || f[4]->u.i < 0)
    return pfail (error, u, "persistent id has an invalid key or element count");

  g_autofree char *entry = g_strdup_printf ("%s/data/%s", u->top, f[2]->u.s);
  ZipEntry *z = g_hash_table_lookup (u->file->entries, entry);
  if (z == NULL)
    return pfail (error, u, "storage '%s' refers to the missing entry '%s'", f[2]->u.s, entry);
  LsDtype dtype = f[1]->u.global.dtype;
  guint64 nbytes;
  if (!g_uint64_checked_mul (&nbytes, (guint64) f[4]->u.i, ls_dtype_size (dtype)) ||
      nbytes > z->size)
    return pfail (error, u, "storage '%s' claims %" G_GINT64_FORMAT " elements of %s "
                  "but its entry holds %" G_GSIZE_FORMAT " bytes", f[2]->u.s,
                  f[4]->u.i, ls_dtype_to_string (dtype), z->size);

  Value *s = value_new (u, V_STORAGE);
  s->u.storage.dtype = dtype;
  s->u.storage.data = z->data;
  s->u.storage.nbytes = (gsize) nbytes;
  return push (u, s, error);
}

static gboolean
rebuild_tensor (Unpickler *u, Value *args, GError **error)
{
  guint n = args->u.items->len;
  if (n != 6 && n != 7)
    return pfail (error, u, "_rebuild_tensor_v2 expects 6 or 7 arguments, got %u", n);
  Value **a = (Value **) args->u.items->pdata;
  if (a[0]->kind != V_STORAGE)
    return pfail (error, u, "_rebuild_tensor_v2: first argument is a %s, not a storage",
                  kind_name (a[0]->kind));
  if (a[1]->kind != V_INT || a[1]->u.i < 0)
    return pfail (error, u, "_rebuild_tensor_v2: invalid storage offset");

  Value *t = value_new (u, V_TENSOR);
  int ndim, nstride;
  int64_t stride[LS_MAX_DIMS];
  if (!int_tuple (a[2], LS_MAX_DIMS, &ndim, t->u.tensor.shape) ||
      !int_tuple (a[3], LS_MAX_DIMS, &nstride, stride) || nstride != ndim)
    return pfail (error, u, "_rebuild_tensor_v2: size and stride must be tuples "
                  "of at most %d integers, of equal length", LS_MAX_DIMS);

  /* Contiguous row-major only; a dimension of size 1 may have any stride. */
  guint64 numel = 1;
  for (int d = ndim - 1; d >= 0; d--)
    {
      int64_t dim = t->u.tensor.shape[d];
      if (dim < 0)
        return pfail (error, u, "_rebuild_tensor_v2: negative size");
      if (dim > 1 && (guint64) stride[d] != numel)
        return pfail (error, u, "_rebuild_tensor_v2: tensor is not contiguous "
                      "(stride %" G_GINT64_FORMAT " at dimension %d, expected %"
                      G_GUINT64_FORMAT "); save it with .contiguous()",
                      stride[d], d, numel);
      if (!g_uint64_checked_mul (&numel, numel, (guint64) dim))
        return pfail (error, u, "_rebuild_tensor_v2: size overflows");
    }

  LsDtype dtype = a[0]->u.storage.dtype;
  gsize esize = ls_dtype_size (dtype);
  guint64 first, count, end;
  if (!g_uint64_checked_mul (&first, (guint64) a[1]->u.i, esize) ||
      !g_uint64_checked_mul (&count, numel, esize) ||
      !g_uint64_checked_add (&end, first, count) ||
      end > a[0]->u.storage.nbytes)
    return pfail (error, u, "_rebuild_tensor_v2: offset %" G_GINT64_FORMAT " + %"
                  G_GUINT64_FORMAT " elements run past the storage (%" G_GSIZE_FORMAT
                  " bytes)", a[1]->u.i, numel, a[0]->u.storage.nbytes);
  t->u.tensor.dtype = dtype;
  t->u.tensor.ndim = ndim;
  t->u.tensor.nbytes = (gsize) count;
  t->u.tensor.data = count > 0 ? a[0]->u.storage.data + first : NULL;
  return push (u, t, error);
}

static gboolean
reduce (Unpickler *u, GError **error)
{
  Value *args = pop (u, error);
  Value *callable = args != NULL ? pop (u, error) : NULL;
  if (callable == NULL)
    return FALSE;
  if (callable->kind != V_GLOBAL)
    return pfail (error, u, "REDUCE on a %s, which is not callable", kind_name (callable->kind));
  if (args->kind != V_TUPLE)
    return pfail (error, u, "REDUCE arguments are a %s, not a tuple", kind_name (args->kind));

  switch (callable->u.global.kind)
    {
    case G_ORDERED_DICT:
      if (args->u.items->len != 0)
        return pfail (error, u, "OrderedDict called with arguments");
      return push (u, value_new (u, V_DICT), error);
    case G_REBUILD_TENSOR_V2:
      return rebuild_tensor (u, args, error);
    case G_REBUILD_PARAMETER:
      if (args->u.items->len < 1 || ((Value *) args->u.items->pdata[0])->kind != V_TENSOR)
        return pfail (error, u, "_rebuild_parameter expects a tensor");
      return push (u, args->u.items->pdata[0], error);
    case G_STORAGE:
    default:
      return pfail (error, u, "storage types cannot be called");
    }
}

static gboolean
set_items (Unpickler *u, guint start, GError **error)
{
  guint n = u->stack->len - start;
  if (n % 2 != 0)
    return pfail (error, u, "SETITEMS with an odd number of items");
  if (start == 0)
    return pfail (error, u, "SETITEMS without a dict");
  Value *dict = u->stack->pdata[start - 1];
  if (dict->kind != V_DICT)
    return pfail (error, u, "SETITEMS on a %s", kind_name (dict->kind));
  for (guint i = start; i < u->stack->len; i++)
    g_ptr_array_add (dict->u.items, u->stack->pdata[i]);
  g_ptr_array_set_size (u->stack, start);
  return TRUE;
}

static gboolean
append_items (Unpickler *u, guint start, GError **error)
{
  if (start == 0)
    return pfail (error, u, "APPENDS without a list");
  Value *list = u->stack->pdata[start - 1];
  if (list->kind != V_LIST)
    return pfail (error, u, "APPENDS on a %s", kind_name (list->kind));
  for (guint i = start; i < u->stack->len; i++)
    g_ptr_array_add (list->u.items, u->stack->pdata[i]);
  g_ptr_array_set_size (u->stack, start);
  return TRUE;
}

static gboolean
make_tuple (Unpickler *u, guint start, GError **error)
{
  Value *t = value_new (u, V_TUPLE);
  for (guint i = start; i < u->stack->len; i++)
    g_ptr_array_add (t->u.items, u->stack->pdata[i]);
  g_ptr_array_set_size (u->stack, start);
  return push (u, t, error);
}

static gboolean
run (Unpickler *u, Value **result, GError **error)
{
  while (u->p < u->end)
    {
      guint8 op = *u->p++;
      guint start;
      switch (op)
        {
        case 0x80: /* PROTO */
          if (!need (u, 1, error))
            return FALSE;
          if (*u->p > 5)
            return pfail (error, u, "pickle protocol %u is not supported", *u->p);
          u->p++;
          break;
        case 0x95: /* FRAME: a length hint, nothing to do */
          if (!need (u, 8, error))
            return FALSE;
          u->p += 8;
          break;
        case '.': /* STOP */
          *result = pop (u, error);
          return *result != NULL;
        case '}': /* EMPTY_DICT */
          if (!push (u, value_new (u, V_DICT), error))
            return FALSE;
          break;
        case ']': /* EMPTY_LIST */
          if (!push (u, value_new (u, V_LIST), error))
            return FALSE;
          break;
        case ')': /* EMPTY_TUPLE */
          if (!push (u, value_new (u, V_TUPLE), error))
            return FALSE;
          break;
        case '(': /* MARK */
          if (u->marks->len >= PICKLE_MAX_MARKS)
            return pfail (error, u, "pickle nests deeper than %d", PICKLE_MAX_MARKS);
          g_array_append_val (u->marks, u->stack->len);
          break;
        case 'X': /* BINUNICODE */
          if (!need (u, 4, error))
            return FALSE;
          {
            guint32 len = rd32 (u->p);
            u->p += 4;
            if (!push_string (u, len, error))
              return FALSE;
          }
          break;
        case 0x8c: /* SHORT_BINUNICODE */
        case 'U':  /* SHORT_BINSTRING */
          if (!need (u, 1, error))
            return FALSE;
          {
            guint8 len = *u->p++;
            if (!push_string (u, len, error))
              return FALSE;
          }
          break;
        case 0x8d: /* BINUNICODE8 */
          if (!need (u, 8, error))
            return FALSE;
          {
            guint64 len = rd64 (u->p);
            u->p += 8;
            if (len > (guint64) (u->end - u->p))
              return pfail (error, u, "pickle is truncated");
            if (!push_string (u, (gsize) len, error))
              return FALSE;
          }
          break;
        case 'J': /* BININT */
        case 'K': /* BININT1 */
        case 'M': /* BININT2 */
          {
            gsize n = op == 'J' ? 4 : op == 'K' ? 1 : 2;
            if (!need (u, n, error))
              return FALSE;
            Value *v = value_new (u, V_INT);
            v->u.i = op == 'J' ? (gint64) (gint32) rd32 (u->p) : op == 'K' ? u->p[0] : rd16 (u->p);
            u->p += n;
            if (!push (u, v, error))
              return FALSE;
          }
          break;
        case 0x8a: /* LONG1: little-endian two's complement */
          if (!need (u, 1, error))
            return FALSE;
          {
            guint8 n = *u->p++;
            if (n > 8)
              return pfail (error, u, "pickle integer of %u bytes is too large", n);
            if (!need (u, n, error))
              return FALSE;
            guint64 x = 0;
            for (int i = n - 1; i >= 0; i--)
              x = (x << 8) | u->p[i];
            if (n > 0 && n < 8 && (u->p[n - 1] & 0x80))
              x |= ~(guint64) 0 << (8 * n);  /* sign-extend */
            u->p += n;
            Value *v = value_new (u, V_INT);
            memcpy (&v->u.i, &x, sizeof x);
            if (!push (u, v, error))
              return FALSE;
          }
          break;
        case 'G': /* BINFLOAT: big-endian double */
          if (!need (u, 8, error))
            return FALSE;
          {
            guint64 x = 0;
            for (int i = 0; i < 8; i++)
              x = (x << 8) | u->p[i];
            u->p += 8;
            Value *v = value_new (u, V_FLOAT);
            memcpy (&v->u.f, &x, sizeof x);
            if (!push (u, v, error))
              return FALSE;
          }
          break;
        case 0x88: /* NEWTRUE */
        case 0x89: /* NEWFALSE */
          {
            Value *v = value_new (u, V_BOOL);
            v->u.i = op == 0x88;
            if (!push (u, v, error))
              return FALSE;
          }
          break;
        case 'N': /* NONE */
          if (!push (u, value_new (u, V_NONE), error))
            return FALSE;
          break;
        case 't': /* TUPLE */
          if (!pop_mark (u, &start, error) || !make_tuple (u, start, error))
            return FALSE;
          break;
        case 0x85: /* TUPLE1 */
        case 0x86: /* TUPLE2 */
        case 0x87: /* TUPLE3 */
          {
            guint n = op - 0x84;
            guint floor_len = u->marks->len > 0
                              ? g_array_index (u->marks, guint, u->marks->len - 1) : 0;
            if (u->stack->len < floor_len + n)
              return pfail (error, u, "pickle stack underflow");
            if (!make_tuple (u, u->stack->len - n, error))
              return FALSE;
          }
          break;
        case 's': /* SETITEM */
          {
            guint floor_len = u->marks->len > 0
                              ? g_array_index (u->marks, guint, u->marks->len - 1) : 0;
            if (u->stack->len < floor_len + 3)
              return pfail (error, u, "pickle stack underflow");
            if (!set_items (u, u->stack->len - 2, error))
              return FALSE;
          }
          break;
        case 'u': /* SETITEMS */
          if (!pop_mark (u, &start, error) || !set_items (u, start, error))
            return FALSE;
          break;
        case 'a': /* APPEND */
          {
            guint floor_len = u->marks->len > 0
                              ? g_array_index (u->marks, guint, u->marks->len - 1) : 0;
            if (u->stack->len < floor_len + 2)
              return pfail (error, u, "pickle stack underflow");
            if (!append_items (u, u->stack->len - 1, error))
              return FALSE;
          }
          break;
        case 'e': /* APPENDS */
          if (!pop_mark (u, &start, error) || !append_items (u, start, error))
            return FALSE;
          break;
        case 'q': /* BINPUT */
          if (!need (u, 1, error) || !memo_put (u, u->p[0], error))
            return FALSE;
          u->p += 1;
          break;
        case 'r': /* LONG_BINPUT */
          if (!need (u, 4, error) || !memo_put (u, rd32 (u->p), error))
            return FALSE;
          u->p += 4;
          break;
        case 0x94: /* MEMOIZE */
          if (!memo_put (u, u->memo->len, error))
            return FALSE;
          break;
        case 'h': /* BINGET */
          if (!need (u, 1, error) || !memo_get (u, u->p[0], error))
            return FALSE;
          u->p += 1;
          break;
        case 'j': /* LONG_BINGET */
          if (!need (u, 4, error) || !memo_get (u, rd32 (u->p), error))
            return FALSE;
          u->p += 4;
          break;
        case 'c': /* GLOBAL */
          {
            g_autofree char *module = NULL, *name = NULL;
            if (!read_line (u, &module, error) || !read_line (u, &name, error) ||
                !push_global (u, module, name, error))
              return FALSE;
          }
          break;
        case 0x93: /* STACK_GLOBAL */
          {
            Value *name = pop (u, error);
            Value *module = name != NULL ? pop (u, error) : NULL;
            if (module == NULL)
              return FALSE;
            if (module->kind != V_STR || name->kind != V_STR)
              return pfail (error, u, "STACK_GLOBAL needs two strings");
            if (!push_global (u, module->u.s, name->u.s, error))
              return FALSE;
          }
          break;
        case 'R': /* REDUCE */
          if (!reduce (u, error))
            return FALSE;
          break;
        case 'b': /* BUILD: state for an OrderedDict (its _metadata) is dropped */
          {
            Value *state = pop (u, error);
            Value *obj = state != NULL ? top (u, error) : NULL;
            if (obj == NULL)
              return FALSE;
            if (obj->kind != V_DICT && obj->kind != V_TENSOR)
              return pfail (error, u, "BUILD on a %s", kind_name (obj->kind));
          }
          break;
        case 'Q': /* BINPERSID */
          if (!persistent_load (u, error))
            return FALSE;
          break;
        case '0': /* POP */
          if (pop (u, error) == NULL)
            return FALSE;
          break;
        case '1': /* POP_MARK */
          if (!pop_mark (u, &start, error))
            return FALSE;
          g_ptr_array_set_size (u->stack, start);
          break;
        case '2': /* DUP */
          {
            Value *v = top (u, error);
            if (v == NULL || !push (u, v, error))
              return FALSE;
          }
          break;
        default:
          return pfail (error, u, "pickle opcode 0x%02x ('%c') is not supported "
                        "by this restricted reader", op, g_ascii_isprint (op) ? op : '?');
        }
    }
  return pfail (error, u, "pickle ends without STOP");
}

static gboolean
unpickle (LsTorchFile *self, const char *top_name, ZipEntry *pkl, GError **error)
{
  Unpickler u = {
    .file = self,
    .top = top_name,
    .p = pkl->data,
    .end = pkl->data + pkl->size,
    .arena = g_ptr_array_new_with_free_func (value_free),
    .stack = g_ptr_array_new (),
    .marks = g_array_new (FALSE, FALSE, sizeof (guint)),
    .memo = g_ptr_array_new (),
  };
  Value *result = NULL;
  gboolean ok = run (&u, &result, error);

  if (ok && result->kind != V_DICT)
    ok = pfail (error, &u, "pickle holds a %s, not a state dict", kind_name (result->kind));
  if (ok)
    {
      GPtrArray *items = result->u.items;
      guint n = items->len / 2;
      self->tensors = g_new0 (LsTensorView, MAX (n, 1));
      for (guint i = 0; ok && i < n; i++)
        {
          Value *key = items->pdata[2 * i];
          Value *val = items->pdata[2 * i + 1];
          if (key->kind != V_STR)
            {
              ok = pfail (error, &u, "state dict key %u is a %s, not a string", i,
                          kind_name (key->kind));
              break;
            }
          if (val->kind != V_TENSOR)
            {
              ok = pfail (error, &u, "state dict entry '%s' is a %s, not a tensor",
                          key->u.s, kind_name (val->kind));
              break;
            }
          LsTensorView *v = &self->tensors[self->n_tensors];
          v->name = g_string_chunk_insert (self->names, key->u.s);
          v->dtype = val->u.tensor.dtype;
          v->ndim = val->u.tensor.ndim;
          memcpy (v->shape, val->u.tensor.shape, sizeof v->shape);
          v->data = val->u.tensor.data;
          v->nbytes = val->u.tensor.nbytes;
          if (!g_hash_table_insert (self->by_name, (gpointer) v->name, v))
            {
              ok = pfail (error, &u, "state dict has the key '%s' twice", v->name);
              break;
            }
          self->n_tensors++;
        }
    }

  g_ptr_array_unref (u.memo);
  g_array_unref (u.marks);
  g_ptr_array_unref (u.stack);
  g_ptr_array_unref (u.arena);
  return ok;
}

/* ---- file ---------------------------------------------------------------- */

static gboolean
parse_file (LsTorchFile *self, GError **error)
{
  if (!parse_zip (self, error))
    return FALSE;

  /* One folder holds data.pkl; its name is whatever the file was saved as. */
  const char *pkl_name = NULL;
  ZipEntry *pkl = NULL;
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *name = key;
      const char *slash = strchr (name, '/');
      if (slash != NULL && strcmp (slash, "/data.pkl") == 0)
        {
          if (pkl != NULL)
            return fail (error, self, "zip archive holds two pickles ('%s' and '%s')",
                         pkl_name, name);
          pkl_name = name;
          pkl = value;
        }
    }
  if (pkl == NULL)
    return fail (error, self, "zip archive has no <name>/data.pkl: not a torch.save file");
  g_autofree char *top_name = g_strndup (pkl_name, strlen (pkl_name) - strlen ("/data.pkl"));
  return unpickle (self, top_name, pkl, error);
}

static LsTorchFile *
torch_file_new (const char *origin)
{
  LsTorchFile *self = g_new0 (LsTorchFile, 1);
  self->origin = g_strdup (origin);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->names = g_string_chunk_new (4096);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

void
ls_torch_file_free (LsTorchFile *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->names, g_string_chunk_free);
  g_free (self->tensors);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->mapped, g_mapped_file_unref);
  g_free (self->origin);
  g_free (self);
}

LsTorchFile *
ls_torch_file_open (const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  LsTorchFile *self;

  g_return_val_if_fail (path != NULL, NULL);
  self = torch_file_new (path);
  self->mapped = g_mapped_file_new (path, FALSE, &local);
  if (self->mapped == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "cannot open %s: %s", path, local->message);
      ls_torch_file_free (self);
      return NULL;
    }
  self->bytes = g_mapped_file_get_bytes (self->mapped);
  self->base = g_bytes_get_data (self->bytes, &self->size);
  if (!parse_file (self, error))
    {
      ls_torch_file_free (self);
      return NULL;
    }
  return self;
}

LsTorchFile *
ls_torch_file_new_from_bytes (GBytes *bytes, GError **error)
{
  LsTorchFile *self;

  g_return_val_if_fail (bytes != NULL, NULL);
  self = torch_file_new ("(memory)");
  self->bytes = g_bytes_ref (bytes);
  self->base = g_bytes_get_data (self->bytes, &self->size);
  if (!parse_file (self, error))
    {
      ls_torch_file_free (self);
      return NULL;
    }
  return self;
}

guint
ls_torch_file_get_n_tensors (LsTorchFile *self)
{
  return self->n_tensors;
}

const LsTensorView *
ls_torch_file_get_tensor (LsTorchFile *self, guint index)
{
  g_return_val_if_fail (index < self->n_tensors, NULL);
  return &self->tensors[index];
}

const LsTensorView *
ls_torch_file_lookup (LsTorchFile *self, const char *name)
{
  return g_hash_table_lookup (self->by_name, name);
}
