/* stop-strings.c: see stop-strings.h. */
#include "stop-strings.h"

#include <string.h>

gssize
ls_stop_strings_find (const char *text, gsize len, gsize from, const char * const *stops)
{
  gssize best = -1;

  for (gsize s = 0; stops != NULL && stops[s] != NULL; s++)
    {
      gsize n = strlen (stops[s]);
      if (n == 0 || n > len)
        continue;
      /* Only occurrences that end after @from: earlier text was scanned. */
      gsize start = from >= n ? from - n + 1 : 0;
      for (gsize i = start; i + n <= len && (best < 0 || (gssize) i < best); i++)
        if (memcmp (text + i, stops[s], n) == 0)
          {
            best = (gssize) i;
            break;
          }
    }
  return best;
}

gsize
ls_stop_strings_held (const char *text, gsize len, const char * const *stops)
{
  gsize best = 0;

  for (gsize s = 0; stops != NULL && stops[s] != NULL; s++)
    {
      gsize n = strlen (stops[s]);
      if (n == 0)
        continue;
      for (gsize k = MIN (n - 1, len); k > best; k--)
        if (memcmp (text + len - k, stops[s], k) == 0)
          {
            best = k;
            break;
          }
    }
  return best;
}
