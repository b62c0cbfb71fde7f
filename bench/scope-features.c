/* scope-features: what tools/scope/compare.py compares the scope features on.
 *
 *   build/bench/scope-features MODEL_DIR OUT.f32 PHOTO...
 *
 * Writes one record of float32 per photo: the CLS row of last_hidden [D],
 * the patch-mean feature (ls_scope_feature) [D], the logits [C] and the
 * photo's leaf_fraction; all zero for a photo that does not decode. */
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "findings.h"
#include "image.h"
#include "scope.h"
#include "vit.h"

int
main (int argc, char **argv)
{
  ls_cpu_ensure_blas_core (argc, argv);
  if (argc < 3)
    {
      fprintf (stderr, "usage: scope-features MODEL_DIR OUT.f32 PHOTO...\n");
      return 2;
    }
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_vit_load (argv[1], &error);
  if (vit == NULL)
    {
      fprintf (stderr, "scope-features: %s\n", error->message);
      return 2;
    }
  const LsVitConfig *config = ls_vit_get_config (vit);
  int D = config->hidden_size, C = config->num_labels, R = 2 * D + C + 1;
  FILE *out = fopen (argv[2], "wb");
  if (out == NULL)
    return 2;
  g_autofree float *record = g_new (float, R);
  for (int i = 3; i < argc; i++)
    {
      memset (record, 0, sizeof (float) * R);
      g_autoptr(LsImage) image = ls_image_load (argv[i], NULL);
      int h, w;
      g_autofree float *pixels = image != NULL
                                 ? ls_image_preprocess (image, ls_vit_get_preprocess_config (vit), &h, &w, NULL)
                                 : NULL;
      g_autoptr(LsVitOutput) o = pixels != NULL
                                 ? ls_vit_forward (vit, pixels, 1, LS_VIT_OUTPUT_DEFAULT, NULL, NULL)
                                 : NULL;
      if (o != NULL)
        {
          memcpy (record, o->last_hidden, sizeof (float) * D);
          ls_scope_feature (o->last_hidden, o->tokens, D, record + D);
          memcpy (record + 2 * D, o->logits, sizeof (float) * C);
          g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (image->rgb, image->width,
                                                                image->height, image->width * 3);
          record[2 * D + C] = a->leaf_fraction;
        }
      fwrite (record, sizeof (float), R, out);
    }
  return fclose (out) == 0 ? 0 : 2;
}
