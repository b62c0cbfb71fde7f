/* stop-strings.h: finding stop strings in generated text.  One scanner for
 * the generation loop (which stops) and the diagnoser's relay (which drops
 * the stop string and holds back what may become one).  Empty stop
 * strings are ignored. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Start of the earliest occurrence in @text[0..len) of any of @stops
 * (NULL-terminated, or NULL) that ends after offset @from; -1 when none. */
gssize ls_stop_strings_find (const char         *text,
                             gsize               len,
                             gsize               from,
                             const char * const *stops);
/* Length of the longest suffix of @text[0..len) that is a proper prefix of
 * one of @stops: text that may still turn into a stop string. */
gsize  ls_stop_strings_held (const char         *text,
                             gsize               len,
                             const char * const *stops);

G_END_DECLS
