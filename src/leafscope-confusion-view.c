/* leafscope-confusion-view.c: see the header. */
#include "config.h"

#include "leafscope-confusion-view.h"
#include "leafscope-facts.h"

#include <glib/gi18n-lib.h>

struct _LeafscopeConfusionView
{
  GtkWidget            parent_instance;
  GtkGrid             *grid;
  LeafscopeEvaluation *evaluation;
  guint                n_rows;
  guint                n_columns;
};

enum { SIGNAL_CELL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LeafscopeConfusionView, leafscope_confusion_view, GTK_TYPE_WIDGET)

static void
on_cell_clicked (GtkButton *button, LeafscopeConfusionView *self)
{
  guint row = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "row"));
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "column"));
  g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, row, column);
}

/* The column's name: a class, or the photos the model would not diagnose. */
static char *
column_name (LeafscopeEvaluation *evaluation, guint column)
{
  if (leafscope_evaluation_is_flagged_column (evaluation, column))
    /* TRANSLATORS: the confusion matrix's column of photos flagged uncertain,
     * not a leaf or unusable */
    return g_strdup (_("Not diagnosed"));
  return leafscope_class_display_name (leafscope_evaluation_get_column_label (evaluation, column));
}

static GtkWidget *
header_label (const char *label, gboolean vertical)
{
  g_autofree char *name = leafscope_class_display_name (label);
  GtkWidget *w = gtk_label_new (name);
  gtk_label_set_wrap (GTK_LABEL (w), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (w), vertical ? 12 : 16);
  gtk_label_set_justify (GTK_LABEL (w), vertical ? GTK_JUSTIFY_CENTER : GTK_JUSTIFY_RIGHT);
  gtk_label_set_xalign (GTK_LABEL (w), vertical ? 0.5f : 1.0f);
  gtk_widget_add_css_class (w, "caption");
  return w;
}

static void
rebuild (LeafscopeConfusionView *self)
{
  GtkWidget *child;
  GtkWidget *label;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))))
    gtk_grid_remove (self->grid, child);
  self->n_rows = self->n_columns = 0;
  if (self->evaluation == NULL)
    return;
  self->n_rows = leafscope_evaluation_get_n_rows (self->evaluation);
  self->n_columns = leafscope_evaluation_get_n_columns (self->evaluation);

  label = gtk_label_new (_("Predicted"));
  gtk_widget_add_css_class (label, "heading");
  gtk_grid_attach (self->grid, label, 1, 0, self->n_columns, 1);
  label = gtk_label_new (_("True class"));
  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 1.0f);
  gtk_grid_attach (self->grid, label, 0, 1, 1, 1);

  for (guint c = 0; c < self->n_columns; c++)
    {
      g_autofree char *name = column_name (self->evaluation, c);
      GtkWidget *header = header_label (NULL, TRUE);
      gtk_label_set_text (GTK_LABEL (header), name);
      if (leafscope_evaluation_is_flagged_column (self->evaluation, c))
        gtk_widget_add_css_class (header, "dim-label");
      gtk_grid_attach (self->grid, header, c + 1, 1, 1, 1);
    }
  for (guint r = 0; r < self->n_rows; r++)
    {
      gtk_grid_attach (self->grid, header_label (leafscope_evaluation_get_row_label (self->evaluation, r), FALSE),
                       0, r + 2, 1, 1);
      for (guint c = 0; c < self->n_columns; c++)
        {
          GtkWidget *button = gtk_button_new_with_label ("0");
          gtk_widget_add_css_class (button, "confusion-cell");
          gtk_widget_add_css_class (button, leafscope_evaluation_is_flagged_column (self->evaluation, c) ? "flagged"
                                            : r == c ? "diagonal" : "off-diagonal");
          gtk_widget_set_hexpand (button, TRUE);
          g_object_set_data (G_OBJECT (button), "row", GUINT_TO_POINTER (r));
          g_object_set_data (G_OBJECT (button), "column", GUINT_TO_POINTER (c));
          g_signal_connect (button, "clicked", G_CALLBACK (on_cell_clicked), self);
          gtk_grid_attach (self->grid, button, c + 1, r + 2, 1, 1);
        }
    }
  leafscope_confusion_view_update (self);
}

void
leafscope_confusion_view_update (LeafscopeConfusionView *self)
{
  guint max = 1;

  if (self->evaluation == NULL)
    return;
  if (leafscope_evaluation_get_n_columns (self->evaluation) != self->n_columns)
    {
      /* The model predicted a label the dataset does not have: a new column. */
      rebuild (self);
      return;
    }
  for (guint r = 0; r < self->n_rows; r++)
    for (guint c = 0; c < self->n_columns; c++)
      max = MAX (max, leafscope_evaluation_get_cell (self->evaluation, r, c));
  for (guint r = 0; r < self->n_rows; r++)
    for (guint c = 0; c < self->n_columns; c++)
      {
        GtkWidget *button = leafscope_confusion_view_get_cell (self, r, c);
        guint n = leafscope_evaluation_get_cell (self->evaluation, r, c);
        g_autofree char *text = g_strdup_printf ("%u", n);
        g_autofree char *true_name = leafscope_class_display_name (leafscope_evaluation_get_row_label (self->evaluation, r));
        g_autofree char *pred_name = column_name (self->evaluation, c);
        g_autofree char *tip = NULL;
        if (leafscope_evaluation_is_flagged_column (self->evaluation, c))
          /* TRANSLATORS: a confusion matrix cell: count, true class */
          tip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo of %s not diagnosed (flagged)",
                                              "%u photos of %s not diagnosed (flagged)", n),
                                 n, true_name);
        else
          /* TRANSLATORS: a confusion matrix cell: count, true class, predicted class */
          tip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo of %s predicted as %s",
                                              "%u photos of %s predicted as %s", n),
                                 n, true_name, pred_name);
        /* Shade by share of the largest cell, in five steps. */
        int level = n == 0 ? 0 : 1 + (int) (4.0 * n / max);
        char css[16];

        gtk_button_set_label (GTK_BUTTON (button), text);
        gtk_widget_set_tooltip_text (button, tip);
        gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
        for (int l = 0; l <= 5; l++)
          {
            g_snprintf (css, sizeof css, "level-%d", l);
            gtk_widget_remove_css_class (button, css);
          }
        g_snprintf (css, sizeof css, "level-%d", CLAMP (level, 0, 5));
        gtk_widget_add_css_class (button, css);
      }
}

void
leafscope_confusion_view_set_selected (LeafscopeConfusionView *self, guint row, guint column)
{
  for (guint r = 0; r < self->n_rows; r++)
    for (guint c = 0; c < self->n_columns; c++)
      {
        GtkWidget *cell = leafscope_confusion_view_get_cell (self, r, c);
        if (r == row && c == column)
          gtk_widget_add_css_class (cell, "selected-cell");
        else
          gtk_widget_remove_css_class (cell, "selected-cell");
      }
}

GtkWidget *
leafscope_confusion_view_get_cell (LeafscopeConfusionView *self, guint row, guint column)
{
  if (row >= self->n_rows || column >= self->n_columns)
    return NULL;
  return gtk_grid_get_child_at (self->grid, column + 1, row + 2);
}

void
leafscope_confusion_view_set_evaluation (LeafscopeConfusionView *self, LeafscopeEvaluation *evaluation)
{
  if (g_set_object (&self->evaluation, evaluation))
    rebuild (self);
}

static void
leafscope_confusion_view_dispose (GObject *object)
{
  LeafscopeConfusionView *self = LEAFSCOPE_CONFUSION_VIEW (object);
  g_clear_pointer ((GtkWidget **) &self->grid, gtk_widget_unparent);
  g_clear_object (&self->evaluation);
  G_OBJECT_CLASS (leafscope_confusion_view_parent_class)->dispose (object);
}

static void
leafscope_confusion_view_class_init (LeafscopeConfusionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = leafscope_confusion_view_dispose;
  signals[SIGNAL_CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "confusionmatrix");
}

static void
leafscope_confusion_view_init (LeafscopeConfusionView *self)
{
  self->grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (self->grid, 4);
  gtk_grid_set_column_spacing (self->grid, 4);
  gtk_widget_set_parent (GTK_WIDGET (self->grid), GTK_WIDGET (self));
}

