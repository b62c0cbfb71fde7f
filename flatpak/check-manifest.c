/* check-manifest: checks that the Flatpak manifest parses and describes the
 * build Leafscope needs, since flatpak-builder (and Flathub) cannot run in CI.
 *
 * Usage: check-manifest MANIFEST APP_ID
 * Prints one line per problem on stderr and exits 1 if there is any. */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  const char *path;
  int         problems;
} Check;

static void check_fail (Check *check, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
check_fail (Check *check, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\n", check->path, message);
  check->problems++;
}

/* The string member @name of @object, or NULL when absent or not a string. */
static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
member_array (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static void
expect_string (Check *check, JsonObject *object, const char *where,
               const char *name, const char *expected)
{
  const char *value = member_string (object, name);
  if (value == NULL)
    check_fail (check, "%s: \"%s\" is missing or not a string", where, name);
  else if (expected != NULL && strcmp (value, expected) != 0)
    check_fail (check, "%s: \"%s\" is \"%s\", expected \"%s\"", where, name, value, expected);
}

/* Whether the string array @array holds @value. */
static gboolean
array_has_string (JsonArray *array, const char *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
          && strcmp (json_node_get_string (node), value) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
check_finish_args (Check *check, JsonObject *root)
{
  /* Exactly these: no filesystem or network access (files come through the
   * open dialog and drag-and-drop portals). */
  static const char *const wanted[] = {
    "--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--device=dri",
  };
  JsonArray *args = member_array (root, "finish-args");
  if (args == NULL)
    {
      check_fail (check, "\"finish-args\" is missing or not an array");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (wanted); i++)
    if (!array_has_string (args, wanted[i]))
      check_fail (check, "finish-args: \"%s\" is missing", wanted[i]);
  for (guint i = 0; i < json_array_get_length (args); i++)
    {
      JsonNode *node = json_array_get_element (args, i);
      const char *arg = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
      gboolean known = FALSE;
      for (gsize j = 0; arg != NULL && j < G_N_ELEMENTS (wanted); j++)
        known |= strcmp (arg, wanted[j]) == 0;
      if (!known)
        check_fail (check, "finish-args: unexpected \"%s\"", arg != NULL ? arg : "(not a string)");
    }
}

static JsonObject *
find_module (JsonArray *modules, const char *name, guint *index)
{
  for (guint i = 0; i < json_array_get_length (modules); i++)
    {
      JsonNode *node = json_array_get_element (modules, i);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      const char *module_name = member_string (json_node_get_object (node), "name");
      if (module_name != NULL && strcmp (module_name, name) == 0)
        {
          *index = i;
          return json_node_get_object (node);
        }
    }
  return NULL;
}

/* The first source of @module whose "type" is @type. */
static JsonObject *
find_source (JsonObject *module, const char *type)
{
  JsonArray *sources = member_array (module, "sources");
  for (guint i = 0; sources != NULL && i < json_array_get_length (sources); i++)
    {
      JsonNode *node = json_array_get_element (sources, i);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      const char *source_type = member_string (json_node_get_object (node), "type");
      if (source_type != NULL && strcmp (source_type, type) == 0)
        return json_node_get_object (node);
    }
  return NULL;
}

static void
check_openblas (Check *check, JsonObject *module)
{
  /* Single-threaded, thread-safe, CPU-dispatching, BLAS only: the engine
   * calls sgemm from its own worker thread and needs no LAPACK or Fortran. */
  static const char *const options[] = {
    "DYNAMIC_ARCH=1", "USE_OPENMP=0", "USE_THREAD=0", "USE_LOCKING=1",
    "NO_FORTRAN=1", "NO_LAPACK=1",
  };
  JsonObject *archive = find_source (module, "archive");
  if (archive == NULL)
    check_fail (check, "openblas: no \"archive\" source (the release tarball)");
  else
    {
      const char *url = member_string (archive, "url");
      const char *sha256 = member_string (archive, "sha256");
      if (url == NULL || !g_str_has_prefix (url, "https://") || strstr (url, "OpenBLAS") == NULL)
        check_fail (check, "openblas: archive \"url\" is not an https OpenBLAS release URL");
      gboolean hex = sha256 != NULL && strlen (sha256) == 64;
      for (const char *c = sha256; hex && *c != '\0'; c++)
        hex = g_ascii_isxdigit (*c) && !g_ascii_isupper (*c);
      if (!hex)
        check_fail (check, "openblas: archive \"sha256\" is not 64 lowercase hex digits");
    }

  JsonArray *commands = member_array (module, "build-commands");
  if (commands == NULL || json_array_get_length (commands) == 0)
    {
      check_fail (check, "openblas: \"build-commands\" is missing");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    for (guint j = 0; j < json_array_get_length (commands); j++)
      {
        JsonNode *node = json_array_get_element (commands, j);
        const char *command = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
        if (command == NULL || !g_str_has_prefix (command, "make "))
          continue;
        /* Every make call (build and install) needs the same options, or
         * "make install" rebuilds with the defaults. */
        g_auto(GStrv) words = g_strsplit (command, " ", -1);
        if (!g_strv_contains ((const char *const *) words, options[i]))
          check_fail (check, "openblas: build command %u lacks %s", j + 1, options[i]);
      }
}

static void
check_leafscope (Check *check, JsonObject *module, const char *manifest_dir)
{
  expect_string (check, module, "leafscope module", "buildsystem", "meson");
  if (!array_has_string (member_array (module, "config-opts"), "-Dgui=true"))
    check_fail (check, "leafscope module: \"config-opts\" lacks -Dgui=true");

  JsonObject *dir = find_source (module, "dir");
  const char *path = dir != NULL ? member_string (dir, "path") : NULL;
  if (path == NULL)
    {
      check_fail (check, "leafscope module: no \"dir\" source with a \"path\"");
      return;
    }
  /* The path is relative to the manifest: it must lead to this project. */
  g_autofree char *meson_build = g_build_filename (manifest_dir, path, "meson.build", NULL);
  g_autofree char *contents = NULL;
  if (!g_file_get_contents (meson_build, &contents, NULL, NULL)
      || strstr (contents, "project('leafscope'") == NULL)
    check_fail (check, "leafscope module: source path \"%s\" does not lead to Leafscope's meson.build", path);
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "Usage: %s MANIFEST APP_ID\n", argv[0]);
      return 2;
    }
  Check check = { argv[1], 0 };
  const char *app_id = argv[2];

  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_file (parser, check.path, &error))
    {
      check_fail (&check, "does not parse: %s", error->message);
      return 1;
    }
  JsonNode *root_node = json_parser_get_root (parser);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      check_fail (&check, "the top level is not an object");
      return 1;
    }
  JsonObject *root = json_node_get_object (root_node);

  const char *id = member_string (root, "id");
  if (id == NULL)
    id = member_string (root, "app-id");
  if (id == NULL || strcmp (id, app_id) != 0)
    check_fail (&check, "\"id\" is \"%s\", expected \"%s\"", id != NULL ? id : "(missing)", app_id);
  expect_string (&check, root, "manifest", "runtime", "org.gnome.Platform");
  expect_string (&check, root, "manifest", "runtime-version", NULL);
  {
    /* The window needs libadwaita 1.2, which the GNOME runtime has shipped
     * since GNOME 43: no module of ours builds it. */
    const char *version = member_string (root, "runtime-version");
    if (version != NULL && g_ascii_strtoll (version, NULL, 10) < 43)
      check_fail (&check, "\"runtime-version\" is %s, but libadwaita 1.2 needs the GNOME 43 runtime or newer", version);
  }
  expect_string (&check, root, "manifest", "sdk", "org.gnome.Sdk");
  expect_string (&check, root, "manifest", "command", "leafscope");
  check_finish_args (&check, root);

  JsonArray *modules = member_array (root, "modules");
  if (modules == NULL)
    {
      check_fail (&check, "\"modules\" is missing or not an array");
      return 1;
    }
  guint openblas_index = 0, leafscope_index = 0, unused = 0;
  JsonObject *openblas = find_module (modules, "openblas", &openblas_index);
  JsonObject *leafscope = find_module (modules, "leafscope", &leafscope_index);
  if (openblas == NULL)
    check_fail (&check, "no \"openblas\" module (it is in neither the GNOME nor the freedesktop SDK)");
  else
    check_openblas (&check, openblas);
  if (leafscope == NULL)
    check_fail (&check, "no \"leafscope\" module");
  else
    {
      g_autofree char *manifest_dir = g_path_get_dirname (check.path);
      check_leafscope (&check, leafscope, manifest_dir);
      if (leafscope_index + 1 != json_array_get_length (modules))
        check_fail (&check, "the \"leafscope\" module is not the last one");
      if (openblas != NULL && openblas_index > leafscope_index)
        check_fail (&check, "\"openblas\" is built after \"leafscope\"");
    }
  if (find_module (modules, "json-glib", &unused) != NULL)
    check_fail (&check, "json-glib is built as a module, but the GNOME SDK has it");
  if (find_module (modules, "libadwaita", &unused) != NULL)
    check_fail (&check, "libadwaita is built as a module, but the GNOME runtime has it");

  if (check.problems == 0)
    printf ("%s: ok\n", check.path);
  return check.problems == 0 ? 0 : 1;
}
