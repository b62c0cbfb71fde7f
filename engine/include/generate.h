/* generate.h: text generation with a language model (GPT-2, or the GPT-2
 * decoder of a ViT-GPT-2 captioner), streamed token by token. */
#pragma once

#include <gio/gio.h>
#include "bpe.h"
#include "model-config.h"

G_BEGIN_DECLS

typedef struct {
  int          max_new_tokens;     /* default 64 */
  gboolean     do_sample;          /* FALSE: greedy */
  float        temperature;        /* 1.0 */
  int          top_k;              /* 0 = off */
  float        top_p;              /* 1.0 = off */
  float        repetition_penalty; /* 1.0 = off (transformers semantics) */
  guint64      seed;               /* sampling is reproducible for a given seed */
  const char * const *stop_strings; /* NULL-terminated, or NULL */
} LsGenerateOptions;

/* The seed of ls_generate_options_init, so of a first description in
 * `leafscope-cli diagnose` (no --seed) and in the window (a new photo): the
 * same photo gets the same text in both, on every run. */
#define LS_GENERATE_DEFAULT_SEED 0

void ls_generate_options_init (LsGenerateOptions *options);

/* Why a generation ended.  LS_STOP_CONTEXT_FULL: the sequence (prompt +
 * generated, or decoder start + generated) reached n_positions, the model's
 * context; no token is generated past it and the call still succeeds.  A
 * prompt that alone does not leave room for one new token fails with
 * LS_ERROR_TOO_LARGE instead. */
typedef enum {
  LS_STOP_END_OF_TEXT,
  LS_STOP_MAX_TOKENS,
  LS_STOP_STOP_STRING,
  LS_STOP_CONTEXT_FULL,   /* n_positions reached: generation ends there */
  LS_STOP_CALLBACK,       /* the token callback returned FALSE */
} LsStopReason;

typedef struct {
  int          prompt_tokens;
  int          generated_tokens;
  double       prompt_seconds;       /* prefill time */
  double       first_token_seconds;  /* from the call to the first new token */
  double       total_seconds;
  double       prompt_tokens_per_second;    /* prompt_tokens / prompt_seconds */
  double       generated_tokens_per_second; /* tokens after the first / time after it; 0 below 2 tokens */
  LsStopReason stop_reason;
} LsGenerateStats;

/* Called once per new token as soon as it exists, with its id and the text it
 * completes (UTF-8 whole: bytes of an unfinished character are held back, so
 * @piece may be "").  Return FALSE to stop.  When the generation ends inside
 * an unfinished character, one last call with @token_id -1 delivers U+FFFD for
 * those bytes (as a whole-text decode would show them). */
typedef gboolean (*LsTokenCallback) (int         token_id,
                                     const char *piece,
                                     gpointer    user_data);

/* A language model folder: GPT2LMHeadModel (keys with or without the
 * "transformer." prefix) or a ViT-GPT-2 VisionEncoderDecoderModel captioner,
 * with its tokenizer (vocab.json + merges.txt in the same folder).
 *
 * One generation at a time per model (the KV cache lives in the model); use it
 * from one thread at a time.  Only @cancellable may be touched from another
 * thread: it is checked before every token, so a cancel stops the call within
 * one token's time with G_IO_ERROR_CANCELLED.
 *
 * Sampling semantics follow transformers' logits processors, in this order:
 * repetition penalty (over every id so far, prompt included), temperature,
 * top-k, top-p; then a draw from a PRNG seeded with options->seed (owned by the
 * call, no global state).  Greedy when !do_sample.  Stops at the eos id (the
 * config's eos_token_id, else "<|endoftext|>"; the eos id is reported to the
 * callback and stored in @out_ids but its piece is ""), at a stop string (the
 * generated text contains it; the text includes it), at max_new_tokens, or
 * when the context is full (see LsStopReason). */
typedef struct _LsLanguageModel LsLanguageModel;

LsLanguageModel *ls_language_model_load           (const char       *model_dir,
                                                   GError          **error);
/* TRUE for a ViT-GPT-2 captioner (use ls_language_model_caption). */
gboolean         ls_language_model_is_captioner   (LsLanguageModel  *self);
LsTokenizer     *ls_language_model_get_tokenizer  (LsLanguageModel  *self);
const LsModelConfig *ls_language_model_get_config (LsLanguageModel  *self);
/* The end-of-text id generation stops at, or -1 when there is none. */
int              ls_language_model_get_eos_id     (LsLanguageModel  *self);
/* Captioners: the image processor settings (defaults when the folder has no
 * preprocessor_config.json); NULL for a plain GPT-2. */
const LsPreprocessConfig *ls_language_model_get_preprocess_config (LsLanguageModel *self);

/* Encodes @prompt (an empty prompt starts from the bos/eos token) and
 * generates.  @out_ids (GArray of int, nullable) receives the NEW ids only.
 * @stats (nullable) is filled on success and on cancellation. */
gboolean         ls_language_model_generate       (LsLanguageModel         *self,
                                                   const char              *prompt,
                                                   const LsGenerateOptions *options,
                                                   LsTokenCallback          callback,
                                                   gpointer                 user_data,
                                                   GArray                  *out_ids,
                                                   LsGenerateStats         *stats,
                                                   GCancellable            *cancellable,
                                                   GError                 **error);
/* Same from token ids (@n_prompt >= 1). */
gboolean         ls_language_model_generate_ids   (LsLanguageModel         *self,
                                                   const int               *prompt_ids,
                                                   int                      n_prompt,
                                                   const LsGenerateOptions *options,
                                                   LsTokenCallback          callback,
                                                   gpointer                 user_data,
                                                   GArray                  *out_ids,
                                                   LsGenerateStats         *stats,
                                                   GCancellable            *cancellable,
                                                   GError                 **error);
/* Captioners only: runs the ViT encoder on @pixel_values [channels, image,
 * image] (already preprocessed), then generates from decoder_start_token_id.
 * @out_ids receives the whole decoder sequence, start token first (as
 * transformers' generate returns it); the callback sees new tokens only. */
gboolean         ls_language_model_caption        (LsLanguageModel         *self,
                                                   const float             *pixel_values,
                                                   const LsGenerateOptions *options,
                                                   LsTokenCallback          callback,
                                                   gpointer                 user_data,
                                                   GArray                  *out_ids,
                                                   LsGenerateStats         *stats,
                                                   GCancellable            *cancellable,
                                                   GError                 **error);
void             ls_language_model_free           (LsLanguageModel  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsLanguageModel, ls_language_model_free)

G_END_DECLS
