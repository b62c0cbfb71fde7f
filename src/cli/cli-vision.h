/* cli-vision.h: what classify and evaluate share: loading a ViT and
 * turning photos into its input. */
#pragma once

#include "image.h"
#include "vit.h"

G_BEGIN_DECLS

/* Images per forward pass in `evaluate` and `classify`. */
#define LS_CLI_BATCH 8

/* ls_vit_load(), with a plain message when @model_dir is not a folder. */
LsVit *ls_cli_load_vit (const char *model_dir,
                        GError    **error);

typedef struct {
  char    *name;    /* file path, or FILE:TENSOR[index] */
  LsImage *photo;   /* decoded photo (NULL for --pixel-values) */
  float   *pixels;  /* (3, S, S) */
} LsCliInput;

void     ls_cli_input_clear      (LsCliInput *in);
/* Decodes and preprocesses @path for @vit; the size must come out as the
 * model's input size.  @keep_photo: keep the decoded photo in @in. */
gboolean ls_cli_input_from_image (LsCliInput *in,
                                  LsVit      *vit,
                                  const char *path,
                                  gboolean    keep_photo,
                                  GError    **error);

G_END_DECLS
