/* leafscope-facts.h: what the app says about each class, in the user's words.
 *
 * Class names come from the vision model's id2label (e.g. "bean_rust"); the
 * app never shows them raw.  The fact cards are written by the project and
 * translated with the rest of the interface. */
#pragma once

#include <glib.h>
#include "scope.h"

G_BEGIN_DECLS

typedef struct {
  const char *label;      /* id2label name */
  const char *name;       /* translatable display name (N_) */
  const char *symptoms;   /* translatable (N_) */
  const char *cause;      /* translatable (N_) */
  const char *what_to_do; /* translatable (N_) */
} LeafscopeFacts;

/* The fact card for @label, or NULL when the project has none for it. */
const LeafscopeFacts *leafscope_facts_lookup (const char *label);

/* The translated display name of @label; unknown labels are humanised
 * ("leaf_mold" -> "Leaf mold").  Free with g_free. */
char *leafscope_class_display_name (const char *label);

/* What the app says about a photo's status (issue 12), picked by the
 * engine's enums and translated with the interface (the engine's own
 * sentences are for the CLI and the description).  Static strings. */
/* The calm state's title for not_a_leaf and unusable ("Not a Bean Leaf"),
 * the verdict's for uncertain; NULL for diagnosed. */
const char *leafscope_status_title    (LsDiagnosisStatus status);
/* What was wrong, one sentence; NULL for LS_STATUS_REASON_NONE. */
const char *leafscope_status_reason   (LsStatusReason    reason);
/* How to take a usable photo, for not_a_leaf and unusable; NULL otherwise. */
const char *leafscope_status_guidance (LsDiagnosisStatus status);

G_END_DECLS
