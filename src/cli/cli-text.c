/* cli-text.c: see cli-text.h. */
#include "config.h"

#include "cli-text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "cli-json.h"

int
ls_cli_require_model (const char *command, const char *model)
{
  if (model == NULL)
    return ls_cli_fail (NULL, "%s: --model DIR is required", command);
  return 0;
}

void
ls_cli_gen_args_init (GenArgs *a)
{
  memset (a, 0, sizeof *a);
  a->max_new_tokens = -1;
  a->temperature = NAN;
  a->top_k = -1;
  a->top_p = NAN;
  a->repetition_penalty = NAN;
}

void
ls_cli_gen_args_clear (GenArgs *a)
{
  g_free (a->model);
  g_strfreev (a->stop);
}

gboolean
ls_cli_gen_args_to_options (const char *command, const GenArgs *a, LsGenerateOptions *o)
{
  gboolean sampling_opts = !isnan (a->temperature) || a->top_k >= 0 || !isnan (a->top_p);

  ls_generate_options_init (o);
  if (a->greedy && (a->sample || sampling_opts))
    {
      ls_cli_fail (NULL, "%s: --greedy cannot be combined with --sample, --temperature, "
                   "--top-k or --top-p", command);
      return FALSE;
    }
  if (a->max_new_tokens >= 0)
    o->max_new_tokens = a->max_new_tokens;
  else if (a->max_new_tokens != -1)
    {
      ls_cli_fail (NULL, "%s: --max-new-tokens must not be negative", command);
      return FALSE;
    }
  o->do_sample = a->sample || sampling_opts;
  if (!isnan (a->temperature))
    o->temperature = (float) a->temperature;
  if (a->top_k >= 0)
    o->top_k = a->top_k;
  if (!isnan (a->top_p))
    o->top_p = (float) a->top_p;
  if (!isnan (a->repetition_penalty))
    o->repetition_penalty = (float) a->repetition_penalty;
  o->seed = (guint64) a->seed;
  o->stop_strings = (const char * const *) a->stop;
  if (!(o->temperature > 0.0f) || !(o->top_p > 0.0f && o->top_p <= 1.0f)
      || !(o->repetition_penalty > 0.0f))
    {
      ls_cli_fail (NULL, "%s: need --temperature > 0, 0 < --top-p <= 1 and "
                   "--repetition-penalty > 0", command);
      return FALSE;
    }
  return TRUE;
}

gboolean
ls_cli_stream_piece (int token_id, const char *piece, gpointer user_data)
{
  StreamState *s = user_data;
  (void) token_id;
  g_string_append (s->text, piece);
  if (s->stream && piece[0] != '\0')
    {
      fputs (piece, stdout);
      fflush (stdout);
    }
  return TRUE;
}

static const char *
stop_reason_name (LsStopReason r)
{
  switch (r)
    {
    case LS_STOP_END_OF_TEXT: return "end_of_text";
    case LS_STOP_MAX_TOKENS: return "max_new_tokens";
    case LS_STOP_STOP_STRING: return "stop_string";
    case LS_STOP_CONTEXT_FULL: return "context_full";
    case LS_STOP_CALLBACK: return "callback";
    default: return "unknown";
    }
}

static void
print_stats (const LsGenerateStats *st)
{
  fprintf (stderr,
           "prompt: %d tokens in %.3f s (%.1f tokens/s); generated: %d tokens, %.2f tokens/s "
           "after the first; first token after %.3f s; total %.3f s; stopped: %s\n",
           st->prompt_tokens, st->prompt_seconds, st->prompt_tokens_per_second,
           st->generated_tokens, st->generated_tokens_per_second, st->first_token_seconds,
           st->total_seconds,
           stop_reason_name (st->stop_reason));
}

static void
set_stats (JsonObject *root, const LsGenerateStats *st)
{
  json_object_set_string_member (root, "stop_reason", stop_reason_name (st->stop_reason));
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "prompt_tokens", st->prompt_tokens);
  json_object_set_int_member (o, "generated_tokens", st->generated_tokens);
  json_object_set_double_member (o, "prompt_seconds", st->prompt_seconds);
  json_object_set_double_member (o, "first_token_seconds", st->first_token_seconds);
  json_object_set_double_member (o, "total_seconds", st->total_seconds);
  json_object_set_double_member (o, "prompt_tokens_per_second", st->prompt_tokens_per_second);
  json_object_set_double_member (o, "generated_tokens_per_second", st->generated_tokens_per_second);
  json_object_set_object_member (root, "stats", o);
}

int
ls_cli_finish_generation (const GenArgs *a, const StreamState *state, gboolean ok, GError **error,
                          const GArray *prompt_ids, const GArray *out_ids, const LsGenerateStats *stats)
{
  if (!ok)
    {
      if (state->stream)
        printf ("\n");
      if (ls_cli_error_is_interrupt (*error))
        return ls_cli_interrupted ();
      return ls_cli_fail_error (NULL, error);
    }
  if (a->json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      if (prompt_ids != NULL)
        json_object_set_array_member (root, "prompt_ids",
                                      ls_cli_json_ints ((const int *) prompt_ids->data, prompt_ids->len));
      json_object_set_array_member (root, "ids", ls_cli_json_ints ((const int *) out_ids->data, out_ids->len));
      json_object_set_string_member (root, "text", state->text->str);
      set_stats (root, stats);
      ls_cli_print_object (root, FALSE);
    }
  else
    printf ("\n");
  if (a->stats)
    print_stats (stats);
  return 0;
}

