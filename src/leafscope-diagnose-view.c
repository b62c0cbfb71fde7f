/* leafscope-diagnose-view.c: see the header. */
#include "leafscope-diagnose-view.h"
#include "leafscope-description-pane.h"
#include "leafscope-facts.h"
#include "leafscope-photo-view.h"
#include "leafscope-report.h"
#include "leafscope-dataset-model.h"
#include "leafscope-thumbnailer.h"
#include "heatmap.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#define THUMB_SIZE 64

struct _LeafscopeDiagnoseView
{
  GtkWidget                 parent_instance;

  GtkStack                 *stack;
  GtkWidget                *paned;
  LeafscopePhotoView       *photo_view;
  GtkSwitch                *heatmap_switch;
  GtkScale                 *opacity_scale;
  GtkDropDown              *method_dropdown;
  GtkDropDown              *head_dropdown;
  GtkPicture               *legend_picture;
  GtkWidget                *strip_scroller;
  GtkBox                   *strip_box;
  GtkLabel                 *file_label;
  GtkWidget                *busy_box;
  GtkSpinner               *busy_spinner;
  GtkWidget                *verdict_box;
  GtkLabel                 *verdict_label;
  GtkLabel                 *verdict_detail;
  GtkBox                   *bars_box;
  LeafscopeDescriptionPane *description;

  LeafscopeWorker          *worker;
  GSettings                *settings;

  GPtrArray                *files;       /* GFile: the strip */
  GPtrArray                *strip_buttons;
  guint                     current;
  guint                     load_serial; /* drops stale decodes */
  char                     *photo_name;
  LsImage                  *image;
  LsDiagnosis              *diagnosis;
  GHashTable               *bars;        /* label -> GtkProgressBar */
  int                       n_heads;
  gboolean                  loading;
  gboolean                  classifying;
  gboolean                  generating;
};

enum { PROP_0, PROP_CAN_STOP, PROP_CAN_REGENERATE, PROP_CAN_SAVE, PROP_BUSY, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LeafscopeDiagnoseView, leafscope_diagnose_view, GTK_TYPE_WIDGET)

static void
notify_state (LeafscopeDiagnoseView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_STOP]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_REGENERATE]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_SAVE]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

static void
show_error (LeafscopeDiagnoseView *self, const char *message)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
}

static void
set_busy (LeafscopeDiagnoseView *self, gboolean busy)
{
  gtk_widget_set_visible (self->busy_box, busy);
  if (busy)
    gtk_spinner_start (self->busy_spinner);
  else
    gtk_spinner_stop (self->busy_spinner);
}

/* ---- heatmap ---- */

static const float *
current_grid (LeafscopeDiagnoseView *self)
{
  LsDiagnosis *d = self->diagnosis;
  guint method, head;

  if (d == NULL || d->grid_size <= 0)
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
  const float *grid = current_grid (self);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *rgba;
  int w, h;

  gtk_widget_set_sensitive (GTK_WIDGET (self->head_dropdown),
                            gtk_drop_down_get_selected (self->method_dropdown) == 1);
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
  rgba = ls_heatmap_render_weighted (grid, self->diagnosis->grid_size, self->diagnosis->grid_size,
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
   * the photo view does. */
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
  int n = self->diagnosis ? self->diagnosis->num_heads : 0;
  int head;

  if (n == self->n_heads && gtk_drop_down_get_model (self->head_dropdown) != NULL)
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
  if (self->settings && self->diagnosis && gtk_drop_down_get_model (self->head_dropdown))
    {
      guint head = gtk_drop_down_get_selected (self->head_dropdown);
      if (head != GTK_INVALID_LIST_POSITION)
        g_settings_set_int (self->settings, "heatmap-head", (int) head - 1);
    }
  update_heatmap (self);
}

/* ---- prediction ---- */

static int
compare_by_prob (gconstpointer a, gconstpointer b, gpointer data)
{
  const float *probs = data;
  float pa = probs[*(const int *) a], pb = probs[*(const int *) b];
  return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static void
clear_prediction (LeafscopeDiagnoseView *self)
{
  GtkWidget *child;

  g_clear_pointer (&self->diagnosis, ls_diagnosis_free);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->bars_box))))
    gtk_box_remove (self->bars_box, child);
  g_hash_table_remove_all (self->bars);
  gtk_widget_set_visible (self->verdict_box, FALSE);
  leafscope_photo_view_set_heatmap (self->photo_view, NULL);
  leafscope_description_pane_set_class (self->description, NULL, FALSE);
}

static void
show_prediction (LeafscopeDiagnoseView *self)
{
  LsDiagnosis *d = self->diagnosis;
  const LsFindings *f = &d->findings;
  g_autofree int *order = g_new (int, MAX (d->n_labels, 1));
  g_autofree char *top = leafscope_class_display_name (d->labels[d->top_index]);
  GString *detail = g_string_new (NULL);

  for (int i = 0; i < d->n_labels; i++)
    order[i] = i;
  g_qsort_with_data (order, d->n_labels, sizeof (int), compare_by_prob, d->probs);

  if (d->uncertain)
    {
      gtk_label_set_text (self->verdict_label, _("Uncertain result"));
      /* TRANSLATORS: %s is a class name, %.0f its probability in percent */
      g_string_append_printf (detail, _("No class is likely enough: the closest is %s at %.0f %%. "
                                        "This may not be a bean leaf, or the photo is unclear."),
                              top, 100.0 * d->top_score);
    }
  else
    {
      gtk_label_set_text (self->verdict_label, top);
      /* TRANSLATORS: %.0f is a probability in percent */
      g_string_append_printf (detail, _("%.0f %% likely, according to the vision model."), 100.0 * d->top_score);
    }
  if (f->too_dark)
    g_string_append_printf (detail, " %s", _("The photo is dark."));
  if (f->overexposed)
    g_string_append_printf (detail, " %s", _("Parts of the photo are overexposed."));
  if (f->blurred)
    g_string_append_printf (detail, " %s", _("The photo looks blurred."));
  if (d->uncertain && f->leaf_fraction < 0.2f)
    g_string_append_printf (detail, " %s", _("Little of the photo looks like a leaf."));
  gtk_label_set_text (self->verdict_detail, detail->str);
  g_string_free (detail, TRUE);
  if (d->uncertain)
    gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label), "uncertain");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), "uncertain");

  for (int k = 0; k < d->n_labels; k++)
    {
      int i = order[k];
      g_autofree char *name = leafscope_class_display_name (d->labels[i]);
      g_autofree char *pct = g_strdup_printf ("%.0f %%", 100.0 * d->probs[i]);
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
      GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *name_label = gtk_label_new (name);
      GtkWidget *pct_label = gtk_label_new (pct);
      GtkWidget *bar = gtk_progress_bar_new ();

      gtk_label_set_xalign (GTK_LABEL (name_label), 0);
      gtk_widget_set_hexpand (name_label, TRUE);
      gtk_widget_add_css_class (pct_label, "numeric");
      gtk_box_append (GTK_BOX (line), name_label);
      gtk_box_append (GTK_BOX (line), pct_label);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), CLAMP (d->probs[i], 0.0f, 1.0f));
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_widget_add_css_class (bar, "class-bar");
      if (i == d->top_index)
        {
          gtk_widget_add_css_class (bar, d->uncertain ? "uncertain" : "top");
          gtk_widget_add_css_class (name_label, "heading");
        }
      gtk_box_append (GTK_BOX (row), line);
      gtk_box_append (GTK_BOX (row), bar);
      gtk_box_append (self->bars_box, row);
      g_hash_table_insert (self->bars, g_strdup (d->labels[i]), bar);
    }
  gtk_widget_set_visible (self->verdict_box, TRUE);
  leafscope_description_pane_set_class (self->description, d->labels[d->top_index], d->uncertain);
  update_heads (self);
  update_heatmap (self);
}

/* ---- the worker ---- */

static void
on_classified (LsDiagnosis *diagnosis, gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;

  clear_prediction (self);
  self->diagnosis = diagnosis;
  self->classifying = FALSE;
  set_busy (self, FALSE);
  show_prediction (self);
  notify_state (self);
}

static void
on_token (const char *piece, gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;
  leafscope_description_pane_append (self->description, piece);
}

static void
on_finished (const GError *error, gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;
  gboolean classified = self->diagnosis != NULL;
  g_autofree char *message = NULL;

  self->classifying = FALSE;
  set_busy (self, FALSE);
  if (error == NULL)
    message = NULL;
  else if (g_error_matches (error, LEAFSCOPE_WORKER_ERROR, LEAFSCOPE_WORKER_ERROR_NO_TEXT_MODEL))
    message = g_strdup (error->message);
  else if (classified)
    message = g_strdup_printf (_("The description could not be written: %s"), error->message);
  else
    show_error (self, error->message);
  if (self->generating)
    {
      self->generating = FALSE;
      leafscope_description_pane_finish (self->description, message);
    }
  notify_state (self);
}

static void
on_cancelled (gpointer owner)
{
  LeafscopeDiagnoseView *self = owner;

  /* Stop, a new photo, or an evaluation took the worker. */
  if (self->classifying)
    {
      self->classifying = FALSE;
      set_busy (self, self->loading);
    }
  if (self->generating)
    {
      self->generating = FALSE;
      leafscope_description_pane_finish (self->description, _("Stopped."));
    }
  notify_state (self);
}

static const LeafscopeJobCallbacks diagnose_callbacks = {
  .classified = on_classified,
  .token = on_token,
  .finished = on_finished,
  .cancelled = on_cancelled,
};

static void
submit (LeafscopeDiagnoseView *self, gboolean classify, guint64 seed)
{
  LeafscopeDiagnoseParams params = { 0 };

  if (self->worker == NULL || self->image == NULL)
    return;
  params.classify = classify;
  params.describe = TRUE;
  params.language = leafscope_description_language ();
  ls_generate_options_init (&params.generate);
  params.generate.do_sample = TRUE;
  params.generate.seed = seed;
  if (self->settings)
    {
      params.threshold = (float) g_settings_get_double (self->settings, "uncertainty-threshold");
      params.generate.max_new_tokens = g_settings_get_int (self->settings, "max-new-tokens");
      params.generate.temperature = (float) g_settings_get_double (self->settings, "temperature");
      params.generate.top_k = g_settings_get_int (self->settings, "top-k");
      params.generate.top_p = (float) g_settings_get_double (self->settings, "top-p");
    }
  else
    params.threshold = 0.6f;
  if (params.generate.temperature <= 0.0f)
    params.generate.do_sample = FALSE;

  /* Cancel first: the old job's cancelled callback resets this view. */
  leafscope_worker_cancel (self->worker);
  self->classifying = classify;
  self->generating = TRUE;
  set_busy (self, classify);
  leafscope_description_pane_start (self->description);
  leafscope_worker_diagnose (self->worker, ls_image_copy (self->image), &params,
                             &diagnose_callbacks, self);
  notify_state (self);
}

/* ---- loading photos ---- */

typedef struct
{
  LsImage    *image;
  GdkTexture *texture;
} Decoded;

static void
decoded_free (gpointer data)
{
  Decoded *d = data;
  g_clear_pointer (&d->image, ls_image_free);
  g_clear_object (&d->texture);
  g_free (d);
}

static GdkTexture *
texture_for_image (const LsImage *image)
{
  g_autoptr(GBytes) bytes = g_bytes_new (image->rgb, (gsize) image->width * image->height * 3);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize) image->width * 3);
}

static void
decode_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  GError *error = NULL;
  LsImage *image = NULL;
  Decoded *d;

  if (path != NULL)
    image = ls_image_load (path, &error);
  else
    {
      /* Not a local file (e.g. dragged from a browser as a URI). */
      g_autoptr(GBytes) bytes = g_file_load_bytes (file, cancellable, NULL, &error);
      if (bytes)
        image = ls_image_new_from_bytes (bytes, &error);
    }
  if (image == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  d = g_new0 (Decoded, 1);
  d->image = image;
  d->texture = texture_for_image (image);
  g_task_return_pointer (task, d, decoded_free);
}

static void
show_image (LeafscopeDiagnoseView *self, LsImage *image, GdkTexture *texture, const char *name)
{
  leafscope_worker_cancel (self->worker);
  clear_prediction (self);
  g_clear_pointer (&self->image, ls_image_free);
  self->image = image;
  g_free (self->photo_name);
  self->photo_name = g_strdup (name);
  gtk_label_set_text (self->file_label, name ? name : "");
  leafscope_photo_view_set_photo (self->photo_view, texture);
  gtk_stack_set_visible_child_name (self->stack, "result");
  submit (self, TRUE, 42);
}

static void
on_decoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (source);
  guint serial = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  Decoded *d = g_task_propagate_pointer (G_TASK (result), &error);
  GFile *file = g_task_get_task_data (G_TASK (result));
  g_autofree char *name = g_file_get_basename (file);

  if (serial != self->load_serial)
    {
      /* A newer photo was asked for meanwhile. */
      g_clear_pointer (&d, decoded_free);
      return;
    }
  self->loading = FALSE;
  if (d == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” could not be opened as a photo: %s"),
                                                  name, error->message);
      set_busy (self, FALSE);
      show_error (self, message);
      notify_state (self);
      return;
    }
  show_image (self, g_steal_pointer (&d->image), d->texture, name);
  decoded_free (d);
}

static void
load_current (LeafscopeDiagnoseView *self)
{
  GFile *file = g_ptr_array_index (self->files, self->current);
  g_autoptr(GTask) task = g_task_new (self, NULL, on_decoded, GUINT_TO_POINTER (++self->load_serial));

  /* The old job must not show anything for the new photo. */
  self->loading = TRUE;
  if (self->classifying || self->generating)
    leafscope_worker_cancel (self->worker);
  set_busy (self, TRUE);
  for (guint i = 0; i < self->strip_buttons->len; i++)
    {
      GtkWidget *b = g_ptr_array_index (self->strip_buttons, i);
      if (i == self->current)
        gtk_widget_add_css_class (b, "current");
      else
        gtk_widget_remove_css_class (b, "current");
    }
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, decode_thread);
  notify_state (self);
}

static void
on_strip_clicked (GtkButton *button, LeafscopeDiagnoseView *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  if (index == self->current && self->image)
    return;
  self->current = index;
  load_current (self);
}

static void
strip_thumb_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree char *path = g_file_get_path (task_data);
  GdkTexture *texture = path ? leafscope_thumbnail_decode (path, THUMB_SIZE * 2) : NULL;

  g_task_return_pointer (task, texture, texture ? g_object_unref : NULL);
}

static void
on_strip_thumb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GtkPicture) picture = user_data;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), NULL);
  if (texture)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
}

static void
rebuild_strip (LeafscopeDiagnoseView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->strip_box))))
    gtk_box_remove (self->strip_box, child);
  g_ptr_array_set_size (self->strip_buttons, 0);
  gtk_widget_set_visible (self->strip_scroller, self->files->len > 1);
  if (self->files->len < 2)
    return;

  for (guint i = 0; i < self->files->len; i++)
    {
      GFile *file = g_ptr_array_index (self->files, i);
      g_autofree char *name = g_file_get_basename (file);
      GtkWidget *button = gtk_button_new ();
      GtkWidget *picture = gtk_picture_new ();
      g_autoptr(GTask) task = g_task_new (NULL, NULL, on_strip_thumb, g_object_ref (picture));

      gtk_widget_set_size_request (picture, THUMB_SIZE, THUMB_SIZE);
      gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
      gtk_button_set_child (GTK_BUTTON (button), picture);
      gtk_widget_set_tooltip_text (button, name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_widget_add_css_class (button, "strip-thumb");
      g_object_set_data (G_OBJECT (button), "index", GUINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (on_strip_clicked), self);
      gtk_box_append (self->strip_box, button);
      g_ptr_array_add (self->strip_buttons, button);
      g_task_set_task_data (task, g_object_ref (file), g_object_unref);
      g_task_run_in_thread (task, strip_thumb_thread);
    }
}

void
leafscope_diagnose_view_open_files (LeafscopeDiagnoseView *self, GFile **files, guint n_files)
{
  g_return_if_fail (LEAFSCOPE_IS_DIAGNOSE_VIEW (self));
  if (n_files == 0)
    return;
  g_ptr_array_set_size (self->files, 0);
  for (guint i = 0; i < n_files; i++)
    g_ptr_array_add (self->files, g_object_ref (files[i]));
  self->current = 0;
  rebuild_strip (self);
  gtk_stack_set_visible_child_name (self->stack, "result");
  load_current (self);
}

void
leafscope_diagnose_view_open_texture (LeafscopeDiagnoseView *self, GdkTexture *texture, const char *name)
{
  g_autoptr(GError) error = NULL;
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  gsize stride = (gsize) w * 4;
  g_autofree guint8 *data = NULL;
  LsImage *image;

  if ((gint64) w * h > LS_IMAGE_MAX_PIXELS)
    {
      show_error (self, _("The image is too large to diagnose."));
      return;
    }
  /* gdk_texture_download gives premultiplied B8G8R8A8 in native order (Cairo's
   * ARGB32); swap it into RGBA. */
  data = g_malloc (stride * h);
  gdk_texture_download (texture, data, stride);
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      guint8 *p = data + i * 4;
      guint32 v = *(guint32 *) p;
      guint8 a = v >> 24, r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
      if (a > 0 && a < 255)
        {
          r = MIN (255, r * 255 / a);
          g = MIN (255, g * 255 / a);
          b = MIN (255, b * 255 / a);
        }
      p[0] = r; p[1] = g; p[2] = b; p[3] = a;
    }
  image = ls_image_new_from_data (data, w, h, (int) stride, TRUE, &error);
  if (image == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The image could not be used: %s"), error->message);
      show_error (self, message);
      return;
    }
  self->load_serial++;
  self->loading = FALSE;
  g_ptr_array_set_size (self->files, 0);
  rebuild_strip (self);
  {
    g_autoptr(GdkTexture) shown = texture_for_image (image);
    show_image (self, image, shown, name ? name : _("Pasted image"));
  }
}

gboolean
leafscope_diagnose_view_step (LeafscopeDiagnoseView *self, int delta)
{
  int next = (int) self->current + delta;
  if (self->files->len < 2 || next < 0 || next >= (int) self->files->len)
    return FALSE;
  self->current = next;
  load_current (self);
  return TRUE;
}

/* ---- drop and paste ---- */

static gboolean
open_value (LeafscopeDiagnoseView *self, const GValue *value)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *list = g_value_get_boxed (value);
      g_autoptr(GPtrArray) files = g_ptr_array_new ();
      for (GSList *l = list; l; l = l->next)
        {
          g_autofree char *name = g_file_get_basename (l->data);
          if (g_slist_length (list) == 1 || leafscope_is_image_file_name (name))
            g_ptr_array_add (files, l->data);
        }
      if (files->len == 0)
        {
          show_error (self, _("None of the dropped files is a photo."));
          return FALSE;
        }
      leafscope_diagnose_view_open_files (self, (GFile **) files->pdata, files->len);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      GFile *file = g_value_get_object (value);
      leafscope_diagnose_view_open_files (self, &file, 1);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      leafscope_diagnose_view_open_texture (self, g_value_get_object (value), NULL);
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, LeafscopeDiagnoseView *self)
{
  return open_value (self, value);
}

static void
on_paste_texture (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(LeafscopeDiagnoseView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);

  if (texture == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The pasted image could not be read: %s"), error->message);
      show_error (self, message);
      return;
    }
  leafscope_diagnose_view_open_texture (self, texture, NULL);
}

static void
on_paste_value (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(LeafscopeDiagnoseView) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value == NULL || !open_value (self, value))
    show_error (self, _("The clipboard holds no photo."));
}

void
leafscope_diagnose_view_paste (LeafscopeDiagnoseView *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, NULL, on_paste_texture, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    on_paste_value, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE))
    gdk_clipboard_read_value_async (clipboard, G_TYPE_FILE, G_PRIORITY_DEFAULT, NULL,
                                    on_paste_value, g_object_ref (self));
  else
    show_error (self, _("The clipboard holds no photo."));
}

/* ---- stop, regenerate, report ---- */

void
leafscope_diagnose_view_stop (LeafscopeDiagnoseView *self)
{
  if (self->generating || self->classifying)
    leafscope_worker_cancel (self->worker);
}

void
leafscope_diagnose_view_regenerate (LeafscopeDiagnoseView *self)
{
  if (self->image == NULL || self->diagnosis == NULL)
    return;
  submit (self, FALSE, g_random_int ());
}

static char *
model_name (GSettings *settings, const char *key)
{
  g_autofree char *value = settings ? g_settings_get_string (settings, key) : NULL;
  if (value == NULL || *value == '\0')
    return g_strdup (g_str_equal (key, "vision-model") ? "leaf-vit" : "leaf-gpt2");
  return g_path_get_basename (value);
}

gboolean
leafscope_diagnose_view_write_report (LeafscopeDiagnoseView *self, GFile *png_file, gboolean overwrite,
                                      GError **error)
{
  LsDiagnosis *d = self->diagnosis;
  g_autoptr(GdkPixbuf) composite = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *description = leafscope_description_pane_dup_text (self->description);
  g_autofree char *vision = model_name (self->settings, "vision-model");
  g_autofree char *text = model_name (self->settings, "text-model");
  gboolean visible = gtk_switch_get_active (self->heatmap_switch);
  LeafscopeReport report = { 0 };

  if (d == NULL || self->image == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is no diagnosis to save yet."));
      return FALSE;
    }
  composite = leafscope_report_composite (self->image, visible ? current_grid (self) : NULL,
                                          d->grid_size, gtk_range_get_value (GTK_RANGE (self->opacity_scale)));
  report.photo_name = self->photo_name;
  report.n_classes = d->n_labels;
  report.labels = (const char * const *) d->labels;
  report.probs = d->probs;
  report.top_index = d->top_index;
  report.uncertain = d->uncertain;
  report.description = description;
  report.vision_model = vision;
  report.text_model = *description ? text : NULL;
  report.date = now;
  return leafscope_report_save (&report, composite, png_file, overwrite, error);
}

static void
save_and_report (LeafscopeDiagnoseView *self, GFile *file)
{
  g_autoptr(GError) error = NULL;
  if (!leafscope_diagnose_view_write_report (self, file, TRUE, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The report could not be saved: %s"), error->message);
      show_error (self, message);
    }
}

static void
on_replace_response (GtkDialog *dialog, int response, gpointer user_data)
{
  LeafscopeDiagnoseView *self = g_object_get_data (G_OBJECT (dialog), "view");
  GFile *file = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    save_and_report (self, file);
  g_object_unref (file);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
on_save_response (GtkNativeDialog *native, int response, LeafscopeDiagnoseView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) md = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  g_object_unref (native);
  if (file == NULL)
    return;

  /* The dialog asked about the PNG; the Markdown sibling is ours to ask about. */
  md = leafscope_report_markdown_file_for (file);
  if (g_file_query_exists (md, NULL))
    {
      g_autofree char *name = g_file_get_basename (md);
      GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                  GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                  GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                                  _("Replace “%s”?"), name);
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                                _("A report with this name already exists. Replacing it overwrites its contents."));
      gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                              _("_Replace"), GTK_RESPONSE_ACCEPT, NULL);
      gtk_widget_add_css_class (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT),
                                "destructive-action");
      g_object_set_data (G_OBJECT (dialog), "view", self);
      g_signal_connect (dialog, "response", G_CALLBACK (on_replace_response), g_steal_pointer (&file));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  save_and_report (self, file);
}

void
leafscope_diagnose_view_save_report (LeafscopeDiagnoseView *self)
{
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *stem = NULL;
  g_autofree char *suggested = NULL;

  if (self->diagnosis == NULL)
    return;
  native = gtk_file_chooser_native_new (_("Save Report"), GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_filter_set_name (filter, _("PNG image with a Markdown report"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  stem = self->photo_name ? g_strdup (self->photo_name) : g_strdup ("leaf");
  if (strrchr (stem, '.') && strrchr (stem, '.') != stem)
    *strrchr (stem, '.') = '\0';
  /* TRANSLATORS: default file name of a saved report; %s is the photo's name */
  suggested = g_strdup_printf (_("%s-report.png"), stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested);
  g_signal_connect (native, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- state ---- */

gboolean
leafscope_diagnose_view_get_busy (LeafscopeDiagnoseView *self)
{
  return self->loading || self->classifying || self->generating;
}

gboolean
leafscope_diagnose_view_get_generating (LeafscopeDiagnoseView *self)
{
  return self->generating;
}

const LsDiagnosis *
leafscope_diagnose_view_get_diagnosis (LeafscopeDiagnoseView *self)
{
  return self->diagnosis;
}

const char *
leafscope_diagnose_view_get_verdict (LeafscopeDiagnoseView *self)
{
  return gtk_label_get_text (self->verdict_label);
}

double
leafscope_diagnose_view_get_bar_fraction (LeafscopeDiagnoseView *self, const char *label)
{
  GtkProgressBar *bar = g_hash_table_lookup (self->bars, label);
  return bar ? gtk_progress_bar_get_fraction (bar) : -1.0;
}

char *
leafscope_diagnose_view_dup_description (LeafscopeDiagnoseView *self)
{
  return leafscope_description_pane_dup_text (self->description);
}

guint
leafscope_diagnose_view_get_n_photos (LeafscopeDiagnoseView *self)
{
  return self->files->len;
}

const char *
leafscope_diagnose_view_get_photo_name (LeafscopeDiagnoseView *self)
{
  return self->photo_name;
}

GtkWidget *
leafscope_diagnose_view_get_photo_view (LeafscopeDiagnoseView *self)
{
  return GTK_WIDGET (self->photo_view);
}

/* ---- settings ---- */

static gboolean
method_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_uint (value, g_strcmp0 (g_variant_get_string (variant, NULL), "last-layer") == 0 ? 1 : 0);
  return TRUE;
}

static GVariant *
method_set_mapping (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "last-layer" : "rollout");
}

void
leafscope_diagnose_view_setup (LeafscopeDiagnoseView *self, LeafscopeWorker *worker, GSettings *settings)
{
  g_set_object (&self->worker, worker);
  g_set_object (&self->settings, settings);
  if (settings == NULL)
    return;
  g_settings_bind (settings, "heatmap-visible", self->heatmap_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "heatmap-opacity", gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale)),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "heatmap-method", self->method_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, method_get_mapping, method_set_mapping, NULL, NULL);
}

/* ---- GObject ---- */

static void
leafscope_diagnose_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (object);
  switch (prop_id)
    {
    case PROP_CAN_STOP:
      g_value_set_boolean (value, self->generating || self->classifying);
      break;
    case PROP_CAN_REGENERATE:
      g_value_set_boolean (value, self->diagnosis != NULL && !self->classifying && !self->loading);
      break;
    case PROP_CAN_SAVE:
      g_value_set_boolean (value, self->diagnosis != NULL && !self->loading);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, leafscope_diagnose_view_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leafscope_diagnose_view_dispose (GObject *object)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (object);

  if (self->worker && leafscope_diagnose_view_get_busy (self))
    leafscope_worker_cancel (self->worker);
  g_clear_object (&self->worker);
  g_clear_object (&self->settings);
  {
    GtkWidget *child;
    gtk_widget_dispose_template (GTK_WIDGET (self), LEAFSCOPE_TYPE_DIAGNOSE_VIEW);
    /* The template's top box has no id: unparent it ourselves. */
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (leafscope_diagnose_view_parent_class)->dispose (object);
}

static void
leafscope_diagnose_view_finalize (GObject *object)
{
  LeafscopeDiagnoseView *self = LEAFSCOPE_DIAGNOSE_VIEW (object);
  g_ptr_array_unref (self->files);
  g_ptr_array_unref (self->strip_buttons);
  g_hash_table_unref (self->bars);
  g_clear_pointer (&self->image, ls_image_free);
  g_clear_pointer (&self->diagnosis, ls_diagnosis_free);
  g_free (self->photo_name);
  G_OBJECT_CLASS (leafscope_diagnose_view_parent_class)->finalize (object);
}

static void
leafscope_diagnose_view_class_init (LeafscopeDiagnoseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = leafscope_diagnose_view_get_property;
  object_class->dispose = leafscope_diagnose_view_dispose;
  object_class->finalize = leafscope_diagnose_view_finalize;

  props[PROP_CAN_STOP] = g_param_spec_boolean ("can-stop", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_CAN_REGENERATE] = g_param_spec_boolean ("can-regenerate", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_CAN_SAVE] = g_param_spec_boolean ("can-save", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (LEAFSCOPE_TYPE_PHOTO_VIEW);
  g_type_ensure (LEAFSCOPE_TYPE_DESCRIPTION_PANE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/leafscope/Leafscope/leafscope-diagnose-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LeafscopeDiagnoseView, name)
  BIND (stack);
  BIND (paned);
  BIND (photo_view);
  BIND (heatmap_switch);
  BIND (opacity_scale);
  BIND (method_dropdown);
  BIND (head_dropdown);
  BIND (legend_picture);
  BIND (strip_scroller);
  BIND (strip_box);
  BIND (file_label);
  BIND (busy_box);
  BIND (busy_spinner);
  BIND (verdict_box);
  BIND (verdict_label);
  BIND (verdict_detail);
  BIND (bars_box);
  BIND (description);
#undef BIND
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "diagnoseview");
}

static void
leafscope_diagnose_view_init (LeafscopeDiagnoseView *self)
{
  GtkDropTarget *target;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE };

  self->files = g_ptr_array_new_with_free_func (g_object_unref);
  self->strip_buttons = g_ptr_array_new ();
  self->bars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->n_heads = -1;

  gtk_widget_init_template (GTK_WIDGET (self));
  set_busy (self, FALSE);
  gtk_widget_set_visible (self->verdict_box, FALSE);
  build_legend (self);

  g_object_bind_property (self->heatmap_switch, "active", self->photo_view, "heatmap-visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale)), "value",
                          self->photo_view, "heatmap-opacity", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->heatmap_switch, "active", self->opacity_scale, "sensitive", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->method_dropdown, "notify::selected", G_CALLBACK (on_heatmap_choice_changed), self);
  g_signal_connect_swapped (self->head_dropdown, "notify::selected", G_CALLBACK (on_heatmap_choice_changed), self);
  gtk_range_set_value (GTK_RANGE (self->opacity_scale), 0.5);
  gtk_switch_set_active (self->heatmap_switch, TRUE);

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
