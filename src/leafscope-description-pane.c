/* leafscope-description-pane.c: see the header. */
#include "config.h"

#include "leafscope-description-pane.h"
#include "leafscope-facts.h"

#include <glib/gi18n-lib.h>

struct _LeafscopeDescriptionPane
{
  GtkWidget    parent_instance;
  GtkSpinner  *spinner;
  GtkTextView *text_view;
  GtkLabel    *status_label;
  GtkLabel    *title_label;
  GtkLabel    *note_label;
  GtkWidget   *regenerate_button;
  GtkWidget   *facts_card;
  GtkLabel    *facts_title;
  GtkLabel    *symptoms_label;
  GtkLabel    *cause_label;
  GtkLabel    *todo_label;
};

G_DEFINE_FINAL_TYPE (LeafscopeDescriptionPane, leafscope_description_pane, GTK_TYPE_WIDGET)

static void
leafscope_description_pane_dispose (GObject *object)
{
  {
    GtkWidget *child;
    gtk_widget_dispose_template (GTK_WIDGET (object), LEAFSCOPE_TYPE_DESCRIPTION_PANE);
    /* The template's top box has no id: unparent it ourselves. */
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (leafscope_description_pane_parent_class)->dispose (object);
}

static void
leafscope_description_pane_class_init (LeafscopeDescriptionPaneClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = leafscope_description_pane_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/leafscope/Leafscope/leafscope-description-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, spinner);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, text_view);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, status_label);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, title_label);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, note_label);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, regenerate_button);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, facts_card);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, facts_title);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, symptoms_label);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, cause_label);
  gtk_widget_class_bind_template_child (widget_class, LeafscopeDescriptionPane, todo_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
leafscope_description_pane_init (LeafscopeDescriptionPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (self->facts_card, FALSE);
}

static void
set_status (LeafscopeDescriptionPane *self, const char *message)
{
  gtk_label_set_text (self->status_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), message && *message);
}

void
leafscope_description_pane_clear (LeafscopeDescriptionPane *self)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", -1);
  gtk_widget_set_size_request (GTK_WIDGET (self->text_view), -1, -1);
  set_status (self, NULL);
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
}

void
leafscope_description_pane_start (LeafscopeDescriptionPane *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self->text_view));

  /* A new description of the same photo (Regenerate) keeps the room of the
   * old one, so the card does not collapse and grow again. */
  if (height > 0 && gtk_text_buffer_get_char_count (gtk_text_view_get_buffer (self->text_view)) > 0)
    gtk_widget_set_size_request (GTK_WIDGET (self->text_view), -1, height);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", -1);
  set_status (self, _("Writing…"));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);
}

void
leafscope_description_pane_append (LeafscopeDescriptionPane *self, const char *piece)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter end;

  if (piece == NULL || *piece == '\0')
    return;
  gtk_text_buffer_get_end_iter (buffer, &end);
  /* The model's first piece usually starts with a space. */
  if (gtk_text_iter_is_start (&end))
    while (*piece == ' ' || *piece == '\n')
      piece++;
  gtk_text_buffer_insert (buffer, &end, piece, -1);
}

void
leafscope_description_pane_finish (LeafscopeDescriptionPane *self, const char *message)
{
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  set_status (self, message);
}

char *
leafscope_description_pane_dup_text (LeafscopeDescriptionPane *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
leafscope_description_pane_set_class (LeafscopeDescriptionPane *self, const char *label, gboolean uncertain)
{
  const LeafscopeFacts *facts = uncertain ? NULL : leafscope_facts_lookup (label);
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  gtk_widget_set_visible (self->facts_card, facts != NULL);
  if (facts == NULL)
    return;
  name = leafscope_class_display_name (label);
  /* TRANSLATORS: %s is a class name such as "Bean rust" */
  title = g_strdup_printf (_("About %s"), name);
  gtk_label_set_text (self->facts_title, title);
  gtk_label_set_text (self->symptoms_label, _(facts->symptoms));
  gtk_label_set_text (self->cause_label, _(facts->cause));
  gtk_label_set_text (self->todo_label, _(facts->what_to_do));
}

void
leafscope_description_pane_set_written (LeafscopeDescriptionPane *self, gboolean by_model)
{
  gtk_label_set_text (self->title_label, by_model ? _("Machine-written description") : _("No description"));
  gtk_label_set_text (self->note_label,
                      by_model ? _("Written by a language model from what the vision model found. "
                                   "It can be wrong: check the leaf yourself.")
                               : _("Nothing is written about a photo the model cannot judge. "
                                   "Leafscope’s advice instead:"));
  gtk_widget_set_visible (self->regenerate_button, by_model);
}
