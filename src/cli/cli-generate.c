/* cli-generate.c: `leafscope-cli generate`, GPT-2 text continued from a
 * prompt, streamed. */
#include "config.h"

#include "cli-common.h"

#include "bpe.h"
#include "cli-text.h"
#include "generate.h"

int
ls_cli_generate (int argc, char **argv)
{
  g_auto(GenArgs) a;
  g_autofree char *prompt = NULL;
  ls_cli_gen_args_init (&a);
  const GOptionEntry entries[] = {
    GEN_ENTRIES (a),
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt, "Text to continue", "STR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  LsGenerateOptions options;
  LsGenerateStats stats;

  if (!ls_cli_parse ("generate", "", entries, &argc, &argv)
      || ls_cli_require_model ("generate", a.model)
      || !ls_cli_gen_args_to_options ("generate", &a, &options))
    return 2;
  if (prompt == NULL)
    return ls_cli_fail (NULL, "generate: --prompt STR is required");

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  g_autoptr(LsLanguageModel) lm = ls_language_model_load (a.model, &error);
  if (lm == NULL)
    return ls_cli_fail_error (a.model, &error);
  if (ls_language_model_is_captioner (lm))
    return ls_cli_fail (a.model, "an image captioner: use 'leafscope-cli caption'");
  g_autoptr(GArray) prompt_ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (!ls_tokenizer_encode (ls_language_model_get_tokenizer (lm), prompt, -1, prompt_ids, &error))
    return ls_cli_fail_error (NULL, &error);
  if (prompt_ids->len == 0)
    {
      const LsModelConfig *cfg = ls_language_model_get_config (lm);
      int bos = cfg->gpt2.bos_token_id >= 0 ? cfg->gpt2.bos_token_id : ls_language_model_get_eos_id (lm);
      if (bos < 0)
        return ls_cli_fail (NULL, "generate: empty prompt and no bos token to start from");
      g_array_append_val (prompt_ids, bos);
    }

  g_autoptr(GString) text = g_string_new (NULL);
  StreamState state = { !a.json, text };
  g_autoptr(GArray) out_ids = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean ok = ls_language_model_generate_ids (lm, (int *) prompt_ids->data, prompt_ids->len,
                                                &options, ls_cli_stream_piece, &state, out_ids, &stats,
                                                cancellable, &error);
  return ls_cli_finish_generation (&a, &state, ok, &error, prompt_ids, out_ids, &stats);
}

