/* vit.h: the HuggingFace ViT forward pass (ViTForImageClassification,
 * ViTModel, and the encoder of a VisionEncoderDecoderModel). */
#pragma once

#include <gio/gio.h>
#include "checkpoint.h"
#include "model-config.h"

G_BEGIN_DECLS

typedef struct _LsVit LsVit;

typedef enum {
  LS_VIT_OUTPUT_DEFAULT       = 0,
  LS_VIT_OUTPUT_ATTENTIONS    = 1 << 0,
  LS_VIT_OUTPUT_HIDDEN_STATES = 1 << 1,
} LsVitOutputFlags;

typedef struct {
  int    batch;
  int    num_labels;      /* 0 for models without a classifier */
  int    num_layers;
  int    num_heads;
  int    tokens;          /* T = 1 + patches, CLS first */
  int    hidden_size;
  float *logits;          /* [batch, num_labels] or NULL */
  float *probs;           /* softmax of logits, or NULL */
  float *last_hidden;     /* [batch, T, hidden] after the final LayerNorm */
  float *attentions;      /* [num_layers][batch, heads, T, T] when requested, else NULL */
  float *hidden_states;   /* [num_layers + 1][batch, T, hidden] when requested, else NULL */
} LsVitOutput;

/* Loads DIR (config.json + weights); any of the three layouts. */
LsVit             *ls_vit_load           (const char        *model_dir,
                                          GError           **error);
/* Builds from an open checkpoint whose keys start with @prefix ("vit.", "",
 * "encoder."); @checkpoint must outlive the model. */
LsVit             *ls_vit_new            (LsCheckpoint      *checkpoint,
                                          const LsVitConfig *config,
                                          const char        *prefix,
                                          gboolean           with_classifier,
                                          GError           **error);
const LsVitConfig *ls_vit_get_config     (LsVit             *self);
/* The image processor settings read beside the weights (defaults otherwise). */
const LsPreprocessConfig *ls_vit_get_preprocess_config (LsVit *self);
/* @pixel_values: [batch, channels, image, image] float32. */
LsVitOutput       *ls_vit_forward        (LsVit             *self,
                                          const float       *pixel_values,
                                          int                batch,
                                          LsVitOutputFlags   flags,
                                          GCancellable      *cancellable,
                                          GError           **error);
void               ls_vit_output_free    (LsVitOutput       *output);
void               ls_vit_free           (LsVit             *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsVit, ls_vit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsVitOutput, ls_vit_output_free)

G_END_DECLS
