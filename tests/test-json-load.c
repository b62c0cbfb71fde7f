/* test-json-load.c: the one JSON loader: its depth limit (exactly
 * LS_JSON_MAX_DEPTH levels pass, one more is refused before parsing),
 * brackets inside strings, the size cap and its errors. */
#include "json-load.h"
#include "ls-error.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <string.h>

/* @depth nested arrays around a 1, wrapped in {"a": ...}: depth + 1 levels. */
static char *
nested (guint depth)
{
  GString *s = g_string_new ("{\"a\": ");
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  g_string_append_c (s, '1');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
test_depth_limit (void)
{
  g_autoptr(GError) error = NULL;

  /* LS_JSON_MAX_DEPTH levels: parsed, and the innermost value is there. */
  g_autofree char *ok = nested (LS_JSON_MAX_DEPTH - 1);
  g_autoptr(JsonParser) p1 = json_parser_new ();
  JsonObject *o = ls_json_parse_object (p1, ok, -1, "ok.json", &error);
  g_assert_no_error (error);
  JsonNode *n = json_object_get_member (o, "a");
  for (guint i = 0; i < LS_JSON_MAX_DEPTH - 1; i++)
    {
      g_assert_true (JSON_NODE_HOLDS_ARRAY (n));
      n = json_array_get_element (json_node_get_array (n), 0);
    }
  g_assert_cmpint (json_node_get_int (n), ==, 1);

  /* One level more: refused, naming the text and the limit. */
  g_autofree char *deep = nested (LS_JSON_MAX_DEPTH);
  g_autoptr(JsonParser) p2 = json_parser_new ();
  g_assert_null (ls_json_parse_object (p2, deep, -1, "deep.json", &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "deep.json nests deeper than 64 levels");
  g_clear_error (&error);

  /* 100,000 levels (a stack overflow for json-glib itself): refused too. */
  char *huge = g_malloc (100001);
  memset (huge, '[', 100000);
  huge[100000] = '\0';
  g_autoptr(JsonParser) p3 = json_parser_new ();
  g_assert_null (ls_json_parse_object (p3, huge, -1, "huge", &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  g_free (huge);
}

/* Brackets in strings, escaped quotes included, are text, not nesting. */
static void
test_brackets_in_strings (void)
{
  g_autoptr(GError) error = NULL;
  GString *s = g_string_new ("{\"k\\\"[[\": \"");
  for (int i = 0; i < 200; i++)
    g_string_append (s, "[{");
  g_string_append (s, "\\\"[\"}");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o = ls_json_parse_object (parser, s->str, s->len, "strings", &error);
  g_assert_no_error (error);
  const char *v = json_object_get_string_member (o, "k\"[[");
  g_assert_cmpuint (strlen (v), ==, 2 * 200 + 2);
  g_string_free (s, TRUE);
}

static void
test_not_an_object (void)
{
  static const char *const bad[][2] = {
    { "", "x is not a JSON object" },   /* json-glib: no root, no error */
    { "{\"a\": ", "x is not valid JSON" },
    { "[1, 2]", "x is not a JSON object" },
    { "42", "x is not a JSON object" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_assert_null (ls_json_parse_object (parser, bad[i][0], -1, "x", &error));
      g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
      g_assert_true (g_str_has_prefix (error->message, bad[i][1]));
    }
}

static void
test_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ls-json-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "c.json", NULL);
  static const char text[] = "{\"n\": 12345}";   /* 12 bytes */
  g_assert_true (g_file_set_contents (path, text, -1, NULL));

  /* At the cap: read. */
  g_autoptr(JsonParser) p1 = json_parser_new ();
  JsonObject *o = ls_json_load_object (p1, path, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (o, "n"), ==, 12345);

  /* One byte over: refused before parsing. */
  g_autoptr(JsonParser) p2 = json_parser_new ();
  g_assert_null (ls_json_load_object (p2, path, strlen (text) - 1, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* Errors in the file name the file. */
  g_assert_true (g_file_set_contents (path, "[]", -1, NULL));
  g_autoptr(JsonParser) p3 = json_parser_new ();
  g_assert_null (ls_json_load_object (p3, path, LS_JSON_MAX_FILE_SIZE, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_clear_error (&error);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_autoptr(JsonParser) p4 = json_parser_new ();
  g_assert_null (ls_json_load_object (p4, path, LS_JSON_MAX_FILE_SIZE, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  ls_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/JsonLoad/depth-limit", test_depth_limit);
  g_test_add_func ("/Engine/JsonLoad/brackets-in-strings", test_brackets_in_strings);
  g_test_add_func ("/Engine/JsonLoad/not-an-object", test_not_an_object);
  g_test_add_func ("/Engine/JsonLoad/file", test_file);
  return g_test_run ();
}
