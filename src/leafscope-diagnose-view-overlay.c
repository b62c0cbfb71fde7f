/* leafscope-diagnose-view-overlay.c: the map drawn over the photo: its
 * layers, opacity and legend.
 *
 * The default layer is the evidence map (issue 17): how many probability
 * points of the diagnosed class are lost when a region of the photo is
 * hidden, measured by the worker after the verdict, coarse then fine.  The
 * attention maps (rollout, last layer and its heads) stay one choice away,
 * labelled as what they are; the lesion layer shows the pixels the affected
 * area counts.  Each layer brings its own legend. */
#include "config.h"

#include "leafscope-diagnose-view-private.h"
#include "leafscope-report.h"
#include "heatmap.h"
#include "leafscope-facts.h"

#include <glib/gi18n-lib.h>
#include <math.h>

static const LsDiagnosis *
diagnosis (LeafscopeDiagnoseView *self)
{
  return self->result ? leafscope_result_get_diagnosis (self->result) : NULL;
}

LeafscopeLayer
leafscope_diagnose_view_current_layer (LeafscopeDiagnoseView *self)
{
  guint layer = gtk_drop_down_get_selected (self->method_dropdown);
  return layer < LEAFSCOPE_N_LAYERS ? (LeafscopeLayer) layer : LEAFSCOPE_LAYER_EVIDENCE;
}

/* The evidence map decides something: a cell at or above the minimum. */
static gboolean
evidence_decides (LeafscopeDiagnoseView *self)
{
  return self->evidence != NULL && self->evidence->max_points >= LS_EVIDENCE_MIN_POINTS;
}

const char *
leafscope_diagnose_view_evidence_note (LeafscopeDiagnoseView *self)
{
  const LsFindings *f = &self->evidence_findings;

  if (self->evidence == NULL || leafscope_diagnose_view_not_judged (self))
    return NULL;
  if (!evidence_decides (self) || !f->evidence_measured)
    return _("No single region decides this diagnosis: hiding any one part of the photo barely changes it.");
  switch (f->evidence_place[0])
    {
    case LS_EVIDENCE_PLACE_HAND:
      return _("The deciding evidence is on the hand, not the leaf: retake the photo with the leaf filling the frame.");
    case LS_EVIDENCE_PLACE_BACKGROUND:
      return _("The deciding evidence is on the background, not the leaf: retake the photo with the leaf filling the frame.");
    case LS_EVIDENCE_PLACE_LESIONS:
      return _("The deciding evidence is on the lesions of the leaf.");
    case LS_EVIDENCE_PLACE_LEAF:
      return _("The deciding evidence is on the leaf.");
    case LS_EVIDENCE_PLACE_NONE:
    default:
      return _("No single region decides this diagnosis: hiding any one part of the photo barely changes it.");
    }
}

/* Converts @n values of @mask (0/1 bytes) into the view's shown grid. */
static const float *
shown_from_mask (LeafscopeDiagnoseView *self, const guint8 *mask, gsize n)
{
  g_free (self->shown_grid);
  self->shown_grid = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    self->shown_grid[i] = mask[i] ? 1.0f : 0.0f;
  return self->shown_grid;
}

const float *
leafscope_diagnose_view_current_grid (LeafscopeDiagnoseView *self, int *rows, int *cols)
{
  const LsDiagnosis *d = diagnosis (self);
  guint head;

  *rows = *cols = 0;
  if (d == NULL || d->grid_size <= 0)
    return NULL;
  /* A photo the model cannot judge gets no map: nothing on it is evidence
   * of a disease (issue 12). */
  if (leafscope_diagnose_view_not_judged (self))
    return NULL;
  switch (leafscope_diagnose_view_current_layer (self))
    {
    case LEAFSCOPE_LAYER_EVIDENCE:
      /* Nothing hot where nothing decides. */
      if (!evidence_decides (self))
        return NULL;
      g_free (self->shown_grid);
      self->shown_grid = g_new (float, (gsize) self->evidence->rows * self->evidence->cols);
      ls_evidence_map_to_unit (self->evidence, self->shown_grid);
      *rows = self->evidence->rows;
      *cols = self->evidence->cols;
      return self->shown_grid;
    case LEAFSCOPE_LAYER_LESIONS:
      if (d->analysis == NULL || d->analysis->lesion_detail == NULL)
        return NULL;
      *rows = d->analysis->detail_height;
      *cols = d->analysis->detail_width;
      return shown_from_mask (self, d->analysis->lesion_detail, (gsize) *rows * *cols);
    case LEAFSCOPE_LAYER_LAST_LAYER:
      head = gtk_drop_down_get_selected (self->head_dropdown);
      if (head == GTK_INVALID_LIST_POSITION || (int) head > d->num_heads)
        head = 0;
      *rows = *cols = d->grid_size;
      return d->last_layer + (gsize) head * d->grid_size * d->grid_size;
    case LEAFSCOPE_LAYER_ROLLOUT:
    default:
      *rows = *cols = d->grid_size;
      return d->rollout;
    }
}

/* The legend of the layer shown: what it is, and its colour scale's ends. */
static void
update_legend (LeafscopeDiagnoseView *self, gboolean drawn)
{
  const LsDiagnosis *d = diagnosis (self);
  g_autofree char *title = NULL;
  g_autofree char *high = NULL;
  const char *low = NULL;

  switch (leafscope_diagnose_view_current_layer (self))
    {
    case LEAFSCOPE_LAYER_EVIDENCE:
      if (d == NULL || leafscope_diagnose_view_not_judged (self))
        title = g_strdup (_("Evidence: what changes the diagnosis"));
      else if (self->evidence == NULL)
        title = g_strdup (_("Evidence: measuring what changes the diagnosis…"));
      else if (!evidence_decides (self))
        /* TRANSLATORS: %.0f is a number of probability points */
        title = g_strdup_printf (_("Evidence: no single region decides this diagnosis (hiding any one "
                                   "region lowers it by less than %.0f points)."),
                                 (double) LS_EVIDENCE_MIN_POINTS);
      else
        {
          g_autofree char *name = leafscope_class_display_name (d->labels[self->evidence->class_index]);
          /* TRANSLATORS: %s is a class name */
          title = g_strdup_printf (_("Evidence: what changes the diagnosis. Colour: how much “%s” drops "
                                     "if this region is hidden%s"),
                                   name, self->evidence->final ? "." : _(" (refining…)."));
          low = _("No drop");
          /* TRANSLATORS: the legend's top: a drop in probability points */
          high = g_strdup_printf (_("−%.0f points"), (double) ls_evidence_map_display_scale (self->evidence));
        }
      break;
    case LEAFSCOPE_LAYER_LESIONS:
      title = g_strdup (_("Lesions: the lesion-coloured pixels the affected area counts."));
      low = _("Not counted");
      high = g_strdup (_("Counted"));
      break;
    case LEAFSCOPE_LAYER_ROLLOUT:
    case LEAFSCOPE_LAYER_LAST_LAYER:
    default:
      title = g_strdup (_("Attention: where the model’s attention went, which is not what decides "
                          "the diagnosis."));
      low = _("Less attention");
      high = g_strdup (_("More attention"));
      break;
    }
  gtk_label_set_text (self->legend_title, title);
  gtk_label_set_text (self->legend_low, low ? low : "");
  gtk_label_set_text (self->legend_high, high ? high : "");
  gtk_widget_set_visible (self->legend_box, drawn && low != NULL);
}

static void
update_heatmap (LeafscopeDiagnoseView *self)
{
  int rows, cols;
  const float *grid = leafscope_diagnose_view_current_grid (self, &rows, &cols);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *rgba;
  int w, h;

  gtk_widget_set_sensitive (GTK_WIDGET (self->head_dropdown),
                            leafscope_diagnose_view_current_layer (self) == LEAFSCOPE_LAYER_LAST_LAYER
                            && !leafscope_diagnose_view_not_judged (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->method_dropdown), !leafscope_diagnose_view_not_judged (self));
  update_legend (self, grid != NULL || diagnosis (self) == NULL);
  if (grid == NULL || self->image == NULL)
    {
      leafscope_photo_view_set_heatmap (self->photo_view, NULL);
      return;
    }
  /* Rendered once at a moderate size with the photo's aspect; the GPU
   * stretches it over the photo's rectangle. */
  if (self->image->width >= self->image->height)
    {
      w = 448;
      h = MAX (1, (int) ((double) 448 * self->image->height / self->image->width));
    }
  else
    {
      h = 448;
      w = MAX (1, (int) ((double) 448 * self->image->width / self->image->height));
    }
  /* Alpha grows with the value; the opacity slider scales it further. */
  rgba = ls_heatmap_render_weighted (grid, cols, rows, LEAFSCOPE_COLORMAP, 1.0f, LEAFSCOPE_HEATMAP_GAMMA, w, h);
  bytes = g_bytes_new_take (rgba, (gsize) w * h * 4);
  texture = gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8A8, bytes, (gsize) w * 4);
  leafscope_photo_view_set_heatmap (self->photo_view, texture);
}

static void
build_legend (LeafscopeDiagnoseView *self)
{
  const int w = 256;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint8 *rgba = g_malloc (w * 4);

  /* The overlay's own alpha rule, so the legend fades in from nothing as
   * the photo view does; every layer uses this colour scale, and its own
   * words at the ends (update_legend). */
  for (int x = 0; x < w; x++)
    {
      float v = (float) x / (w - 1);
      ls_heatmap_colormap_lookup (LEAFSCOPE_COLORMAP, v, rgba + x * 4);
      rgba[x * 4 + 3] = (guint8) lroundf (255.0f * ls_heatmap_alpha (v, 1.0f, LEAFSCOPE_HEATMAP_GAMMA));
    }
  bytes = g_bytes_new_take (rgba, w * 4);
  texture = gdk_memory_texture_new (w, 1, GDK_MEMORY_R8G8B8A8, bytes, w * 4);
  gtk_picture_set_paintable (self->legend_picture, GDK_PAINTABLE (texture));
}

static void
update_heads (LeafscopeDiagnoseView *self)
{
  g_autoptr(GtkStringList) list = NULL;
  const LsDiagnosis *d = diagnosis (self);
  int n = d ? d->num_heads : 0;
  int head;

  /* Before any diagnosis the list holds its first entry, so the dropdown
   * never reads "(None)" and keeps its width. */
  if (n == self->n_heads)
    return;
  self->n_heads = n;
  list = gtk_string_list_new (NULL);
  gtk_string_list_append (list, _("Mean of all heads"));
  for (int i = 0; i < n; i++)
    {
      /* TRANSLATORS: an attention head of the vision model, numbered from 1 */
      g_autofree char *name = g_strdup_printf (_("Head %d"), i + 1);
      gtk_string_list_append (list, name);
    }
  gtk_drop_down_set_model (self->head_dropdown, G_LIST_MODEL (list));
  head = self->settings ? g_settings_get_int (self->settings, "heatmap-head") : -1;
  gtk_drop_down_set_selected (self->head_dropdown, head >= 0 && head < n ? (guint) head + 1 : 0);
}

static void
on_heatmap_choice_changed (LeafscopeDiagnoseView *self)
{
  if (self->settings && self->result && self->n_heads > 0)
    {
      guint head = gtk_drop_down_get_selected (self->head_dropdown);
      if (head != GTK_INVALID_LIST_POSITION)
        g_settings_set_int (self->settings, "heatmap-head", (int) head - 1);
    }
  update_heatmap (self);
}

void
leafscope_diagnose_view_update_overlay (LeafscopeDiagnoseView *self)
{
  update_heads (self);
  update_heatmap (self);
}

void
leafscope_diagnose_view_init_overlay (LeafscopeDiagnoseView *self)
{
  build_legend (self);
  update_heads (self);
  update_heatmap (self);

  g_object_bind_property (self->heatmap_switch, "active", self->photo_view, "heatmap-visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale)), "value",
                          self->photo_view, "heatmap-opacity", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->heatmap_switch, "active", self->opacity_scale, "sensitive", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->method_dropdown, "notify::selected", G_CALLBACK (on_heatmap_choice_changed), self);
  g_signal_connect_swapped (self->head_dropdown, "notify::selected", G_CALLBACK (on_heatmap_choice_changed), self);
  gtk_range_set_value (GTK_RANGE (self->opacity_scale), 0.5);
  gtk_switch_set_active (self->heatmap_switch, TRUE);
}
