/* fuzz-bpe.c: with the fixture tokenizer (gpt2-tiny), encode arbitrary bytes
 * and decode arbitrary ids (the input again, read as signed 16-bit ids:
 * negative, in range and out of range), whole and streamed. */
#include "fuzz-common.h"
#include "bpe.h"
#include "bpe-private.h"

#include <stdlib.h>
#include <string.h>

static LsTokenizer *tokenizer;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_make_warnings_fatal ();
  const char *root = g_getenv ("LEAFSCOPE_FIXTURES");
  g_autofree char *dir = g_build_filename (root != NULL ? root : LEAFSCOPE_FIXTURES_DIR,
                                           "gpt2-tiny", NULL);
  GError *error = NULL;
  tokenizer = ls_tokenizer_load (dir, &error);
  if (tokenizer == NULL)
    {
      g_printerr ("fuzz-bpe: %s\n", error->message);
      abort ();
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  int n = ls_tokenizer_get_vocab_size (tokenizer);
  g_autoptr(GError) error = NULL;

  /* Encode: valid UTF-8 must round-trip exactly (byte-level BPE). */
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (ls_tokenizer_encode (tokenizer, (const char *) data, (gssize) size, ids, &error))
    {
      for (guint i = 0; i < ids->len; i++)
        g_assert (g_array_index (ids, int, i) >= 0 && g_array_index (ids, int, i) < n);
      g_autofree char *back = ls_tokenizer_decode (tokenizer, (int *) (void *) ids->data, ids->len, &error);
      g_assert (back != NULL);
      if (memchr (data, '\0', size) == NULL)
        g_assert (strlen (back) == size && memcmp (back, data, size) == 0);
    }
  else
    g_assert (error != NULL);
  g_clear_error (&error);

  /* Decode arbitrary ids, whole and streamed. */
  gsize n_ids = size / 2;
  g_autofree int *raw = g_new (int, MAX (n_ids, 1));
  gboolean all_valid = TRUE, has_nul = FALSE;
  for (gsize i = 0; i < n_ids; i++)
    {
      raw[i] = (gint16) (data[2 * i] | (data[2 * i + 1] << 8));
      all_valid = all_valid && raw[i] >= 0 && raw[i] < n;
      /* U+0100 stands for byte 0 in byte-level BPE: the decoded C strings
       * end there, so whole and streamed text cannot be compared
       * (tests/fuzz/regressions/bpe-nul-byte-token). */
      const char *token = ls_tokenizer_id_to_token (tokenizer, raw[i]);
      has_nul = has_nul || (token != NULL && strstr (token, "\xC4\x80") != NULL);
    }
  g_autofree char *text = ls_tokenizer_decode (tokenizer, raw, n_ids, &error);
  g_assert (all_valid ? text != NULL : (text == NULL && error != NULL));
  if (text != NULL)
    g_assert (g_utf8_validate (text, -1, NULL));
  g_clear_error (&error);

  g_autoptr(LsTokenDecoder) dec = ls_token_decoder_new (tokenizer);
  GString *streamed = g_string_new (NULL);
  for (gsize i = 0; i < n_ids; i++)
    {
      const char *piece = ls_token_decoder_push (dec, raw[i], &error);
      if (piece == NULL)
        {
          g_assert (error != NULL);
          g_clear_error (&error);
          continue;
        }
      g_assert (g_utf8_validate (piece, -1, NULL));
      g_string_append (streamed, piece);
    }
  g_string_append (streamed, ls_token_decoder_flush (dec));
  /* Streaming hands out the same text as the whole decode. */
  if (text != NULL && !has_nul)
    g_assert (strcmp (streamed->str, text) == 0);
  g_string_free (streamed, TRUE);
  return 0;
}
