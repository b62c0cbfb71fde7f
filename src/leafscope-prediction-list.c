/* leafscope-prediction-list.c: see the header. */
#include "config.h"

#include "leafscope-prediction-list-private.h"
#include "leafscope-facts.h"
#include "labels.h"

#include <glib/gi18n-lib.h>

struct _LeafscopePredictionList
{
  GtkWidget      parent_instance;
  GtkStack      *stack;
  GtkSpinner    *spinner;
  GtkLabel      *verdict_label;
  GtkLabel      *verdict_detail;
  GtkLabel      *note_label;
  GtkBox        *bars_box;
  GtkImage      *status_icon;
  GtkLabel      *status_title;
  GtkLabel      *status_description;
  GHashTable    *bars;  /* label -> GtkProgressBar */
};

G_DEFINE_FINAL_TYPE (LeafscopePredictionList, leafscope_prediction_list, GTK_TYPE_WIDGET)

static void
set_page (LeafscopePredictionList *self, const char *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
  if (g_str_equal (name, "loading"))
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
}

void
leafscope_prediction_list_clear (LeafscopePredictionList *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->bars_box))))
    gtk_box_remove (self->bars_box, child);
  g_hash_table_remove_all (self->bars);
  gtk_label_set_text (self->verdict_label, "");
  gtk_label_set_text (self->verdict_detail, "");
  leafscope_prediction_list_set_note (self, NULL);
  set_page (self, "none");
}

void
leafscope_prediction_list_set_note (LeafscopePredictionList *self, const char *note)
{
  gtk_label_set_text (self->note_label, note ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), note && *note);
}

const char *
leafscope_prediction_list_get_note (LeafscopePredictionList *self)
{
  return gtk_label_get_text (self->note_label);
}

void
leafscope_prediction_list_show_loading (LeafscopePredictionList *self)
{
  leafscope_prediction_list_clear (self);
  set_page (self, "loading");
}

void
leafscope_prediction_list_show_status (LeafscopePredictionList *self, const char *icon_name,
                                       const char *title, const char *description)
{
  leafscope_prediction_list_clear (self);
  gtk_image_set_from_icon_name (self->status_icon, icon_name);
  gtk_label_set_text (self->status_title, title);
  gtk_label_set_text (self->status_description, description ? description : "");
  set_page (self, "status");
}

static GtkWidget *
bar_row (LeafscopePredictionList *self, const LsDiagnosis *d, int i)
{
  g_autofree char *name = leafscope_class_display_name (d->labels[i]);
  g_autofree char *pct = g_strdup_printf ("%.0f %%", 100.0 * d->probs[i]);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *pct_label = gtk_label_new (pct);
  GtkWidget *bar = gtk_progress_bar_new ();

  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_wrap (GTK_LABEL (name_label), TRUE);
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
  g_hash_table_insert (self->bars, g_strdup (d->labels[i]), bar);
  return row;
}

/* not_a_leaf and unusable: no verdict, no bars; what was wrong and how
 * to take a usable photo, in the interface's words. */
static void
show_not_judged (LeafscopePredictionList *self, const LsDiagnosis *d)
{
  g_autofree char *text = g_strdup_printf ("%s\n\n%s", leafscope_status_reason (d->status_reason),
                                           leafscope_status_guidance (d->status));

  leafscope_prediction_list_show_status (self, d->status == LS_DIAGNOSIS_UNUSABLE
                                               ? "image-x-generic-symbolic" : "camera-photo-symbolic",
                                         leafscope_status_title (d->status), text);
}

void
leafscope_prediction_list_show_diagnosis (LeafscopePredictionList *self, const LsDiagnosis *d)
{
  const LsFindings *f = &d->findings;
  g_autofree int *order = g_new (int, MAX (d->n_labels, 1));
  g_autofree char *top = leafscope_class_display_name (d->labels[d->top_index]);
  g_autoptr(GString) detail = g_string_new (NULL);

  if (d->status == LS_DIAGNOSIS_NOT_A_LEAF || d->status == LS_DIAGNOSIS_UNUSABLE)
    {
      show_not_judged (self, d);
      return;
    }
  leafscope_prediction_list_clear (self);
  ls_labels_rank (d->probs, d->n_labels, order);

  if (d->uncertain && d->n_labels >= 2)
    {
      g_autofree char *second = leafscope_class_display_name (d->labels[order[1]]);
      const char *reason = leafscope_status_reason (d->status_reason);

      gtk_label_set_text (self->verdict_label, leafscope_status_title (LS_DIAGNOSIS_UNCERTAIN));
      if (reason)
        g_string_append_printf (detail, "%s ", reason);
      /* TRANSLATORS: the two likeliest classes of an uncertain result, each
       * with its probability in percent */
      g_string_append_printf (detail, _("It may be %s (%.0f %%) or %s (%.0f %%)."),
                              top, 100.0 * d->probs[order[0]], second, 100.0 * d->probs[order[1]]);
    }
  else if (d->uncertain)
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
  if (!d->scope_checked)
    g_string_append_printf (detail, "\n%s", _("The scope check is off for this model: it cannot tell whether "
                                              "a photo shows a bean leaf, and its percentages are not "
                                              "calibrated. Calibrate it in the Dataset view."));
  gtk_label_set_text (self->verdict_detail, detail->str);
  if (d->uncertain)
    gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label), "uncertain");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), "uncertain");
  for (int k = 0; k < d->n_labels; k++)
    gtk_box_append (self->bars_box, bar_row (self, d, order[k]));
  set_page (self, "result");
}

const char *
leafscope_prediction_list_get_state (LeafscopePredictionList *self)
{
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
leafscope_prediction_list_get_verdict (LeafscopePredictionList *self)
{
  if (g_str_equal (leafscope_prediction_list_get_state (self), "status"))
    return gtk_label_get_text (self->status_title);
  return gtk_label_get_text (self->verdict_label);
}

const char *
leafscope_prediction_list_get_detail (LeafscopePredictionList *self)
{
  if (g_str_equal (leafscope_prediction_list_get_state (self), "status"))
    return gtk_label_get_text (self->status_description);
  return gtk_label_get_text (self->verdict_detail);
}

double
leafscope_prediction_list_get_bar_fraction (LeafscopePredictionList *self, const char *label)
{
  GtkProgressBar *bar = g_hash_table_lookup (self->bars, label);
  return bar ? gtk_progress_bar_get_fraction (bar) : -1.0;
}

static void
leafscope_prediction_list_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), LEAFSCOPE_TYPE_PREDICTION_LIST);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (leafscope_prediction_list_parent_class)->dispose (object);
}

static void
leafscope_prediction_list_finalize (GObject *object)
{
  g_hash_table_unref (LEAFSCOPE_PREDICTION_LIST (object)->bars);
  G_OBJECT_CLASS (leafscope_prediction_list_parent_class)->finalize (object);
}

static void
leafscope_prediction_list_class_init (LeafscopePredictionListClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = leafscope_prediction_list_dispose;
  G_OBJECT_CLASS (klass)->finalize = leafscope_prediction_list_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/leafscope/Leafscope/leafscope-prediction-list.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LeafscopePredictionList, name)
  BIND (stack);
  BIND (spinner);
  BIND (verdict_label);
  BIND (verdict_detail);
  BIND (note_label);
  BIND (bars_box);
  BIND (status_icon);
  BIND (status_title);
  BIND (status_description);
#undef BIND
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "predictionlist");
}

static void
leafscope_prediction_list_init (LeafscopePredictionList *self)
{
  self->bars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}
