/* leafscope-report.c: report text, overlay compositing, atomic writes. */
#include "config.h"

#include "leafscope-report.h"
#include "leafscope-facts.h"
#include "heatmap.h"
#include "labels.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static const char *const layer_names[LEAFSCOPE_N_LAYERS] = { "evidence", "rollout", "last-layer", "lesions" };

const char *
leafscope_layer_setting_name (LeafscopeLayer layer)
{
  return (guint) layer < LEAFSCOPE_N_LAYERS ? layer_names[layer] : layer_names[0];
}

LeafscopeLayer
leafscope_layer_from_setting (const char *name)
{
  for (guint i = 0; i < LEAFSCOPE_N_LAYERS; i++)
    if (g_strcmp0 (name, layer_names[i]) == 0)
      return i;
  return LEAFSCOPE_LAYER_EVIDENCE;
}

gboolean
leafscope_layer_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_uint (value, leafscope_layer_from_setting (g_variant_get_string (variant, NULL)));
  return TRUE;
}

GVariant *
leafscope_layer_set_mapping (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_string (leafscope_layer_setting_name (g_value_get_uint (value)));
}

char *
leafscope_report_to_markdown (const LeafscopeReport *r)
{
  GString *s = g_string_new (NULL);
  g_autofree char *top = NULL;
  g_autofree char *date = NULL;
  g_autofree int *order = NULL;
  const LeafscopeFacts *facts = NULL;

  g_return_val_if_fail (r != NULL, NULL);

  g_string_append_printf (s, "# %s\n\n", _("Leafscope report"));
  if (r->photo_name)
    g_string_append_printf (s, "**%s** %s\n\n", _("Photo:"), r->photo_name);
  if (r->image_file)
    g_string_append_printf (s, "![%s](%s)\n\n", _("The photo with the map the window shows over it"), r->image_file);

  g_string_append_printf (s, "## %s\n\n", _("Diagnosis"));
  if (r->top_index >= 0 && r->top_index < r->n_classes)
    {
      top = leafscope_class_display_name (r->labels[r->top_index]);
      facts = leafscope_facts_lookup (r->labels[r->top_index]);
    }
  if (r->status == LS_DIAGNOSIS_NOT_A_LEAF || r->status == LS_DIAGNOSIS_UNUSABLE)
    {
      /* No disease claim at all: what was wrong and what to do. */
      const char *reason = leafscope_status_reason (r->status_reason);
      g_string_append_printf (s, "**%s**\n\n", leafscope_status_title (r->status));
      if (reason)
        g_string_append_printf (s, "%s\n\n", reason);
      g_string_append_printf (s, "%s\n\n", leafscope_status_guidance (r->status));
    }
  else
    {
      if (r->status == LS_DIAGNOSIS_UNCERTAIN && leafscope_status_reason (r->status_reason))
        g_string_append_printf (s, "%s %s\n\n", _("Uncertain:"), leafscope_status_reason (r->status_reason));
      else if (r->uncertain || top == NULL)
        g_string_append_printf (s, "%s\n\n",
                                _("Uncertain: no class is likely enough. This may not be a bean leaf, "
                                  "or the photo is unclear."));
      if (r->uncertain || top == NULL)
        {
          if (top)
            /* TRANSLATORS: %s is a class name such as "Bean rust" */
            g_string_append_printf (s, _("The closest match is %s (%.0f %%)."), top,
                                    100.0 * r->probs[r->top_index]);
          g_string_append (s, "\n\n");
        }
      else
        g_string_append_printf (s, "**%s** (%.0f %%)\n\n", top, 100.0 * r->probs[r->top_index]);

      g_string_append_printf (s, "| %s | %s |\n|---|---:|\n", _("Class"), _("Probability"));
      order = g_new (int, MAX (r->n_classes, 1));
      ls_labels_rank (r->probs, r->n_classes, order);
      for (int k = 0; k < r->n_classes; k++)
        {
          int i = order[k];
          g_autofree char *name = leafscope_class_display_name (r->labels[i]);
          g_string_append_printf (s, "| %s | %.1f %% |\n", name, 100.0 * r->probs[i]);
        }
      g_string_append (s, "\n");
      if (r->evidence_note && *r->evidence_note)
        g_string_append_printf (s, "%s\n\n", r->evidence_note);
      if (r->layer && *r->layer)
        {
          g_string_append_printf (s, "**%s** %s", _("Overlay:"), r->layer);
          if (r->legend_low && r->legend_high)
            g_string_append_printf (s, " (%s → %s)", r->legend_low, r->legend_high);
          g_string_append (s, "\n\n");
        }
    }

  /* A photo the model cannot judge gets no description: the guidance above
   * says what there is to say. */
  if (r->status != LS_DIAGNOSIS_NOT_A_LEAF && r->status != LS_DIAGNOSIS_UNUSABLE)
    {
      g_string_append_printf (s, "## %s\n\n", _("Machine-written description"));
      if (r->description && *r->description)
        {
          g_autofree char *text = g_strstrip (g_strdup (r->description));
          g_string_append_printf (s, "%s\n\n", text);
          g_string_append_printf (s, "*%s*\n\n", _("Written by a language model from what the vision model found; "
                                                      "it can be wrong."));
        }
      else
        g_string_append_printf (s, "%s\n\n", _("No description was generated."));
    }

  if (facts != NULL && !r->uncertain)
    {
      /* TRANSLATORS: %s is a class name such as "Bean rust" */
      g_autofree char *title = g_strdup_printf (_("About %s"), top);
      g_string_append_printf (s, "## %s\n\n", title);
      g_string_append_printf (s, "- **%s** %s\n", _("Symptoms:"), _(facts->symptoms));
      g_string_append_printf (s, "- **%s** %s\n", _("Cause:"), _(facts->cause));
      g_string_append_printf (s, "- **%s** %s\n\n", _("What to do:"), _(facts->what_to_do));
    }

  g_string_append_printf (s, "## %s\n\n", _("Details"));
  /* The engine's stable names, as `leafscope-cli diagnose` writes them. */
  g_string_append_printf (s, "- %s %s (%s)\n", _("Status:"), ls_diagnosis_status_name (r->status),
                          ls_status_reason_name (r->status_reason));
  g_string_append_printf (s, "- %s %s\n", _("Vision model:"), r->vision_model ? r->vision_model : "—");
  g_string_append_printf (s, "- %s %s\n", _("Text model:"), r->text_model ? r->text_model : _("none"));
  date = r->date ? g_date_time_format (r->date, "%Y-%m-%d %H:%M:%S %Z") : NULL;
  if (date)
    g_string_append_printf (s, "- %s %s\n", _("Date:"), date);

  return g_string_free (s, FALSE);
}

static void
free_image (guchar *pixels, gpointer data)
{
  ls_image_free (data);
}

GdkPixbuf *
leafscope_report_composite (const LsImage *photo, const float *grid, int rows, int cols, double opacity)
{
  LsImage *out;

  g_return_val_if_fail (photo != NULL, NULL);
  if (grid != NULL && rows > 0 && cols > 0)
    out = ls_heatmap_composite_weighted (photo, grid, cols, rows, LEAFSCOPE_COLORMAP,
                                         (float) CLAMP (opacity, 0.0, 1.0), LEAFSCOPE_HEATMAP_GAMMA);
  else
    out = ls_image_copy (photo);
  return gdk_pixbuf_new_from_data (out->rgb, GDK_COLORSPACE_RGB, FALSE, 8, out->width, out->height,
                                   out->width * 3, free_image, out);
}

gboolean
leafscope_report_write_file (GFile *file, GBytes *bytes, gboolean overwrite, GError **error)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (!overwrite && g_file_query_exists (file, NULL))
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("“%s” already exists"), name);
      return FALSE;
    }
  /* g_file_replace_contents writes a temporary file in the same folder and
   * renames it over the target: readers never see a half-written report. */
  return g_file_replace_contents (file, data ? data : "", size, NULL, FALSE,
                                  G_FILE_CREATE_NONE, NULL, NULL, error);
}

GFile *
leafscope_report_markdown_file_for (GFile *png_file)
{
  g_autofree char *base = g_file_get_basename (png_file);
  g_autoptr(GFile) parent = g_file_get_parent (png_file);
  g_autofree char *stem = NULL;
  g_autofree char *md = NULL;
  const char *dot = strrchr (base, '.');

  stem = dot && dot != base ? g_strndup (base, dot - base) : g_strdup (base);
  md = g_strconcat (stem, ".md", NULL);
  return parent ? g_file_get_child (parent, md) : g_file_new_for_path (md);
}

gboolean
leafscope_report_save (const LeafscopeReport *report, GdkPixbuf *composite, GFile *png_file,
                       gboolean overwrite, GError **error)
{
  g_autoptr(GFile) md_file = leafscope_report_markdown_file_for (png_file);
  g_autofree char *png_name = g_file_get_basename (png_file);
  g_autofree char *png_data = NULL;
  g_autofree char *markdown = NULL;
  g_autoptr(GBytes) png_bytes = NULL;
  g_autoptr(GBytes) md_bytes = NULL;
  gsize png_size = 0;
  LeafscopeReport r = *report;

  if (!overwrite)
    {
      GFile *targets[] = { png_file, md_file };
      for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
        if (g_file_query_exists (targets[i], NULL))
          {
            g_autofree char *name = g_file_get_parse_name (targets[i]);
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("“%s” already exists"), name);
            return FALSE;
          }
    }

  if (!gdk_pixbuf_save_to_buffer (composite, &png_data, &png_size, "png", error, NULL))
    return FALSE;
  png_bytes = g_bytes_new_take (g_steal_pointer (&png_data), png_size);

  r.image_file = png_name;
  markdown = leafscope_report_to_markdown (&r);
  {
    gsize md_len = strlen (markdown);
    md_bytes = g_bytes_new_take (g_steal_pointer (&markdown), md_len);
  }

  /* Both were checked above; write them without a second existence check so
   * that a "Replace" confirmed by the user replaces both. */
  if (!leafscope_report_write_file (png_file, png_bytes, TRUE, error))
    return FALSE;
  return leafscope_report_write_file (md_file, md_bytes, TRUE, error);
}
