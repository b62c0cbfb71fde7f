/* json-guard.h: a pre-check for untrusted JSON before json-glib sees it.
 *
 * json-glib's parser recurses once per nesting level, so a file of 100,000
 * '[' overflows the stack (measured with json-glib 1.6.6: SIGSEGV).  Every
 * engine reader of model-folder JSON counts the depth first with this
 * linear scan, which needs no stack.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when no array/object in @text (@len bytes) nests deeper than
 * @max_depth.  Brackets inside strings (escapes included) do not count.
 * Does not validate the JSON otherwise. */
static inline gboolean
ls_json_guard_depth (const char *text,
                     gsize       len,
                     guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

G_END_DECLS
