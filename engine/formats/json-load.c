/* json-load.c: JSON from untrusted files, depth-checked before parsing. */
#include "json-load.h"
#include "ls-error.h"

#include <glib/gstdio.h>
#include <string.h>

/* TRUE when no array/object in @text nests deeper than LS_JSON_MAX_DEPTH.
 * Brackets inside strings (escapes included) do not count; nothing else is
 * validated here. */
static gboolean
depth_ok (const char *text,
          gsize       length)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
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
          if (++depth > LS_JSON_MAX_DEPTH)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

JsonObject *
ls_json_parse_object (JsonParser *parser,
                      const char *text,
                      gssize      length,
                      const char *what,
                      GError    **error)
{
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (JSON_IS_PARSER (parser), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  if (length < 0)
    length = strlen (text);
  if (!depth_ok (text, length))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s nests deeper than %d levels",
                   what, LS_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, length, &local))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s is not valid JSON: %s",
                   what, local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "%s is not a JSON object", what);
      return NULL;
    }
  return json_node_get_object (root);
}

JsonObject *
ls_json_load_object (JsonParser *parser,
                     const char *path,
                     gsize       max_size,
                     GError    **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);

  /* Checked before reading so a huge file is never loaded, and again after
   * in case it grew in between. */
  gboolean too_large = g_stat (path, &st) == 0 && (guint64) st.st_size > max_size;
  if (!too_large && !g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "cannot read %s: %s", path, local->message);
      return NULL;
    }
  if (too_large || length > max_size)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_TOO_LARGE,
                   "%s is larger than %" G_GSIZE_FORMAT " bytes", path, max_size);
      return NULL;
    }
  return ls_json_parse_object (parser, text, length, path, error);
}
