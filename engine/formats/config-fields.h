/* config-fields.h: typed readers for the fields of Hugging Face config
 * files (config.json, preprocessor_config.json), shared by model-config.c
 * and preprocess-config.c.  Each names the field in its LS_ERROR_CONFIG
 * error, so a malformed or hostile config never reaches the model code.
 *
 * Documented limits (anything above is LS_ERROR_CONFIG):
 *   layers <= 256, heads <= 256, hidden/n_embd <= 16384,
 *   intermediate/n_inner <= 65536, image <= 4096, patch <= image,
 *   channels <= 16, vocab <= 1,000,000, positions <= 1 << 20,
 *   labels <= 100,000.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define LS_MAX_LAYERS        256
#define LS_MAX_HEADS         256
#define LS_MAX_HIDDEN        16384
#define LS_MAX_INTERMEDIATE  65536
#define LS_MAX_IMAGE         4096
#define LS_MAX_CHANNELS      16
#define LS_MAX_VOCAB         1000000
#define LS_MAX_POSITIONS     (1 << 20)
#define LS_MAX_LABELS        100000

/* Every reader names the field as "@prefix@field" ("decoder.n_layer") in its
 * error.  A field that is absent or JSON null counts as missing (HF writes
 * nulls for "use the default") and gives @def. */
JsonNode   *ls_config_get_member     (JsonObject  *obj,
                                      const char  *field);
gboolean    ls_config_node_is_number (JsonNode    *node);
/* An integer that may be written "32" or "32.0", in [@min, @max]; @found
 * (nullable) tells whether the field was present. */
gboolean    ls_config_read_int       (JsonObject  *obj,
                                      const char  *prefix,
                                      const char  *field,
                                      gint64       min,
                                      gint64       max,
                                      gint64       def,
                                      gint64      *out,
                                      gboolean    *found,
                                      GError     **error);
gboolean    ls_config_read_int32     (JsonObject  *obj,
                                      const char  *prefix,
                                      const char  *field,
                                      gint64       min,
                                      gint64       max,
                                      int          def,
                                      int         *out,
                                      GError     **error);
/* Token ids: absent or null -> -1. */
gboolean    ls_config_read_token_id  (JsonObject  *obj,
                                      const char  *prefix,
                                      const char  *field,
                                      int         *out,
                                      GError     **error);
gboolean    ls_config_read_float     (JsonObject  *obj,
                                      const char  *prefix,
                                      const char  *field,
                                      double       min,
                                      double       max,
                                      double       def,
                                      float       *out,
                                      GError     **error);
gboolean    ls_config_read_bool      (JsonObject  *obj,
                                      const char  *prefix,
                                      const char  *field,
                                      gboolean     def,
                                      gboolean    *out,
                                      GError     **error);
/* A borrowed string. */
gboolean    ls_config_read_string    (JsonObject  *obj,
                                      const char  *prefix,
                                      const char  *field,
                                      const char  *def,
                                      const char **out,
                                      GError     **error);
/* @json (json-load.h's depth policy) as a root object owned by @parser;
 * any failure is LS_ERROR_CONFIG, like any other bad config. */
JsonObject *ls_config_parse_root     (JsonParser  *parser,
                                      const char  *json,
                                      gssize       length,
                                      const char  *what,
                                      GError     **error);
/* Reads MODEL_DIR/NAME; with @missing (nullable) a missing file sets it and
 * returns FALSE without an error. */
gboolean    ls_config_load_file      (const char  *model_dir,
                                      const char  *name,
                                      char       **contents,
                                      gsize       *length,
                                      gboolean    *missing,
                                      GError     **error);

G_END_DECLS
