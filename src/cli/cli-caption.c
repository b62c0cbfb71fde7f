/* cli-caption.c: `leafscope-cli caption`, a ViT-GPT-2 captioner on a photo
 * or on preprocessed pixel values. */
#include "config.h"

#include "cli-common.h"

#include <string.h>

#include "cli-text.h"
#include "generate.h"
#include "image.h"
#include "ls-error.h"
#include "safetensors.h"

/* FILE.safetensors:TENSOR, float32 [3, S, S] or [1, 3, S, S]. */
static float *
read_pixel_values (const char *spec, int channels, int size, GError **error)
{
  const char *colon = strrchr (spec, ':');
  if (colon == NULL || colon == spec || colon[1] == '\0')
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "--pixel-values expects FILE.safetensors:TENSOR, not “%s”", spec);
      return NULL;
    }
  g_autofree char *path = g_strndup (spec, colon - spec);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, error);
  if (st == NULL)
    return NULL;
  const LsTensorView *v = ls_safetensors_lookup (st, colon + 1);
  if (v == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR, "%s: no tensor “%s”", path, colon + 1);
      return NULL;
    }
  gboolean shape_ok = (v->ndim == 3 && v->shape[0] == channels && v->shape[1] == size
                       && v->shape[2] == size)
    || (v->ndim == 4 && v->shape[0] == 1 && v->shape[1] == channels && v->shape[2] == size
        && v->shape[3] == size);
  if (v->dtype != LS_DTYPE_F32 || !shape_ok)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_SHAPE,
                   "%s: tensor “%s” must be F32 [%d, %d, %d] (the model's image size)",
                   path, colon + 1, channels, size, size);
      return NULL;
    }
  float *pixels = g_new (float, (gsize) channels * size * size);
  memcpy (pixels, v->data, sizeof (float) * channels * size * size); /* may be unaligned */
  return pixels;
}

int
ls_cli_caption (int argc, char **argv)
{
  g_auto(GenArgs) a;
  g_autofree char *pixel_spec = NULL;
  ls_cli_gen_args_init (&a);
  const GOptionEntry entries[] = {
    GEN_ENTRIES (a),
    { "pixel-values", 0, 0, G_OPTION_ARG_STRING, &pixel_spec,
      "Preprocessed input instead of an image", "FILE.safetensors:TENSOR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  LsGenerateOptions options;
  LsGenerateStats stats;

  if (!ls_cli_parse ("caption", "[IMAGE]", entries, &argc, &argv)
      || ls_cli_require_model ("caption", a.model)
      || !ls_cli_gen_args_to_options ("caption", &a, &options))
    return 2;
  const char *image_path = argc >= 2 ? argv[1] : NULL;
  if ((image_path == NULL) == (pixel_spec == NULL) || argc > 2)
    return ls_cli_fail (NULL, "caption: give one IMAGE or --pixel-values FILE:TENSOR");

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  g_autoptr(LsLanguageModel) lm = ls_language_model_load (a.model, &error);
  if (lm == NULL)
    return ls_cli_fail_error (a.model, &error);
  if (!ls_language_model_is_captioner (lm))
    return ls_cli_fail (a.model, "not an image captioner (a VisionEncoderDecoderModel)");
  const LsVitConfig *vit = &ls_language_model_get_config (lm)->vit;
  g_autofree float *pixels = NULL;
  if (pixel_spec != NULL)
    {
      pixels = read_pixel_values (pixel_spec, vit->num_channels, vit->image_size, &error);
      if (pixels == NULL)
        return ls_cli_fail_error (NULL, &error);
    }
  else
    {
      g_autoptr(LsImage) image = ls_image_load (image_path, &error);
      int h = 0, w = 0;
      if (image != NULL)
        pixels = ls_image_preprocess (image, ls_language_model_get_preprocess_config (lm),
                                      &h, &w, &error);
      if (pixels == NULL)
        return ls_cli_fail_error (image_path, &error);
      if (h != vit->image_size || w != vit->image_size || vit->num_channels != 3)
        return ls_cli_fail (image_path, "preprocessed to %dx%d but the encoder expects %dx%d",
                              w, h, vit->image_size, vit->image_size);
    }

  g_autoptr(GString) text = g_string_new (NULL);
  StreamState state = { !a.json, text };
  g_autoptr(GArray) out_ids = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean ok = ls_language_model_caption (lm, pixels, &options, ls_cli_stream_piece, &state, out_ids,
                                           &stats, cancellable, &error);
  return ls_cli_finish_generation (&a, &state, ok, &error, NULL, out_ids, &stats);
}
