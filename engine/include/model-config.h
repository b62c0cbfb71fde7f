/* config.h: config.json and preprocessor_config.json into plain structs.
 *
 * Every size is checked: zero, negative, absurd (> documented limits) or
 * inconsistent values (hidden not divisible by heads, image not divisible by
 * patch) fail with LS_ERROR_CONFIG naming the field.
 */
#pragma once

#include <glib.h>
#include "tensor.h"

G_BEGIN_DECLS

typedef enum {
  LS_ARCH_VIT_FOR_IMAGE_CLASSIFICATION, /* keys vit.* + classifier.* */
  LS_ARCH_VIT_MODEL,                    /* no prefix, optional pooler */
  LS_ARCH_GPT2_LM_HEAD,                 /* GPT2LMHeadModel, optional transformer. prefix */
  LS_ARCH_VISION_ENCODER_DECODER,       /* encoder.* ViT + decoder.* GPT-2 with cross-attention */
} LsArchitecture;

typedef struct {
  int          image_size;
  int          patch_size;
  int          num_channels;
  int          hidden_size;
  int          num_layers;
  int          num_heads;
  int          intermediate_size;
  float        layer_norm_eps;
  LsActivation hidden_act;
  gboolean     qkv_bias;
  int          num_labels;   /* 0 for ViTModel / encoders */
  char       **labels;       /* NULL-terminated, id order; NULL when num_labels == 0 */
} LsVitConfig;

typedef struct {
  int          vocab_size;
  int          n_positions;
  int          n_embd;
  int          n_layer;
  int          n_head;
  int          n_inner;      /* 4 * n_embd when absent */
  float        layer_norm_epsilon;
  LsActivation activation;
  gboolean     scale_attn_weights;
  gboolean     scale_attn_by_inverse_layer_idx;
  gboolean     add_cross_attention;
  int          bos_token_id; /* -1 when absent */
  int          eos_token_id; /* -1 when absent */
} LsGpt2Config;

typedef struct {
  LsArchitecture arch;
  char          *model_type;  /* "vit", "gpt2", "vision-encoder-decoder" */
  LsVitConfig    vit;         /* ViT archs, and the encoder of a vision-encoder-decoder */
  LsGpt2Config   gpt2;        /* GPT-2, and the decoder of a vision-encoder-decoder */
  int            decoder_start_token_id; /* -1 when absent */
  int            pad_token_id;           /* -1 when absent */
} LsModelConfig;

/* Reads DIR/config.json. */
gboolean ls_model_config_load  (LsModelConfig *config,
                                const char    *model_dir,
                                GError       **error);
void     ls_model_config_clear (LsModelConfig *config);

typedef struct {
  gboolean do_resize;
  int      height;        /* target size when do_resize and shortest_edge == 0 */
  int      width;
  int      shortest_edge; /* > 0 for {"shortest_edge": N} */
  int      resample;      /* PIL codes: 0 nearest, 2 bilinear, 3 bicubic */
  gboolean do_rescale;
  float    rescale_factor;
  gboolean do_normalize;
  float    image_mean[3];
  float    image_std[3];
} LsPreprocessConfig;

/* ViTImageProcessor defaults: 224x224, bilinear, 1/255, mean = std = 0.5. */
void     ls_preprocess_config_init_default (LsPreprocessConfig *config);
/* Reads DIR/preprocessor_config.json; a missing file gives the defaults. */
gboolean ls_preprocess_config_load  (LsPreprocessConfig *config,
                                     const char         *model_dir,
                                     GError            **error);

G_END_DECLS
