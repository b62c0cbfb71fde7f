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
#include "evidence.h"
#include "findings.h"
#include "image.h"
#include "generate.h"
#include "scope.h"

G_BEGIN_DECLS

typedef struct _LsDiagnoser LsDiagnoser;

/* The models the application ships, as folder names under its data
 * directory's models/ (data/models in the source tree): the defaults of the
 * CLI and the window. */
#define LS_DEFAULT_VISION_MODEL "leaf-vit"
#define LS_DEFAULT_TEXT_MODEL   "leaf-gpt2"

/* LsFindings (top class, runner-up, uncertainty, attention concentration,
 * affected area, photo quality) is declared in findings.h. */

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
  /* Whether to answer at all (scope.h, issue 12).  probs, top_score and the
   * findings hold the calibrated probabilities when scope_checked, the raw
   * ones otherwise; uncertain and findings.uncertain are TRUE exactly when
   * status is not LS_DIAGNOSIS_DIAGNOSED. */
  LsDiagnosisStatus status;
  LsStatusReason    status_reason;
  float            *raw_probs;     /* [n_labels] the model's own softmax */
  gboolean          scope_checked; /* FALSE: no scope file for this model, check off */
  float             scope_score;   /* distance to the nearest class / threshold: > 1 out of scope */
  float     *pixel_values; /* [3, image, image]: the model input of the photo */
  LsPhotoAnalysis *analysis;   /* leaf, lesion and skin masks of the photo */
  LsEvidenceMap   *evidence;   /* the finest evidence map so far, NULL before ls_diagnoser_explain */
} LsDiagnosis;

/* @text_model_dir may be NULL: classify only. */
LsDiagnoser *ls_diagnoser_new        (const char        *vision_model_dir,
                                      const char        *text_model_dir,
                                      GError           **error);
gboolean     ls_diagnoser_has_text_model (LsDiagnoser   *self);
/* The vision model's scope check, or NULL when it is off: then *@why (may be
 * NULL; owned by @self) says why in a sentence (no scope file: run
 * `leafscope-cli calibrate`; fitted on other weights; unreadable). */
const LsScope *ls_diagnoser_get_scope (LsDiagnoser  *self,
                                       const char  **why);
/* The fixed text for @diagnosis's status in @language
 * (ls_prompt_status_text), or NULL when diagnosed. */
char        *ls_diagnosis_status_text (const LsDiagnosis *diagnosis,
                                       const char        *language);
/* Loads the photo at @path for this diagnoser's vision model
 * (ls_image_load_for_model): LS_IMAGE_DECODE_FAST is the default of the
 * pipeline, LS_IMAGE_DECODE_EXACT matches transformers' processor. */
LsImage     *ls_diagnoser_load_photo (LsDiagnoser       *self,
                                      const char        *path,
                                      LsImageDecode      decode,
                                      GError           **error);
/* Below @uncertainty_threshold (0..1) the result is flagged uncertain: the
 * calibrated top probability when the model has a scope file (and then never
 * below LS_SCOPE_MIN_CONFIDENCE), the raw one otherwise.  The status and its
 * reason are decided by ls_scope_judge (scope.h). */
LsDiagnosis *ls_diagnoser_classify   (LsDiagnoser       *self,
                                      const LsImage     *image,
                                      float              uncertainty_threshold,
                                      GCancellable      *cancellable,
                                      GError           **error);
/* ls_evidence_options_init for this diagnoser's ViT. */
void         ls_diagnoser_init_evidence_options (LsDiagnoser       *self,
                                                 LsEvidenceOptions *options);
/* The evidence map of the diagnosed class, coarse to fine
 * (evidence.h; @options NULL: ls_evidence_options_init's defaults for this
 * ViT, which leave out the fine stage for large models).  After each stage,
 * before @callback runs, @diagnosis->evidence holds that map; the evidence
 * fields of @diagnosis->findings follow the first (coarse) stage, whose
 * blocks are the regions the findings and the description speak of.
 * Cancellable between batches; a cancelled call leaves the last completed
 * stage in @diagnosis. */
gboolean     ls_diagnoser_explain    (LsDiagnoser              *self,
                                      LsDiagnosis              *diagnosis,
                                      const LsEvidenceOptions  *options,
                                      LsEvidenceCallback        callback,
                                      gpointer                  user_data,
                                      GCancellable             *cancellable,
                                      GError                  **error);
/* Generation defaults for this text model: ls_generate_options_init, then
 * the sampling settings of its generation_config.json (max_new_tokens,
 * do_sample, temperature, top_k, top_p, repetition_penalty), then
 * max_new_tokens and stop strings from its leafscope-prompt.json.  The stop
 * strings belong to @self.  Callers start from these and change what they
 * want (e.g. the seed). */
void         ls_diagnoser_init_generate_options (LsDiagnoser       *self,
                                                 LsGenerateOptions *options);
/* For a photo that is not_a_leaf or unusable no description is generated:
 * the fixed guidance of ls_diagnosis_status_text reaches @callback once, with
 * token id -1 (this works without a text model, and @stats is zeroed).  For an
 * uncertain one that text comes first (token id -1), then the description.
 * Streams the description through @callback (a diagnosis without an evidence
 * map gets a coarse one first, for the prompt only); FALSE with G_IO_ERROR_CANCELLED
 * when @cancellable fires (within one token's time).  @options NULL means
 * ls_diagnoser_init_generate_options; options without stop strings get the
 * model folder's.  Stop strings never reach @callback: text that may begin one
 * is held back until it is known not to, so the pieces concatenate to the
 * description without them.  The callback is called once per generated token
 * (the piece may be ""), and once more with token id -1 if held-back text is
 * released at the end.  Without a text model: LS_ERROR_INVALID_ARGUMENT. */
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
