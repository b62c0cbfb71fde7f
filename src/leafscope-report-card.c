/* leafscope-report-card.c: the report image (see leafscope-report.h): the
 * photo with its overlay, then the verdict, the class bars, the legend and
 * the models, drawn with Cairo and Pango. */
#include "config.h"

#include "leafscope-report.h"
#include "leafscope-facts.h"

#include <gdk/gdk.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>

#define PAD 24

static PangoLayout *
make_layout (cairo_t *cr, const char *text, double size, gboolean bold, int width)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string ("Sans");

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, width * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text ? text : "", -1);
  pango_font_description_free (font);
  return layout;
}

/* Draws (when @draw) or measures the panel; returns its height. */
static int
panel (cairo_t *cr, const LeafscopeReport *r, int width, double scale, gboolean draw)
{
  g_autofree char *top = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *models = NULL;
  int inner = width - 2 * PAD * scale;
  double y = PAD * scale;
  const char *lines[3];
  PangoLayout *layout;
  int h;

  if (r->top_index >= 0 && r->top_index < r->n_classes)
    top = leafscope_class_display_name (r->labels[r->top_index]);
  if (r->verdict)
    verdict = g_strdup (r->verdict);
  else if (leafscope_status_title (r->status))
    verdict = g_strdup (leafscope_status_title (r->status));
  else
    verdict = g_strdup (r->uncertain || top == NULL ? _("Uncertain result") : top);
  lines[0] = verdict;
  lines[1] = r->verdict_detail;
  lines[2] = r->evidence_note;
  for (int i = 0; i < 3; i++)
    {
      if (lines[i] == NULL || *lines[i] == '\0')
        continue;
      layout = make_layout (cr, lines[i], (i == 0 ? 22 : 14) * scale, i == 0, inner);
      pango_layout_get_pixel_size (layout, NULL, &h);
      if (draw)
        {
          cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
          cairo_move_to (cr, PAD * scale, y);
          pango_cairo_show_layout (cr, layout);
        }
      y += h + 8 * scale;
      g_object_unref (layout);
    }

  /* One bar per class, the likeliest first, as in the window; none for a
   * photo the model cannot judge. */
  for (int k = 0; r->status != LS_DIAGNOSIS_NOT_A_LEAF && r->status != LS_DIAGNOSIS_UNUSABLE && k < r->n_classes; k++)
    {
      int i = k;
      for (int j = 0; j < r->n_classes; j++)
        {
          /* The k-th largest: j is before i when it ranks higher. */
          int rank = 0;
          for (int m = 0; m < r->n_classes; m++)
            rank += r->probs[m] > r->probs[j] || (r->probs[m] == r->probs[j] && m < j);
          if (rank == k)
            i = j;
        }
      g_autofree char *name = leafscope_class_display_name (r->labels[i]);
      g_autofree char *line = g_strdup_printf ("%s  %.0f %%", name, 100.0 * r->probs[i]);
      layout = make_layout (cr, line, 14 * scale, i == r->top_index, inner);
      pango_layout_get_pixel_size (layout, NULL, &h);
      if (draw)
        {
          cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
          cairo_move_to (cr, PAD * scale, y);
          pango_cairo_show_layout (cr, layout);
          cairo_set_source_rgb (cr, 0.87, 0.87, 0.87);
          cairo_rectangle (cr, PAD * scale, y + h + 2 * scale, inner, 8 * scale);
          cairo_fill (cr);
          if (i != r->top_index)
            cairo_set_source_rgb (cr, 0.55, 0.55, 0.55);
          else if (r->uncertain)
            cairo_set_source_rgb (cr, 0.58, 0.36, 0.0);
          else
            cairo_set_source_rgb (cr, 0.15, 0.64, 0.41);
          cairo_rectangle (cr, PAD * scale, y + h + 2 * scale, inner * CLAMP (r->probs[i], 0.0f, 1.0f), 8 * scale);
          cairo_fill (cr);
        }
      y += h + 18 * scale;
      g_object_unref (layout);
    }

  /* The overlay's legend: the colour map, its ends named. */
  if (r->legend_low && r->legend_high && r->status != LS_DIAGNOSIS_NOT_A_LEAF && r->status != LS_DIAGNOSIS_UNUSABLE)
    {
      PangoLayout *low = make_layout (cr, r->legend_low, 12 * scale, FALSE, -1);
      PangoLayout *high = make_layout (cr, r->legend_high, 12 * scale, FALSE, -1);
      int wl, wh, bar;
      pango_layout_get_pixel_size (low, &wl, &h);
      pango_layout_get_pixel_size (high, &wh, NULL);
      bar = MAX (16, inner - wl - wh - 16 * scale);
      if (draw)
        {
          double x0 = PAD * scale + wl + 8 * scale;
          cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
          cairo_move_to (cr, PAD * scale, y);
          pango_cairo_show_layout (cr, low);
          cairo_move_to (cr, x0 + bar + 8 * scale, y);
          pango_cairo_show_layout (cr, high);
          for (int x = 0; x < bar; x++)
            {
              guint8 rgb[4];
              ls_heatmap_colormap_lookup (LEAFSCOPE_COLORMAP, (float) x / MAX (1, bar - 1), rgb);
              cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
              cairo_rectangle (cr, x0 + x, y + h / 2.0 - 5 * scale, 1, 10 * scale);
              cairo_fill (cr);
            }
        }
      y += h + 12 * scale;
      g_object_unref (low);
      g_object_unref (high);
    }

  /* TRANSLATORS: the models named in the report image */
  models = g_strdup_printf (_("Vision model: %s · Text model: %s"), r->vision_model ? r->vision_model : "—",
                            r->text_model ? r->text_model : _("none"));
  layout = make_layout (cr, models, 12 * scale, FALSE, inner);
  pango_layout_get_pixel_size (layout, NULL, &h);
  if (draw)
    {
      cairo_set_source_rgb (cr, 0.29, 0.29, 0.29);
      cairo_move_to (cr, PAD * scale, y);
      pango_cairo_show_layout (cr, layout);
    }
  y += h + PAD * scale;
  g_object_unref (layout);
  return (int) y;
}

GdkPixbuf *
leafscope_report_render (const LeafscopeReport *report, GdkPixbuf *composite)
{
  int pw = gdk_pixbuf_get_width (composite), ph = gdk_pixbuf_get_height (composite);
  int width = MAX (pw, 480);
  double scale = width / 640.0;
  cairo_surface_t *measure = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1, 1);
  cairo_surface_t *surface;
  cairo_t *cr = cairo_create (measure);
  int height = ph + panel (cr, report, width, scale, FALSE);
  GdkPixbuf *out;

  cairo_destroy (cr);
  cairo_surface_destroy (measure);
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_translate (cr, 0, ph);
  panel (cr, report, width, scale, TRUE);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  out = gdk_pixbuf_get_from_surface (surface, 0, 0, width, height);
  cairo_surface_destroy (surface);
  /* The photo, pixel for pixel, centred when narrower than the panel. */
  gdk_pixbuf_copy_area (composite, 0, 0, pw, ph, out, (width - pw) / 2, 0);
  return out;
}
