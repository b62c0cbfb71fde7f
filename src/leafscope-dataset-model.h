/* leafscope-dataset-model.h: a folder of labelled photos as a GListModel.
 *
 * Layouts: FOLDER/CLASS/photo.jpg, or FOLDER/SPLIT/CLASS/photo.jpg (the Beans
 * layout: train/validation/test).  Items are LeafscopeDatasetItem, sorted by
 * split, class, then file name. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_DATASET_ITEM (leafscope_dataset_item_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeDatasetItem, leafscope_dataset_item, LEAFSCOPE, DATASET_ITEM, GObject)

const char *leafscope_dataset_item_get_path       (LeafscopeDatasetItem *self);
const char *leafscope_dataset_item_get_class_name (LeafscopeDatasetItem *self);
/* "" in the CLASS/photo layout. */
const char *leafscope_dataset_item_get_split      (LeafscopeDatasetItem *self);
guint       leafscope_dataset_item_get_index      (LeafscopeDatasetItem *self);
/* NULL until the thumbnailer has decoded it. */
GdkTexture *leafscope_dataset_item_get_thumbnail  (LeafscopeDatasetItem *self);
void        leafscope_dataset_item_set_thumbnail  (LeafscopeDatasetItem *self,
                                                   GdkTexture           *thumbnail);

#define LEAFSCOPE_TYPE_DATASET_MODEL (leafscope_dataset_model_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeDatasetModel, leafscope_dataset_model, LEAFSCOPE, DATASET_MODEL, GObject)

/* Scans @folder (blocking: call it from a worker thread for big folders).
 * Fails with a plain-words message when no photo is laid out as expected. */
LeafscopeDatasetModel *leafscope_dataset_model_new_for_folder (const char    *folder,
                                                               GCancellable  *cancellable,
                                                               GError       **error);
const char          *leafscope_dataset_model_get_folder  (LeafscopeDatasetModel *self);
/* NULL-terminated; { "" } in the CLASS/photo layout.  Known splits come
 * first in the order train, validation, test. */
const char * const  *leafscope_dataset_model_get_splits  (LeafscopeDatasetModel *self);
/* NULL-terminated, sorted, over all splits. */
const char * const  *leafscope_dataset_model_get_classes (LeafscopeDatasetModel *self);
/* Photos in @split (NULL: any) of @class_name (NULL: any). */
guint                leafscope_dataset_model_count       (LeafscopeDatasetModel *self,
                                                          const char            *split,
                                                          const char            *class_name);
/* TRUE when @name looks like a photo file we can read: the engine's one
 * rule, ls_dataset_is_photo_name() (dataset.h). */
gboolean             leafscope_is_image_file_name        (const char *name);

G_END_DECLS
