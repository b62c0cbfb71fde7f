/* torch-unpickler-globals.c: the globals a pickle may name, and what
 * calling them means.  This allowlist is the unpickler's whole safety
 * policy: OrderedDict becomes a dict, the storage types and
 * _rebuild_tensor_v2 become views into the archive, _rebuild_parameter its
 * tensor.  Any other global is refused before it has any effect.
 */
#include "torch-unpickler-private.h"

#include <string.h>

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

gboolean
ls_pickle_push_global (Unpickler *u, const char *module, const char *name, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (allowed_globals); i++)
    if (strcmp (module, allowed_globals[i].module) == 0 &&
        strcmp (name, allowed_globals[i].name) == 0)
      {
        Value *v = ls_pickle_value_new (u, V_GLOBAL);
        v->u.global.kind = allowed_globals[i].kind;
        v->u.global.dtype = allowed_globals[i].dtype;
        return ls_pickle_push (u, v, error);
      }
  return ls_pickle_fail (error, u, LS_ERROR_UNSAFE,
                         "pickle asks for global '%s.%s', which is not allowed "
                         "(only the globals torch uses to describe tensors are)",
                         module, name);
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
gboolean
ls_pickle_persistent_load (Unpickler *u, GError **error)
{
  Value *pid = ls_pickle_pop (u, error);
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
  LsZipEntry *z = g_hash_table_lookup (u->entries, entry);
  if (z == NULL)
    return pfail (error, u, "storage '%s' refers to the missing entry '%s'", f[2]->u.s, entry);
  LsDtype dtype = f[1]->u.global.dtype;
  guint64 nbytes;
  if (!g_uint64_checked_mul (&nbytes, (guint64) f[4]->u.i, ls_dtype_size (dtype)) ||
      nbytes > z->size)
    return pfail (error, u, "storage '%s' claims %" G_GINT64_FORMAT " elements of %s "
                  "but its entry holds %" G_GSIZE_FORMAT " bytes", f[2]->u.s,
                  f[4]->u.i, ls_dtype_to_string (dtype), z->size);

  Value *s = ls_pickle_value_new (u, V_STORAGE);
  s->u.storage.dtype = dtype;
  s->u.storage.data = z->data;
  s->u.storage.nbytes = (gsize) nbytes;
  return ls_pickle_push (u, s, error);
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
                  ls_pickle_kind_name (a[0]->kind));
  if (a[1]->kind != V_INT || a[1]->u.i < 0)
    return pfail (error, u, "_rebuild_tensor_v2: invalid storage offset");

  Value *t = ls_pickle_value_new (u, V_TENSOR);
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
  return ls_pickle_push (u, t, error);
}

gboolean
ls_pickle_reduce (Unpickler *u, GError **error)
{
  Value *args = ls_pickle_pop (u, error);
  Value *callable = args != NULL ? ls_pickle_pop (u, error) : NULL;
  if (callable == NULL)
    return FALSE;
  if (callable->kind != V_GLOBAL)
    return pfail (error, u, "REDUCE on a %s, which is not callable", ls_pickle_kind_name (callable->kind));
  if (args->kind != V_TUPLE)
    return pfail (error, u, "REDUCE arguments are a %s, not a tuple", ls_pickle_kind_name (args->kind));

  switch (callable->u.global.kind)
    {
    case G_ORDERED_DICT:
      if (args->u.items->len != 0)
        return pfail (error, u, "OrderedDict called with arguments");
      return ls_pickle_push (u, ls_pickle_value_new (u, V_DICT), error);
    case G_REBUILD_TENSOR_V2:
      return rebuild_tensor (u, args, error);
    case G_REBUILD_PARAMETER:
      if (args->u.items->len < 1 || ((Value *) args->u.items->pdata[0])->kind != V_TENSOR)
        return pfail (error, u, "_rebuild_parameter expects a tensor");
      return ls_pickle_push (u, args->u.items->pdata[0], error);
    case G_STORAGE:
    default:
      return pfail (error, u, "storage types cannot be called");
    }
}
