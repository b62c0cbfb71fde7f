/* leafscope-photo-strip.h: the row of photos opened in the Diagnose view.
 *
 * Opening, dropping or pasting files appends to it; "Clear all" empties it.
 * A photo that could not be decoded is marked with an error icon. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_PHOTO_STRIP (leafscope_photo_strip_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopePhotoStrip, leafscope_photo_strip, LEAFSCOPE, PHOTO_STRIP, GtkWidget)

/* Appends the files not in the strip yet; returns the index of the first of
 * @files (appended or already there). */
guint    leafscope_photo_strip_append      (LeafscopePhotoStrip *self,
                                            GFile              **files,
                                            guint                n_files);
/* The index of @file, G_MAXUINT when it is not in the strip. */
guint    leafscope_photo_strip_find        (LeafscopePhotoStrip *self,
                                            GFile               *file);
void     leafscope_photo_strip_clear       (LeafscopePhotoStrip *self);
guint    leafscope_photo_strip_get_n_photos (LeafscopePhotoStrip *self);
GFile   *leafscope_photo_strip_get_file    (LeafscopePhotoStrip *self,
                                            guint                index);
/* G_MAXUINT: none (e.g. a pasted image is shown). */
void     leafscope_photo_strip_set_current (LeafscopePhotoStrip *self,
                                            guint                index);
guint    leafscope_photo_strip_get_current (LeafscopePhotoStrip *self);
void     leafscope_photo_strip_set_failed  (LeafscopePhotoStrip *self,
                                            guint                index,
                                            const char          *message);

G_END_DECLS
