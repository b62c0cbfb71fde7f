/* diagnose.c: photo -> ViT -> attention maps -> findings -> prompt ->
 * streamed description. */
#include "diagnose.h"
#include "diagnose-private.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include "attention-map.h"
#include "json-load.h"
#include "ls-error.h"
#include "prompt.h"
#include "stop-strings.h"
#include "vit.h"

/* Rollout with mean head fusion and no discarding.  Compared on Beans
 * validation photos (bean_rust_val.1, angular_leaf_spot_val.0,
 * healthy_val.3) with leaf-vit: 0.5 gives the same map as 0; 0.9 (the
 * vit-explain default) dims the leaf outline and the secondary lesion spots
 * and leaves mostly the brightest cell (on healthy_val.3, the thumb). */
#define ROLLOUT_DISCARD_RATIO 0.0f

struct _LsDiagnoser {
  LsVit           *vit;
  LsLanguageModel *language;      /* nullable */
  LsPromptFormat  *prompt_format; /* the text model's, or the fallback */
  LsGenerateOptions defaults;     /* generation_config.json, then the prompt file */
  LsScope         *scope;         /* nullable: the scope check is off */
  char            *scope_off;     /* why it is off */
};

/* Reads the number @name of @o into *@value (*@found FALSE when absent or
 * null): it must lie in [@min, @max], or in (@min, @max] when
 * @exclusive_min. */
static gboolean
read_number (JsonObject *o, const char *path, const char *name, double min, double max,
             gboolean exclusive_min, double *value, gboolean *found, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);
  *found = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: \"%s\" must be a number", path, name);
      return FALSE;
    }
  double v = type == G_TYPE_INT64 ? (double) json_node_get_int (node) : json_node_get_double (node);
  if (!((exclusive_min ? v > min : v >= min) && v <= max))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG, "%s: \"%s\" is out of range (%g)", path, name, v);
      return FALSE;
    }
  *value = v;
  *found = TRUE;
  return TRUE;
}

/* Reads the sampling settings of DIR/generation_config.json (transformers'
 * GenerationConfig) into @options; a missing file changes nothing. */
static gboolean
read_generation_config (const char *model_dir, LsGenerateOptions *options, GError **error)
{
  g_autofree char *path = g_build_filename (model_dir, "generation_config.json", NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o = ls_json_load_object (parser, path, LS_JSON_MAX_FILE_SIZE, error);
  if (o == NULL)
    return FALSE;
  double v;
  gboolean found;
  if (!read_number (o, path, "max_new_tokens", 1, 100000, FALSE, &v, &found, error))
    return FALSE;
  if (found)
    options->max_new_tokens = (int) v;
  if (!read_number (o, path, "temperature", 0, 100, TRUE, &v, &found, error))
    return FALSE;
  if (found)
    options->temperature = (float) v;
  if (!read_number (o, path, "top_k", 0, 1e6, FALSE, &v, &found, error))
    return FALSE;
  if (found)
    options->top_k = (int) v;
  if (!read_number (o, path, "top_p", 0, 1, TRUE, &v, &found, error))
    return FALSE;
  if (found)
    options->top_p = (float) v;
  if (!read_number (o, path, "repetition_penalty", 0, 100, TRUE, &v, &found, error))
    return FALSE;
  if (found)
    options->repetition_penalty = (float) v;
  JsonNode *sample = json_object_get_member (o, "do_sample");
  if (sample != NULL && !JSON_NODE_HOLDS_NULL (sample))
    {
      if (!JSON_NODE_HOLDS_VALUE (sample) || json_node_get_value_type (sample) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: \"do_sample\" must be true or false", path);
          return FALSE;
        }
      options->do_sample = json_node_get_boolean (sample);
    }
  return TRUE;
}

LsDiagnoser *
ls_diagnoser_new (const char *vision_model_dir, const char *text_model_dir,
                  GError **error)
{
  g_return_val_if_fail (vision_model_dir != NULL, NULL);

  g_autoptr(LsVit) vit = ls_vit_load (vision_model_dir, error);
  if (vit == NULL)
    return NULL;
  if (ls_vit_get_config (vit)->num_labels < 1)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                   "%s: not an image classifier (no labels); diagnosis needs a ViTForImageClassification",
                   vision_model_dir);
      return NULL;
    }

  g_autoptr(LsLanguageModel) language = NULL;
  g_autoptr(LsPromptFormat) format = NULL;
  if (text_model_dir != NULL)
    {
      language = ls_language_model_load (text_model_dir, error);
      if (language == NULL)
        return NULL;
      if (ls_language_model_is_captioner (language))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                       "%s: an image captioner cannot write from findings; use a GPT-2 text model",
                       text_model_dir);
          return NULL;
        }
      format = ls_prompt_format_load (text_model_dir, error);
      if (format == NULL)
        return NULL;
    }
  else
    format = ls_prompt_format_new ();

  LsDiagnoser *self = g_new0 (LsDiagnoser, 1);
  ls_generate_options_init (&self->defaults);
  if (text_model_dir != NULL && !read_generation_config (text_model_dir, &self->defaults, error))
    {
      g_free (self);
      return NULL;
    }
  if (format->max_new_tokens > 0)
    self->defaults.max_new_tokens = format->max_new_tokens;
  if (format->stop[0] != NULL)
    self->defaults.stop_strings = (const char * const *) format->stop;
  gboolean stale = FALSE;
  g_autoptr(GError) scope_error = NULL;
  const LsVitConfig *vc = ls_vit_get_config (vit);
  self->scope = ls_scope_find (vision_model_dir, vc->num_labels, vc->hidden_size, &stale, &scope_error);
  if (self->scope == NULL)
    self->scope_off = scope_error != NULL ? g_strdup (scope_error->message)
                      : g_strdup (stale ? "the scope file was fitted on other weights: run leafscope-cli calibrate again"
                                        : "this model has no scope file: run leafscope-cli calibrate");
  self->vit = g_steal_pointer (&vit);
  self->language = g_steal_pointer (&language);
  self->prompt_format = g_steal_pointer (&format);
  return self;
}

void
ls_diagnoser_free (LsDiagnoser *self)
{
  if (self == NULL)
    return;
  ls_vit_free (self->vit);
  ls_language_model_free (self->language);
  ls_prompt_format_free (self->prompt_format);
  ls_scope_free (self->scope);
  g_free (self->scope_off);
  g_free (self);
}

gboolean
ls_diagnoser_has_text_model (LsDiagnoser *self)
{
  return self->language != NULL;
}

const LsScope *
ls_diagnoser_get_scope (LsDiagnoser *self, const char **why)
{
  if (why != NULL)
    *why = self->scope_off;
  return self->scope;
}

void
ls_diagnosis_free (LsDiagnosis *diagnosis)
{
  if (diagnosis == NULL)
    return;
  g_strfreev (diagnosis->labels);
  g_free (diagnosis->logits);
  g_free (diagnosis->probs);
  g_free (diagnosis->raw_probs);
  g_free (diagnosis->rollout);
  g_free (diagnosis->last_layer);
  g_free (diagnosis->pixel_values);
  ls_photo_analysis_free (diagnosis->analysis);
  ls_evidence_map_free (diagnosis->evidence);
  g_free (diagnosis);
}

LsImage *
ls_diagnoser_load_photo (LsDiagnoser *self, const char *path, LsImageDecode decode,
                         GError **error)
{
  g_return_val_if_fail (self != NULL && path != NULL, NULL);
  /* The lesion count reads the photo at up to LS_FINDINGS_DETAIL_SIZE: a
   * reduced decode must not count lesions on fewer pixels than the exact
   * one (small rust pustules vanish first). */
  return ls_image_load_for_model (path, ls_vit_get_preprocess_config (self->vit), decode,
                                  LS_FINDINGS_DETAIL_SIZE, error);
}

/* The status of the photo (scope.h decides); d->probs become calibrated. */
static void
judge (const LsScope *scope, LsDiagnosis *d, const LsVitOutput *out, const LsImage *image,
       int model_size, float uncertainty_threshold)
{
  LsScopeVerdict verdict = { .probs = d->probs };

  d->raw_probs = g_memdup2 (out->probs, (gsize) d->n_labels * sizeof (float));
  ls_scope_judge (scope, out->logits, out->probs, d->n_labels, out->last_hidden, out->tokens,
                  out->hidden_size, &d->findings, image->width, image->height, image->incomplete,
                  model_size, uncertainty_threshold, &verdict);
  d->status = verdict.status;
  d->status_reason = verdict.reason;
  d->scope_checked = verdict.scope_checked;
  d->scope_score = verdict.scope_score;
}

LsDiagnosis *
ls_diagnoser_classify (LsDiagnoser *self, const LsImage *image,
                       float uncertainty_threshold, GCancellable *cancellable,
                       GError **error)
{
  g_return_val_if_fail (self != NULL && image != NULL, NULL);

  const LsVitConfig *config = ls_vit_get_config (self->vit);
  int height = 0, width = 0;
  g_autofree float *pixels = ls_image_preprocess (image, ls_vit_get_preprocess_config (self->vit),
                                                  &height, &width, error);
  if (pixels == NULL)
    return NULL;
  if (height != config->image_size || width != config->image_size)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "the image processor makes %dx%d images but the model takes %dx%d",
                   width, height, config->image_size, config->image_size);
      return NULL;
    }

  g_autoptr(LsVitOutput) out = ls_vit_forward (self->vit, pixels, 1, LS_VIT_OUTPUT_ATTENTIONS,
                                               cancellable, error);
  if (out == NULL)
    return NULL;

  int grid = ls_attention_grid_size (out->tokens);
  if (grid <= 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_SHAPE,
                   "%d tokens do not form a CLS token plus a square patch grid", out->tokens);
      return NULL;
    }

  g_autoptr(LsDiagnosis) d = g_new0 (LsDiagnosis, 1);
  int n = out->num_labels;
  d->n_labels = n;
  d->labels = g_new0 (char *, n + 1);
  for (int i = 0; i < n; i++)
    d->labels[i] = g_strdup (config->labels != NULL && config->labels[i] != NULL
                             ? config->labels[i] : "");
  d->logits = g_memdup2 (out->logits, (gsize) n * sizeof (float));
  d->probs = g_memdup2 (out->probs, (gsize) n * sizeof (float));
  d->grid_size = grid;
  d->num_heads = out->num_heads;

  LsAttentionStack stack = {
    .data = out->attentions,
    .num_layers = out->num_layers,
    .batch = 1,
    .num_heads = out->num_heads,
    .tokens = out->tokens,
  };
  gsize cells = (gsize) grid * grid;
  d->rollout = g_new0 (float, cells);
  d->last_layer = g_new0 (float, cells * (out->num_heads + 1));
  if (!ls_attention_rollout (&stack, 0, LS_HEAD_FUSION_MEAN, ROLLOUT_DISCARD_RATIO,
                             d->rollout, error)
      || !ls_attention_last_layer (&stack, 0, d->last_layer, error))
    return NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  d->analysis = ls_photo_analysis_new (image->rgb, image->width, image->height, image->width * 3);
  ls_findings_set_photo (&d->findings, d->analysis);
  judge (self->scope, d, out, image, config->image_size, uncertainty_threshold);
  ls_findings_set_probs (&d->findings, d->probs, n, uncertainty_threshold);
  d->findings.uncertain = d->status != LS_DIAGNOSIS_DIAGNOSED;
  d->findings.attention_concentration =
    ls_photo_analysis_attention_concentration (d->analysis, d->rollout, grid);
  d->pixel_values = g_steal_pointer (&pixels);
  d->top_index = d->findings.top_index;
  d->top_score = d->findings.top_score;
  d->uncertain = d->findings.uncertain;
  return g_steal_pointer (&d);
}

static LsPromptInput
prompt_input (const LsDiagnosis *diagnosis, const char *language)
{
  const LsFindings *f = &diagnosis->findings;
  return (LsPromptInput) {
    .language = language != NULL ? language : "en",
    .label = diagnosis->labels[f->top_index],
    .runner_up = f->runner_up_index >= 0 ? diagnosis->labels[f->runner_up_index] : NULL,
    .findings = f,
  };
}

typedef struct {
  LsDiagnosis       *diagnosis;
  LsEvidenceCallback callback;
  gpointer           user_data;
  gboolean           first;
} Explain;

static gboolean
explain_stage (const LsEvidenceMap *map, gpointer user_data)
{
  Explain *e = user_data;
  LsDiagnosis *d = e->diagnosis;

  ls_evidence_map_free (d->evidence);
  d->evidence = ls_evidence_map_copy (map);
  /* Where the evidence lies is read from the first (coarse) stage: its
   * blocks are the regions the findings speak of, so the findings and the
   * description do not change when the map refines.  Single patches rarely
   * move the class 2 points on their own (bench/README.md). */
  if (e->first)
    ls_photo_analysis_set_evidence (d->analysis, map->values, map->rows, map->cols,
                                    (float) (map->block * map->patch_size) / map->image_size,
                                    &d->findings);
  e->first = FALSE;
  return e->callback != NULL ? e->callback (map, e->user_data) : TRUE;
}

void
ls_diagnoser_init_evidence_options (LsDiagnoser *self, LsEvidenceOptions *options)
{
  ls_evidence_options_init (options, self->vit);
}

gboolean
ls_diagnoser_explain (LsDiagnoser *self, LsDiagnosis *diagnosis,
                      const LsEvidenceOptions *options, LsEvidenceCallback callback,
                      gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (self != NULL && diagnosis != NULL && diagnosis->pixel_values != NULL, FALSE);

  Explain e = { diagnosis, callback, user_data, TRUE };
  g_autoptr(LsEvidenceMap) map = ls_evidence_compute (self->vit, diagnosis->pixel_values,
                                                      diagnosis->top_index, options,
                                                      explain_stage, &e, cancellable, error);
  return map != NULL;
}

char *
ls_diagnoser_build_prompt (LsDiagnoser *self, const LsDiagnosis *diagnosis,
                           const char *language)
{
  g_return_val_if_fail (self != NULL && diagnosis != NULL, NULL);

  LsPromptInput input = prompt_input (diagnosis, language);
  return ls_prompt_build (self->prompt_format, &input);
}

char *
ls_diagnosis_status_text (const LsDiagnosis *diagnosis, const char *language)
{
  LsPromptInput input = prompt_input (diagnosis, language);
  return ls_prompt_status_text (&input, diagnosis->status, diagnosis->status_reason);
}

void
ls_diagnoser_init_generate_options (LsDiagnoser *self, LsGenerateOptions *options)
{
  /* stop_strings points into prompt_format, which lives as long as self. */
  *options = self->defaults;
}

/* Passes pieces on to the caller, holding back text that may be the start of
 * a stop string and dropping the stop string itself. */
typedef struct {
  LsTokenCallback      callback;
  gpointer             user_data;
  const char * const  *stops;
  GString             *pending;
  gboolean             stopped;
} Relay;

static gboolean
relay_token (int token_id, const char *piece, gpointer user_data)
{
  Relay *relay = user_data;

  if (relay->stopped)
    return TRUE;
  g_string_append (relay->pending, piece);

  gsize emit = relay->pending->len;
  gssize hit = ls_stop_strings_find (relay->pending->str, relay->pending->len, 0, relay->stops);
  if (hit >= 0)
    {
      emit = (gsize) hit;
      relay->stopped = TRUE;
    }
  else
    emit -= ls_stop_strings_held (relay->pending->str, relay->pending->len, relay->stops);

  g_autofree char *out = g_strndup (relay->pending->str, emit);
  if (relay->stopped)
    g_string_truncate (relay->pending, 0);
  else
    g_string_erase (relay->pending, 0, emit);
  return relay->callback != NULL ? relay->callback (token_id, out, relay->user_data) : TRUE;
}

gboolean
ls_diagnoser_describe (LsDiagnoser *self, const LsDiagnosis *diagnosis,
                       const char *language, const LsGenerateOptions *options,
                       LsTokenCallback callback, gpointer user_data,
                       LsGenerateStats *stats, GCancellable *cancellable,
                       GError **error)
{
  g_return_val_if_fail (self != NULL && diagnosis != NULL, FALSE);

  g_autofree char *notice = ls_diagnosis_status_text (diagnosis, language);
  if (diagnosis->status == LS_DIAGNOSIS_NOT_A_LEAF || diagnosis->status == LS_DIAGNOSIS_UNUSABLE)
    {
      if (stats != NULL)
        memset (stats, 0, sizeof *stats);
      if (callback != NULL)
        callback (-1, notice, user_data);
      return TRUE;
    }
  if (self->language == NULL)
    {
      g_set_error_literal (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                           "no text model is loaded: a description needs a GPT-2 model folder");
      return FALSE;
    }

  LsGenerateOptions opts;
  if (options != NULL)
    {
      opts = *options;
      if (opts.stop_strings == NULL && self->prompt_format->stop[0] != NULL)
        opts.stop_strings = (const char * const *) self->prompt_format->stop;
    }
  else
    ls_diagnoser_init_generate_options (self, &opts);

  if (notice != NULL && callback != NULL)
    callback (-1, notice, user_data);
  g_autofree char *prompt = NULL;
  if (!diagnosis->findings.evidence_measured && diagnosis->pixel_values != NULL)
    {
      /* The prompt says where the evidence lies: measure it (coarse) on a copy. */
      LsDiagnosis copy = *diagnosis;
      LsEvidenceOptions coarse;
      ls_evidence_options_init (&coarse, self->vit);
      coarse.fine = FALSE;
      copy.evidence = NULL;
      gboolean ok = ls_diagnoser_explain (self, &copy, &coarse, NULL, NULL, cancellable, error);
      ls_evidence_map_free (copy.evidence);
      if (!ok)
        return FALSE;
      prompt = ls_diagnoser_build_prompt (self, &copy, language);
    }
  else
    prompt = ls_diagnoser_build_prompt (self, diagnosis, language);
  Relay relay = {
    .callback = callback,
    .user_data = user_data,
    .stops = opts.stop_strings,
    .pending = g_string_new (NULL),
  };
  gboolean ok = ls_language_model_generate (self->language, prompt, &opts, relay_token, &relay,
                                            NULL, stats, cancellable, error);
  if (ok && !relay.stopped && relay.pending->len > 0 && callback != NULL)
    callback (-1, relay.pending->str, user_data);
  g_string_free (relay.pending, TRUE);
  return ok;
}
