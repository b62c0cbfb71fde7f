/* cli-vision.c: see cli-vision.h. */
#include "config.h"

#include "cli-vision.h"

#include "ls-error.h"

LsVit *
ls_cli_load_vit (const char *model_dir, GError **error)
{
  if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: no such model folder", model_dir);
      return NULL;
    }
  return ls_vit_load (model_dir, error);
}

void
ls_cli_input_clear (LsCliInput *in)
{
  g_free (in->name);
  ls_image_free (in->photo);
  g_free (in->pixels);
}

gboolean
ls_cli_input_from_image (LsCliInput *in, LsVit *vit, const char *path, gboolean keep_photo,
                         GError **error)
{
  const LsVitConfig *config = ls_vit_get_config (vit);
  g_autoptr(LsImage) photo = ls_image_load (path, error);
  if (photo == NULL)
    return FALSE;

  int h, w;
  g_autofree float *pixels = ls_image_preprocess (photo, ls_vit_get_preprocess_config (vit),
                                                  &h, &w, error);
  if (pixels == NULL)
    return FALSE;
  if (h != config->image_size || w != config->image_size)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "%s: the image processor gives %d x %d but the model takes %d x %d",
                   path, w, h, config->image_size, config->image_size);
      return FALSE;
    }
  in->name = g_strdup (path);
  in->pixels = g_steal_pointer (&pixels);
  in->photo = keep_photo ? g_steal_pointer (&photo) : NULL;
  return TRUE;
}
