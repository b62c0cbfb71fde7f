/* leafscope-dataset-model.c: scanning a dataset folder (see the header). */
#include "config.h"

#include "leafscope-dataset-model.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "dataset.h"

struct _LeafscopeDatasetItem
{
  GObject     parent_instance;
  char       *path;
  char       *class_name;
  char       *split;
  char       *sort_key;
  guint       index;
  GdkTexture *thumbnail;
};

enum { ITEM_PROP_0, ITEM_PROP_THUMBNAIL, ITEM_N_PROPS };
static GParamSpec *item_props[ITEM_N_PROPS];

G_DEFINE_FINAL_TYPE (LeafscopeDatasetItem, leafscope_dataset_item, G_TYPE_OBJECT)

static void
leafscope_dataset_item_finalize (GObject *object)
{
  LeafscopeDatasetItem *self = LEAFSCOPE_DATASET_ITEM (object);
  g_free (self->path);
  g_free (self->class_name);
  g_free (self->split);
  g_free (self->sort_key);
  g_clear_object (&self->thumbnail);
  G_OBJECT_CLASS (leafscope_dataset_item_parent_class)->finalize (object);
}

static void
leafscope_dataset_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LeafscopeDatasetItem *self = LEAFSCOPE_DATASET_ITEM (object);
  switch (prop_id)
    {
    case ITEM_PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leafscope_dataset_item_class_init (LeafscopeDatasetItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = leafscope_dataset_item_finalize;
  object_class->get_property = leafscope_dataset_item_get_property;
  item_props[ITEM_PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_props);
}

static void
leafscope_dataset_item_init (LeafscopeDatasetItem *self)
{
}

const char *leafscope_dataset_item_get_path (LeafscopeDatasetItem *self) { return self->path; }
const char *leafscope_dataset_item_get_class_name (LeafscopeDatasetItem *self) { return self->class_name; }
const char *leafscope_dataset_item_get_split (LeafscopeDatasetItem *self) { return self->split; }
guint leafscope_dataset_item_get_index (LeafscopeDatasetItem *self) { return self->index; }
GdkTexture *leafscope_dataset_item_get_thumbnail (LeafscopeDatasetItem *self) { return self->thumbnail; }

void
leafscope_dataset_item_set_thumbnail (LeafscopeDatasetItem *self, GdkTexture *thumbnail)
{
  g_return_if_fail (LEAFSCOPE_IS_DATASET_ITEM (self));
  if (g_set_object (&self->thumbnail, thumbnail))
    g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_THUMBNAIL]);
}

/* ---- the model ---- */

struct _LeafscopeDatasetModel
{
  GObject    parent_instance;
  char      *folder;
  GPtrArray *items;    /* LeafscopeDatasetItem */
  GStrv      splits;
  GStrv      classes;
};

static GType
model_get_item_type (GListModel *list)
{
  return LEAFSCOPE_TYPE_DATASET_ITEM;
}

static guint
model_get_n_items (GListModel *list)
{
  return LEAFSCOPE_DATASET_MODEL (list)->items->len;
}

static gpointer
model_get_item (GListModel *list, guint position)
{
  LeafscopeDatasetModel *self = LEAFSCOPE_DATASET_MODEL (list);
  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
leafscope_dataset_model_list_init (GListModelInterface *iface)
{
  iface->get_item_type = model_get_item_type;
  iface->get_n_items = model_get_n_items;
  iface->get_item = model_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (LeafscopeDatasetModel, leafscope_dataset_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, leafscope_dataset_model_list_init))

static void
leafscope_dataset_model_finalize (GObject *object)
{
  LeafscopeDatasetModel *self = LEAFSCOPE_DATASET_MODEL (object);
  g_free (self->folder);
  g_ptr_array_unref (self->items);
  g_strfreev (self->splits);
  g_strfreev (self->classes);
  G_OBJECT_CLASS (leafscope_dataset_model_parent_class)->finalize (object);
}

static void
leafscope_dataset_model_class_init (LeafscopeDatasetModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = leafscope_dataset_model_finalize;
}

static void
leafscope_dataset_model_init (LeafscopeDatasetModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

gboolean
leafscope_is_image_file_name (const char *name)
{
  return ls_dataset_is_photo_name (name);
}

/* Sorted entry names of @path that are directories (@want_dirs) or photos. */
static GPtrArray *
list_entries (const char *path, gboolean want_dirs, GCancellable *cancellable, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, error);
  GPtrArray *names;
  const char *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *full = NULL;
      if (name[0] == '.')
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_ptr_array_unref (names);
          return NULL;
        }
      full = g_build_filename (path, name, NULL);
      if (want_dirs ? g_file_test (full, G_FILE_TEST_IS_DIR)
                    : (leafscope_is_image_file_name (name) && g_file_test (full, G_FILE_TEST_IS_REGULAR)))
        g_ptr_array_add (names, g_strdup (name));
    }
  return names;
}

/* File-manager order, as the engine sorts display lists. */
static int
compare_collate (gconstpointer a, gconstpointer b)
{
  return ls_dataset_compare_names (*(char **) a, *(char **) b);
}

static int
split_rank (const char *split)
{
  static const char *known[] = { "train", "training", "validation", "val", "valid", "test", "testing" };
  static const int rank[] = { 0, 0, 1, 1, 1, 2, 2 };
  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_ascii_strcasecmp (split, known[i]) == 0)
      return rank[i];
  return 3;
}

static int
compare_splits (gconstpointer a, gconstpointer b)
{
  const char *sa = *(char **) a, *sb = *(char **) b;
  int ra = split_rank (sa), rb = split_rank (sb);
  if (ra != rb)
    return ra - rb;
  return compare_collate (a, b);
}

/* Adds the photos of @class_dir; returns the number added or -1 on error. */
static int
add_class (LeafscopeDatasetModel *self, const char *class_dir, const char *split,
           const char *class_name, GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) files = list_entries (class_dir, FALSE, cancellable, error);
  if (files == NULL)
    return -1;
  g_ptr_array_sort (files, compare_collate);
  for (guint i = 0; i < files->len; i++)
    {
      LeafscopeDatasetItem *item = g_object_new (LEAFSCOPE_TYPE_DATASET_ITEM, NULL);
      item->path = g_build_filename (class_dir, g_ptr_array_index (files, i), NULL);
      item->split = g_strdup (split);
      item->class_name = g_strdup (class_name);
      item->index = self->items->len;
      g_ptr_array_add (self->items, item);
    }
  return files->len;
}

static GStrv
strv_from_set (GHashTable *set, GCompareFunc compare)
{
  g_autoptr(GPtrArray) arr = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (arr, g_strdup (key));
  g_ptr_array_sort (arr, compare);
  g_ptr_array_add (arr, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&arr), FALSE);
}

LeafscopeDatasetModel *
leafscope_dataset_model_new_for_folder (const char *folder, GCancellable *cancellable, GError **error)
{
  g_autoptr(LeafscopeDatasetModel) self = NULL;
  g_autoptr(GPtrArray) top = NULL;
  g_autoptr(GHashTable) splits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean class_layout = FALSE;
  g_autofree char *display = g_filename_display_name (folder);

  g_return_val_if_fail (folder != NULL, NULL);

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, _("“%s” is not a folder"), display);
      return NULL;
    }

  self = g_object_new (LEAFSCOPE_TYPE_DATASET_MODEL, NULL);
  self->folder = g_strdup (folder);

  top = list_entries (folder, TRUE, cancellable, error);
  if (top == NULL)
    return NULL;
  g_ptr_array_sort (top, compare_collate);

  /* CLASS/photo when a top-level folder holds photos itself. */
  for (guint i = 0; i < top->len && !class_layout; i++)
    {
      g_autofree char *sub = g_build_filename (folder, g_ptr_array_index (top, i), NULL);
      g_autoptr(GPtrArray) photos = list_entries (sub, FALSE, cancellable, NULL);
      if (photos && photos->len > 0)
        class_layout = TRUE;
    }

  if (class_layout)
    {
      for (guint i = 0; i < top->len; i++)
        {
          const char *cls = g_ptr_array_index (top, i);
          g_autofree char *sub = g_build_filename (folder, cls, NULL);
          int n = add_class (self, sub, "", cls, cancellable, error);
          if (n < 0)
            return NULL;
          if (n > 0)
            g_hash_table_add (classes, g_strdup (cls));
        }
      g_hash_table_add (splits, g_strdup (""));
    }
  else
    {
      g_ptr_array_sort (top, compare_splits);
      for (guint i = 0; i < top->len; i++)
        {
          const char *split = g_ptr_array_index (top, i);
          g_autofree char *split_dir = g_build_filename (folder, split, NULL);
          g_autoptr(GPtrArray) class_dirs = list_entries (split_dir, TRUE, cancellable, error);
          gboolean any = FALSE;
          if (class_dirs == NULL)
            return NULL;
          g_ptr_array_sort (class_dirs, compare_collate);
          for (guint j = 0; j < class_dirs->len; j++)
            {
              const char *cls = g_ptr_array_index (class_dirs, j);
              g_autofree char *sub = g_build_filename (split_dir, cls, NULL);
              int n = add_class (self, sub, split, cls, cancellable, error);
              if (n < 0)
                return NULL;
              if (n > 0)
                {
                  any = TRUE;
                  g_hash_table_add (classes, g_strdup (cls));
                }
            }
          if (any)
            g_hash_table_add (splits, g_strdup (split));
        }
    }

  if (self->items->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No photos found in “%s”. A dataset folder holds one folder per class "
                     "(CLASS/photo.jpg), optionally inside split folders (train/CLASS/photo.jpg)."),
                   display);
      return NULL;
    }

  self->splits = strv_from_set (splits, compare_splits);
  self->classes = strv_from_set (classes, compare_collate);
  return g_steal_pointer (&self);
}

const char *
leafscope_dataset_model_get_folder (LeafscopeDatasetModel *self)
{
  return self->folder;
}

const char * const *
leafscope_dataset_model_get_splits (LeafscopeDatasetModel *self)
{
  return (const char * const *) self->splits;
}

const char * const *
leafscope_dataset_model_get_classes (LeafscopeDatasetModel *self)
{
  return (const char * const *) self->classes;
}

guint
leafscope_dataset_model_count (LeafscopeDatasetModel *self, const char *split, const char *class_name)
{
  guint n = 0;
  for (guint i = 0; i < self->items->len; i++)
    {
      LeafscopeDatasetItem *item = g_ptr_array_index (self->items, i);
      if ((split == NULL || strcmp (split, item->split) == 0)
          && (class_name == NULL || strcmp (class_name, item->class_name) == 0))
        n++;
    }
  return n;
}
