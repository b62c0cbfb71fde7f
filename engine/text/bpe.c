/* bpe.c: GPT-2 byte-level BPE (transformers' GPT2Tokenizer / tokenizers'
 * ByteLevel BPE, which give the same ids). */
#include "bpe.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "json-load.h"
#include "ls-error.h"

/* Ids index a table: one absurd id must not allocate gigabytes.  The same
 * bound as config.json's vocab_size. */
#define MAX_TOKEN_ID 1000000

/* GPT-2's pre-tokenizer.  `\s` is spelled out as the Unicode White_Space set
 * (tab..CR, NEL, Zs/Zl/Zp) so that the split does not depend on PCRE's \s
 * flavour (with UCP it also takes U+180E, which Unicode no longer calls a
 * space); `(?!\S)` becomes "not followed by a non-space". */
#define WS "\\t-\\r\\x{85}\\p{Z}"
static const char pre_split_pattern[] =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+"
  "|[" WS "]+(?![^" WS "])|[" WS "]+";
#undef WS

/* Bounded so that a long session of varied prompts does not grow without end;
 * clearing it all is crude but keeps the common words of the next prompts. */
#define WORD_CACHE_MAX 8192

typedef struct {
  guint64 key;   /* (left id << 32) | right id, +1 so that 0 means empty */
  int     rank;
  int     merged;
} MergeSlot;

struct _LsTokenizer {
  GPtrArray   *id_to_token;   /* char *, NULL for a hole */
  GHashTable  *token_to_id;   /* char * (owned by id_to_token) -> id + 1 */
  int          byte_to_id[256];
  char         byte_to_char[256][3]; /* bytes_to_unicode() as UTF-8 */
  int          char_to_byte[512];    /* code point -> byte, -1 when none */
  MergeSlot   *merges;
  gsize        merges_mask;
  char       **specials;      /* NULL-terminated, longest first */
  GHashTable  *special_ids;   /* id -> 1 */
  int          eos_id;
  GRegex      *pre_split;
  GMutex       cache_lock;
  GHashTable  *cache;         /* word -> GArray of int */
};

/* ---------------------------------------------------------------- bytes */

static void
init_byte_map (LsTokenizer *self)
{
  /* transformers' bytes_to_unicode(): printable Latin-1 bytes map to
   * themselves, the rest to 256 + n in byte order. */
  int n = 0;
  for (int i = 0; i < 512; i++)
    self->char_to_byte[i] = -1;
  for (int b = 0; b < 256; b++)
    {
      gunichar cp;
      if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
        cp = b;
      else
        cp = 256 + n++;
      memset (self->byte_to_char[b], 0, 3);
      g_unichar_to_utf8 (cp, self->byte_to_char[b]);
      self->char_to_byte[cp] = b;
    }
}

/* ---------------------------------------------------------------- merges */

static inline guint64
pair_key (int a, int b)
{
  return (((guint64) (guint32) a << 32) | (guint32) b) + 1;
}

static inline gsize
pair_hash (guint64 key)
{
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  key ^= key >> 33;
  return (gsize) key;
}

static const MergeSlot *
merge_lookup (const LsTokenizer *self, int a, int b)
{
  if (self->merges == NULL)
    return NULL;
  guint64 key = pair_key (a, b);
  for (gsize i = pair_hash (key) & self->merges_mask;; i = (i + 1) & self->merges_mask)
    {
      if (self->merges[i].key == key)
        return &self->merges[i];
      if (self->merges[i].key == 0)
        return NULL;
    }
}

static int
lookup_id (const LsTokenizer *self, const char *token)
{
  gpointer v = g_hash_table_lookup (self->token_to_id, token);
  return v != NULL ? GPOINTER_TO_INT (v) - 1 : -1;
}

static gboolean
parse_merges (LsTokenizer *self, const char *merges, gssize length, GError **error)
{
  g_autofree char *copy = length < 0 ? g_strdup (merges) : g_strndup (merges, length);
  g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);
  guint n_lines = g_strv_length (lines);

  gsize cap = 16;
  while (cap < 2 * (gsize) n_lines + 2)
    cap <<= 1;
  self->merges = g_new0 (MergeSlot, cap);
  self->merges_mask = cap - 1;

  int rank = 0;
  for (guint i = 0; i < n_lines; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (len == 0 || (i == 0 && g_str_has_prefix (line, "#version")))
        continue;
      char *space = strchr (line, ' ');
      if (space == NULL || space == line || space[1] == '\0' || strchr (space + 1, ' ') != NULL)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "merges.txt: line %u is not two tokens separated by one space: “%s”",
                       i + 1, line);
          return FALSE;
        }
      *space = '\0';
      const char *left = line, *right = space + 1;
      g_autofree char *joined = g_strconcat (left, right, NULL);
      int a = lookup_id (self, left), b = lookup_id (self, right), m = lookup_id (self, joined);
      if (a < 0 || b < 0 || m < 0)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "merges.txt: line %u merges “%s” + “%s” but “%s” is not in vocab.json",
                       i + 1, left, right, a < 0 ? left : b < 0 ? right : joined);
          return FALSE;
        }
      guint64 key = pair_key (a, b);
      gsize s = pair_hash (key) & self->merges_mask;
      while (self->merges[s].key != 0 && self->merges[s].key != key)
        s = (s + 1) & self->merges_mask;
      /* A repeated pair takes its later rank, as transformers'
       * dict(zip(merges, range(len(merges)))) does. */
      self->merges[s].key = key;
      self->merges[s].rank = rank++;
      self->merges[s].merged = m;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- vocab */

static gboolean
add_token (LsTokenizer *self, const char *token, gint64 id, const char *what, GError **error)
{
  if (id < 0 || id >= MAX_TOKEN_ID)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "%s: token “%s” has an out-of-range id %" G_GINT64_FORMAT, what, token, id);
      return FALSE;
    }
  if ((guint) id >= self->id_to_token->len)
    g_ptr_array_set_size (self->id_to_token, (guint) id + 1);
  if (g_ptr_array_index (self->id_to_token, id) != NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "%s: id %" G_GINT64_FORMAT " is given to both “%s” and “%s”", what, id,
                   (const char *) g_ptr_array_index (self->id_to_token, id), token);
      return FALSE;
    }
  if (g_hash_table_contains (self->token_to_id, token))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "%s: token “%s” appears twice", what, token);
      return FALSE;
    }
  char *copy = g_strdup (token);
  g_ptr_array_index (self->id_to_token, id) = copy;
  g_hash_table_insert (self->token_to_id, copy, GINT_TO_POINTER ((int) id + 1));
  return TRUE;
}

static gboolean
parse_vocab (LsTokenizer *self, const char *json, gssize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = ls_json_parse_object (parser, json, length, "vocab.json", error);
  if (root == NULL)
    return FALSE;
  JsonObjectIter iter;
  const char *token;
  JsonNode *node;
  json_object_iter_init (&iter, root);
  while (json_object_iter_next (&iter, &token, &node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "vocab.json: the id of “%s” is not an integer", token);
          return FALSE;
        }
      if (token[0] == '\0')
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "vocab.json: empty token");
          return FALSE;
        }
      if (!add_token (self, token, json_node_get_int (node), "vocab.json", error))
        return FALSE;
    }
  if (self->id_to_token->len == 0)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT, "vocab.json: no tokens");
      return FALSE;
    }
  return TRUE;
}

static int
compare_length_desc (gconstpointer a, gconstpointer b)
{
  gsize la = strlen (*(char * const *) a), lb = strlen (*(char * const *) b);
  return la < lb ? 1 : la > lb ? -1 : 0;
}

static gboolean
set_specials (LsTokenizer *self, GPtrArray *names, GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      int id = lookup_id (self, name);
      if (id < 0)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "special token “%s” is not in the vocabulary", name);
          return FALSE;
        }
      if (g_hash_table_contains (self->special_ids, GINT_TO_POINTER (id)))
        continue;
      g_hash_table_add (self->special_ids, GINT_TO_POINTER (id));
      g_ptr_array_add (list, g_strdup (name));
    }
  g_ptr_array_sort (list, compare_length_desc);
  g_ptr_array_add (list, NULL);
  self->specials = (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
  return TRUE;
}

static LsTokenizer *
tokenizer_alloc (void)
{
  LsTokenizer *self = g_new0 (LsTokenizer, 1);
  self->id_to_token = g_ptr_array_new_with_free_func (g_free);
  self->token_to_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->special_ids = g_hash_table_new (NULL, NULL);
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_array_unref);
  g_mutex_init (&self->cache_lock);
  self->eos_id = -1;
  init_byte_map (self);
  return self;
}

static gboolean
tokenizer_finish (LsTokenizer *self, const char *merges, gssize merges_length,
                  GPtrArray *specials, GError **error)
{
  for (int b = 0; b < 256; b++)
    self->byte_to_id[b] = lookup_id (self, self->byte_to_char[b]);
  if (!parse_merges (self, merges, merges_length, error))
    return FALSE;
  self->eos_id = lookup_id (self, "<|endoftext|>");
  if (self->eos_id >= 0)
    g_ptr_array_insert (specials, 0, g_strdup ("<|endoftext|>"));
  if (!set_specials (self, specials, error))
    return FALSE;
  self->pre_split = g_regex_new (pre_split_pattern, G_REGEX_OPTIMIZE, 0, error);
  return self->pre_split != NULL;
}

LsTokenizer *
ls_tokenizer_new_from_data (const char *vocab_json, gssize vocab_length,
                            const char *merges, gssize merges_length,
                            const char * const *special_tokens, GError **error)
{
  g_autoptr(LsTokenizer) self = tokenizer_alloc ();
  g_autoptr(GPtrArray) specials = g_ptr_array_new_with_free_func (g_free);

  if (!parse_vocab (self, vocab_json, vocab_length, error))
    return NULL;
  for (gsize i = 0; special_tokens != NULL && special_tokens[i] != NULL; i++)
    g_ptr_array_add (specials, g_strdup (special_tokens[i]));
  if (!tokenizer_finish (self, merges, merges_length, specials, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* ------------------------------------------------ special tokens from files */

/* {"content": "...", ...} or a plain string. */
static const char *
token_content (JsonNode *node)
{
  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      if (json_object_has_member (o, "content"))
        {
          JsonNode *c = json_object_get_member (o, "content");
          if (JSON_NODE_HOLDS_VALUE (c) && json_node_get_value_type (c) == G_TYPE_STRING)
            return json_node_get_string (c);
        }
    }
  return NULL;
}

/* Registers an added token (with its id when the file gives one) and lists it
 * as special. */
static gboolean
note_added (LsTokenizer *self, const char *content, gint64 id, GPtrArray *specials,
            const char *path, GError **error)
{
  if (content == NULL || content[0] == '\0')
    return TRUE;
  int known = lookup_id (self, content);
  if (known < 0)
    {
      if (id < 0)
        id = self->id_to_token->len;
      if (!add_token (self, content, id, path, error))
        return FALSE;
    }
  else if (id >= 0 && known != id)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                   "%s: “%s” has id %" G_GINT64_FORMAT " but %d in vocab.json",
                   path, content, id, known);
      return FALSE;
    }
  g_ptr_array_add (specials, g_strdup (content));
  return TRUE;
}

static gboolean
read_special_files (LsTokenizer *self, const char *model_dir, GPtrArray *specials,
                    GError **error)
{
  g_autofree char *config_path = g_build_filename (model_dir, "tokenizer_config.json", NULL);
  g_autofree char *map_path = g_build_filename (model_dir, "special_tokens_map.json", NULL);
  g_autofree char *fast_path = g_build_filename (model_dir, "tokenizer.json", NULL);

  if (g_file_test (fast_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o = ls_json_load_object (parser, fast_path, LS_JSON_MAX_FILE_SIZE, error);
      if (o == NULL)
        return FALSE;
      /* Types checked: json-glib's typed getters log a critical on a mismatch. */
      JsonNode *added_node = json_object_get_member (o, "added_tokens");
      JsonArray *added = added_node != NULL && JSON_NODE_HOLDS_ARRAY (added_node)
        ? json_node_get_array (added_node) : NULL;
      for (guint i = 0; added != NULL && i < json_array_get_length (added); i++)
        {
          JsonNode *n = json_array_get_element (added, i);
          if (!JSON_NODE_HOLDS_OBJECT (n))
            continue;
          JsonObject *t = json_node_get_object (n);
          JsonNode *id_node = json_object_get_member (t, "id");
          gint64 id = id_node != NULL && JSON_NODE_HOLDS_VALUE (id_node)
                      && json_node_get_value_type (id_node) == G_TYPE_INT64
                      ? json_node_get_int (id_node) : -1;
          if (!note_added (self, token_content (n), id, specials, fast_path, error))
            return FALSE;
        }
    }
  if (g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o = ls_json_load_object (parser, config_path, LS_JSON_MAX_FILE_SIZE, error);
      if (o == NULL)
        return FALSE;
      JsonNode *dec = json_object_get_member (o, "added_tokens_decoder");
      if (dec != NULL && JSON_NODE_HOLDS_OBJECT (dec))
        {
          JsonObjectIter iter;
          const char *key;
          JsonNode *n;
          json_object_iter_init (&iter, json_node_get_object (dec));
          while (json_object_iter_next (&iter, &key, &n))
            {
              char *end = NULL;
              gint64 id = g_ascii_strtoll (key, &end, 10);
              if (end == key || *end != '\0')
                id = -1;
              if (!note_added (self, token_content (n), id, specials, config_path, error))
                return FALSE;
            }
        }
      static const char *const keys[] = { "bos_token", "eos_token", "unk_token", "pad_token" };
      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          const char *content = token_content (json_object_get_member (o, keys[k]));
          if (content != NULL && lookup_id (self, content) >= 0)
            g_ptr_array_add (specials, g_strdup (content));
        }
    }
  if (g_file_test (map_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o = ls_json_load_object (parser, map_path, LS_JSON_MAX_FILE_SIZE, error);
      if (o == NULL)
        return FALSE;
      JsonObjectIter iter;
      const char *key;
      JsonNode *n;
      json_object_iter_init (&iter, o);
      while (json_object_iter_next (&iter, &key, &n))
        {
          if (JSON_NODE_HOLDS_ARRAY (n))
            {
              JsonArray *a = json_node_get_array (n);
              for (guint i = 0; i < json_array_get_length (a); i++)
                if (!note_added (self, token_content (json_array_get_element (a, i)), -1,
                                 specials, map_path, error))
                  return FALSE;
            }
          else if (!note_added (self, token_content (n), -1, specials, map_path, error))
            return FALSE;
        }
    }
  return TRUE;
}

LsTokenizer *
ls_tokenizer_load (const char *model_dir, GError **error)
{
  g_autofree char *vocab_path = g_build_filename (model_dir, "vocab.json", NULL);
  g_autofree char *merges_path = g_build_filename (model_dir, "merges.txt", NULL);
  g_autofree char *vocab = NULL, *merges = NULL;
  gsize vocab_len = 0, merges_len = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (vocab_path, &vocab, &vocab_len, &local)
      || !g_file_get_contents (merges_path, &merges, &merges_len, &local))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s", local->message);
      return NULL;
    }

  g_autoptr(LsTokenizer) self = tokenizer_alloc ();
  g_autoptr(GPtrArray) specials = g_ptr_array_new_with_free_func (g_free);
  if (!parse_vocab (self, vocab, vocab_len, &local))
    {
      g_set_error (error, LS_ERROR, local->code, "%s: %s", vocab_path, local->message);
      return NULL;
    }
  if (!read_special_files (self, model_dir, specials, error))
    return NULL;
  if (!tokenizer_finish (self, merges, merges_len, specials, &local))
    {
      g_set_error (error, LS_ERROR, local->code, "%s: %s", model_dir, local->message);
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
ls_tokenizer_free (LsTokenizer *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->pre_split, g_regex_unref);
  g_hash_table_unref (self->cache);
  g_mutex_clear (&self->cache_lock);
  g_hash_table_unref (self->special_ids);
  g_hash_table_unref (self->token_to_id);
  g_ptr_array_unref (self->id_to_token);
  g_strfreev (self->specials);
  g_free (self->merges);
  g_free (self);
}

int
ls_tokenizer_get_vocab_size (LsTokenizer *self)
{
  return (int) self->id_to_token->len;
}

int
ls_tokenizer_get_eos_id (LsTokenizer *self)
{
  return self->eos_id;
}

int
ls_tokenizer_token_to_id (LsTokenizer *self, const char *token)
{
  return lookup_id (self, token);
}

const char *
ls_tokenizer_id_to_token (LsTokenizer *self, int id)
{
  if (id < 0 || (guint) id >= self->id_to_token->len)
    return NULL;
  return g_ptr_array_index (self->id_to_token, id);
}

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
          const MergeSlot *m = merge_lookup (self, sym[i], sym[i + 1]);
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
      int id = lookup_id (self, name);
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
