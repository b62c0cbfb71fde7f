/* json-load.h: the engine's one way to read JSON from a model folder.
 *
 * Every JSON file the engine reads (configs, tokenizer files, checkpoint
 * indexes, safetensors headers, the scope file, prompt formats) comes from a
 * folder the user picked, so it is untrusted.  json-glib's parser recurses
 * once per nesting level: 100,000 '[' overflow the stack (json-glib 1.6.6:
 * SIGSEGV; 1,000 levels fit a 256 KiB stack, 3,000 do not).  These loaders
 * count the depth first with a linear scan, which needs no stack, and refuse
 * anything deeper than LS_JSON_MAX_DEPTH.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The deepest file read today nests 5 levels (a tokenizer.json's
 * post-processor); 64 leaves room for any real file and keeps json-glib's
 * recursion under about 20 KiB of stack, safe on any thread. */
#define LS_JSON_MAX_DEPTH 64

/* The default cap on a JSON file's size.  The largest real one is a
 * tokenizer.json (a few MB for big vocabularies); anything over this is
 * refused before it is read into memory. */
#define LS_JSON_MAX_FILE_SIZE (64 * 1024 * 1024)

/* Parses @text (@length bytes, or NUL-terminated when -1) into @parser
 * and returns its root object, owned by @parser.  @what names the text in
 * errors ("config.json").  Errors: LS_ERROR_FORMAT ("WHAT nests deeper than
 * 64 levels", "WHAT is not valid JSON: ...", "WHAT is not a JSON object").
 * The caller may connect to @parser's signals first. */
JsonObject *ls_json_parse_object (JsonParser *parser,
                                  const char *text,
                                  gssize      length,
                                  const char *what,
                                  GError    **error);

/* Reads @path (at most @max_size bytes, else LS_ERROR_TOO_LARGE; a file
 * that cannot be read is LS_ERROR_IO) and parses it as above, with @path as
 * WHAT. */
JsonObject *ls_json_load_object  (JsonParser *parser,
                                  const char *path,
                                  gsize       max_size,
                                  GError    **error);

G_END_DECLS
