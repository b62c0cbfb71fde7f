/* bpe-load.c: a GPT-2 byte-level BPE tokenizer from its files: vocab.json,
 * merges.txt and the special tokens of tokenizer_config.json,
 * special_tokens_map.json or tokenizer.json. */
#include "bpe.h"
#include "bpe-private.h"

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
      int a = ls_bpe_lookup_id (self, left), b = ls_bpe_lookup_id (self, right), m = ls_bpe_lookup_id (self, joined);
      if (a < 0 || b < 0 || m < 0)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_FORMAT,
                       "merges.txt: line %u merges “%s” + “%s” but “%s” is not in vocab.json",
                       i + 1, left, right, a < 0 ? left : b < 0 ? right : joined);
          return FALSE;
        }
      guint64 key = ls_bpe_pair_key (a, b);
      gsize s = ls_bpe_pair_hash (key) & self->merges_mask;
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
      int id = ls_bpe_lookup_id (self, name);
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
    self->byte_to_id[b] = ls_bpe_lookup_id (self, self->byte_to_char[b]);
  if (!parse_merges (self, merges, merges_length, error))
    return FALSE;
  self->eos_id = ls_bpe_lookup_id (self, "<|endoftext|>");
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
  int known = ls_bpe_lookup_id (self, content);
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
          if (content != NULL && ls_bpe_lookup_id (self, content) >= 0)
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
  return ls_bpe_lookup_id (self, token);
}

const char *
ls_tokenizer_id_to_token (LsTokenizer *self, int id)
{
  if (id < 0 || (guint) id >= self->id_to_token->len)
    return NULL;
  return g_ptr_array_index (self->id_to_token, id);
}
