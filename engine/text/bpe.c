/* bpe.c: GPT-2 byte-level BPE encoding and decoding (transformers'
 * GPT2Tokenizer / tokenizers' ByteLevel BPE, which give the same ids); the
 * tables come from bpe-load.c. */
#include "bpe.h"
#include "bpe-private.h"

#include <string.h>

#include "ls-error.h"

/* Bounded so that a long session of varied prompts does not grow without end;
 * clearing it all is crude but keeps the common words of the next prompts. */
#define WORD_CACHE_MAX 8192

/* ---------------------------------------------------------------- encode */

/* BPE of one pre-split word: start from its bytes and merge the lowest-ranked
 * adjacent pair, every occurrence left to right, until none is in merges. */
static gboolean
bpe_word (LsTokenizer *self, const guint8 *word, gsize len, GArray *out, GError **error)
{
  g_autofree int *sym = g_new (int, len);
  gsize n = len;
  for (gsize i = 0; i < len; i++)
    {
      sym[i] = self->byte_to_id[word[i]];
      if (sym[i] < 0)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "vocab.json has no token for byte 0x%02x (“%s”)",
                       word[i], self->byte_to_char[word[i]]);
          return FALSE;
        }
    }
  while (n > 1)
    {
      int best_rank = G_MAXINT, left = -1, right = -1, merged = -1;
      for (gsize i = 0; i + 1 < n; i++)
        {
          const MergeSlot *m = ls_bpe_merge_lookup (self, sym[i], sym[i + 1]);
          if (m != NULL && m->rank < best_rank)
            {
              best_rank = m->rank;
              left = sym[i];
              right = sym[i + 1];
              merged = m->merged;
            }
        }
      if (merged < 0)
        break;
      gsize w = 0;
      for (gsize i = 0; i < n; i++)
        {
          if (i + 1 < n && sym[i] == left && sym[i + 1] == right)
            {
              sym[w++] = merged;
              i++;
            }
          else
            sym[w++] = sym[i];
        }
      n = w;
    }
  g_array_append_vals (out, sym, n);
  return TRUE;
}

static gboolean
encode_word (LsTokenizer *self, const char *word, gsize len, GArray *ids, GError **error)
{
  g_autofree char *key = g_strndup (word, len);

  g_mutex_lock (&self->cache_lock);
  GArray *hit = g_hash_table_lookup (self->cache, key);
  if (hit != NULL)
    g_array_append_vals (ids, hit->data, hit->len);
  g_mutex_unlock (&self->cache_lock);
  if (hit != NULL)
    return TRUE;

  GArray *word_ids = g_array_new (FALSE, FALSE, sizeof (int));
  if (!bpe_word (self, (const guint8 *) word, len, word_ids, error))
    {
      g_array_unref (word_ids);
      return FALSE;
    }
  g_array_append_vals (ids, word_ids->data, word_ids->len);

  g_mutex_lock (&self->cache_lock);
  if (g_hash_table_size (self->cache) >= WORD_CACHE_MAX)
    g_hash_table_remove_all (self->cache);
  g_hash_table_replace (self->cache, g_steal_pointer (&key), word_ids);
  g_mutex_unlock (&self->cache_lock);
  return TRUE;
}

static gboolean
encode_ordinary (LsTokenizer *self, const char *text, gsize len, GArray *ids, GError **error)
{
  g_autoptr(GMatchInfo) info = NULL;
  g_autoptr(GError) local = NULL;

  if (len == 0)
    return TRUE;
  g_regex_match_full (self->pre_split, text, len, 0, 0, &info, &local);
  while (local == NULL && g_match_info_matches (info))
    {
      int start, end;
      g_match_info_fetch_pos (info, 0, &start, &end);
      if (end > start && !encode_word (self, text + start, end - start, ids, error))
        return FALSE;
      g_match_info_next (info, &local);
    }
  if (local != NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "pre-tokenizer: %s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
ls_tokenizer_encode (LsTokenizer *self, const char *text, gssize length,
                     GArray *ids, GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  const char *end;

  g_return_val_if_fail (g_array_get_element_size (ids) == sizeof (int), FALSE);
  if (!g_utf8_validate (text, len, &end))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "text to encode is not valid UTF-8 (byte %" G_GSIZE_FORMAT ")",
                   (gsize) (end - text));
      return FALSE;
    }

  /* Special tokens are cut out first: the earliest match wins, the longest
   * at the same place (the list is sorted longest first). */
  gsize pos = 0;
  while (pos < len)
    {
      gsize best = len, best_len = 0;
      for (char **s = self->specials; *s != NULL; s++)
        {
          gsize sl = strlen (*s);
          for (gsize i = pos; i <= best && i + sl <= len; i++)
            if (memcmp (text + i, *s, sl) == 0)
              {
                if (i < best || (i == best && sl > best_len))
                  {
                    best = i;
                    best_len = sl;
                  }
                break;
              }
        }
      if (!encode_ordinary (self, text + pos, best - pos, ids, error))
        return FALSE;
      if (best_len == 0)
        break;
      g_autofree char *name = g_strndup (text + best, best_len);
      int id = ls_bpe_lookup_id (self, name);
      g_array_append_val (ids, id);
      pos = best + best_len;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- decode */

/* Appends @s[0..n) to @out, each maximal invalid subpart replaced by U+FFFD
 * (Python's errors="replace").  When !@final, an unfinished but so far valid
 * character at the very end is held back: returns the bytes consumed. */
static gsize
utf8_replace (const guint8 *s, gsize n, GString *out, gboolean final)
{
  static const char replacement[] = "\xEF\xBF\xBD";
  gsize i = 0;
  while (i < n)
    {
      guint8 c = s[i];
      if (c < 0x80)
        {
          g_string_append_c (out, (char) c);
          i++;
          continue;
        }
      int need;
      guint8 lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF)
        need = 1;
      else if (c == 0xE0)
        need = 2, lo = 0xA0;
      else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        need = 2;
      else if (c == 0xED)
        need = 2, hi = 0x9F;
      else if (c == 0xF0)
        need = 3, lo = 0x90;
      else if (c >= 0xF1 && c <= 0xF3)
        need = 3;
      else if (c == 0xF4)
        need = 3, hi = 0x8F;
      else
        {
          g_string_append (out, replacement);
          i++;
          continue;
        }
      gsize j = i + 1;
      int got = 0;
      while (got < need && j < n)
        {
          guint8 d = s[j];
          if (d < (got == 0 ? lo : 0x80) || d > (got == 0 ? hi : 0xBF))
            break;
          j++;
          got++;
        }
      if (got == need)
        g_string_append_len (out, (const char *) s + i, j - i);
      else if (j == n && !final)
        return i;
      else
        g_string_append (out, replacement);
      i = j;
    }
  return n;
}

/* Appends the bytes of token @id to @bytes. */
static gboolean
token_bytes (LsTokenizer *self, int id, GByteArray *bytes, GError **error)
{
  const char *token = ls_tokenizer_id_to_token (self, id);
  if (token == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "token id %d is out of range (vocabulary of %u)", id,
                   self->id_to_token->len);
      return FALSE;
    }
  if (g_hash_table_contains (self->special_ids, GINT_TO_POINTER (id)))
    {
      g_byte_array_append (bytes, (const guint8 *) token, strlen (token));
      return TRUE;
    }
  for (const char *p = token; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar cp = g_utf8_get_char (p);
      if (cp < 512 && self->char_to_byte[cp] >= 0)
        {
          guint8 b = (guint8) self->char_to_byte[cp];
          g_byte_array_append (bytes, &b, 1);
        }
      else /* not a byte-level character: an added token, kept as written */
        g_byte_array_append (bytes, (const guint8 *) p, g_utf8_next_char (p) - p);
    }
  return TRUE;
}

char *
ls_tokenizer_decode (LsTokenizer *self, const int *ids, gsize n_ids, GError **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  for (gsize i = 0; i < n_ids; i++)
    if (!token_bytes (self, ids[i], bytes, error))
      return NULL;
  GString *out = g_string_sized_new (bytes->len + 1);
  utf8_replace (bytes->data, bytes->len, out, TRUE);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------- streaming decode */

struct _LsTokenDecoder {
  LsTokenizer *tokenizer;
  GByteArray  *pending;
  GString     *piece;
};

LsTokenDecoder *
ls_token_decoder_new (LsTokenizer *tokenizer)
{
  LsTokenDecoder *self = g_new0 (LsTokenDecoder, 1);
  self->tokenizer = tokenizer;
  self->pending = g_byte_array_sized_new (16);
  self->piece = g_string_sized_new (64);
  return self;
}

const char *
ls_token_decoder_push (LsTokenDecoder *self, int id, GError **error)
{
  g_string_truncate (self->piece, 0);
  if (!token_bytes (self->tokenizer, id, self->pending, error))
    return NULL;
  gsize used = utf8_replace (self->pending->data, self->pending->len, self->piece, FALSE);
  g_byte_array_remove_range (self->pending, 0, used);
  return self->piece->str;
}

const char *
ls_token_decoder_flush (LsTokenDecoder *self)
{
  g_string_truncate (self->piece, 0);
  utf8_replace (self->pending->data, self->pending->len, self->piece, TRUE);
  g_byte_array_set_size (self->pending, 0);
  return self->piece->str;
}

void
ls_token_decoder_reset (LsTokenDecoder *self)
{
  g_byte_array_set_size (self->pending, 0);
  g_string_truncate (self->piece, 0);
}

void
ls_token_decoder_free (LsTokenDecoder *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->pending);
  g_string_free (self->piece, TRUE);
  g_free (self);
}
