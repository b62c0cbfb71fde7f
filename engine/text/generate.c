/* generate.c: a language model folder (GPT-2 or ViT-GPT-2) and the token
 * loop: prefill, sample, stream whole characters, stop. */
#include "generate.h"
#include "generate-private.h"

#include <string.h>

#include "checkpoint.h"
#include "gpt2.h"
#include "ls-error.h"
#include "ops.h"
#include "sampler.h"
#include "stop-strings.h"
#include "vit.h"

struct _LsLanguageModel {
  LsModelConfig      config;
  LsCheckpoint      *checkpoint;
  LsTokenizer       *tokenizer;
  LsGpt2            *gpt2;
  LsVit             *vit;            /* captioners only */
  LsPreprocessConfig preprocess;
  const float       *enc_proj_w;     /* enc_to_dec_proj (n_embd, vit hidden), or NULL */
  const float       *enc_proj_b;
  int                eos_id;
  /* Per generation, planned once. */
  float             *logits;         /* (vocab) */
  GArray            *history;        /* int: prompt + generated */
  GString           *text;           /* generated text, for stop strings */
  LsTokenDecoder    *decoder;
};

void
ls_generate_options_init (LsGenerateOptions *options)
{
  memset (options, 0, sizeof *options);
  options->max_new_tokens = 64;
  options->do_sample = FALSE;
  options->temperature = 1.0f;
  options->top_k = 0;
  options->top_p = 1.0f;
  options->repetition_penalty = 1.0f;
  options->seed = LS_GENERATE_DEFAULT_SEED;
  options->stop_strings = NULL;
}

static const char * const unused_buffers[] = {
  ".attn.bias",          /* causal-mask buffers of old GPT-2 checkpoints */
  ".attn.masked_bias",
  ".crossattention.bias", /* the same in their cross-attention blocks */
  ".crossattention.masked_bias",
  "pooler.dense.weight", /* ViTModel's pooler: captioning reads the last hidden state */
  "pooler.dense.bias",
  NULL
};

LsLanguageModel *
ls_language_model_load (const char *model_dir, GError **error)
{
  g_autoptr(LsLanguageModel) self = g_new0 (LsLanguageModel, 1);
  gboolean captioner;

  if (!ls_model_config_load (&self->config, model_dir, error))
    return NULL;
  switch (self->config.arch)
    {
    case LS_ARCH_GPT2_LM_HEAD:
      captioner = FALSE;
      break;
    case LS_ARCH_VISION_ENCODER_DECODER:
      captioner = TRUE;
      break;
    default:
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "%s: model type “%s” is not a language model (GPT-2 or ViT-GPT-2)",
                   model_dir, self->config.model_type ? self->config.model_type : "?");
      return NULL;
    }
  if (captioner && !self->config.gpt2.add_cross_attention)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "%s/config.json: the decoder of a vision-encoder-decoder needs "
                   "add_cross_attention", model_dir);
      return NULL;
    }

  if ((self->checkpoint = ls_checkpoint_open (model_dir, error)) == NULL
      || (self->tokenizer = ls_tokenizer_load (model_dir, error)) == NULL
      || (self->gpt2 = ls_gpt2_new (self->checkpoint, &self->config.gpt2,
                                    captioner ? "decoder." : "", error)) == NULL)
    return NULL;

  if (captioner)
    {
      if ((self->vit = ls_vit_new (self->checkpoint, &self->config.vit, "encoder.", FALSE,
                                   error)) == NULL
          || !ls_preprocess_config_load (&self->preprocess, model_dir, error))
        return NULL;
      /* VisionEncoderDecoderModel projects the encoder output when the widths
       * differ. */
      if (ls_checkpoint_lookup (self->checkpoint, "enc_to_dec_proj.weight") != NULL)
        {
          int64_t w[2] = { self->config.gpt2.n_embd, self->config.vit.hidden_size };
          int64_t b[1] = { self->config.gpt2.n_embd };
          if ((self->enc_proj_w = ls_checkpoint_get_f32 (self->checkpoint, "enc_to_dec_proj.weight",
                                                         2, w, error)) == NULL
              || (self->enc_proj_b = ls_checkpoint_get_f32 (self->checkpoint, "enc_to_dec_proj.bias",
                                                            1, b, error)) == NULL)
            return NULL;
        }
      else if (self->config.vit.hidden_size != self->config.gpt2.n_embd)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR,
                       "%s: encoder width %d differs from decoder width %d and there is no "
                       "enc_to_dec_proj.weight", model_dir, self->config.vit.hidden_size,
                       self->config.gpt2.n_embd);
          return NULL;
        }
    }
  if (!ls_checkpoint_check_all_used (self->checkpoint, unused_buffers, error))
    return NULL;

  int tok_vocab = ls_tokenizer_get_vocab_size (self->tokenizer);
  if (tok_vocab > self->config.gpt2.vocab_size)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "%s: the tokenizer has %d tokens but the model only %d (vocab_size)",
                   model_dir, tok_vocab, self->config.gpt2.vocab_size);
      return NULL;
    }
  self->eos_id = self->config.gpt2.eos_token_id >= 0
    ? self->config.gpt2.eos_token_id : ls_tokenizer_get_eos_id (self->tokenizer);

  self->logits = g_new (float, self->config.gpt2.vocab_size);
  self->history = g_array_sized_new (FALSE, FALSE, sizeof (int), self->config.gpt2.n_positions);
  self->text = g_string_sized_new (1024);
  self->decoder = ls_token_decoder_new (self->tokenizer);
  return g_steal_pointer (&self);
}

void
ls_language_model_free (LsLanguageModel *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->decoder, ls_token_decoder_free);
  if (self->text != NULL)
    g_string_free (self->text, TRUE);
  g_clear_pointer (&self->history, g_array_unref);
  g_free (self->logits);
  g_clear_pointer (&self->vit, ls_vit_free);
  g_clear_pointer (&self->gpt2, ls_gpt2_free);
  g_clear_pointer (&self->tokenizer, ls_tokenizer_free);
  g_clear_pointer (&self->checkpoint, ls_checkpoint_free);
  ls_model_config_clear (&self->config);
  g_free (self);
}

gboolean
ls_language_model_is_captioner (LsLanguageModel *self)
{
  return self->vit != NULL;
}

LsTokenizer *
ls_language_model_get_tokenizer (LsLanguageModel *self)
{
  return self->tokenizer;
}

const LsModelConfig *
ls_language_model_get_config (LsLanguageModel *self)
{
  return &self->config;
}

int
ls_language_model_get_eos_id (LsLanguageModel *self)
{
  return self->eos_id;
}

int
ls_language_model_get_context_length (LsLanguageModel *self)
{
  return self->config.gpt2.n_positions;
}

const LsPreprocessConfig *
ls_language_model_get_preprocess_config (LsLanguageModel *self)
{
  return self->vit != NULL ? &self->preprocess : NULL;
}

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static void
finish_stats (LsGenerateStats *stats, gint64 start)
{
  if (stats == NULL)
    return;
  stats->total_seconds = seconds_since (start);
  stats->prompt_tokens_per_second =
    stats->prompt_seconds > 0 ? stats->prompt_tokens / stats->prompt_seconds : 0.0;
  /* Decode speed: the first token comes from the prompt's logits, each later
   * one costs a forward pass. */
  double decode = stats->total_seconds - stats->first_token_seconds;
  stats->generated_tokens_per_second =
    decode > 0 && stats->generated_tokens > 1 ? (stats->generated_tokens - 1) / decode : 0.0;
}

/* The loop shared by text generation and captioning.  The cache must hold
 * nothing of a previous call: it is reset here. */
static gboolean
run_generation (LsLanguageModel *self, const int *prompt, int n_prompt,
                const LsGenerateOptions *options_in, LsTokenCallback callback,
                gpointer user_data, GArray *out_ids, LsGenerateStats *stats_out,
                GCancellable *cancellable, GError **error)
{
  LsGenerateOptions defaults;
  const LsGenerateOptions *options = options_in;
  LsGenerateStats local_stats;
  LsGenerateStats *stats = stats_out != NULL ? stats_out : &local_stats;
  int P = self->config.gpt2.n_positions, V = self->config.gpt2.vocab_size;
  gint64 start = g_get_monotonic_time ();

  if (options == NULL)
    {
      ls_generate_options_init (&defaults);
      options = &defaults;
    }
  memset (stats, 0, sizeof *stats);
  stats->prompt_tokens = n_prompt;

  if (n_prompt <= 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT, "empty prompt");
      return FALSE;
    }
  if (n_prompt >= P)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_TOO_LARGE,
                   "the prompt of %d tokens leaves no room in the context of %d positions",
                   n_prompt, P);
      return FALSE;
    }
  if (options->max_new_tokens < 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "max_new_tokens must not be negative (%d)", options->max_new_tokens);
      return FALSE;
    }
  if (options->do_sample && (options->temperature <= 0.0f || options->top_p <= 0.0f
                             || options->top_p > 1.0f || options->top_k < 0))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "sampling needs temperature > 0, 0 < top_p <= 1 and top_k >= 0");
      return FALSE;
    }
  if (options->repetition_penalty <= 0.0f)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "repetition_penalty must be positive (%g)", options->repetition_penalty);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  ls_gpt2_reset (self->gpt2);
  if (!ls_gpt2_forward (self->gpt2, prompt, n_prompt, self->logits, FALSE, cancellable, error))
    {
      finish_stats (stats_out, start);
      return FALSE;
    }
  stats->prompt_seconds = seconds_since (start);

  const LsSamplerOptions sampling = {
    .do_sample = options->do_sample,
    .temperature = options->temperature,
    .top_k = options->top_k,
    .top_p = options->top_p,
    .repetition_penalty = options->repetition_penalty,
    .seed = options->seed,
  };
  g_autoptr(LsSampler) sampler = ls_sampler_new (V, &sampling);
  g_array_set_size (self->history, 0);
  g_array_append_vals (self->history, prompt, n_prompt);
  g_string_truncate (self->text, 0);
  ls_token_decoder_reset (self->decoder);
  stats->stop_reason = LS_STOP_MAX_TOKENS;

  for (int step = 0; step < options->max_new_tokens; step++)
    {
      if ((int) self->history->len >= P)
        {
          stats->stop_reason = LS_STOP_CONTEXT_FULL;
          break;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          finish_stats (stats_out, start);
          return FALSE;
        }

      int id = ls_sampler_next (sampler, self->logits, (const int *) self->history->data,
                                self->history->len);
      g_array_append_val (self->history, id);
      if (out_ids != NULL)
        g_array_append_val (out_ids, id);
      if (stats->generated_tokens++ == 0)
        stats->first_token_seconds = seconds_since (start);

      if (id == self->eos_id)
        {
          if (callback != NULL)
            callback (id, "", user_data);
          stats->stop_reason = LS_STOP_END_OF_TEXT;
          break;
        }
      const char *piece = ls_token_decoder_push (self->decoder, id, error);
      if (piece == NULL)
        {
          finish_stats (stats_out, start);
          return FALSE;
        }
      gsize old_len = self->text->len;
      g_string_append (self->text, piece);
      if (callback != NULL && !callback (id, piece, user_data))
        {
          stats->stop_reason = LS_STOP_CALLBACK;
          break;
        }
      if (ls_stop_strings_find (self->text->str, self->text->len, old_len, options->stop_strings) >= 0)
        {
          stats->stop_reason = LS_STOP_STOP_STRING;
          break;
        }
      /* Feed the token back unless this was the last one we may produce. */
      if (step + 1 < options->max_new_tokens && (int) self->history->len < P
          && !ls_gpt2_forward (self->gpt2, &id, 1, self->logits, FALSE, NULL, error))
        {
          finish_stats (stats_out, start);
          return FALSE;
        }
    }

  /* Bytes of an unfinished character at the end come out as U+FFFD, as the
   * whole-text decode gives them. */
  const char *tail = ls_token_decoder_flush (self->decoder);
  if (tail[0] != '\0')
    {
      g_string_append (self->text, tail);
      if (callback != NULL && stats->stop_reason != LS_STOP_CALLBACK)
        callback (-1, tail, user_data);
    }
  finish_stats (stats_out, start);
  return TRUE;
}

gboolean
ls_language_model_generate_ids (LsLanguageModel *self, const int *prompt_ids, int n_prompt,
                                const LsGenerateOptions *options, LsTokenCallback callback,
                                gpointer user_data, GArray *out_ids, LsGenerateStats *stats,
                                GCancellable *cancellable, GError **error)
{
  if (self->vit != NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "this model is an image captioner: it generates from an image");
      return FALSE;
    }
  return run_generation (self, prompt_ids, n_prompt, options, callback, user_data, out_ids,
                         stats, cancellable, error);
}

gboolean
ls_language_model_generate (LsLanguageModel *self, const char *prompt,
                            const LsGenerateOptions *options, LsTokenCallback callback,
                            gpointer user_data, GArray *out_ids, LsGenerateStats *stats,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));

  if (!ls_tokenizer_encode (self->tokenizer, prompt, -1, ids, error))
    return FALSE;
  if (ids->len == 0)
    {
      /* As transformers does for an empty input: start from bos. */
      int bos = self->config.gpt2.bos_token_id >= 0 ? self->config.gpt2.bos_token_id : self->eos_id;
      if (bos < 0)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "empty prompt and the model has no bos or eos token to start from");
          return FALSE;
        }
      g_array_append_val (ids, bos);
    }
  return ls_language_model_generate_ids (self, (const int *) ids->data, ids->len, options,
                                         callback, user_data, out_ids, stats, cancellable, error);
}

gboolean
ls_language_model_caption (LsLanguageModel *self, const float *pixel_values,
                           const LsGenerateOptions *options, LsTokenCallback callback,
                           gpointer user_data, GArray *out_ids, LsGenerateStats *stats,
                           GCancellable *cancellable, GError **error)
{
  if (self->vit == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "this model is not an image captioner (no ViT encoder)");
      return FALSE;
    }
  int start = self->config.decoder_start_token_id >= 0
    ? self->config.decoder_start_token_id : self->config.gpt2.bos_token_id;
  if (start < 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "config.json: no decoder_start_token_id (nor a decoder bos_token_id)");
      return FALSE;
    }

  g_autoptr(LsVitOutput) enc = ls_vit_forward (self->vit, pixel_values, 1, LS_VIT_OUTPUT_DEFAULT,
                                               cancellable, error);
  if (enc == NULL)
    return FALSE;
  const float *states = enc->last_hidden; /* (T, vit hidden) */
  g_autofree float *projected = NULL;
  if (self->enc_proj_w != NULL)
    {
      projected = g_new (float, (gsize) enc->tokens * self->config.gpt2.n_embd);
      ls_linear (projected, states, self->enc_proj_w, self->enc_proj_b, enc->tokens,
                 enc->hidden_size, self->config.gpt2.n_embd);
      states = projected;
    }
  if (!ls_gpt2_set_encoder_states (self->gpt2, states, enc->tokens, error))
    return FALSE;

  if (out_ids != NULL)
    g_array_append_val (out_ids, start);
  return run_generation (self, &start, 1, options, callback, user_data, out_ids, stats,
                         cancellable, error);
}
