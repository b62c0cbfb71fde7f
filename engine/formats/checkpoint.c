/* checkpoint.c: the weights of a HuggingFace model folder, whatever the
 * file layout, handed out as float32.
 *
 * Lookup order: model.safetensors, model.safetensors.index.json (shards),
 * pytorch_model.bin.  F32 data that is 4-byte aligned in the mapping is used
 * in place; everything else is widened once into a buffer owned here.
 * Not thread-safe: load a model from one thread.
 */
#include "checkpoint.h"
#include "json-load.h"
#include "ls-error.h"
#include "ops.h"
#include "torch-pickle.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  const LsTensorView *view;
  float              *widened; /* owned; NULL until needed */
  gboolean            used;
} Entry;

struct _LsCheckpoint {
  char        *dir;
  char        *source;   /* the file named in messages */
  char        *format;
  GPtrArray   *shards;   /* LsSafetensors* */
  LsTorchFile *torch;
  GArray      *entries;  /* Entry, in file order */
  GHashTable  *by_name;  /* name → index + 1 into entries */
};

void
ls_checkpoint_free (LsCheckpoint *self)
{
  if (self == NULL)
    return;
  if (self->entries != NULL)
    for (guint i = 0; i < self->entries->len; i++)
      g_free (g_array_index (self->entries, Entry, i).widened);
  g_clear_pointer (&self->entries, g_array_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->shards, g_ptr_array_unref);
  g_clear_pointer (&self->torch, ls_torch_file_free);
  g_free (self->dir);
  g_free (self->source);
  g_free (self->format);
  g_free (self);
}

static gboolean
add_view (LsCheckpoint *self, const LsTensorView *view, const char *file,
          GError **error)
{
  if (g_hash_table_contains (self->by_name, view->name))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "tensor '%s' appears twice in %s (second time in %s)",
                   view->name, self->source, file);
      return FALSE;
    }
  Entry e = { view, NULL, FALSE };
  g_array_append_val (self->entries, e);
  g_hash_table_insert (self->by_name, (gpointer) view->name,
                       GUINT_TO_POINTER (self->entries->len));
  return TRUE;
}

static gboolean
add_safetensors (LsCheckpoint *self, const char *path, LsSafetensors **out,
                 GError **error)
{
  LsSafetensors *st = ls_safetensors_open (path, error);
  if (st == NULL)
    return FALSE;
  g_ptr_array_add (self->shards, st);
  for (guint i = 0; i < ls_safetensors_get_n_tensors (st); i++)
    if (!add_view (self, ls_safetensors_get_tensor (st, i), path, error))
      return FALSE;
  if (out != NULL)
    *out = st;
  return TRUE;
}

/* A shard must be a plain file name inside the model folder. */
static gboolean
shard_name_is_safe (const char *name)
{
  return name[0] != '\0' && strchr (name, '/') == NULL &&
         strchr (name, '\\') == NULL && strcmp (name, ".") != 0 &&
         strcmp (name, "..") != 0;
}

/* g_ptr_array_sort hands pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
open_sharded (LsCheckpoint *self, const char *index_path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = ls_json_load_object (parser, index_path, LS_JSON_MAX_FILE_SIZE, error);
  if (root == NULL)
    return FALSE;
  JsonNode *map_node = json_object_get_member (root, "weight_map");
  if (map_node == NULL || !JSON_NODE_HOLDS_OBJECT (map_node))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "%s: no 'weight_map' object", index_path);
      return FALSE;
    }
  JsonObject *map = json_node_get_object (map_node);

  /* name → shard, validated before any file is opened. */
  g_autoptr(GHashTable) shard_files = g_hash_table_new (g_str_hash, g_str_equal);
  GList *members = json_object_get_members (map);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *v = json_object_get_member (map, l->data);
      const char *file = JSON_NODE_HOLDS_VALUE (v) &&
                         json_node_get_value_type (v) == G_TYPE_STRING
                         ? json_node_get_string (v) : NULL;
      if (file == NULL || !shard_name_is_safe (file))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "%s: tensor '%s' maps to '%s', which is not a file name "
                       "in the model folder", index_path, (const char *) l->data,
                       file != NULL ? file : "(not a string)");
          g_list_free (members);
          return FALSE;
        }
      g_hash_table_add (shard_files, (gpointer) file);
    }

  /* Open each shard once, in name order so the tensor order is stable. */
  guint n_shards = 0;
  g_autofree gpointer *files = g_hash_table_get_keys_as_array (shard_files, &n_shards);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  for (guint i = 0; i < n_shards; i++)
    g_ptr_array_add (sorted, files[i]);
  g_ptr_array_sort (sorted, compare_names);

  g_autoptr(GHashTable) opened = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < sorted->len; i++)
    {
      const char *file = sorted->pdata[i];
      g_autofree char *path = g_build_filename (self->dir, file, NULL);
      LsSafetensors *st;
      if (!add_safetensors (self, path, &st, error))
        {
          g_list_free (members);
          return FALSE;
        }
      g_hash_table_insert (opened, (gpointer) file, st);
    }

  /* Every tensor the index names must be where it says. */
  gboolean ok = TRUE;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *name = l->data;
      const char *file = json_object_get_string_member (map, name);
      LsSafetensors *st = g_hash_table_lookup (opened, file);
      if (ls_safetensors_lookup (st, name) == NULL)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR,
                       "%s lists tensor '%s' in %s, which does not contain it",
                       index_path, name, file);
          ok = FALSE;
        }
    }
  g_list_free (members);
  if (!ok)
    return FALSE;
  self->format = g_strdup_printf ("safetensors (%u shard%s)", sorted->len,
                                  sorted->len == 1 ? "" : "s");
  return TRUE;
}

LsCheckpoint *
ls_checkpoint_open (const char *model_dir, GError **error)
{
  g_autoptr(LsCheckpoint) self = NULL;
  g_autofree char *single = NULL, *index = NULL, *bin = NULL;

  g_return_val_if_fail (model_dir != NULL, NULL);
  self = g_new0 (LsCheckpoint, 1);
  self->dir = g_strdup (model_dir);
  self->shards = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_safetensors_free);
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  single = g_build_filename (model_dir, "model.safetensors", NULL);
  index = g_build_filename (model_dir, "model.safetensors.index.json", NULL);
  bin = g_build_filename (model_dir, "pytorch_model.bin", NULL);

  if (g_file_test (single, G_FILE_TEST_EXISTS))
    {
      self->source = g_strdup (single);
      self->format = g_strdup ("safetensors");
      if (!add_safetensors (self, single, NULL, error))
        return NULL;
    }
  else if (g_file_test (index, G_FILE_TEST_EXISTS))
    {
      self->source = g_strdup (index);
      if (!open_sharded (self, index, error))
        return NULL;
    }
  else if (g_file_test (bin, G_FILE_TEST_EXISTS))
    {
      self->source = g_strdup (bin);
      self->format = g_strdup ("pytorch_model.bin");
      self->torch = ls_torch_file_open (bin, error);
      if (self->torch == NULL)
        return NULL;
      for (guint i = 0; i < ls_torch_file_get_n_tensors (self->torch); i++)
        if (!add_view (self, ls_torch_file_get_tensor (self->torch, i), bin, error))
          return NULL;
    }
  else
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO,
                   "no weights in %s: looked for model.safetensors, "
                   "model.safetensors.index.json and pytorch_model.bin",
                   model_dir);
      return NULL;
    }
  return g_steal_pointer (&self);
}

static Entry *
find_entry (LsCheckpoint *self, const char *name)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_name, name));
  return index > 0 ? &g_array_index (self->entries, Entry, index - 1) : NULL;
}

const LsTensorView *
ls_checkpoint_lookup (LsCheckpoint *self, const char *name)
{
  Entry *e = find_entry (self, name);
  return e != NULL ? e->view : NULL;
}

static char *
shape_to_string (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 0 ? ", " : "", (gint64) shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

const float *
ls_checkpoint_get_f32 (LsCheckpoint  *self,
                       const char    *name,
                       int            ndim,
                       const int64_t *shape,
                       GError       **error)
{
  g_return_val_if_fail (self != NULL && name != NULL, NULL);
  g_return_val_if_fail (ndim >= 0 && ndim <= LS_MAX_DIMS, NULL);

  Entry *e = find_entry (self, name);
  if (e == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR,
                   "tensor '%s' is missing from %s", name, self->source);
      return NULL;
    }
  const LsTensorView *v = e->view;
  if (v->dtype != LS_DTYPE_F32 && v->dtype != LS_DTYPE_F16 && v->dtype != LS_DTYPE_BF16)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "tensor '%s' in %s has dtype %s; only F32, F16 and BF16 "
                   "weights are supported", name, self->source,
                   ls_dtype_to_string (v->dtype));
      return NULL;
    }
  gboolean same = v->ndim == ndim;
  for (int i = 0; same && i < ndim; i++)
    same = v->shape[i] == shape[i];
  if (!same)
    {
      g_autofree char *have = shape_to_string (v->ndim, v->shape);
      g_autofree char *want = shape_to_string (ndim, shape);
      g_set_error (error, LS_ERROR, LS_ERROR_SHAPE,
                   "tensor '%s' in %s has shape %s but the config implies %s",
                   name, self->source, have, want);
      return NULL;
    }

  e->used = TRUE;
  if (v->dtype == LS_DTYPE_F32 && v->data != NULL &&
      (guintptr) v->data % G_ALIGNOF (float) == 0)
    return v->data;  /* in place, zero-copy */
  if (e->widened == NULL)
    {
      gsize n = ls_tensor_view_numel (v);
      e->widened = g_new (float, MAX (n, 1));
      if (n == 0)
        ; /* nothing to convert: a valid, empty buffer */
      else if (v->dtype == LS_DTYPE_F32)
        memcpy (e->widened, v->data, n * sizeof (float));
      else if (v->dtype == LS_DTYPE_F16)
        ls_f16_to_f32 (e->widened, v->data, n);
      else
        ls_bf16_to_f32 (e->widened, v->data, n);
    }
  return e->widened;
}

const void *
ls_checkpoint_get_weights (LsCheckpoint  *self,
                           const char    *name,
                           int            ndim,
                           const int64_t *shape,
                           LsDtype       *dtype,
                           GError       **error)
{
  g_return_val_if_fail (self != NULL && name != NULL && dtype != NULL, NULL);
  g_return_val_if_fail (ndim >= 0 && ndim <= LS_MAX_DIMS, NULL);

  Entry *e = find_entry (self, name);
  if (e != NULL && e->view->dtype == LS_DTYPE_F16 && e->view->data != NULL
      && e->view->ndim == ndim)
    {
      gboolean same = TRUE;
      for (int i = 0; same && i < ndim; i++)
        same = e->view->shape[i] == shape[i];
      if (same)
        {
          e->used = TRUE;
          *dtype = LS_DTYPE_F16;
          return e->view->data;
        }
    }
  /* Everything else, errors included, as float32. */
  *dtype = LS_DTYPE_F32;
  return ls_checkpoint_get_f32 (self, name, ndim, shape, error);
}

gboolean
ls_checkpoint_has_prefix (LsCheckpoint *self, const char *prefix)
{
  for (guint i = 0; i < self->entries->len; i++)
    if (g_str_has_prefix (g_array_index (self->entries, Entry, i).view->name, prefix))
      return TRUE;
  return FALSE;
}

gboolean
ls_checkpoint_check_all_used (LsCheckpoint       *self,
                              const char * const *ignore_suffixes,
                              GError            **error)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *e = &g_array_index (self->entries, Entry, i);
      if (e->used)
        continue;
      gboolean ignored = FALSE;
      for (gsize k = 0; ignore_suffixes != NULL && ignore_suffixes[k] != NULL && !ignored; k++)
        ignored = g_str_has_suffix (e->view->name, ignore_suffixes[k]);
      if (ignored)
        continue;
      g_set_error (error, LS_ERROR, LS_ERROR_UNEXPECTED_TENSOR,
                   "%s holds tensor '%s', which the model does not use "
                   "(is the config right for these weights?)",
                   self->source, e->view->name);
      return FALSE;
    }
  return TRUE;
}

guint
ls_checkpoint_get_n_tensors (LsCheckpoint *self)
{
  return self->entries->len;
}

const LsTensorView *
ls_checkpoint_get_tensor (LsCheckpoint *self, guint index)
{
  g_return_val_if_fail (index < self->entries->len, NULL);
  return g_array_index (self->entries, Entry, index).view;
}

const char *
ls_checkpoint_get_format (LsCheckpoint *self)
{
  return self->format;
}

LsDtype
ls_checkpoint_get_dtype (LsCheckpoint *self)
{
  guint64 bytes[LS_DTYPE_OTHER + 1] = { 0 };
  for (guint i = 0; i < self->entries->len; i++)
    {
      const LsTensorView *v = g_array_index (self->entries, Entry, i).view;
      bytes[MIN ((guint) v->dtype, (guint) LS_DTYPE_OTHER)] += v->nbytes;
    }
  LsDtype best = LS_DTYPE_F32;
  for (guint d = 0; d <= LS_DTYPE_OTHER; d++)
    if (bytes[d] > bytes[best])
      best = (LsDtype) d;
  return best;
}

gsize
ls_checkpoint_get_n_params (LsCheckpoint *self)
{
  gsize n = 0;
  for (guint i = 0; i < self->entries->len; i++)
    n += ls_tensor_view_numel (g_array_index (self->entries, Entry, i).view);
  return n;
}
