/* cli-json.h: the commands' JSON output, built with JsonObject and
 * JsonArray setters (members print in the order they are set). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Prints @object on stdout, one line (or indented when @pretty), and a
 * newline. */
void       ls_cli_print_object      (JsonObject  *object,
                                     gboolean     pretty);
/* New arrays of numbers. */
JsonArray *ls_cli_json_floats       (const float *values,
                                     int          n);
JsonArray *ls_cli_json_ints         (const int   *values,
                                     gsize        n);
/* A new array of the strings of NULL-terminated @strv. */
JsonArray *ls_cli_json_strings      (char       **strv);
/* Sets @name to @value, or to null when @value is NULL. */
void       ls_cli_json_set_string_or_null (JsonObject *object,
                                           const char *name,
                                           const char *value);

G_END_DECLS
