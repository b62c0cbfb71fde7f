/* fuzz-tokenizer-load.c: vocab.json + merges.txt from memory.  The input is
 * "vocab.json NUL merges.txt" (no NUL: all vocab, empty merges).  A loaded
 * tokenizer then encodes and decodes a little. */
#include "fuzz-common.h"
#include "bpe.h"
#include "bpe-private.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_make_warnings_fatal ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  const char *nul = memchr (data, '\0', size);
  gsize vocab_len = nul != NULL ? (gsize) (nul - text) : size;
  const char *merges = nul != NULL ? nul + 1 : "";
  gsize merges_len = nul != NULL ? size - vocab_len - 1 : 0;

  g_autoptr(GError) error = NULL;
  g_autoptr(LsTokenizer) tok = ls_tokenizer_new_from_data (text, (gssize) vocab_len,
                                                           merges, (gssize) merges_len,
                                                           NULL, &error);
  if (tok == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }

  int n = ls_tokenizer_get_vocab_size (tok);
  g_assert (n >= 0);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (ls_tokenizer_encode (tok, "Hello world, héllo <|endoftext|> 123", -1, ids, &error))
    {
      for (guint i = 0; i < ids->len; i++)
        g_assert (g_array_index (ids, int, i) >= 0 && g_array_index (ids, int, i) < n);
      g_autofree char *back = ls_tokenizer_decode (tok, (int *) (void *) ids->data, ids->len, &error);
      g_assert (back != NULL);
    }
  g_clear_error (&error);

  for (int id = 0; id < MIN (n, 64); id++)
    {
      const char *s = ls_tokenizer_id_to_token (tok, id);
      if (s != NULL)
        g_assert (ls_tokenizer_token_to_id (tok, s) >= 0);
    }
  return 0;
}
