/* leafscope-thumbnailer.h: thumbnails decoded off the main thread, on demand.
 *
 * A bounded pool of threads decodes the photos that are asked for (the grid
 * asks when a cell is bound, i.e. visible, and withdraws when it is
 * unbound); decoded textures are kept in a bounded cache. */
#pragma once

#include "leafscope-dataset-model.h"

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_THUMBNAILER (leafscope_thumbnailer_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeThumbnailer, leafscope_thumbnailer, LEAFSCOPE, THUMBNAILER, GObject)

LeafscopeThumbnailer *leafscope_thumbnailer_new      (int                    size,
                                                      guint                  cache_size);
/* Sets the item's thumbnail now (cached) or later (decoded in the pool). */
void                  leafscope_thumbnailer_request  (LeafscopeThumbnailer  *self,
                                                      LeafscopeDatasetItem  *item);
/* The item is no longer visible: a decode not yet started is skipped. */
void                  leafscope_thumbnailer_withdraw (LeafscopeThumbnailer  *self,
                                                      LeafscopeDatasetItem  *item);
/* Requests not yet delivered. */
guint                 leafscope_thumbnailer_get_pending (LeafscopeThumbnailer *self);
/* Drops the cache and skips everything queued (a new dataset). */
void                  leafscope_thumbnailer_clear    (LeafscopeThumbnailer  *self);

/* Decodes the photo at @path to fit in @size x @size, through the engine's
 * checked decoder (pixel limit, truncated files: photos are untrusted);
 * NULL when it cannot.  Thread-safe. */
GdkTexture           *leafscope_thumbnail_decode     (const char            *path,
                                                      int                    size);

G_END_DECLS
