/* leafscope-cli interrupted: a first SIGINT (SIGTERM) stops the running
 * command cleanly, with exit status 130 (143), "interrupted" on stderr,
 * whole output lines and no temporary file.  Each run is given far more work
 * than it can finish, is signalled once it has printed its first output (so
 * the work has really started) and is then waited on: no fixed sleeps. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "safetensors.h"
#include "test-util.h"

/* Symbolic links to one fixture photo: at about a millisecond a photo, more
 * than a minute of work. */
#define N_PHOTOS 20000
/* Context of the long-running text model: generation slows down as the
 * context fills (attention over every earlier token), so this many tokens
 * take minutes. */
#define LONG_CONTEXT 65536
/* Generous: a loaded two-core machine, sanitizer builds. */
#define TIMEOUT_SECONDS 240

/* ------------------------------------------------------------ the child */

typedef struct {
  GSubprocess *process;
  GString     *out;
  GString     *err;
  int          open_streams;  /* stdout and stderr until their EOF */
  gboolean     exited;
} Child;

typedef struct {
  Child   *child;
  GString *text;
  guint8   buffer[4096];
} Reader;

static void read_more (GInputStream *stream, Reader *reader);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reader *reader = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  g_assert_no_error (error);
  if (n == 0)
    {
      reader->child->open_streams--;
      g_free (reader);
      return;
    }
  g_string_append_len (reader->text, (const char *) reader->buffer, n);
  read_more (G_INPUT_STREAM (source), reader);
}

static void
read_more (GInputStream *stream, Reader *reader)
{
  g_input_stream_read_async (stream, reader->buffer, sizeof reader->buffer, G_PRIORITY_DEFAULT,
                             NULL, on_read, reader);
}

/* Reads @stream into @text as it comes, so that the child never blocks on
 * a full pipe. */
static void
collect (Child *child, GInputStream *stream, GString *text)
{
  Reader *reader = g_new0 (Reader, 1);
  reader->child = child;
  reader->text = text;
  child->open_streams++;
  read_more (stream, reader);
}

static void
on_child_exit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;
  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL));
  child->exited = TRUE;
}

/* Starts $LEAFSCOPE_CLI with the NULL-terminated arguments. */
static void
child_start (Child *child, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) g_getenv ("LEAFSCOPE_CLI"));
  g_assert_nonnull (argv->pdata[0]);
  va_list args;
  va_start (args, child);
  for (const char *a = va_arg (args, const char *); a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_autoptr(GError) error = NULL;
  memset (child, 0, sizeof *child);
  child->out = g_string_new (NULL);
  child->err = g_string_new (NULL);
  child->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                      | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  collect (child, g_subprocess_get_stdout_pipe (child->process), child->out);
  collect (child, g_subprocess_get_stderr_pipe (child->process), child->err);
  g_subprocess_wait_async (child->process, NULL, on_child_exit, child);
}

static void
child_clear (Child *child)
{
  g_clear_object (&child->process);
  if (child->out != NULL)
    g_string_free (child->out, TRUE);
  if (child->err != NULL)
    g_string_free (child->err, TRUE);
  child->out = child->err = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Child, child_clear)

typedef gboolean (*ChildCondition) (Child *child);

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @condition holds; fails the test (killing
 * the child) after TIMEOUT_SECONDS. */
static void
child_wait_for (Child *child, ChildCondition condition, const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (TIMEOUT_SECONDS, on_timeout, &timed_out);
  while (!condition (child) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    {
      g_subprocess_force_exit (child->process);
      g_test_message ("stdout so far:\n%s\nstderr so far:\n%s", child->out->str, child->err->str);
      g_error ("no %s after %d s", what, TIMEOUT_SECONDS);
    }
  g_source_remove (timeout);
}

static gboolean
has_output_line (Child *child)
{
  return strchr (child->out->str, '\n') != NULL || child->exited;
}

static gboolean
has_output (Child *child)
{
  return child->out->len > 0 || child->exited;
}

static gboolean
has_evaluate_progress (Child *child)
{
  return strstr (child->err->str, "evaluate: ") != NULL || child->exited;
}

static gboolean
is_done (Child *child)
{
  return child->exited && child->open_streams == 0;
}

/* Waits for @started, sends @signum, waits for the end and checks the exit
 * status and the message every interrupted command prints. */
static void
child_interrupt (Child *child, ChildCondition started, int signum)
{
  child_wait_for (child, started, "first output");
  /* Still at work: otherwise the run was too short to test anything. */
  g_assert_false (child->exited);
  g_subprocess_send_signal (child->process, signum);
  child_wait_for (child, is_done, "exit after the signal");

  if (!g_subprocess_get_if_exited (child->process))
    g_error ("killed by signal %d, stderr:\n%s", g_subprocess_get_term_sig (child->process),
             child->err->str);
  g_test_message ("%" G_GSIZE_FORMAT " bytes on stdout before the signal's effect",
                  child->out->len);
  g_assert_cmpint (g_subprocess_get_exit_status (child->process), ==, 128 + signum);
  g_assert_nonnull (strstr (child->err->str, "leafscope-cli: interrupted\n"));
  /* Nothing reported as a failure: an interrupt is not an error. */
  g_assert_null (strstr (child->err->str, "error:"));
}

/* ------------------------------------------------------------ inputs */

static char *photo_folder;

/* A folder of N_PHOTOS links to one fixture photo (made once). */
static const char *
many_photos (void)
{
  if (photo_folder != NULL)
    return photo_folder;
  g_autoptr(GError) error = NULL;
  photo_folder = g_dir_make_tmp ("leafscope-cli-interrupt-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *fixture = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autofree char *photo = g_canonicalize_filename (fixture, NULL);
  for (int i = 0; i < N_PHOTOS; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/leaf%05d.png", photo_folder, i);
      g_assert_cmpint (symlink (photo, name), ==, 0);
    }
  return photo_folder;
}

/* Splits what was printed into lines; the text must end with a newline. */
static char **
whole_lines (const GString *text)
{
  g_assert_true (text->len == 0 || text->str[text->len - 1] == '\n');
  g_autofree char *body = g_strndup (text->str, text->len > 0 ? text->len - 1 : 0);
  return text->len > 0 ? g_strsplit (body, "\n", -1) : g_new0 (char *, 1);
}

/* A GPT-2 like tests/fixtures/gpt2-tiny but with a context of LONG_CONTEXT
 * positions (its position embeddings repeated) and an end-of-text token
 * that is never picked (a zero embedding, so its logit is 0 while the
 * largest is positive), so that a greedy generation runs for minutes.
 * Remove with ls_test_remove_tree(). */
static char *
make_long_context_model (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = ls_test_gpt2_tiny_with (NULL, NULL);

  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, config_path, &error));
  g_assert_no_error (error);
  JsonObject *config = json_node_get_object (json_parser_get_root (parser));
  json_object_set_int_member (config, "n_positions", LONG_CONTEXT);
  gint64 eos = json_object_get_int_member (config, "eos_token_id");
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_assert_cmpint (g_unlink (config_path), ==, 0);  /* a link to the fixture */
  g_assert_true (json_generator_to_file (generator, config_path, &error));

  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (weights_path, &error);
  g_assert_no_error (error);
  guint n = ls_safetensors_get_n_tensors (st);
  g_autofree LsTensorView *views = g_new0 (LsTensorView, n);
  g_autofree float *positions = NULL;
  g_autofree guint8 *tokens = NULL;
  for (guint i = 0; i < n; i++)
    {
      views[i] = *ls_safetensors_get_tensor (st, i);
      if (g_str_has_suffix (views[i].name, "wte.weight"))
        {
          gsize row = views[i].shape[1] * sizeof (float);
          g_assert_cmpint (eos, >=, 0);
          g_assert_cmpint (eos, <, views[i].shape[0]);
          tokens = g_memdup2 (views[i].data, views[i].nbytes);
          memset (tokens + eos * row, 0, row);
          views[i].data = tokens;
        }
      if (!g_str_has_suffix (views[i].name, "wpe.weight"))
        continue;
      gsize row = views[i].shape[1] * sizeof (float);
      positions = g_malloc ((gsize) LONG_CONTEXT * row);
      for (int p = 0; p < LONG_CONTEXT; p++)
        memcpy ((guint8 *) positions + p * row,
                (const guint8 *) views[i].data + (p % views[i].shape[0]) * row, row);
      views[i].shape[0] = LONG_CONTEXT;
      views[i].data = positions;
      views[i].nbytes = (gsize) LONG_CONTEXT * row;
    }
  g_assert_nonnull (positions);
  g_assert_nonnull (tokens);
  g_assert_cmpint (g_unlink (weights_path), ==, 0);
  g_assert_true (ls_safetensors_write (weights_path, views, n, &error));
  g_assert_no_error (error);
  return dir;
}

/* ------------------------------------------------------------ tests */

/* JSON lines and heatmaps: every line printed is a whole object, and the
 * heatmap folder holds finished heatmaps only (no temporary file). */
static void
test_diagnose_json_heatmaps (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *heatmaps = g_dir_make_tmp ("leafscope-cli-heatmaps-XXXXXX", &error);
  g_assert_no_error (error);

  g_auto(Child) child = { 0 };
  child_start (&child, "diagnose", "-q", "--vision-model", vit, "--no-describe", "--format", "json",
               "--heatmap-dir", heatmaps, many_photos (), NULL);
  child_interrupt (&child, has_output_line, SIGINT);

  g_auto(GStrv) lines = whole_lines (child.out);
  guint n_lines = g_strv_length (lines);
  g_assert_cmpuint (n_lines, >=, 1);
  g_assert_cmpuint (n_lines, <, N_PHOTOS);
  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, lines[i], -1, &error))
        g_error ("line %u is not JSON (%s): %s", i + 1, error->message, lines[i]);
      JsonNode *root = json_parser_get_root (parser);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      JsonObject *o = json_node_get_object (root);
      g_assert_true (json_object_has_member (o, "label"));
      const char *heatmap = json_object_get_string_member (json_object_get_object_member (o, "heatmap"),
                                                           "png");
      g_assert_true (g_file_test (heatmap, G_FILE_TEST_IS_REGULAR));
    }

  g_autoptr(GDir) dir = g_dir_open (heatmaps, 0, &error);
  g_assert_no_error (error);
  guint n_files = 0;
  for (const char *name; (name = g_dir_read_name (dir)) != NULL; n_files++)
    if (!g_str_has_suffix (name, "-heatmap.png"))
      g_error ("%s left in the heatmap folder", name);
  /* One per printed line; the last photo's may be written without its line
   * when the signal came in between. */
  g_assert_cmpuint (n_files, >=, n_lines);
  g_assert_cmpuint (n_files, <=, n_lines + 1);
  ls_test_remove_tree (heatmaps);
}

/* CSV: the header and whole rows only. */
static void
test_diagnose_csv (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_auto(Child) child = { 0 };
  child_start (&child, "diagnose", "-q", "--vision-model", vit, "--no-describe", "--format", "csv",
               many_photos (), NULL);
  child_interrupt (&child, has_output_line, SIGINT);

  g_auto(GStrv) lines = whole_lines (child.out);
  g_assert_cmpuint (g_strv_length (lines), >=, 1);
  g_assert_true (g_str_has_prefix (lines[0], "path,label,score"));
  g_auto(GStrv) header = g_strsplit (lines[0], ",", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ",", -1);
      g_assert_cmpuint (g_strv_length (fields), ==, g_strv_length (header));
    }
}

/* Streamed descriptions, stopped by SIGTERM: the text ends with a newline. */
static void
test_diagnose_describe_sigterm (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *text_model =
    ls_test_gpt2_tiny_with ("leafscope-prompt.json",
                            "{\"template\": \"{language} {label}:\", \"max_new_tokens\": 100}");
  g_auto(Child) child = { 0 };
  child_start (&child, "diagnose", "-q", "--vision-model", vit, "--text-model", text_model,
               many_photos (), NULL);
  child_interrupt (&child, has_output_line, SIGTERM);

  g_auto(GStrv) lines = whole_lines (child.out);
  g_assert_true (g_str_has_prefix (lines[0], many_photos ()));
  ls_test_remove_tree (text_model);
}

/* evaluate prints its report at the end: an interrupted run prints none. */
static void
test_evaluate (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dataset = g_dir_make_tmp ("leafscope-cli-dataset-XXXXXX", &error);
  g_assert_no_error (error);
  /* Label folders that are links to the folder of photos. */
  const char *labels[] = { "angular_leaf_spot", "bean_rust", "healthy" };
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autofree char *link = g_build_filename (dataset, labels[i], NULL);
      g_assert_cmpint (symlink (many_photos (), link), ==, 0);
    }

  g_auto(Child) child = { 0 };
  child_start (&child, "evaluate", "--model", vit, dataset, NULL);
  child_interrupt (&child, has_evaluate_progress, SIGINT);
  g_assert_cmpstr (child.out->str, ==, "");
  ls_test_remove_tree (dataset);
}

static gboolean
has_calibrate_progress (Child *child)
{
  return strstr (child->err->str, "calibrate: ") != NULL || child->exited;
}

/* calibrate writes its files at the end: an interrupted run writes none. */
static void
test_calibrate (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dataset = g_dir_make_tmp ("leafscope-cli-dataset-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *model = g_dir_make_tmp ("leafscope-cli-model-XXXXXX", &error);
  g_assert_no_error (error);
  const char *files[] = { "config.json", "preprocessor_config.json", "model.safetensors" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (vit, files[i], NULL);
      g_autofree char *to = g_build_filename (model, files[i], NULL);
      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  const char *labels[] = { "angular_leaf_spot", "bean_rust", "healthy" };
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autofree char *link = g_build_filename (dataset, labels[i], NULL);
      g_assert_cmpint (symlink (many_photos (), link), ==, 0);
    }

  g_auto(Child) child = { 0 };
  child_start (&child, "calibrate", "--model", model, dataset, NULL);
  child_interrupt (&child, has_calibrate_progress, SIGINT);
  g_assert_cmpstr (child.out->str, ==, "");
  g_autofree char *scope = g_build_filename (model, "leafscope-scope.json", NULL);
  g_assert_false (g_file_test (scope, G_FILE_TEST_EXISTS));
  ls_test_remove_tree (dataset);
  ls_test_remove_tree (model);
}

/* generate: the streamed text ends with a newline. */
static void
test_generate (void)
{
  g_autofree char *model = make_long_context_model ();
  g_autofree char *max_new = g_strdup_printf ("%d", LONG_CONTEXT - 8);
  g_auto(Child) child = { 0 };
  child_start (&child, "generate", "--model", model, "--prompt", "Bean rust", "--greedy",
               "--max-new-tokens", max_new, NULL);
  child_interrupt (&child, has_output, SIGINT);
  g_assert_true (g_str_has_suffix (child.out->str, "\n"));
  ls_test_remove_tree (model);
}

/* Runs that are not interrupted are unchanged: status 0, every result. */
static void
test_not_interrupted (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *photo = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *heatmaps = g_dir_make_tmp ("leafscope-cli-heatmaps-XXXXXX", &error);
  g_assert_no_error (error);

  g_auto(Child) diagnose = { 0 };
  child_start (&diagnose, "diagnose", "-q", "--vision-model", vit, "--no-describe", "--format", "json",
               "--heatmap-dir", heatmaps, photo, photo, photo, NULL);
  child_wait_for (&diagnose, is_done, "exit");
  g_assert_true (g_subprocess_get_if_exited (diagnose.process));
  g_assert_cmpint (g_subprocess_get_exit_status (diagnose.process), ==, 0);
  g_assert_cmpstr (diagnose.err->str, ==, "");
  g_auto(GStrv) lines = whole_lines (diagnose.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  ls_test_remove_tree (heatmaps);

  g_autofree char *gpt2 = ls_test_fixture ("gpt2-tiny", NULL);
  g_auto(Child) generate = { 0 };
  child_start (&generate, "generate", "--model", gpt2, "--prompt", "Bean rust",
               "--max-new-tokens", "24", "--greedy", NULL);
  child_wait_for (&generate, is_done, "exit");
  g_assert_true (g_subprocess_get_if_exited (generate.process));
  g_assert_cmpint (g_subprocess_get_exit_status (generate.process), ==, 0);
  g_assert_cmpstr (generate.err->str, ==, "");
  g_assert_true (g_str_has_suffix (generate.out->str, "\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Cli/Interrupt/not-interrupted", test_not_interrupted);
  g_test_add_func ("/Cli/Interrupt/diagnose-json-heatmaps", test_diagnose_json_heatmaps);
  g_test_add_func ("/Cli/Interrupt/diagnose-csv", test_diagnose_csv);
  g_test_add_func ("/Cli/Interrupt/diagnose-describe-sigterm", test_diagnose_describe_sigterm);
  g_test_add_func ("/Cli/Interrupt/evaluate", test_evaluate);
  g_test_add_func ("/Cli/Interrupt/calibrate", test_calibrate);
  g_test_add_func ("/Cli/Interrupt/generate", test_generate);
  int status = g_test_run ();
  if (photo_folder != NULL)
    ls_test_remove_tree (photo_folder);
  return status;
}
