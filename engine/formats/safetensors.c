/* safetensors.c: a strict reader (mmap) and an atomic writer.
 *
 * The header is untrusted input: every offset, size and shape is checked
 * before a view is handed out, following the rules of the reference
 * implementation (huggingface/safetensors tensor.rs): header <= 100 MB,
 * offsets inside the data section, sizes equal to numel * dtype size,
 * tensors neither overlapping nor leaving holes, no duplicate names.
 */
#include "safetensors.h"
#include "safetensors-private.h"
#include "json-load.h"
#include "ls-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LS_SAFETENSORS_MAX_HEADER 100000000

struct _LsSafetensors {
  char          *origin;    /* path, or "(memory)", for messages */
  GMappedFile   *mapped;    /* NULL when built from bytes */
  GBytes        *bytes;     /* holds the data alive */
  const guint8  *data;      /* start of the data section */
  gsize          data_size;
  LsTensorView  *tensors;   /* sorted by data offset */
  guint          n_tensors;
  GStringChunk  *names;
  GHashTable    *by_name;   /* name → LsTensorView* */
  GHashTable    *metadata;  /* string → string */
};

/* ---- dtypes -------------------------------------------------------------- */

typedef struct {
  const char *name;
  LsDtype     dtype;
  guint       bits;
} DtypeInfo;

/* Every dtype name of safetensors' Dtype enum. */
static const DtypeInfo dtype_table[] = {
  { "F32", LS_DTYPE_F32, 32 },
  { "F16", LS_DTYPE_F16, 16 },
  { "BF16", LS_DTYPE_BF16, 16 },
  { "F64", LS_DTYPE_F64, 64 },
  { "I64", LS_DTYPE_I64, 64 },
  { "I32", LS_DTYPE_I32, 32 },
  { "I16", LS_DTYPE_I16, 16 },
  { "I8", LS_DTYPE_I8, 8 },
  { "U8", LS_DTYPE_U8, 8 },
  { "BOOL", LS_DTYPE_BOOL, 8 },
  { "F4", LS_DTYPE_OTHER, 4 },
  { "F6_E2M3", LS_DTYPE_OTHER, 6 },
  { "F6_E3M2", LS_DTYPE_OTHER, 6 },
  { "F8_E5M2", LS_DTYPE_OTHER, 8 },
  { "F8_E4M3", LS_DTYPE_OTHER, 8 },
  { "F8_E8M0", LS_DTYPE_OTHER, 8 },
  { "U16", LS_DTYPE_OTHER, 16 },
  { "U32", LS_DTYPE_OTHER, 32 },
  { "U64", LS_DTYPE_OTHER, 64 },
  { "C64", LS_DTYPE_OTHER, 64 },
};

static const DtypeInfo *
dtype_lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (dtype_table); i++)
    if (strcmp (dtype_table[i].name, name) == 0)
      return &dtype_table[i];
  return NULL;
}

gsize
ls_tensor_view_numel (const LsTensorView *view)
{
  gsize n = 1;
  for (int i = 0; i < view->ndim; i++)
    n *= (gsize) view->shape[i];
  return n;
}

/* ---- reader -------------------------------------------------------------- */

void
ls_safetensors_free (LsSafetensors *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->names, g_string_chunk_free);
  g_free (self->tensors);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->mapped, g_mapped_file_unref);
  g_free (self->origin);
  g_free (self);
}

static gboolean
fail (GError **error, LsSafetensors *self, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, LsSafetensors *self, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: %s", self->origin, msg);
  return FALSE;
}

/* json-glib keeps the last of duplicate members silently; the format forbids
 * duplicates, so watch every member as it is parsed. */
typedef struct {
  GHashTable *seen;    /* "objptr\nname" */
  char       *duplicate;
} DupCheck;

static void
on_object_member (JsonParser *parser, JsonObject *object, const char *name,
                  gpointer user_data)
{
  DupCheck *check = user_data;
  char *key = g_strdup_printf ("%p\n%s", (void *) object, name);
  if (!g_hash_table_add (check->seen, key) && check->duplicate == NULL)
    check->duplicate = g_strdup (name);
}

static gboolean
read_u64 (JsonNode *node, guint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  gint64 v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
parse_entry (LsSafetensors *self, const char *name, JsonNode *node,
             LsTensorView *view, guint64 *begin, guint64 *end, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, self, "header entry '%s' is not an object", name);
  JsonObject *obj = json_node_get_object (node);

  JsonNode *dtype_node = json_object_get_member (obj, "dtype");
  if (dtype_node == NULL || !JSON_NODE_HOLDS_VALUE (dtype_node) ||
      json_node_get_value_type (dtype_node) != G_TYPE_STRING)
    return fail (error, self, "tensor '%s' has no string 'dtype'", name);
  const char *dtype_name = json_node_get_string (dtype_node);
  const DtypeInfo *info = dtype_lookup (dtype_name);
  if (info == NULL)
    return fail (error, self, "tensor '%s' has unknown dtype '%s'", name, dtype_name);

  JsonNode *shape_node = json_object_get_member (obj, "shape");
  if (shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node))
    return fail (error, self, "tensor '%s' has no 'shape' array", name);
  JsonArray *shape = json_node_get_array (shape_node);
  guint ndim = json_array_get_length (shape);
  if (ndim > LS_MAX_DIMS)
    return fail (error, self, "tensor '%s' has %u dimensions (at most %d supported)",
                 name, ndim, LS_MAX_DIMS);

  guint64 numel = 1;
  for (guint i = 0; i < ndim; i++)
    {
      guint64 d;
      if (!read_u64 (json_array_get_element (shape, i), &d) || d > G_MAXINT64)
        return fail (error, self, "tensor '%s' has an invalid shape entry at "
                     "dimension %u (must be a non-negative integer)", name, i);
      if (!g_uint64_checked_mul (&numel, numel, d))
        return fail (error, self, "tensor '%s' shape overflows (element count "
                     "does not fit in 64 bits)", name);
      view->shape[i] = (int64_t) d;
    }
  view->ndim = (int) ndim;

  guint64 nbits;
  if (!g_uint64_checked_mul (&nbits, numel, info->bits))
    return fail (error, self, "tensor '%s' shape overflows (byte size does not "
                 "fit in 64 bits)", name);
  if (nbits % 8 != 0)
    return fail (error, self, "tensor '%s' of dtype %s does not fill whole bytes",
                 name, dtype_name);

  JsonNode *offsets_node = json_object_get_member (obj, "data_offsets");
  if (offsets_node == NULL || !JSON_NODE_HOLDS_ARRAY (offsets_node) ||
      json_array_get_length (json_node_get_array (offsets_node)) != 2)
    return fail (error, self, "tensor '%s' has no 'data_offsets' [begin, end]", name);
  JsonArray *offsets = json_node_get_array (offsets_node);
  if (!read_u64 (json_array_get_element (offsets, 0), begin) ||
      !read_u64 (json_array_get_element (offsets, 1), end))
    return fail (error, self, "tensor '%s' has invalid 'data_offsets' (must be "
                 "non-negative integers)", name);
  if (*begin > *end)
    return fail (error, self, "tensor '%s' has data_offsets [%" G_GUINT64_FORMAT
                 ", %" G_GUINT64_FORMAT "] with begin after end", name, *begin, *end);
  if (*end > self->data_size)
    return fail (error, self, "tensor '%s' has data_offsets [%" G_GUINT64_FORMAT
                 ", %" G_GUINT64_FORMAT "] outside the data section (%" G_GSIZE_FORMAT
                 " bytes)", name, *begin, *end, self->data_size);
  if (*end - *begin != nbits / 8)
    return fail (error, self, "tensor '%s' spans %" G_GUINT64_FORMAT " bytes but "
                 "its dtype %s and shape need %" G_GUINT64_FORMAT, name,
                 *end - *begin, dtype_name, nbits / 8);

  view->name = g_string_chunk_insert (self->names, name);
  view->dtype = info->dtype;
  view->nbytes = (gsize) (*end - *begin);
  view->data = view->nbytes > 0 ? self->data + *begin : NULL;
  return TRUE;
}

typedef struct {
  guint64 begin, end;
  guint   index;
} Span;

static int
compare_spans (gconstpointer a, gconstpointer b)
{
  const Span *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static gboolean
parse_metadata (LsSafetensors *self, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, self, "'__metadata__' is not an object");
  JsonObject *obj = json_node_get_object (node);
  GList *members = json_object_get_members (obj);
  gboolean ok = TRUE;
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *v = json_object_get_member (obj, l->data);
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        {
          ok = fail (error, self, "'__metadata__' value of '%s' is not a string",
                     (const char *) l->data);
          break;
        }
      g_hash_table_insert (self->metadata, g_strdup (l->data),
                           g_strdup (json_node_get_string (v)));
    }
  g_list_free (members);
  return ok;
}

static gboolean
parse_file (LsSafetensors *self, GError **error)
{
  gsize size = 0;
  const guint8 *base = g_bytes_get_data (self->bytes, &size);

  if (size < 8)
    return fail (error, self, "file is %" G_GSIZE_FORMAT " bytes, too short for "
                 "a safetensors header", size);
  guint64 n = 0;
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | base[i];
  if (n > LS_SAFETENSORS_MAX_HEADER)
    return fail (error, self, "header length %" G_GUINT64_FORMAT " exceeds the "
                 "limit of %d bytes", n, LS_SAFETENSORS_MAX_HEADER);
  if (n > size - 8)
    return fail (error, self, "header length %" G_GUINT64_FORMAT " is larger than "
                 "the file (%" G_GSIZE_FORMAT " bytes)", n, size);
  if (n == 0)
    return fail (error, self, "header is empty");

  const char *header = (const char *) base + 8;
  self->data = base + 8 + n;
  self->data_size = size - 8 - n;

  if (memchr (header, '\0', n) != NULL || !g_utf8_validate (header, n, NULL))
    return fail (error, self, "header is not valid UTF-8 JSON");

  g_autoptr(JsonParser) parser = json_parser_new ();
  DupCheck check = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), NULL };
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &check);
  g_autoptr(GError) local = NULL;
  JsonObject *obj = ls_json_parse_object (parser, header, n, "header", &local);
  g_hash_table_unref (check.seen);
  g_autofree char *duplicate = check.duplicate;
  if (obj == NULL)
    return fail (error, self, "%s", local->message);
  if (duplicate != NULL)
    return fail (error, self, "header has the key '%s' twice", duplicate);

  GList *members = json_object_get_members (obj);
  guint n_members = g_list_length (members);
  self->tensors = g_new0 (LsTensorView, MAX (n_members, 1));
  g_autofree Span *spans = g_new0 (Span, MAX (n_members, 1));
  gboolean ok = TRUE;
  guint count = 0;

  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);
      if (strcmp (name, "__metadata__") == 0)
        {
          ok = parse_metadata (self, node, error);
          continue;
        }
      ok = parse_entry (self, name, node, &self->tensors[count],
                        &spans[count].begin, &spans[count].end, error);
      spans[count].index = count;
      count++;
    }
  g_list_free (members);
  if (!ok)
    return FALSE;

  /* Order by data offset, then require the spans to tile the data section
   * exactly: no overlap, no hole, nothing left over. */
  qsort (spans, count, sizeof (Span), compare_spans);
  guint64 expected = 0;
  for (guint i = 0; i < count; i++)
    {
      const char *name = self->tensors[spans[i].index].name;
      if (spans[i].begin < expected)
        return fail (error, self, "tensor '%s' (bytes %" G_GUINT64_FORMAT "..%"
                     G_GUINT64_FORMAT ") overlaps the tensor before it",
                     name, spans[i].begin, spans[i].end);
      if (spans[i].begin > expected)
        return fail (error, self, "hole in the data section before tensor '%s' "
                     "(bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT " unused)",
                     name, expected, spans[i].begin);
      expected = spans[i].end;
    }
  if (expected != self->data_size)
    return fail (error, self, "the data section has %" G_GSIZE_FORMAT " bytes but "
                 "the tensors cover %" G_GUINT64_FORMAT, self->data_size, expected);

  /* Keep the views in file order: predictable iteration. */
  LsTensorView *sorted = g_new0 (LsTensorView, MAX (count, 1));
  for (guint i = 0; i < count; i++)
    sorted[i] = self->tensors[spans[i].index];
  g_free (self->tensors);
  self->tensors = sorted;
  self->n_tensors = count;
  for (guint i = 0; i < count; i++)
    g_hash_table_insert (self->by_name, (gpointer) sorted[i].name, &sorted[i]);
  return TRUE;
}

static LsSafetensors *
safetensors_new (const char *origin)
{
  LsSafetensors *self = g_new0 (LsSafetensors, 1);
  self->origin = g_strdup (origin);
  self->names = g_string_chunk_new (4096);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

LsSafetensors *
ls_safetensors_open (const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  LsSafetensors *self;

  g_return_val_if_fail (path != NULL, NULL);
  self = safetensors_new (path);
  self->mapped = g_mapped_file_new (path, FALSE, &local);
  if (self->mapped == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "cannot open %s: %s", path, local->message);
      ls_safetensors_free (self);
      return NULL;
    }
  self->bytes = g_mapped_file_get_bytes (self->mapped);
  if (!parse_file (self, error))
    {
      ls_safetensors_free (self);
      return NULL;
    }
  return self;
}

LsSafetensors *
ls_safetensors_new_from_bytes (GBytes *bytes, GError **error)
{
  LsSafetensors *self;

  g_return_val_if_fail (bytes != NULL, NULL);
  self = safetensors_new ("(memory)");
  self->bytes = g_bytes_ref (bytes);
  if (!parse_file (self, error))
    {
      ls_safetensors_free (self);
      return NULL;
    }
  return self;
}

guint
ls_safetensors_get_n_tensors (LsSafetensors *self)
{
  return self->n_tensors;
}

const LsTensorView *
ls_safetensors_get_tensor (LsSafetensors *self, guint index)
{
  g_return_val_if_fail (index < self->n_tensors, NULL);
  return &self->tensors[index];
}

const LsTensorView *
ls_safetensors_lookup (LsSafetensors *self, const char *name)
{
  return g_hash_table_lookup (self->by_name, name);
}

const char *
ls_safetensors_get_metadata (LsSafetensors *self, const char *key)
{
  return g_hash_table_lookup (self->metadata, key);
}

/* ---- writer -------------------------------------------------------------- */

static void
append_json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static gboolean
write_all (int fd, const void *data, gsize size)
{
  const guint8 *p = data;
  while (size > 0)
    {
      ssize_t w = write (fd, p, MIN (size, (gsize) 1 << 30));
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      p += w;
      size -= (gsize) w;
    }
  return TRUE;
}

gboolean
ls_safetensors_write (const char         *path,
                      const LsTensorView *tensors,
                      guint               n_tensors,
                      GError            **error)
{
  g_autoptr(GString) header = g_string_new ("{");
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 offset = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (tensors != NULL || n_tensors == 0, FALSE);

  for (guint i = 0; i < n_tensors; i++)
    {
      const LsTensorView *t = &tensors[i];
      if (t->name == NULL || !g_utf8_validate (t->name, -1, NULL) ||
          strcmp (t->name, "__metadata__") == 0 ||
          !g_hash_table_add (names, (gpointer) t->name))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "cannot write %s: tensor %u has a missing, invalid or "
                       "duplicate name", path, i);
          return FALSE;
        }
      if (t->dtype == LS_DTYPE_OTHER || ls_dtype_size (t->dtype) == 0 ||
          t->ndim < 0 || t->ndim > LS_MAX_DIMS)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "cannot write %s: tensor '%s' has an unsupported dtype "
                       "or rank", path, t->name);
          return FALSE;
        }
      guint64 numel = 1;
      for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] < 0 || !g_uint64_checked_mul (&numel, numel, (guint64) t->shape[d]))
          numel = G_MAXUINT64;
      if (numel == G_MAXUINT64 || numel * ls_dtype_size (t->dtype) != t->nbytes ||
          (t->nbytes > 0 && t->data == NULL))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "cannot write %s: tensor '%s' has %" G_GSIZE_FORMAT
                       " bytes, which does not match its dtype and shape",
                       path, t->name, t->nbytes);
          return FALSE;
        }

      if (i > 0)
        g_string_append_c (header, ',');
      append_json_string (header, t->name);
      g_string_append_printf (header, ":{\"dtype\":\"%s\",\"shape\":[",
                              ls_dtype_to_string (t->dtype));
      for (int d = 0; d < t->ndim; d++)
        g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d > 0 ? "," : "",
                                (gint64) t->shape[d]);
      g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT
                              ",%" G_GUINT64_FORMAT "]}", offset, offset + t->nbytes);
      offset += t->nbytes;
    }
  g_string_append_c (header, '}');
  /* Pad with spaces so the data section starts 8-byte aligned. */
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');

  guint8 prefix[8];
  guint64 n = header->len;
  for (int i = 0; i < 8; i++)
    prefix[i] = (guint8) (n >> (8 * i));

  /* Temp file in the same folder, then rename: readers never see half a file. */
  g_autofree char *tmp_path = g_strdup_printf ("%s.XXXXXX", path);
  int fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "cannot write %s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  gboolean ok = write_all (fd, prefix, 8) && write_all (fd, header->str, header->len);
  for (guint i = 0; ok && i < n_tensors; i++)
    if (tensors[i].nbytes > 0)
      ok = write_all (fd, tensors[i].data, tensors[i].nbytes);
  int saved = errno;
  if (ok && fsync (fd) != 0)
    {
      saved = errno;
      ok = FALSE;
    }
  if (close (fd) != 0 && ok)
    {
      saved = errno;
      ok = FALSE;
    }
  if (ok && g_rename (tmp_path, path) != 0)
    {
      saved = errno;
      ok = FALSE;
    }
  if (!ok)
    {
      g_unlink (tmp_path);
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "cannot write %s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
