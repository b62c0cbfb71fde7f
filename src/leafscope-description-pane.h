/* leafscope-description-pane.h: the streamed, machine-written description
 * (with Stop and Regenerate) and the project's fact card for the class. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LEAFSCOPE_TYPE_DESCRIPTION_PANE (leafscope_description_pane_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeDescriptionPane, leafscope_description_pane, LEAFSCOPE, DESCRIPTION_PANE, GtkWidget)

/* Empties the text and the status (a new photo). */
void     leafscope_description_pane_clear    (LeafscopeDescriptionPane *self);
/* Empties the text, keeping its height when there was one (Regenerate), and
 * shows the spinner. */
void     leafscope_description_pane_start    (LeafscopeDescriptionPane *self);
void     leafscope_description_pane_append   (LeafscopeDescriptionPane *self,
                                              const char               *piece);
/* Generation ended; @message (may be NULL) says why there is no text or why
 * it stopped. */
void     leafscope_description_pane_finish   (LeafscopeDescriptionPane *self,
                                              const char               *message);
char    *leafscope_description_pane_dup_text (LeafscopeDescriptionPane *self);
/* The fact card for @label; hidden when NULL, uncertain or unknown. */
void     leafscope_description_pane_set_class (LeafscopeDescriptionPane *self,
                                               const char               *label,
                                               gboolean                  uncertain);

/* @by_model FALSE: the text is Leafscope's fixed guidance for a photo the
 * model cannot judge (issue 12), not a description: the card says so and
 * offers no Regenerate. */
void     leafscope_description_pane_set_written (LeafscopeDescriptionPane *self,
                                                 gboolean                  by_model);

G_END_DECLS
