/* bpe-private.h: the tokenizer's tables, shared by its loader (bpe-load.c)
 * and its encoder and decoder (bpe.c). */
#pragma once

#include "bpe.h"

G_BEGIN_DECLS

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

/* The merges are an open-addressing table keyed by the id pair. */

static inline guint64
ls_bpe_pair_key (int a, int b)
{
  return (((guint64) (guint32) a << 32) | (guint32) b) + 1;
}

static inline gsize
ls_bpe_pair_hash (guint64 key)
{
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  key ^= key >> 33;
  return (gsize) key;
}

static inline const MergeSlot *
ls_bpe_merge_lookup (const LsTokenizer *self, int a, int b)
{
  if (self->merges == NULL)
    return NULL;
  guint64 key = ls_bpe_pair_key (a, b);
  for (gsize i = ls_bpe_pair_hash (key) & self->merges_mask;; i = (i + 1) & self->merges_mask)
    {
      if (self->merges[i].key == key)
        return &self->merges[i];
      if (self->merges[i].key == 0)
        return NULL;
    }
}

static inline int
ls_bpe_lookup_id (const LsTokenizer *self, const char *token)
{
  gpointer v = g_hash_table_lookup (self->token_to_id, token);
  return v != NULL ? GPOINTER_TO_INT (v) - 1 : -1;
}

/* Not public: only the tests (and bench/) call these. */

/* From the file contents (tests, embedded models).  @merges may hold the
 * "#version" line.  @special_tokens: NULL-terminated extra special tokens
 * (each must be in the vocab), or NULL; "<|endoftext|>" is always special
 * when the vocab has it. */
LsTokenizer *ls_tokenizer_new_from_data (const char         *vocab_json,
                                         gssize              vocab_length,
                                         const char         *merges,
                                         gssize              merges_length,
                                         const char * const *special_tokens,
                                         GError            **error);

/* Id of a token string as it appears in vocab.json, or -1. */
int          ls_tokenizer_token_to_id   (LsTokenizer  *self,
                                         const char   *token);

/* The vocab.json string of @id (byte-mapped), or NULL when out of range. */
const char  *ls_tokenizer_id_to_token   (LsTokenizer  *self,
                                         int           id);

G_END_DECLS
