/* cli-tokenize.c: `leafscope-cli tokenize`, text to GPT-2 token ids. */
#include "config.h"

#include "cli-common.h"

#include <stdio.h>

#include "bpe.h"
#include "cli-json.h"
#include "cli-text.h"

int
ls_cli_tokenize (int argc, char **argv)
{
  g_autofree char *model = NULL, *text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model folder (vocab.json, merges.txt)", "DIR" },
    { "text", 't', 0, G_OPTION_ARG_STRING, &text, "Text to encode", "STR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print {\"ids\": [...]}", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!ls_cli_parse ("tokenize", "", entries, &argc, &argv))
    return 2;
  if (ls_cli_require_model ("tokenize", model))
    return 2;
  if (text == NULL)
    return ls_cli_fail (NULL, "tokenize: --text STR is required");

  g_autoptr(LsTokenizer) tok = ls_tokenizer_load (model, &error);
  if (tok == NULL)
    return ls_cli_fail_error (model, &error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (!ls_tokenizer_encode (tok, text, -1, ids, &error))
    return ls_cli_fail_error (NULL, &error);

  if (json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      json_object_set_array_member (root, "ids", ls_cli_json_ints ((const int *) ids->data, ids->len));
      ls_cli_print_object (root, FALSE);
    }
  else
    {
      for (guint i = 0; i < ids->len; i++)
        printf ("%s%d", i > 0 ? " " : "", g_array_index (ids, int, i));
      printf ("\n");
    }
  return 0;
}

