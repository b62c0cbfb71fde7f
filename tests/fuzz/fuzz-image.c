/* fuzz-image.c: photo decoding (GdkPixbuf with the pre-decode pixel limit,
 * EXIF orientation, alpha and grayscale to RGB), then the default
 * preprocessing on what decoded. */
#include "fuzz-common.h"
#include "image.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* Only criticals: GdkPixbuf's loaders may warn about odd files.  And not
   * GdkPixbuf's own: its GIF loader (2.42.10) fails an assertion in
   * gdk_pixbuf_calculate_rowstride on some broken animations, a logged
   * critical that is not a crash (regression input in test-hostile-image.c). */
  tolerated = "GdkPixbuf";
  fuzz_make_logs_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* No copy: libFuzzer's buffer is sized exactly, so ASan sees any overread. */
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsImage) image = ls_image_new_from_bytes (bytes, &error);
  if (image == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  g_assert (image->width > 0 && image->height > 0);
  g_assert ((gint64) image->width * image->height <= LS_IMAGE_MAX_PIXELS);
  fuzz_touch (image->rgb, (gsize) image->width * image->height * 3);

  /* Resizing costs time linear in the pixels (bounded by the pixel limit);
   * under coverage instrumentation a 17-million-pixel resize outlasts the
   * timeout, so only smaller pictures are resized here. */
  if ((gint64) image->width * image->height > 4 * 1024 * 1024)
    return 0;
  LsPreprocessConfig pp;
  ls_preprocess_config_init_default (&pp);
  pp.height = pp.width = 32; /* small: the decoder is what is fuzzed */
  int h = 0, w = 0;
  g_autofree float *pixels = ls_image_preprocess (image, &pp, &h, &w, &error);
  g_assert (pixels != NULL && h == 32 && w == 32);
  return 0;
}
