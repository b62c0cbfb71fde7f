/* dataset.c: photo file names and labelled folders (see dataset.h). */
#include "dataset.h"

#include <string.h>

#include "ls-error.h"

gboolean
ls_dataset_is_photo_name (const char *name)
{
  static const char *const extensions[] = {
    ".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif",
  };

  if (name == NULL)
    return FALSE;
  const char *slash = strrchr (name, G_DIR_SEPARATOR);
  const char *base = slash != NULL ? slash + 1 : name;
  if (base[0] == '.' || base[0] == '\0')
    return FALSE;
  g_autofree char *lower = g_ascii_strdown (base, -1);
  for (gsize i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return FALSE;
}

int
ls_dataset_compare_names (const char *a, const char *b)
{
  g_autofree char *ka = g_utf8_collate_key_for_filename (a, -1);
  g_autofree char *kb = g_utf8_collate_key_for_filename (b, -1);
  return strcmp (ka, kb);
}

static int
compare_name_ptrs (gconstpointer a, gconstpointer b)
{
  return ls_dataset_compare_names (*(char **) a, *(char **) b);
}

gboolean
ls_dataset_collect_photos (const char *folder, GPtrArray *paths, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, error);
  if (dir == NULL)
    return FALSE;

  /* Folders and photos sorted together, as a file manager lists them. */
  g_autoptr(GPtrArray) here = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (name[0] == '.')
        continue;
      g_autofree char *path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) || ls_dataset_is_photo_name (name))
        g_ptr_array_add (here, g_steal_pointer (&path));
    }
  g_ptr_array_sort (here, compare_name_ptrs);
  for (guint i = 0; i < here->len; i++)
    {
      const char *path = here->pdata[i];
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          /* A symlinked folder may loop back. */
          if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK)
              && !ls_dataset_collect_photos (path, paths, error))
            return FALSE;
        }
      else
        g_ptr_array_add (paths, g_strdup (path));
    }
  return TRUE;
}

/* ------------------------------------------------------------ labelled folders */

static void
photo_clear (LsDatasetPhoto *p)
{
  g_free (p->path);
}

static int
compare_photos (gconstpointer a, gconstpointer b)
{
  const LsDatasetPhoto *x = a, *y = b;
  return x->label != y->label ? x->label - y->label : strcmp (x->path, y->path);
}

/* Appends the photos of @sub with label -1 (set by the caller). */
static gboolean
list_folder (const char *sub, GArray *photos, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) files = g_dir_open (sub, 0, &local);
  if (files == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", sub, local->message);
      return FALSE;
    }
  const char *file;
  while ((file = g_dir_read_name (files)) != NULL)
    {
      if (!ls_dataset_is_photo_name (file))
        continue;
      g_autofree char *path = g_build_filename (sub, file, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      LsDatasetPhoto p = { g_steal_pointer (&path), -1 };
      g_array_append_val (photos, p);
    }
  return TRUE;
}

static int
find_label (const char * const *labels, const char *name)
{
  for (int i = 0; labels[i] != NULL; i++)
    if (strcmp (labels[i], name) == 0)
      return i;
  return -1;
}

LsDataset *
ls_dataset_scan (const char *dir, const char * const *labels, GCancellable *cancellable,
                 GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: no such dataset folder", dir);
      return NULL;
    }
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) top = g_dir_open (dir, 0, &local);
  if (top == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", dir, local->message);
      return NULL;
    }

  g_autoptr(GArray) photos = g_array_new (FALSE, TRUE, sizeof (LsDatasetPhoto));
  g_array_set_clear_func (photos, (GDestroyNotify) photo_clear);
  /* Without @labels: the folder names found, labelled in a second pass. */
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (top)) != NULL)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      g_autofree char *sub = g_build_filename (dir, name, NULL);
      if (name[0] == '.' || !g_file_test (sub, G_FILE_TEST_IS_DIR))
        continue;
      int label = -1;
      if (labels != NULL)
        {
          label = find_label (labels, name);
          if (label < 0)
            {
              g_autofree char *known = g_strjoinv (", ", (char **) labels);
              g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                           "%s: folder '%s' is not one of the model's labels (%s)",
                           dir, name, known);
              return NULL;
            }
        }
      guint first = photos->len;
      if (!list_folder (sub, photos, error))
        return NULL;
      if (labels == NULL && photos->len > first)
        {
          /* The index in @found for now; sorted into place below. */
          label = (int) found->len;
          g_ptr_array_add (found, g_strdup (name));
        }
      for (guint i = first; i < photos->len; i++)
        g_array_index (photos, LsDatasetPhoto, i).label = label;
    }

  if (photos->len == 0)
    {
      if (labels != NULL)
        {
          g_autofree char *known = g_strjoinv (", ", (char **) labels);
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "%s: no images in label folders (expected subfolders named %s)",
                       dir, known);
        }
      else
        g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                     "%s: no images in label folders (one subfolder per label)", dir);
      return NULL;
    }

  LsDataset *dataset = g_new0 (LsDataset, 1);
  dataset->dir = g_strdup (dir);
  if (labels != NULL)
    dataset->labels = g_strdupv ((char **) labels);
  else
    {
      /* Folder names in file-manager order; photos relabelled to match. */
      g_autoptr(GPtrArray) sorted = g_ptr_array_new ();   /* borrows @found's names */
      for (guint i = 0; i < found->len; i++)
        g_ptr_array_add (sorted, found->pdata[i]);
      g_ptr_array_sort (sorted, compare_name_ptrs);
      g_autofree int *rank = g_new (int, found->len);
      for (guint i = 0; i < sorted->len; i++)
        for (guint j = 0; j < found->len; j++)
          if (found->pdata[j] == sorted->pdata[i])
            rank[j] = (int) i;
      for (guint i = 0; i < photos->len; i++)
        {
          LsDatasetPhoto *p = &g_array_index (photos, LsDatasetPhoto, i);
          p->label = rank[p->label];
        }
      dataset->labels = g_new0 (char *, sorted->len + 1);
      for (guint i = 0; i < sorted->len; i++)
        dataset->labels[i] = g_strdup (sorted->pdata[i]);
    }
  dataset->n_labels = (int) g_strv_length (dataset->labels);
  g_array_sort (photos, compare_photos);
  dataset->n_photos = (int) photos->len;
  g_array_set_clear_func (photos, NULL);
  dataset->photos = (LsDatasetPhoto *) (void *) g_array_free (g_steal_pointer (&photos), FALSE);
  return dataset;
}

void
ls_dataset_free (LsDataset *dataset)
{
  if (dataset == NULL)
    return;
  for (int i = 0; i < dataset->n_photos; i++)
    photo_clear (&dataset->photos[i]);
  g_free (dataset->photos);
  g_strfreev (dataset->labels);
  g_free (dataset->dir);
  g_free (dataset);
}
