/* calibrate.c: labelled folders -> ViT features and logits -> LsScope. */
#include "calibrate.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "dataset.h"
#include "image.h"
#include "labels.h"
#include "ls-error.h"
#include "vit.h"

/* Photos per forward pass. */
#define CALIBRATE_BATCH 8

/* Runs @vit over @photos: scope features [n, D] (ls_scope_feature), logits [n, C], labels [n] of
 * the photos that decoded (their count returned in *@n_done). */
static gboolean
extract (LsVit *vit, GPtrArray *photos, const char *stage, float *features, float *logits,
         int *labels, int *n_done, int *n_skipped, LsCalibrateProgress progress,
         gpointer user_data, GCancellable *cancellable, GError **error)
{
  const LsVitConfig *config = ls_vit_get_config (vit);
  int S = config->image_size, D = config->hidden_size, C = config->num_labels;
  gsize per = (gsize) 3 * S * S;
  g_autofree float *batch = g_new (float, CALIBRATE_BATCH * per);
  int total = (int) photos->len, kept = 0;

  for (int start = 0; start < total; start += CALIBRATE_BATCH)
    {
      int b = 0, first = kept;
      for (int i = start; i < MIN (start + CALIBRATE_BATCH, total); i++)
        {
          const LsDatasetPhoto *p = photos->pdata[i];
          g_autoptr(LsImage) image = ls_image_load (p->path, NULL);
          int h = 0, w = 0;
          g_autofree float *pixels = image != NULL && !image->incomplete
                                     ? ls_image_preprocess (image, ls_vit_get_preprocess_config (vit),
                                                            &h, &w, NULL)
                                     : NULL;
          if (pixels == NULL || h != S || w != S)
            {
              (*n_skipped)++;
              continue;
            }
          memcpy (batch + b * per, pixels, per * sizeof (float));
          labels[kept + b] = p->label;
          b++;
        }
      if (b > 0)
        {
          g_autoptr(LsVitOutput) out = ls_vit_forward (vit, batch, b, LS_VIT_OUTPUT_DEFAULT,
                                                       cancellable, error);
          if (out == NULL)
            return FALSE;
          for (int i = 0; i < b; i++)
            {
              ls_scope_feature (out->last_hidden + (gsize) i * out->tokens * D, out->tokens, D,
                                features + (gsize) (first + i) * D);
              memcpy (logits + (gsize) (first + i) * C, out->logits + (gsize) i * C, sizeof (float) * C);
            }
          kept += b;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (progress != NULL && !progress (stage, MIN (start + CALIBRATE_BATCH, total), total, user_data))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "calibration cancelled");
          return FALSE;
        }
    }
  *n_done = kept;
  return TRUE;
}

LsScope *
ls_calibrate_model (const char *model_dir, const char *train_dir, const char *validation_dir,
                    LsCalibrateProgress progress, gpointer user_data, LsCalibrateReport *report,
                    GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (model_dir != NULL && train_dir != NULL, NULL);

  g_autofree char *digest = ls_scope_weights_digest (model_dir, error);
  if (digest == NULL)
    return NULL;
  g_autoptr(LsVit) vit = ls_vit_load (model_dir, error);
  if (vit == NULL)
    return NULL;
  const LsVitConfig *config = ls_vit_get_config (vit);
  int C = config->num_labels, D = config->hidden_size;
  if (C < 1)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "%s: not an image classifier (no labels)", model_dir);
      return NULL;
    }

  /* Scanned against the model's labels, in a fixed order (dataset.h). */
  const char *const *labels = (const char *const *) config->labels;
  g_autoptr(LsDataset) train_set = ls_dataset_scan (train_dir, labels, cancellable, error);
  if (train_set == NULL)
    return NULL;
  g_autoptr(LsDataset) val_set = NULL;
  if (validation_dir != NULL)
    {
      val_set = ls_dataset_scan (validation_dir, labels, cancellable, error);
      if (val_set == NULL)
        return NULL;
    }
  g_autoptr(GPtrArray) train = g_ptr_array_new ();
  g_autoptr(GPtrArray) val = g_ptr_array_new ();
  for (int i = 0; i < train_set->n_photos; i++)
    /* Without a validation folder, every fifth training photo is held out. */
    g_ptr_array_add (val_set == NULL && i % 5 == 4 ? val : train, &train_set->photos[i]);
  for (int i = 0; val_set != NULL && i < val_set->n_photos; i++)
    g_ptr_array_add (val, &val_set->photos[i]);

  int nt = (int) train->len, nv = (int) val->len, skipped = 0;
  g_autofree float *train_features = g_new (float, (gsize) MAX (nt, 1) * D);
  g_autofree float *train_logits = g_new (float, (gsize) MAX (nt, 1) * C);
  g_autofree int *train_labels = g_new (int, MAX (nt, 1));
  g_autofree float *val_features = g_new (float, (gsize) MAX (nv, 1) * D);
  g_autofree float *val_logits = g_new (float, (gsize) MAX (nv, 1) * C);
  g_autofree int *val_labels = g_new (int, MAX (nv, 1));
  if (!extract (vit, train, "train", train_features, train_logits, train_labels, &nt, &skipped,
                progress, user_data, cancellable, error)
      || !extract (vit, val, "validation", val_features, val_logits, val_labels, &nv, &skipped,
                   progress, user_data, cancellable, error))
    return NULL;

  g_autoptr(LsScope) scope = ls_scope_fit (C, D, (const char *const *) config->labels, digest,
                                           train_features, train_labels, nt,
                                           val_features, val_logits, val_labels, nv, error);
  if (scope == NULL)
    return NULL;

  if (report != NULL)
    {
      g_autofree float *raw = g_new (float, (gsize) nv * C);
      g_autofree float *cal = g_new (float, (gsize) nv * C);
      int correct = 0;
      for (int i = 0; i < nv; i++)
        {
          const float *z = val_logits + (gsize) i * C;
          float sum = 0;
          int top = ls_labels_argmax (z, C);
          float m = z[top];
          for (int k = 0; k < C; k++)
            sum += raw[(gsize) i * C + k] = expf (z[k] - m);
          for (int k = 0; k < C; k++)
            raw[(gsize) i * C + k] /= sum;
          ls_scope_calibrate (scope, z, cal + (gsize) i * C);
          correct += top == val_labels[i];
        }
      *report = (LsCalibrateReport) {
        .n_train = nt,
        .n_validation = nv,
        .n_skipped = skipped,
        .ece_raw = ls_scope_ece (raw, val_labels, nv, C, 10),
        .ece_calibrated = ls_scope_ece (cal, val_labels, nv, C, 10),
        .accuracy = (double) correct / nv,
        .temperature = ls_scope_get_temperature (scope),
        .threshold = ls_scope_get_threshold (scope),
      };
    }
  return g_steal_pointer (&scope);
}

gboolean
ls_calibrate_save (const LsScope *scope, const char *model_dir, char **written_dir, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (g_access (model_dir, W_OK) == 0 && ls_scope_save (scope, model_dir, &local))
    {
      if (written_dir != NULL)
        *written_dir = g_strdup (model_dir);
      return TRUE;
    }
  g_autofree char *user = ls_scope_user_dir (ls_scope_get_weights_digest (scope));
  if (g_mkdir_with_parents (user, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", user, g_strerror (saved));
      return FALSE;
    }
  if (!ls_scope_save (scope, user, error))
    return FALSE;
  if (written_dir != NULL)
    *written_dir = g_steal_pointer (&user);
  return TRUE;
}
