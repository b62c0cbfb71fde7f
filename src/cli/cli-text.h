/* cli-text.h: what the text commands (tokenize, detokenize, generate,
 * caption) share: the required model, the generation options and the
 * output once generation is done. */
#pragma once

#include "generate.h"

G_BEGIN_DECLS

/* Fails (returns 2) unless @model was given; 0 otherwise. */
int ls_cli_require_model (const char *command,
                          const char *model);

/* The options generate and caption share, as parsed. */
typedef struct {
  char     *model;
  int       max_new_tokens;
  gboolean  greedy;
  gboolean  sample;
  double    temperature;        /* NAN = not given */
  int       top_k;              /* -1 = not given */
  double    top_p;
  double    repetition_penalty;
  gint64    seed;
  char    **stop;
  gboolean  json;
  gboolean  stats;
} GenArgs;

void ls_cli_gen_args_init  (GenArgs *a);
void ls_cli_gen_args_clear (GenArgs *a);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GenArgs, ls_cli_gen_args_clear)

/* The generation options, as GOptionEntry lines. */
#define GEN_ENTRIES(a) \
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &(a).model, "Model folder", "DIR" }, \
  { "max-new-tokens", 'n', 0, G_OPTION_ARG_INT, &(a).max_new_tokens, "Tokens to generate at most (default 64)", "N" }, \
  { "greedy", 0, 0, G_OPTION_ARG_NONE, &(a).greedy, "Pick the most likely token (the default)", NULL }, \
  { "sample", 0, 0, G_OPTION_ARG_NONE, &(a).sample, "Sample (implied by the options below)", NULL }, \
  { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &(a).temperature, "Sampling temperature (1.0)", "T" }, \
  { "top-k", 0, 0, G_OPTION_ARG_INT, &(a).top_k, "Keep the K most likely tokens (0 = off)", "K" }, \
  { "top-p", 0, 0, G_OPTION_ARG_DOUBLE, &(a).top_p, "Keep the smallest set reaching probability P (1.0 = off)", "P" }, \
  { "repetition-penalty", 0, 0, G_OPTION_ARG_DOUBLE, &(a).repetition_penalty, "Penalise tokens already present (1.0 = off)", "R" }, \
  { "seed", 0, 0, G_OPTION_ARG_INT64, &(a).seed, "Sampling seed (0)", "S" }, \
  { "stop", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(a).stop, "Stop once the text contains STR (repeatable)", "STR" }, \
  { "json", 0, 0, G_OPTION_ARG_NONE, &(a).json, "Print one JSON object at the end", NULL }, \
  { "stats", 0, 0, G_OPTION_ARG_NONE, &(a).stats, "Print timings on stderr", NULL }

/* @a into @o on top of the engine's defaults; fails (printing why) on
 * contradictory or out-of-range options. */
gboolean ls_cli_gen_args_to_options (const char        *command,
                                     const GenArgs     *a,
                                     LsGenerateOptions *o);

/* Where the generated text goes. */
typedef struct {
  gboolean stream;  /* print pieces as they come */
  GString *text;
} StreamState;

/* An LsTokenCallback collecting pieces into a StreamState (and printing
 * them when it streams). */
gboolean ls_cli_stream_piece (int         token_id,
                              const char *piece,
                              gpointer    user_data);
/* What generate and caption print once the model is done: the streamed
 * text's end of line, or the JSON object (with "prompt_ids" when
 * @prompt_ids is given); then the statistics when asked for.  Returns the
 * exit status.  An interrupted run ends its streamed text with a newline and
 * prints no JSON (the text is unfinished). */
int ls_cli_finish_generation (const GenArgs         *a,
                              const StreamState     *state,
                              gboolean               ok,
                              GError               **error,
                              const GArray          *prompt_ids,
                              const GArray          *out_ids,
                              const LsGenerateStats *stats);

G_END_DECLS
