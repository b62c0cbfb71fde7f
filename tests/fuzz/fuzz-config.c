/* fuzz-config.c: config.json into model shapes, preprocessor_config.json
 * into preprocessing settings and leafscope-prompt.json into a prompt
 * format; each input goes to all three parsers. */
#include "fuzz-common.h"
#include "model-config.h"
#include "model-config-private.h"
#include "prompt.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_make_warnings_fatal ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  LsModelConfig config;
  if (ls_model_config_parse (&config, (const char *) data, (gssize) size, &error))
    {
      /* What the loaders rely on afterwards. */
      if (config.arch != LS_ARCH_GPT2_LM_HEAD)
        {
          LsVitConfig *v = &config.vit;
          g_assert (v->hidden_size > 0 && v->num_heads > 0 && v->hidden_size % v->num_heads == 0);
          g_assert (v->patch_size > 0 && v->image_size % v->patch_size == 0);
          g_assert (v->num_layers > 0);
          for (int i = 0; i < v->num_labels; i++)
            g_assert (v->labels[i] != NULL);
        }
      if (config.arch == LS_ARCH_GPT2_LM_HEAD || config.arch == LS_ARCH_VISION_ENCODER_DECODER)
        {
          LsGpt2Config *g = &config.gpt2;
          g_assert (g->n_embd > 0 && g->n_head > 0 && g->n_embd % g->n_head == 0);
          g_assert (g->vocab_size > 0 && g->n_positions > 0 && g->n_layer > 0);
        }
      ls_model_config_clear (&config);
    }
  else
    g_assert (error != NULL);
  g_clear_error (&error);

  LsPreprocessConfig pp;
  if (ls_preprocess_config_parse (&pp, (const char *) data, (gssize) size, &error))
    g_assert (!pp.do_resize || pp.shortest_edge > 0 || (pp.width > 0 && pp.height > 0));
  else
    g_assert (error != NULL);
  g_clear_error (&error);

  LsPromptFormat *format = ls_prompt_format_parse ((const char *) data, (gssize) size,
                                                   "leafscope-prompt.json", &error);
  g_assert ((format == NULL) == (error != NULL));
  g_clear_pointer (&format, ls_prompt_format_free);
  return 0;
}
