/* image.h: photo decoding (GdkPixbuf; JPEG, PNG, WebP, TIFF and GIF only, the
 * loader chosen by the file's signature; EXIF orientation; alpha dropped as
 * PIL's convert("RGB") does; pixel limit checked before decoding) and the
 * ViTImageProcessor steps (PIL-compatible resize, rescale, normalize, CHW). */
#pragma once

#include <glib.h>
#include "model-config.h"

G_BEGIN_DECLS

/* Photos above this many pixels are refused before any pixel is decoded
 * (decompression bombs): 8192 x 8192. */
#define LS_IMAGE_MAX_PIXELS (8192 * 8192)

typedef struct {
  int     width;
  int     height;
  guint8 *rgb;     /* width * height * 3 bytes, rows packed, owned */
  gboolean incomplete; /* the file ended before the picture did (a JPEG without
                        * its end marker): the decoder filled in the rest */
} LsImage;

LsImage *ls_image_load           (const char   *path,
                                  GError      **error);
LsImage *ls_image_new_from_bytes (GBytes       *bytes,
                                  GError      **error);
/* ls_image_load() scaled down while decoding to fit in @max_side x
 * @max_side (aspect kept; smaller pictures keep their size), with the same
 * checks (photo formats only, pixel limit): for thumbnails of untrusted files,
 * which must not reach GdkPixbuf unchecked.  JPEG scales inside the decoder;
 * other formats decode at full size first, which the pixel limit bounds. */
LsImage *ls_image_load_thumbnail (const char   *path,
                                  int           max_side,
                                  GError      **error);
/* How many times the model's input side a JPEG keeps when
 * ls_image_load_for_input() decodes it at a reduced size. */
#define LS_IMAGE_REDUCE_MARGIN 2

/* ls_image_load() for a model whose input is @input_width x @input_height
 * (the fast path from photo to verdict): a JPEG far larger than the input
 * is decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling, the
 * smallest that keeps both sides >= LS_IMAGE_REDUCE_MARGIN times the
 * input's larger side); other formats and smaller JPEGs decode exactly as
 * ls_image_load().  The pixels then differ slightly from the exact path's
 * (which transformers' processor matches and the reference checks use);
 * bench/README.md states the difference in probabilities. */
LsImage *ls_image_load_for_input (const char   *path,
                                  int           input_width,
                                  int           input_height,
                                  GError      **error);
/* How a photo is decoded for a model. */
typedef enum {
  /* The file at full size, as transformers' processor sees it: what
   * `classify` and the reference checks use. */
  LS_IMAGE_DECODE_EXACT,
  /* ls_image_load_for_input() for the processor's output size: a JPEG far
   * larger than the model's input decodes at a reduced size (a 12-megapixel
   * photo several times faster); other photos as the exact path. */
  LS_IMAGE_DECODE_FAST,
} LsImageDecode;

/* Loads @path for a model whose processor is @config: with
 * LS_IMAGE_DECODE_FAST, ls_image_load_for_input() for the size the
 * processor resizes to (the exact decode when @config does not resize),
 * reduced no further than keeps the longer side >= @min_long_side (what
 * else reads the photo needs, e.g. the findings' lesion count; 0: only the
 * model); with LS_IMAGE_DECODE_EXACT, ls_image_load(). */
LsImage *ls_image_load_for_model (const char               *path,
                                  const LsPreprocessConfig *config,
                                  LsImageDecode             decode,
                                  int                       min_long_side,
                                  GError                  **error);
/* Copies 8-bit RGB or RGBA pixels (e.g. from a GdkTexture download). */
LsImage *ls_image_new_from_data  (const guint8 *data,
                                  int           width,
                                  int           height,
                                  int           stride,
                                  gboolean      has_alpha,
                                  GError      **error);
LsImage *ls_image_copy           (const LsImage *image);
/* PIL Image.resize(size, resample) on 8-bit RGB, bit for bit: NEAREST (0),
 * LANCZOS (1), BILINEAR (2), BICUBIC (3), BOX (4), HAMMING (5), with the
 * support widened when shrinking (antialiasing). */
LsImage *ls_image_resize         (const LsImage *image,
                                  int            width,
                                  int            height,
                                  int            resample);
/* Resize, rescale, normalize per @config; returns [3, *out_height, *out_width]
 * float32 (g_free).  Bilinear/bicubic resizing rounds as PyTorch's uint8
 * kernel does (int16 weights), which HF's default fast image processors
 * use: the fixtures' pixel_values come out identical. */
float   *ls_image_preprocess     (const LsImage            *image,
                                  const LsPreprocessConfig *config,
                                  int                      *out_height,
                                  int                      *out_width,
                                  GError                  **error);
void     ls_image_free           (LsImage      *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsImage, ls_image_free)

G_END_DECLS
