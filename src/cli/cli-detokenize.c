/* cli-detokenize.c: `leafscope-cli detokenize`, GPT-2 token ids to text. */
#include "config.h"

#include "cli-common.h"

#include <stdio.h>

#include "bpe.h"
#include "cli-json.h"
#include "cli-text.h"
#include "ls-error.h"

/* "1,2,3" or "1 2 3" (or both) into @ids. */
static gboolean
parse_ids (const char *text, GArray *ids, GError **error)
{
  const char *p = text;
  while (*p != '\0')
    {
      while (*p == ',' || g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      char *end = NULL;
      gint64 v = g_ascii_strtoll (p, &end, 10);
      if (end == p || (*end != '\0' && *end != ',' && !g_ascii_isspace (*end)) || v < 0 || v > G_MAXINT)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "--ids: “%s” is not a list of token ids (e.g. 15496,995)", text);
          return FALSE;
        }
      int id = (int) v;
      g_array_append_val (ids, id);
      p = end;
    }
  return TRUE;
}

int
ls_cli_detokenize (int argc, char **argv)
{
  g_autofree char *model = NULL, *ids_text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model folder (vocab.json, merges.txt)", "DIR" },
    { "ids", 'i', 0, G_OPTION_ARG_STRING, &ids_text, "Token ids, comma-separated", "1,2,3" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print {\"text\": ...}", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!ls_cli_parse ("detokenize", "", entries, &argc, &argv))
    return 2;
  if (ls_cli_require_model ("detokenize", model))
    return 2;
  if (ids_text == NULL)
    return ls_cli_fail (NULL, "detokenize: --ids 1,2,3 is required");

  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (!parse_ids (ids_text, ids, &error))
    return ls_cli_fail_error (NULL, &error);
  g_autoptr(LsTokenizer) tok = ls_tokenizer_load (model, &error);
  if (tok == NULL)
    return ls_cli_fail_error (model, &error);
  g_autofree char *text = ls_tokenizer_decode (tok, (int *) ids->data, ids->len, &error);
  if (text == NULL)
    return ls_cli_fail_error (NULL, &error);

  if (json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      json_object_set_string_member (root, "text", text);
      ls_cli_print_object (root, FALSE);
    }
  else
    printf ("%s\n", text);
  return 0;
}
