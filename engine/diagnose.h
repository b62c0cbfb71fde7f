/* diagnose.h: the one pipeline the GUI and `leafscope-cli diagnose` share.
 *
 *   photo -> preprocess -> ViT (attentions) -> attention maps -> findings
 *         -> prompt (template from the text model folder, language)
 *         -> GPT-2 generation streamed token by token.
 *
 * An LsDiagnoser owns the loaded models.  It may be used from any one thread at
 * a time (the GUI keeps it on its worker thread).
 */
#pragma once

#include <gio/gio.h>
#include "image.h"
#include "generate.h"

G_BEGIN_DECLS

typedef struct _LsDiagnoser LsDiagnoser;

typedef struct {
  int      top_index;
  float    top_score;
  int      runner_up_index;
  float    runner_up_score;
  gboolean uncertain;               /* top_score below the threshold */
  float    attention_concentration; /* share of the leaf covered by high rollout attention, 0..1 */
  float    leaf_fraction;           /* share of the photo that is leaf, 0..1 */
  float    affected_area;           /* share of leaf pixels that are lesion-coloured, 0..1 */
  float    brightness;              /* mean luma 0..1 */
  float    overexposed_fraction;    /* share of clipped pixels */
  float    sharpness;               /* variance of the Laplacian (luma 0..255) */
  gboolean too_dark;
  gboolean overexposed;
  gboolean blurred;
} LsFindings;

typedef struct {
  int        n_labels;
  char     **labels;       /* id2label, NULL-terminated */
  float     *logits;       /* [n_labels] */
  float     *probs;        /* [n_labels] */
  int        top_index;
  float      top_score;
  gboolean   uncertain;
  LsFindings findings;
  int        grid_size;    /* image_size / patch_size */
  int        num_heads;
  float     *rollout;      /* [grid * grid] in [0, 1]: attention rollout, mean fusion */
  float     *last_layer;   /* [(num_heads + 1)][grid * grid] in [0, 1]: head mean first, then each head */
} LsDiagnosis;

/* @text_model_dir may be NULL: classify only. */
LsDiagnoser *ls_diagnoser_new        (const char        *vision_model_dir,
                                      const char        *text_model_dir,
                                      GError           **error);
gboolean     ls_diagnoser_has_text_model (LsDiagnoser   *self);
/* Below @uncertainty_threshold (0..1) the result is flagged uncertain. */
LsDiagnosis *ls_diagnoser_classify   (LsDiagnoser       *self,
                                      const LsImage     *image,
                                      float              uncertainty_threshold,
                                      GCancellable      *cancellable,
                                      GError           **error);
/* The prompt the text model gets for @diagnosis in @language ("en", "pt_BR"). */
char        *ls_diagnoser_build_prompt (LsDiagnoser      *self,
                                        const LsDiagnosis *diagnosis,
                                        const char       *language);
/* Streams the description through @callback; FALSE with G_IO_ERROR_CANCELLED
 * when @cancellable fires (within one token's time). */
gboolean     ls_diagnoser_describe   (LsDiagnoser             *self,
                                      const LsDiagnosis       *diagnosis,
                                      const char              *language,
                                      const LsGenerateOptions *options,
                                      LsTokenCallback          callback,
                                      gpointer                 user_data,
                                      LsGenerateStats         *stats,
                                      GCancellable            *cancellable,
                                      GError                 **error);
void         ls_diagnosis_free       (LsDiagnosis *diagnosis);
void         ls_diagnoser_free       (LsDiagnoser *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsDiagnoser, ls_diagnoser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsDiagnosis, ls_diagnosis_free)

G_END_DECLS
