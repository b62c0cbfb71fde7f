/* torch-pickle.c: pytorch_model.bin (torch.save's zip format) read without
 * executing anything: the zip container (zip-reader.c), then data.pkl run by
 * a restricted unpickler (torch-unpickler.c) into tensor views that point
 * into the mapped file.
 */
#include "torch-pickle.h"
#include "torch-unpickler.h"
#include "zip-reader.h"
#include "ls-error.h"

#include <string.h>

struct _LsTorchFile {
  char         *origin;
  GMappedFile  *mapped;
  GBytes       *bytes;
  const guint8 *base;
  gsize         size;
  GHashTable   *entries;  /* name → LsZipEntry* (owned) */
  GStringChunk *names;
  LsTensorView *tensors;
  guint         n_tensors;
  GHashTable   *by_name;  /* name → LsTensorView* */
};

static gboolean
fail (GError **error, LsTorchFile *self, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, LsTorchFile *self, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: %s", self->origin, msg);
  return FALSE;
}

static gboolean
parse_file (LsTorchFile *self, GError **error)
{
  self->entries = ls_zip_read_entries (self->base, self->size, self->origin, error);
  if (self->entries == NULL)
    return FALSE;

  /* One folder holds data.pkl; its name is whatever the file was saved as. */
  const char *pkl_name = NULL;
  LsZipEntry *pkl = NULL;
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
  self->tensors = ls_torch_unpickle (pkl, self->entries, top_name, self->origin, self->names,
                                     &self->n_tensors, error);
  if (self->tensors == NULL)
    return FALSE;
  for (guint i = 0; i < self->n_tensors; i++)
    {
      LsTensorView *v = &self->tensors[i];
      if (!g_hash_table_insert (self->by_name, (gpointer) v->name, v))
        return fail (error, self, "data.pkl: state dict has the key '%s' twice", v->name);
    }
  return TRUE;
}

static LsTorchFile *
torch_file_new (const char *origin)
{
  LsTorchFile *self = g_new0 (LsTorchFile, 1);
  self->origin = g_strdup (origin);
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
