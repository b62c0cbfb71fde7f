/* generate.h: text generation with a language model (GPT-2, or the GPT-2
 * decoder of a ViT-GPT-2 captioner), streamed token by token. */
#pragma once

#include <gio/gio.h>

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

void ls_generate_options_init (LsGenerateOptions *options);

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
  double       prompt_tokens_per_second;
  double       generated_tokens_per_second;
  LsStopReason stop_reason;
} LsGenerateStats;

/* Called once per new token as soon as it exists, with its id and the text it
 * completes (UTF-8 whole: bytes of an unfinished character are held back, so
 * @piece may be "").  Return FALSE to stop. */
typedef gboolean (*LsTokenCallback) (int         token_id,
                                     const char *piece,
                                     gpointer    user_data);

G_END_DECLS
