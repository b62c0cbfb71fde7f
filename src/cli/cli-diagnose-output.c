/* cli-diagnose-output.c: `leafscope-cli diagnose`'s records: text, JSON
 * (one object per line) and CSV. */
#include "config.h"

#include "cli-diagnose.h"

#include <stdio.h>
#include <string.h>

#include "cli-json.h"

static char *
csv_field (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  if (strpbrk (text, ",\"\n\r") == NULL)
    return g_strdup (text);
  GString *out = g_string_new ("\"");
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static char *
number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.4f", value));
}

float *
ls_cli_diagnose_shown_map (const LsDiagnosis *d, const char **method, int *rows, int *cols)
{
  if (d->evidence != NULL)
    {
      float *unit = g_new (float, (gsize) d->evidence->rows * d->evidence->cols);
      ls_evidence_map_to_unit (d->evidence, unit);
      *rows = d->evidence->rows;
      *cols = d->evidence->cols;
      if (method != NULL)
        *method = d->evidence->block > 1 ? "evidence-coarse" : "evidence";
      return unit;
    }
  *rows = *cols = d->grid_size;
  if (method != NULL)
    *method = "rollout";
  return g_memdup2 (d->rollout, (gsize) d->grid_size * d->grid_size * sizeof (float));
}

void
ls_cli_diagnose_print_text (const char *path, const LsDiagnosis *d)
{
  const LsFindings *f = &d->findings;
  g_autofree char *quality = ls_findings_quality_string (f);

  /* Not a leaf, unusable: no class and no leaf measurement, only the reason. */
  if (d->status == LS_DIAGNOSIS_NOT_A_LEAF || d->status == LS_DIAGNOSIS_UNUSABLE)
    {
      printf ("%s: %s (%s)\n", path, ls_diagnosis_status_name (d->status),
              ls_status_reason_text (d->status_reason, "en"));
      return;
    }
  else
    {
      printf ("%s: %s %d%%", path, d->labels[f->top_index], ls_findings_percent (f->top_score));
      if (f->runner_up_index >= 0)
        printf (" (runner-up %s %d%%)", d->labels[f->runner_up_index],
                ls_findings_percent (f->runner_up_score));
      printf (" %s\n", ls_diagnosis_status_name (d->status));
    }
  printf ("  affected area %d%% of the leaf, leaf %d%% of the photo, attention %s (%d%%), photo %s\n",
          ls_findings_percent (f->affected_area), ls_findings_percent (f->leaf_fraction),
          ls_findings_attention_word (f->attention_concentration),
          ls_findings_percent (f->attention_concentration), quality);
  if (d->evidence != NULL)
    {
      g_autofree char *where = ls_findings_evidence_string (f);
      printf ("  evidence %s: covering one block of the coarse map drops %s by up to %.1f points, "
              "%d region%s at 2 points or more; map shown %dx%d, up to %.1f points\n",
              where, d->labels[f->top_index], f->evidence_max_points, f->evidence_regions,
              f->evidence_regions == 1 ? "" : "s", d->evidence->rows, d->evidence->cols,
              d->evidence->max_points);
      if (f->evidence_place[0] == LS_EVIDENCE_PLACE_NONE)
        printf ("  No single region decides this diagnosis.\n");
      else if (f->evidence_place[0] == LS_EVIDENCE_PLACE_HAND || f->evidence_place[0] == LS_EVIDENCE_PLACE_BACKGROUND)
        printf ("  The deciding evidence is on the %s, not the leaf: retake the photo with the leaf filling the frame.\n",
                ls_evidence_place_word (f->evidence_place[0]));
    }
}

/* A JSON object of @labels and their @values. */
static JsonObject *
label_values (const LsDiagnosis *d, const float *values)
{
  JsonObject *o = json_object_new ();
  for (int i = 0; i < d->n_labels; i++)
    json_object_set_double_member (o, d->labels[i], values[i]);
  return o;
}

static JsonObject *
findings_object (const LsDiagnosis *d)
{
  const LsFindings *f = &d->findings;
  g_autofree char *quality = ls_findings_quality_string (f);
  JsonObject *o = json_object_new ();

  ls_cli_json_set_string_or_null (o, "runner_up",
                                  f->runner_up_index >= 0 ? d->labels[f->runner_up_index] : NULL);
  json_object_set_double_member (o, "runner_up_score", f->runner_up_score);
  json_object_set_double_member (o, "affected_area", f->affected_area);
  json_object_set_double_member (o, "leaf_fraction", f->leaf_fraction);
  json_object_set_double_member (o, "attention_concentration", f->attention_concentration);
  json_object_set_string_member (o, "attention", ls_findings_attention_word (f->attention_concentration));
  if (d->evidence != NULL)
    {
      g_autofree char *where = ls_findings_evidence_string (f);
      json_object_set_string_member (o, "evidence", where);
      json_object_set_double_member (o, "evidence_max_points", f->evidence_max_points);
      json_object_set_int_member (o, "evidence_regions", f->evidence_regions);
      json_object_set_double_member (o, "evidence_on_leaf", f->evidence_on_leaf);
    }
  json_object_set_double_member (o, "brightness", f->brightness);
  json_object_set_double_member (o, "overexposed_fraction", f->overexposed_fraction);
  json_object_set_double_member (o, "sharpness", f->sharpness);
  json_object_set_boolean_member (o, "too_dark", f->too_dark);
  json_object_set_boolean_member (o, "overexposed", f->overexposed);
  json_object_set_boolean_member (o, "blurred", f->blurred);
  json_object_set_string_member (o, "quality", quality);
  return o;
}

/* The shown map, as numbers: evidence in points (drop of the diagnosed
 * class when the cell is covered), or rollout in 0..1. */
static JsonObject *
heatmap_object (const LsDiagnosis *d, const char *png)
{
  const char *method = NULL;
  int rows = 0, cols = 0;
  g_autofree float *unit = ls_cli_diagnose_shown_map (d, &method, &rows, &cols);
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "method", method);
  json_object_set_string_member (o, "units", d->evidence != NULL ? "points" : "relative");
  json_object_set_int_member (o, "rows", rows);
  json_object_set_int_member (o, "cols", cols);
  if (d->evidence != NULL)
    {
      json_object_set_string_member (o, "class", d->labels[d->evidence->class_index]);
      json_object_set_double_member (o, "display_max", ls_evidence_map_display_scale (d->evidence));
    }
  json_object_set_array_member (o, "values",
                                ls_cli_json_floats (d->evidence != NULL ? d->evidence->values : unit,
                                                    rows * cols));
  if (png != NULL)
    json_object_set_string_member (o, "png", png);
  return o;
}

void
ls_cli_diagnose_print_json (const Run *run, const char *path, const LsDiagnosis *d, const char *heatmap,
                            double seconds_diagnosis, const LsGenerateStats *stats)
{
  const LsFindings *f = &d->findings;
  g_autoptr(JsonObject) root = json_object_new ();

  json_object_set_string_member (root, "path", path);
  json_object_set_string_member (root, "label", d->labels[f->top_index]);
  json_object_set_double_member (root, "score", f->top_score);
  json_object_set_object_member (root, "probs", label_values (d, d->probs));
  json_object_set_boolean_member (root, "uncertain", f->uncertain);
  json_object_set_string_member (root, "status", ls_diagnosis_status_name (d->status));
  json_object_set_string_member (root, "status_reason", ls_status_reason_name (d->status_reason));
  json_object_set_object_member (root, "raw_probs", label_values (d, d->raw_probs));
  JsonObject *scope = json_object_new ();
  json_object_set_boolean_member (scope, "checked", d->scope_checked);
  json_object_set_double_member (scope, "score", d->scope_score);
  json_object_set_object_member (root, "scope", scope);
  json_object_set_object_member (root, "findings", findings_object (d));
  ls_cli_json_set_string_or_null (root, "description", run->describe ? run->description->str : NULL);
  json_object_set_object_member (root, "heatmap", heatmap_object (d, heatmap));

  JsonObject *seconds = json_object_new ();
  json_object_set_double_member (seconds, "diagnosis", seconds_diagnosis);
  if (d->evidence != NULL)
    {
      json_object_set_double_member (seconds, "evidence_first", run->seconds_coarse);
      json_object_set_double_member (seconds, "evidence", run->seconds_final);
    }
  if (run->describe)
    {
      json_object_set_double_member (seconds, "first_token", seconds_diagnosis + stats->first_token_seconds);
      json_object_set_double_member (seconds, "last_token", seconds_diagnosis + stats->total_seconds);
      json_object_set_int_member (seconds, "generated_tokens", stats->generated_tokens);
    }
  json_object_set_object_member (root, "seconds", seconds);
  ls_cli_print_object (root, FALSE);
}

void
ls_cli_diagnose_print_json_error (const char *path, const char *message)
{
  g_autoptr(JsonObject) root = json_object_new ();
  json_object_set_string_member (root, "path", path);
  json_object_set_string_member (root, "error", message);
  ls_cli_print_object (root, FALSE);
}

void
ls_cli_diagnose_print_csv_header (char **labels)
{
  printf ("path,label,score");
  for (int i = 0; labels[i] != NULL; i++)
    {
      g_autofree char *field = csv_field (labels[i]);
      printf (",p_%s", field);
    }
  printf (",uncertain,status,status_reason,runner_up,runner_up_score,affected_area,leaf_fraction,"
          "attention_concentration,brightness,overexposed_fraction,sharpness,quality,description\n");
}

void
ls_cli_diagnose_print_csv (const Run *run, const char *path, const LsDiagnosis *d)
{
  const LsFindings *f = &d->findings;
  g_autofree char *p = csv_field (path);
  g_autofree char *quality = ls_findings_quality_string (f);
  g_autofree char *description = csv_field (run->describe ? run->description->str : "");
  g_autofree char *score = number (f->top_score);

  printf ("%s,%s,%s", p, d->labels[f->top_index], score);
  for (int i = 0; i < d->n_labels; i++)
    {
      g_autofree char *v = number (d->probs[i]);
      printf (",%s", v);
    }
  const double values[] = { f->runner_up_score, f->affected_area, f->leaf_fraction,
                            f->attention_concentration, f->brightness,
                            f->overexposed_fraction, f->sharpness };
  printf (",%s,%s,%s,%s", f->uncertain ? "yes" : "no", ls_diagnosis_status_name (d->status),
          ls_status_reason_name (d->status_reason),
          f->runner_up_index >= 0 ? d->labels[f->runner_up_index] : "");
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *v = number (values[i]);
      printf (",%s", v);
    }
  printf (",%s,%s\n", quality, description);
}

