/* bpe.h: the GPT-2 byte-level BPE tokenizer (vocab.json + merges.txt), with a
 * streaming decoder that only hands out whole UTF-8 characters.
 *
 * Encoding follows transformers' GPT2Tokenizer: special tokens are matched
 * first, the rest is pre-split with GPT-2's regex, each piece is mapped
 * byte -> unicode and merged by rank.  Decoding maps back to bytes and decodes
 * with Python's errors="replace" semantics (each maximal invalid subpart of a
 * UTF-8 sequence becomes one U+FFFD).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LsTokenizer LsTokenizer;

/* Reads DIR/vocab.json and DIR/merges.txt, plus special tokens from
 * DIR/tokenizer_config.json, special_tokens_map.json or tokenizer.json where
 * present. */
LsTokenizer *ls_tokenizer_load          (const char   *model_dir,
                                         GError      **error);
/* Appends the ids of @text (UTF-8, -1 = NUL-terminated) to @ids (GArray of
 * int).  Fails on invalid UTF-8 or a byte with no token in the vocab. */
gboolean     ls_tokenizer_encode        (LsTokenizer  *self,
                                         const char   *text,
                                         gssize        length,
                                         GArray       *ids,
                                         GError      **error);
/* Newly allocated UTF-8 text; fails on an id out of range. */
char        *ls_tokenizer_decode        (LsTokenizer  *self,
                                         const int    *ids,
                                         gsize         n_ids,
                                         GError      **error);
int          ls_tokenizer_get_vocab_size (LsTokenizer *self);
/* Id of "<|endoftext|>", or -1. */
int          ls_tokenizer_get_eos_id    (LsTokenizer  *self);
void         ls_tokenizer_free          (LsTokenizer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsTokenizer, ls_tokenizer_free)

/* Streaming decoder: feed ids one at a time and get the text they complete.
 * Bytes of an unfinished UTF-8 character are held back until it is whole (or
 * becomes invalid, which yields U+FFFD as the whole-text decode would). */
typedef struct _LsTokenDecoder LsTokenDecoder;

/* @tokenizer must outlive the decoder. */
LsTokenDecoder *ls_token_decoder_new    (LsTokenizer    *tokenizer);
/* Returns the text completed by @id ("" when it only holds back bytes); the
 * string belongs to the decoder and lives until the next call.  NULL with
 * @error when @id is out of range. */
const char     *ls_token_decoder_push   (LsTokenDecoder *self,
                                         int             id,
                                         GError        **error);
/* Text of the held-back bytes (U+FFFD for an unfinished character), then
 * resets; same lifetime rule as push. */
const char     *ls_token_decoder_flush  (LsTokenDecoder *self);
void            ls_token_decoder_reset  (LsTokenDecoder *self);
void            ls_token_decoder_free   (LsTokenDecoder *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsTokenDecoder, ls_token_decoder_free)

G_END_DECLS
