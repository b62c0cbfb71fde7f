/* cli-generate.c: tokenize, detokenize, generate and caption. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bpe.h"
#include "cli-common.h"
#include "generate.h"
#include "image.h"
#include "ls-error.h"
#include "safetensors.h"

/* ------------------------------------------------------------ helpers */

static void
add_ids (JsonBuilder *b, const char *name, const int *ids, gsize n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    json_builder_add_int_value (b, ids[i]);
  json_builder_end_array (b);
}

static int
require_model (const char *command, const char *model)
{
  if (model == NULL)
    return ls_cli_fail (NULL, "%s: --model DIR is required", command);
  return 0;
}

/* "1,2,3" or "1 2 3" (or both) into @ids. */
static gboolean
parse_ids (const char *text, GArray *ids, GError **error)
{
  const char *p = text;
  while (*p != '\0')
    {
      while (*p == ',' || g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      char *end = NULL;
      gint64 v = g_ascii_strtoll (p, &end, 10);
      if (end == p || (*end != '\0' && *end != ',' && !g_ascii_isspace (*end)) || v < 0 || v > G_MAXINT)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "--ids: “%s” is not a list of token ids (e.g. 15496,995)", text);
          return FALSE;
        }
      int id = (int) v;
      g_array_append_val (ids, id);
      p = end;
    }
  return TRUE;
}

/* ----------------------------------------------------- tokenize, detokenize */

int
ls_cli_tokenize (int argc, char **argv)
{
  g_autofree char *model = NULL, *text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model folder (vocab.json, merges.txt)", "DIR" },
    { "text", 't', 0, G_OPTION_ARG_STRING, &text, "Text to encode", "STR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print {\"ids\": [...]}", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!ls_cli_parse ("tokenize", "", entries, &argc, &argv))
    return 2;
  if (require_model ("tokenize", model))
    return 2;
  if (text == NULL)
    return ls_cli_fail (NULL, "tokenize: --text STR is required");

  g_autoptr(LsTokenizer) tok = ls_tokenizer_load (model, &error);
  if (tok == NULL)
    return ls_cli_fail_error (model, &error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (!ls_tokenizer_encode (tok, text, -1, ids, &error))
    return ls_cli_fail_error (NULL, &error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_ids (b, "ids", (int *) ids->data, ids->len);
      json_builder_end_object (b);
      ls_cli_print_json (b, FALSE);
    }
  else
    {
      for (guint i = 0; i < ids->len; i++)
        printf ("%s%d", i > 0 ? " " : "", g_array_index (ids, int, i));
      printf ("\n");
    }
  return 0;
}

int
ls_cli_detokenize (int argc, char **argv)
{
  g_autofree char *model = NULL, *ids_text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model folder (vocab.json, merges.txt)", "DIR" },
    { "ids", 'i', 0, G_OPTION_ARG_STRING, &ids_text, "Token ids, comma-separated", "1,2,3" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print {\"text\": ...}", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!ls_cli_parse ("detokenize", "", entries, &argc, &argv))
    return 2;
  if (require_model ("detokenize", model))
    return 2;
  if (ids_text == NULL)
    return ls_cli_fail (NULL, "detokenize: --ids 1,2,3 is required");

  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (!parse_ids (ids_text, ids, &error))
    return ls_cli_fail_error (NULL, &error);
  g_autoptr(LsTokenizer) tok = ls_tokenizer_load (model, &error);
  if (tok == NULL)
    return ls_cli_fail_error (model, &error);
  g_autofree char *text = ls_tokenizer_decode (tok, (int *) ids->data, ids->len, &error);
  if (text == NULL)
    return ls_cli_fail_error (NULL, &error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, text);
      json_builder_end_object (b);
      ls_cli_print_json (b, FALSE);
    }
  else
    printf ("%s\n", text);
  return 0;
}

/* ------------------------------------------------------ generate, caption */

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

static void
gen_args_init (GenArgs *a)
{
  memset (a, 0, sizeof *a);
  a->max_new_tokens = -1;
  a->temperature = NAN;
  a->top_k = -1;
  a->top_p = NAN;
  a->repetition_penalty = NAN;
}

static void
gen_args_clear (GenArgs *a)
{
  g_free (a->model);
  g_strfreev (a->stop);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GenArgs, gen_args_clear)

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

static gboolean
gen_args_to_options (const char *command, const GenArgs *a, LsGenerateOptions *o)
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

typedef struct {
  gboolean stream;  /* print pieces as they come */
  GString *text;
} StreamState;

static gboolean
stream_cb (int token_id, const char *piece, gpointer user_data)
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
add_stats (JsonBuilder *b, const LsGenerateStats *st)
{
  json_builder_set_member_name (b, "stop_reason");
  json_builder_add_string_value (b, stop_reason_name (st->stop_reason));
  json_builder_set_member_name (b, "stats");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "prompt_tokens");
  json_builder_add_int_value (b, st->prompt_tokens);
  json_builder_set_member_name (b, "generated_tokens");
  json_builder_add_int_value (b, st->generated_tokens);
  json_builder_set_member_name (b, "prompt_seconds");
  json_builder_add_double_value (b, st->prompt_seconds);
  json_builder_set_member_name (b, "first_token_seconds");
  json_builder_add_double_value (b, st->first_token_seconds);
  json_builder_set_member_name (b, "total_seconds");
  json_builder_add_double_value (b, st->total_seconds);
  json_builder_set_member_name (b, "prompt_tokens_per_second");
  json_builder_add_double_value (b, st->prompt_tokens_per_second);
  json_builder_set_member_name (b, "generated_tokens_per_second");
  json_builder_add_double_value (b, st->generated_tokens_per_second);
  json_builder_end_object (b);
}

/* What generate and caption print once the model is done: the streamed
 * text's end of line, or the JSON object (with "prompt_ids" when
 * @prompt_ids is given); then the statistics when asked for.  Returns the
 * exit status.  An interrupted run ends its streamed text with a newline and
 * prints no JSON (the text is unfinished). */
static int
finish_generation (const GenArgs *a, const StreamState *state, gboolean ok, GError **error,
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
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      if (prompt_ids != NULL)
        add_ids (b, "prompt_ids", (const int *) prompt_ids->data, prompt_ids->len);
      add_ids (b, "ids", (const int *) out_ids->data, out_ids->len);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, state->text->str);
      add_stats (b, stats);
      json_builder_end_object (b);
      ls_cli_print_json (b, FALSE);
    }
  else
    printf ("\n");
  if (a->stats)
    print_stats (stats);
  return 0;
}

int
ls_cli_generate (int argc, char **argv)
{
  g_auto(GenArgs) a;
  g_autofree char *prompt = NULL;
  gen_args_init (&a);
  const GOptionEntry entries[] = {
    GEN_ENTRIES (a),
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt, "Text to continue", "STR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  LsGenerateOptions options;
  LsGenerateStats stats;

  if (!ls_cli_parse ("generate", "", entries, &argc, &argv)
      || require_model ("generate", a.model)
      || !gen_args_to_options ("generate", &a, &options))
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
                                                &options, stream_cb, &state, out_ids, &stats,
                                                cancellable, &error);
  return finish_generation (&a, &state, ok, &error, prompt_ids, out_ids, &stats);
}

/* FILE.safetensors:TENSOR, float32 [3, S, S] or [1, 3, S, S]. */
static float *
read_pixel_values (const char *spec, int channels, int size, GError **error)
{
  const char *colon = strrchr (spec, ':');
  if (colon == NULL || colon == spec || colon[1] == '\0')
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "--pixel-values expects FILE.safetensors:TENSOR, not “%s”", spec);
      return NULL;
    }
  g_autofree char *path = g_strndup (spec, colon - spec);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (path, error);
  if (st == NULL)
    return NULL;
  const LsTensorView *v = ls_safetensors_lookup (st, colon + 1);
  if (v == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR, "%s: no tensor “%s”", path, colon + 1);
      return NULL;
    }
  gboolean shape_ok = (v->ndim == 3 && v->shape[0] == channels && v->shape[1] == size
                       && v->shape[2] == size)
    || (v->ndim == 4 && v->shape[0] == 1 && v->shape[1] == channels && v->shape[2] == size
        && v->shape[3] == size);
  if (v->dtype != LS_DTYPE_F32 || !shape_ok)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_SHAPE,
                   "%s: tensor “%s” must be F32 [%d, %d, %d] (the model's image size)",
                   path, colon + 1, channels, size, size);
      return NULL;
    }
  float *pixels = g_new (float, (gsize) channels * size * size);
  memcpy (pixels, v->data, sizeof (float) * channels * size * size); /* may be unaligned */
  return pixels;
}

int
ls_cli_caption (int argc, char **argv)
{
  g_auto(GenArgs) a;
  g_autofree char *pixel_spec = NULL;
  gen_args_init (&a);
  const GOptionEntry entries[] = {
    GEN_ENTRIES (a),
    { "pixel-values", 0, 0, G_OPTION_ARG_STRING, &pixel_spec,
      "Preprocessed input instead of an image", "FILE.safetensors:TENSOR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  LsGenerateOptions options;
  LsGenerateStats stats;

  if (!ls_cli_parse ("caption", "[IMAGE]", entries, &argc, &argv)
      || require_model ("caption", a.model)
      || !gen_args_to_options ("caption", &a, &options))
    return 2;
  const char *image_path = argc >= 2 ? argv[1] : NULL;
  if ((image_path == NULL) == (pixel_spec == NULL) || argc > 2)
    return ls_cli_fail (NULL, "caption: give one IMAGE or --pixel-values FILE:TENSOR");

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  g_autoptr(LsLanguageModel) lm = ls_language_model_load (a.model, &error);
  if (lm == NULL)
    return ls_cli_fail_error (a.model, &error);
  if (!ls_language_model_is_captioner (lm))
    return ls_cli_fail (a.model, "not an image captioner (a VisionEncoderDecoderModel)");
  const LsVitConfig *vit = &ls_language_model_get_config (lm)->vit;
  g_autofree float *pixels = NULL;
  if (pixel_spec != NULL)
    {
      pixels = read_pixel_values (pixel_spec, vit->num_channels, vit->image_size, &error);
      if (pixels == NULL)
        return ls_cli_fail_error (NULL, &error);
    }
  else
    {
      g_autoptr(LsImage) image = ls_image_load (image_path, &error);
      int h = 0, w = 0;
      if (image != NULL)
        pixels = ls_image_preprocess (image, ls_language_model_get_preprocess_config (lm),
                                      &h, &w, &error);
      if (pixels == NULL)
        return ls_cli_fail_error (image_path, &error);
      if (h != vit->image_size || w != vit->image_size || vit->num_channels != 3)
        return ls_cli_fail (image_path, "preprocessed to %dx%d but the encoder expects %dx%d",
                              w, h, vit->image_size, vit->image_size);
    }

  g_autoptr(GString) text = g_string_new (NULL);
  StreamState state = { !a.json, text };
  g_autoptr(GArray) out_ids = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean ok = ls_language_model_caption (lm, pixels, &options, stream_cb, &state, out_ids,
                                           &stats, cancellable, &error);
  return finish_generation (&a, &state, ok, &error, NULL, out_ids, &stats);
}
