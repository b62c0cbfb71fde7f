/* leafscope-diagnose-view-overlay.c: the map drawn over the photo: its
 * layers (rollout, last layer and its heads), opacity and legend.  A new
 * layer (such as an evidence map) brings its own legend labels. */
#include "leafscope-diagnose-view-private.h"
#include "leafscope-report.h"
#include "heatmap.h"

#include <glib/gi18n-lib.h>
#include <math.h>

static const LsDiagnosis *
diagnosis (LeafscopeDiagnoseView *self)
{
  return self->result ? leafscope_result_get_diagnosis (self->result) : NULL;
}


const float *
leafscope_diagnose_view_current_grid (LeafscopeDiagnoseView *self)
{
  const LsDiagnosis *d = diagnosis (self);
  guint method, head;

  if (d == NULL || d->grid_size <= 0)
    return NULL;
  /* A photo the model cannot judge gets no map: nothing on it is evidence
   * of a disease (issue 12). */
  if (leafscope_diagnose_view_not_judged (self))
    return NULL;
  method = gtk_drop_down_get_selected (self->method_dropdown);
  if (method != 1)
    return d->rollout;
  head = gtk_drop_down_get_selected (self->head_dropdown);
  if (head == GTK_INVALID_LIST_POSITION || (int) head > d->num_heads)
    head = 0;
  return d->last_layer + (gsize) head * d->grid_size * d->grid_size;
}

static void
update_heatmap (LeafscopeDiagnoseView *self)
{
  const float *grid = leafscope_diagnose_view_current_grid (self);
  const LsDiagnosis *d = diagnosis (self);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *rgba;
  int w, h;

  gtk_widget_set_sensitive (GTK_WIDGET (self->head_dropdown),
                            gtk_drop_down_get_selected (self->method_dropdown) == 1
                            && !leafscope_diagnose_view_not_judged (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->method_dropdown), !leafscope_diagnose_view_not_judged (self));
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
  /* Alpha grows with attention; the opacity slider scales it further. */
  rgba = ls_heatmap_render_weighted (grid, d->grid_size, d->grid_size,
                                     LEAFSCOPE_COLORMAP, 1.0f, LEAFSCOPE_HEATMAP_GAMMA, w, h);
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
   * the photo view does.  Each layer may bring its own legend: the two
   * attention layers share this one. */
  for (int x = 0; x < w; x++)
    {
      float v = (float) x / (w - 1);
      ls_heatmap_colormap_lookup (LEAFSCOPE_COLORMAP, v, rgba + x * 4);
      rgba[x * 4 + 3] = (guint8) lroundf (255.0f * ls_heatmap_alpha (v, 1.0f, LEAFSCOPE_HEATMAP_GAMMA));
    }
  bytes = g_bytes_new_take (rgba, w * 4);
  texture = gdk_memory_texture_new (w, 1, GDK_MEMORY_R8G8B8A8, bytes, w * 4);
  gtk_picture_set_paintable (self->legend_picture, GDK_PAINTABLE (texture));
  gtk_label_set_text (self->legend_low, _("Less attention"));
  gtk_label_set_text (self->legend_high, _("More attention"));
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

  g_object_bind_property (self->heatmap_switch, "active", self->photo_view, "heatmap-visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale)), "value",
                          self->photo_view, "heatmap-opacity", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->heatmap_switch, "active", self->opacity_scale, "sensitive", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->method_dropdown, "notify::selected", G_CALLBACK (on_heatmap_choice_changed), self);
  g_signal_connect_swapped (self->head_dropdown, "notify::selected", G_CALLBACK (on_heatmap_choice_changed), self);
  gtk_range_set_value (GTK_RANGE (self->opacity_scale), 0.5);
  gtk_switch_set_active (self->heatmap_switch, TRUE);
}
