/* cli-json.c: see cli-json.h. */
#include "config.h"

#include "cli-json.h"

#include <stdio.h>

void
ls_cli_print_object (JsonObject *object, gboolean pretty)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, pretty);
  json_generator_set_root (gen, root);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

JsonArray *
ls_cli_json_floats (const float *values, int n)
{
  JsonArray *array = json_array_sized_new (MAX (n, 0));
  for (int i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  return array;
}

JsonArray *
ls_cli_json_ints (const int *values, gsize n)
{
  JsonArray *array = json_array_sized_new (n);
  for (gsize i = 0; i < n; i++)
    json_array_add_int_element (array, values[i]);
  return array;
}

JsonArray *
ls_cli_json_strings (char **strv)
{
  JsonArray *array = json_array_new ();
  for (int i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

void
ls_cli_json_set_string_or_null (JsonObject *object, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}
