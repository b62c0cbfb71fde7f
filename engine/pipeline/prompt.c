/* prompt.c: leafscope-prompt.json and prompt building. */
#include "prompt.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include "json-load.h"
#include "ls-error.h"

LsPromptFormat *
ls_prompt_format_new (void)
{
  LsPromptFormat *format = g_new0 (LsPromptFormat, 1);
  format->stop = g_new0 (char *, 1);
  return format;
}

void
ls_prompt_format_free (LsPromptFormat *format)
{
  if (format == NULL)
    return;
  g_free (format->template);
  g_strfreev (format->stop);
  g_free (format);
}

LsPromptFormat *
ls_prompt_format_parse (const char *json, gssize length, const char *origin,
                        GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = ls_json_parse_object (parser, json, length, origin, error);
  if (object == NULL)
    return NULL;

  if (json_object_has_member (object, "format"))
    {
      JsonNode *node = json_object_get_member (object, "format");
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: \"format\" must be an integer", origin);
          return NULL;
        }
      if (json_node_get_int (node) != 1)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_UNSUPPORTED,
                       "%s: prompt format %" G_GINT64_FORMAT " is not supported (this build reads format 1)",
                       origin, json_node_get_int (node));
          return NULL;
        }
    }

  JsonNode *template = json_object_get_member (object, "template");
  if (template == NULL || !JSON_NODE_HOLDS_VALUE (template)
      || json_node_get_value_type (template) != G_TYPE_STRING)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: \"template\" must be a string", origin);
      return NULL;
    }

  g_autoptr(GPtrArray) stop = g_ptr_array_new_with_free_func (g_free);
  if (json_object_has_member (object, "stop"))
    {
      JsonNode *node = json_object_get_member (object, "stop");
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s: \"stop\" must be an array of strings", origin);
          return NULL;
        }
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING
              || *json_node_get_string (item) == '\0')
            {
              g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                           "%s: \"stop\"[%u] must be a non-empty string", origin, i);
              return NULL;
            }
          g_ptr_array_add (stop, g_strdup (json_node_get_string (item)));
        }
    }

  int max_new_tokens = 0;
  if (json_object_has_member (object, "max_new_tokens"))
    {
      JsonNode *node = json_object_get_member (object, "max_new_tokens");
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
          || json_node_get_int (node) < 1 || json_node_get_int (node) > 100000)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "%s: \"max_new_tokens\" must be an integer from 1 to 100000", origin);
          return NULL;
        }
      max_new_tokens = (int) json_node_get_int (node);
    }

  LsPromptFormat *format = g_new0 (LsPromptFormat, 1);
  format->template = g_strdup (json_node_get_string (template));
  g_ptr_array_add (stop, NULL);
  format->stop = (char **) g_ptr_array_steal (stop, NULL);
  format->max_new_tokens = max_new_tokens;
  return format;
}

LsPromptFormat *
ls_prompt_format_load (const char *model_dir, GError **error)
{
  g_autofree char *path = g_build_filename (model_dir, LS_PROMPT_FILE_NAME, NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return ls_prompt_format_new ();
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", path, local->message);
      return NULL;
    }
  return ls_prompt_format_parse (contents, (gssize) length, path, error);
}

static void
append_value (GString *out, const char *name, const LsPromptInput *input)
{
  const LsFindings *f = input->findings;

  if (strcmp (name, "language") == 0)
    g_string_append (out, input->language);
  else if (strcmp (name, "label") == 0)
    g_string_append (out, input->label);
  else if (strcmp (name, "confidence") == 0)
    g_string_append_printf (out, "%d", ls_findings_percent (f->top_score));
  else if (strcmp (name, "runner_up") == 0)
    g_string_append (out, input->runner_up != NULL ? input->runner_up : "none");
  else if (strcmp (name, "runner_up_confidence") == 0)
    g_string_append_printf (out, "%d", ls_findings_percent (f->runner_up_score));
  else if (strcmp (name, "uncertain") == 0)
    g_string_append (out, f->uncertain ? "yes" : "no");
  else if (strcmp (name, "affected_area") == 0)
    g_string_append_printf (out, "%d", ls_findings_percent (f->affected_area));
  else if (strcmp (name, "attention") == 0)
    g_string_append (out, ls_findings_attention_word (f->attention_concentration));
  else if (strcmp (name, "evidence") == 0)
    {
      g_autofree char *evidence = ls_findings_evidence_string (f);
      g_string_append (out, evidence);
    }
  else if (strcmp (name, "quality") == 0)
    {
      g_autofree char *quality = ls_findings_quality_string (f);
      g_string_append (out, quality);
    }
  else
    g_string_append_printf (out, "{%s}", name);
}

char *
ls_prompt_substitute (const char *template, const LsPromptInput *input)
{
  GString *out = g_string_new (NULL);
  const char *p = template;

  while (*p != '\0')
    {
      const char *open = strchr (p, '{');
      if (open == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, open - p);
      const char *close = strchr (open + 1, '}');
      /* A name is letters, digits and underscores; anything else is text. */
      gboolean is_name = close != NULL && close > open + 1;
      for (const char *c = open + 1; is_name && c < close; c++)
        if (!g_ascii_isalnum (*c) && *c != '_')
          is_name = FALSE;
      if (!is_name)
        {
          g_string_append_c (out, '{');
          p = open + 1;
          continue;
        }
      g_autofree char *name = g_strndup (open + 1, close - open - 1);
      append_value (out, name, input);
      p = close + 1;
    }
  return g_string_free (out, FALSE);
}

typedef struct {
  const char *label;
  const char *en;
  const char *pt_BR;
} LabelName;

static const LabelName label_names[] = {
  { "angular_leaf_spot", "angular leaf spot", "mancha angular" },
  { "bean_rust", "bean rust", "ferrugem do feijoeiro" },
  { "healthy", "healthy", "saudável" },
};

static char *
label_name (const char *label, gboolean portuguese)
{
  for (gsize i = 0; i < G_N_ELEMENTS (label_names); i++)
    if (strcmp (label, label_names[i].label) == 0)
      return g_strdup (portuguese ? label_names[i].pt_BR : label_names[i].en);
  return g_strdelimit (g_strdup (label), "_", ' ');
}

char *
ls_prompt_plain (const LsPromptInput *input)
{
  const LsFindings *f = input->findings;
  gboolean pt = g_strcmp0 (input->language, "pt_BR") == 0;
  g_autofree char *name = label_name (input->label, pt);
  GString *out = g_string_new (NULL);

  if (pt)
    g_string_append_printf (out,
                            "Notas de campo sobre a foto de uma folha de feijão. "
                            "Diagnóstico: %s (%d%% de confiança). "
                            "Cerca de %d%% da folha apresenta lesões.",
                            name, ls_findings_percent (f->top_score),
                            ls_findings_percent (f->affected_area));
  else
    g_string_append_printf (out,
                            "Field notes on a bean leaf photo. "
                            "Diagnosis: %s (%d%% confidence). "
                            "About %d%% of the leaf shows lesions.",
                            name, ls_findings_percent (f->top_score),
                            ls_findings_percent (f->affected_area));

  if (f->uncertain && input->runner_up != NULL)
    {
      g_autofree char *runner = label_name (input->runner_up, pt);
      g_string_append_printf (out,
                              pt ? " O resultado é incerto; a segunda hipótese é %s (%d%%)."
                                 : " The result is uncertain; the runner-up is %s (%d%%).",
                              runner, ls_findings_percent (f->runner_up_score));
    }

  if (f->too_dark || f->overexposed || f->blurred)
    {
      const char *words[3];
      int n = 0;
      if (f->too_dark)
        words[n++] = pt ? "escura" : "dark";
      if (f->overexposed)
        words[n++] = pt ? "superexposta" : "overexposed";
      if (f->blurred)
        words[n++] = pt ? "desfocada" : "blurred";
      g_string_append (out, pt ? " Qualidade da foto: " : " Photo quality: ");
      for (int i = 0; i < n; i++)
        g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", words[i]);
      g_string_append_c (out, '.');
    }

  g_string_append (out, pt ? " Descrição:" : " Description:");
  return g_string_free (out, FALSE);
}

char *
ls_prompt_status_text (const LsPromptInput *input, LsDiagnosisStatus status, LsStatusReason reason)
{
  const LsFindings *f = input->findings;
  gboolean pt = g_strcmp0 (input->language, "pt_BR") == 0;

  if (status == LS_DIAGNOSIS_NOT_A_LEAF || status == LS_DIAGNOSIS_UNUSABLE)
    return g_strconcat (ls_status_reason_text (reason, input->language), " ",
                        ls_status_guidance_text (status, input->language), NULL);
  if (status != LS_DIAGNOSIS_UNCERTAIN)
    return NULL;
  g_autofree char *top = label_name (input->label, pt);
  g_autofree char *runner = label_name (input->runner_up != NULL ? input->runner_up : "", pt);
  if (input->runner_up == NULL)
    return g_strdup_printf (pt ? "Incerto: o modelo tem só %d%% de confiança em %s nesta foto. "
                               : "Uncertain: the model is only %d%% confident of %s on this photo. ",
                            ls_findings_percent (f->top_score), top);
  return g_strdup_printf (pt ? "Incerto: o modelo tende a %s (%d%%), mas não descarta %s (%d%%) "
                               "nesta foto; o texto a seguir pode estar errado. "
                             : "Uncertain: the model leans to %s (%d%%) but cannot rule out %s (%d%%) "
                               "on this photo; the text below may describe the wrong one. ",
                          top, ls_findings_percent (f->top_score),
                          runner, ls_findings_percent (f->runner_up_score));
}

char *
ls_prompt_build (const LsPromptFormat *format, const LsPromptInput *input)
{
  if (format != NULL && format->template != NULL)
    return ls_prompt_substitute (format->template, input);
  return ls_prompt_plain (input);
}
