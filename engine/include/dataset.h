/* dataset.h: which files are photos, and labelled photo folders.
 *
 * One rule for every client: a photo is a file whose name does not start
 * with a dot and ends in one of the extensions GdkPixbuf decodes for us
 * (.jpg .jpeg .png .webp .tif .tiff .gif, any case).  A labelled folder
 * (`leafscope-cli evaluate`, `calibrate`, the Dataset view) holds one
 * subfolder per label, named as the model's id2label, with the photos
 * inside. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether a file named @name (a base name or a path) is a photo by name. */
gboolean ls_dataset_is_photo_name (const char *name);

/* Compares two file names the way a file manager orders them ("val.2"
 * before "val.10"; locale-aware).  For display lists. */
int      ls_dataset_compare_names (const char *a,
                                   const char *b);

/* Appends to @paths (char *, g_free) the photos under @folder and its
 * subfolders, depth first, each folder's entries in file-manager order
 * (ls_dataset_compare_names); hidden entries and symlinked folders are
 * skipped. */
gboolean ls_dataset_collect_photos (const char  *folder,
                                    GPtrArray   *paths,
                                    GError     **error);

typedef struct {
  char *path;   /* DIR/LABEL/NAME */
  int   label;  /* index into LsDataset.labels */
} LsDatasetPhoto;

typedef struct {
  char           *dir;
  char          **labels;    /* NULL-terminated */
  int             n_labels;
  LsDatasetPhoto *photos;
  int             n_photos;
} LsDataset;

/* Scans the labelled folder @dir: DIR/LABEL/photo for each subfolder.
 * With @labels (NULL-terminated, the model's id2label) a subfolder that is
 * not one of them is an error (a misspelt class would silently vanish) and
 * the labels keep that order; without, the labels are the subfolders that
 * hold photos, in file-manager order.  The photos come sorted by label,
 * then by path in byte order, so that results (and a held-out split) do
 * not depend on the locale.  No photo at all is an error.  Errors in
 * LS_ERROR; @cancellable is checked per folder. */
LsDataset *ls_dataset_scan (const char          *dir,
                            const char * const  *labels,
                            GCancellable        *cancellable,
                            GError             **error);
void       ls_dataset_free (LsDataset *dataset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsDataset, ls_dataset_free)

G_END_DECLS
