/* leafscope-thumbnailer.c: see the header. */
#include "config.h"

#include "leafscope-thumbnailer.h"

#include "image.h"

typedef struct
{
  gint                  ref_count;
  GWeakRef              owner;     /* the thumbnailer, used on the main thread */
  gboolean              decoded;   /* a decode was tried */
  LeafscopeDatasetItem *item;      /* ref released on the main thread */
  char                 *path;
  int                   size;
  gint                  withdrawn; /* atomic */
  guint                 epoch;
  GdkTexture           *texture;   /* result */
} Request;

struct _LeafscopeThumbnailer
{
  GObject      parent_instance;
  int          size;
  guint        cache_size;
  GThreadPool *pool;
  GHashTable  *cache;    /* path -> GdkTexture */
  GQueue       order;    /* paths, oldest first (owned by cache keys) */
  GHashTable  *pending;  /* item -> Request */
  guint        epoch;
  GMainContext *context;
};

G_DEFINE_FINAL_TYPE (LeafscopeThumbnailer, leafscope_thumbnailer, G_TYPE_OBJECT)

static void
request_unref (gpointer data)
{
  Request *r = data;
  if (!g_atomic_int_dec_and_test (&r->ref_count))
    return;
  g_weak_ref_clear (&r->owner);
  g_clear_object (&r->item);
  g_clear_object (&r->texture);
  g_free (r->path);
  g_free (r);
}

static gboolean
deliver (gpointer data)
{
  Request *r = data;
  g_autoptr(LeafscopeThumbnailer) self = g_weak_ref_get (&r->owner);

  if (self == NULL || self->pool == NULL)
    return G_SOURCE_REMOVE;
  if (g_hash_table_lookup (self->pending, r->item) == r)
    g_hash_table_remove (self->pending, r->item);
  if (r->epoch != self->epoch)
    return G_SOURCE_REMOVE;
  if (r->texture == NULL)
    {
      /* Withdrawn before its decode, then asked for again (visible again). */
      if (!r->decoded && !g_atomic_int_get (&r->withdrawn))
        leafscope_thumbnailer_request (self, r->item);
      return G_SOURCE_REMOVE;
    }

  if (!g_hash_table_contains (self->cache, r->path))
    {
      char *key = g_strdup (r->path);
      g_hash_table_insert (self->cache, key, g_object_ref (r->texture));
      g_queue_push_tail (&self->order, key);
      while (g_queue_get_length (&self->order) > self->cache_size)
        g_hash_table_remove (self->cache, g_queue_pop_head (&self->order));
    }
  leafscope_dataset_item_set_thumbnail (r->item, r->texture);
  return G_SOURCE_REMOVE;
}

GdkTexture *
leafscope_thumbnail_decode (const char *path, int size)
{
  g_autoptr(LsImage) image = ls_image_load_thumbnail (path, size, NULL);
  if (image == NULL)
    return NULL;
  gsize stride = (gsize) image->width * 3;
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&image->rgb),
                                              stride * image->height);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes, stride);
}

static void
decode (gpointer data, gpointer user_data)
{
  Request *r = data;
  LeafscopeThumbnailer *self = user_data;

  if (!g_atomic_int_get (&r->withdrawn))
    {
      r->decoded = TRUE;
      r->texture = leafscope_thumbnail_decode (r->path, r->size);
    }
  /* The item and the owner are touched on the main thread only. */
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT_IDLE, deliver, r, request_unref);
}

static void
leafscope_thumbnailer_dispose (GObject *object)
{
  LeafscopeThumbnailer *self = LEAFSCOPE_THUMBNAILER (object);

  if (self->pool)
    {
      GHashTableIter iter;
      gpointer value;
      g_hash_table_iter_init (&iter, self->pending);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_atomic_int_set (&((Request *) value)->withdrawn, 1);
      /* Wait for the threads: they only decode, then post. */
      g_thread_pool_free (self->pool, TRUE, TRUE);
      self->pool = NULL;
      g_hash_table_remove_all (self->pending);
    }
  G_OBJECT_CLASS (leafscope_thumbnailer_parent_class)->dispose (object);
}

static void
leafscope_thumbnailer_finalize (GObject *object)
{
  LeafscopeThumbnailer *self = LEAFSCOPE_THUMBNAILER (object);
  g_queue_clear (&self->order);
  g_hash_table_unref (self->cache);
  g_hash_table_unref (self->pending);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (leafscope_thumbnailer_parent_class)->finalize (object);
}

static void
leafscope_thumbnailer_class_init (LeafscopeThumbnailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = leafscope_thumbnailer_dispose;
  object_class->finalize = leafscope_thumbnailer_finalize;
}

static void
leafscope_thumbnailer_init (LeafscopeThumbnailer *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->pending = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, request_unref);
  self->context = g_main_context_ref_thread_default ();
}

LeafscopeThumbnailer *
leafscope_thumbnailer_new (int size, guint cache_size)
{
  LeafscopeThumbnailer *self = g_object_new (LEAFSCOPE_TYPE_THUMBNAILER, NULL);
  self->size = size;
  self->cache_size = MAX (cache_size, 16);
  /* Two decoders: enough to keep up with scrolling, and leave the CPU to the
   * inference thread. */
  self->pool = g_thread_pool_new (decode, self, 2, FALSE, NULL);
  return self;
}

void
leafscope_thumbnailer_request (LeafscopeThumbnailer *self, LeafscopeDatasetItem *item)
{
  GdkTexture *cached;
  Request *r;

  g_return_if_fail (LEAFSCOPE_IS_THUMBNAILER (self));
  if (leafscope_dataset_item_get_thumbnail (item) != NULL)
    return;
  cached = g_hash_table_lookup (self->cache, leafscope_dataset_item_get_path (item));
  if (cached)
    {
      leafscope_dataset_item_set_thumbnail (item, cached);
      return;
    }
  r = g_hash_table_lookup (self->pending, item);
  if (r)
    {
      g_atomic_int_set (&r->withdrawn, 0);
      return;
    }
  r = g_new0 (Request, 1);
  r->ref_count = 2; /* pending table + pool */
  g_weak_ref_init (&r->owner, self);
  r->item = g_object_ref (item);
  r->path = g_strdup (leafscope_dataset_item_get_path (item));
  r->size = self->size;
  r->epoch = self->epoch;
  g_hash_table_insert (self->pending, item, r);
  g_thread_pool_push (self->pool, r, NULL);
}

void
leafscope_thumbnailer_withdraw (LeafscopeThumbnailer *self, LeafscopeDatasetItem *item)
{
  Request *r = g_hash_table_lookup (self->pending, item);
  if (r)
    g_atomic_int_set (&r->withdrawn, 1);
}

guint
leafscope_thumbnailer_get_pending (LeafscopeThumbnailer *self)
{
  return g_hash_table_size (self->pending);
}

void
leafscope_thumbnailer_clear (LeafscopeThumbnailer *self)
{
  GHashTableIter iter;
  gpointer value;

  self->epoch++;
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_atomic_int_set (&((Request *) value)->withdrawn, 1);
  g_hash_table_remove_all (self->pending);
  g_hash_table_remove_all (self->cache);
  g_queue_clear (&self->order);
}
