/* torch-unpickler.c: a restricted unpickler for torch.save's data.pkl.
 *
 * A small stack machine that knows the opcodes torch.save emits.  Calling a
 * global means interpreting it (torch-unpickler-globals.c, a fixed
 * allowlist); anything else is refused with LS_ERROR_UNSAFE before any
 * effect.  Values live in an arena freed at the end, so shared or cyclic
 * references (memo, BINGET) need no refcounting.  Tensor views point into
 * the archive's bytes (STORED data is the raw tensor).
 */
#include "torch-unpickler.h"
#include "torch-unpickler-private.h"

#include <math.h>
#include <string.h>

gboolean
ls_pickle_fail (GError **error, Unpickler *u, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_ERROR, code, "%s: data.pkl: %s", u->origin, msg);
  return FALSE;
}

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

Value *
ls_pickle_value_new (Unpickler *u, Kind kind)
{
  Value *v = g_new0 (Value, 1);
  v->kind = kind;
  if (kind == V_TUPLE || kind == V_LIST || kind == V_DICT)
    v->u.items = g_ptr_array_new ();
  g_ptr_array_add (u->arena, v);
  return v;
}

const char *
ls_pickle_kind_name (Kind k)
{
  static const char *names[] = { "None", "bool", "int", "float", "str", "tuple",
                                 "list", "dict", "global", "storage", "tensor" };
  return names[k];
}

gboolean
ls_pickle_push (Unpickler *u, Value *v, GError **error)
{
  if (u->stack->len >= PICKLE_MAX_STACK)
    return pfail (error, u, "pickle stack exceeds %u entries", PICKLE_MAX_STACK);
  g_ptr_array_add (u->stack, v);
  return TRUE;
}

Value *
ls_pickle_pop (Unpickler *u, GError **error)
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
  return ls_pickle_push (u, u->memo->pdata[index], error);
}

static gboolean
push_string (Unpickler *u, gsize len, GError **error)
{
  if (!need (u, len, error))
    return FALSE;
  if (memchr (u->p, '\0', len) != NULL || !g_utf8_validate ((const char *) u->p, len, NULL))
    return pfail (error, u, "pickle string is not valid UTF-8 text");
  Value *v = ls_pickle_value_new (u, V_STR);
  v->u.s = g_strndup ((const char *) u->p, len);
  u->p += len;
  return ls_pickle_push (u, v, error);
}

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
set_items (Unpickler *u, guint start, GError **error)
{
  guint n = u->stack->len - start;
  if (n % 2 != 0)
    return pfail (error, u, "SETITEMS with an odd number of items");
  if (start == 0)
    return pfail (error, u, "SETITEMS without a dict");
  Value *dict = u->stack->pdata[start - 1];
  if (dict->kind != V_DICT)
    return pfail (error, u, "SETITEMS on a %s", ls_pickle_kind_name (dict->kind));
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
    return pfail (error, u, "APPENDS on a %s", ls_pickle_kind_name (list->kind));
  for (guint i = start; i < u->stack->len; i++)
    g_ptr_array_add (list->u.items, u->stack->pdata[i]);
  g_ptr_array_set_size (u->stack, start);
  return TRUE;
}

static gboolean
make_tuple (Unpickler *u, guint start, GError **error)
{
  Value *t = ls_pickle_value_new (u, V_TUPLE);
  for (guint i = start; i < u->stack->len; i++)
    g_ptr_array_add (t->u.items, u->stack->pdata[i]);
  g_ptr_array_set_size (u->stack, start);
  return ls_pickle_push (u, t, error);
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
          *result = ls_pickle_pop (u, error);
          return *result != NULL;
        case '}': /* EMPTY_DICT */
          if (!ls_pickle_push (u, ls_pickle_value_new (u, V_DICT), error))
            return FALSE;
          break;
        case ']': /* EMPTY_LIST */
          if (!ls_pickle_push (u, ls_pickle_value_new (u, V_LIST), error))
            return FALSE;
          break;
        case ')': /* EMPTY_TUPLE */
          if (!ls_pickle_push (u, ls_pickle_value_new (u, V_TUPLE), error))
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
            guint32 len = ls_read_le32 (u->p);
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
            guint64 len = ls_read_le64 (u->p);
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
            Value *v = ls_pickle_value_new (u, V_INT);
            v->u.i = op == 'J' ? (gint64) (gint32) ls_read_le32 (u->p) : op == 'K' ? u->p[0] : ls_read_le16 (u->p);
            u->p += n;
            if (!ls_pickle_push (u, v, error))
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
            Value *v = ls_pickle_value_new (u, V_INT);
            memcpy (&v->u.i, &x, sizeof x);
            if (!ls_pickle_push (u, v, error))
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
            Value *v = ls_pickle_value_new (u, V_FLOAT);
            memcpy (&v->u.f, &x, sizeof x);
            if (!ls_pickle_push (u, v, error))
              return FALSE;
          }
          break;
        case 0x88: /* NEWTRUE */
        case 0x89: /* NEWFALSE */
          {
            Value *v = ls_pickle_value_new (u, V_BOOL);
            v->u.i = op == 0x88;
            if (!ls_pickle_push (u, v, error))
              return FALSE;
          }
          break;
        case 'N': /* NONE */
          if (!ls_pickle_push (u, ls_pickle_value_new (u, V_NONE), error))
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
          if (!need (u, 4, error) || !memo_put (u, ls_read_le32 (u->p), error))
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
          if (!need (u, 4, error) || !memo_get (u, ls_read_le32 (u->p), error))
            return FALSE;
          u->p += 4;
          break;
        case 'c': /* GLOBAL */
          {
            g_autofree char *module = NULL, *name = NULL;
            if (!read_line (u, &module, error) || !read_line (u, &name, error) ||
                !ls_pickle_push_global (u, module, name, error))
              return FALSE;
          }
          break;
        case 0x93: /* STACK_GLOBAL */
          {
            Value *name = ls_pickle_pop (u, error);
            Value *module = name != NULL ? ls_pickle_pop (u, error) : NULL;
            if (module == NULL)
              return FALSE;
            if (module->kind != V_STR || name->kind != V_STR)
              return pfail (error, u, "STACK_GLOBAL needs two strings");
            if (!ls_pickle_push_global (u, module->u.s, name->u.s, error))
              return FALSE;
          }
          break;
        case 'R': /* REDUCE */
          if (!ls_pickle_reduce (u, error))
            return FALSE;
          break;
        case 'b': /* BUILD: state for an OrderedDict (its _metadata) is dropped */
          {
            Value *state = ls_pickle_pop (u, error);
            Value *obj = state != NULL ? top (u, error) : NULL;
            if (obj == NULL)
              return FALSE;
            if (obj->kind != V_DICT && obj->kind != V_TENSOR)
              return pfail (error, u, "BUILD on a %s", ls_pickle_kind_name (obj->kind));
          }
          break;
        case 'Q': /* BINPERSID */
          if (!ls_pickle_persistent_load (u, error))
            return FALSE;
          break;
        case '0': /* POP */
          if (ls_pickle_pop (u, error) == NULL)
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
            if (v == NULL || !ls_pickle_push (u, v, error))
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

LsTensorView *
ls_torch_unpickle (const LsZipEntry *pkl, GHashTable *entries, const char *top,
                   const char *origin, GStringChunk *names, guint *n_tensors, GError **error)
{
  Unpickler u = {
    .origin = origin,
    .entries = entries,
    .top = top,
    .p = pkl->data,
    .end = pkl->data + pkl->size,
    .arena = g_ptr_array_new_with_free_func (value_free),
    .stack = g_ptr_array_new (),
    .marks = g_array_new (FALSE, FALSE, sizeof (guint)),
    .memo = g_ptr_array_new (),
  };
  Value *result = NULL;
  g_autofree LsTensorView *tensors = NULL;
  guint n_out = 0;
  gboolean ok = run (&u, &result, error);

  if (ok && result->kind != V_DICT)
    ok = pfail (error, &u, "pickle holds a %s, not a state dict", ls_pickle_kind_name (result->kind));
  if (ok)
    {
      GPtrArray *items = result->u.items;
      guint n = items->len / 2;
      tensors = g_new0 (LsTensorView, MAX (n, 1));
      for (guint i = 0; ok && i < n; i++)
        {
          Value *key = items->pdata[2 * i];
          Value *val = items->pdata[2 * i + 1];
          if (key->kind != V_STR)
            {
              ok = pfail (error, &u, "state dict key %u is a %s, not a string", i,
                          ls_pickle_kind_name (key->kind));
              break;
            }
          if (val->kind != V_TENSOR)
            {
              ok = pfail (error, &u, "state dict entry '%s' is a %s, not a tensor",
                          key->u.s, ls_pickle_kind_name (val->kind));
              break;
            }
          LsTensorView *v = &tensors[n_out++];
          v->name = g_string_chunk_insert (names, key->u.s);
          v->dtype = val->u.tensor.dtype;
          v->ndim = val->u.tensor.ndim;
          memcpy (v->shape, val->u.tensor.shape, sizeof v->shape);
          v->data = val->u.tensor.data;
          v->nbytes = val->u.tensor.nbytes;
        }
    }

  g_ptr_array_unref (u.memo);
  g_array_unref (u.marks);
  g_ptr_array_unref (u.stack);
  g_ptr_array_unref (u.arena);
  if (!ok)
    return NULL;
  *n_tensors = n_out;
  return g_steal_pointer (&tensors);
}
