/* leafscope-cli diagnose, run as a user would (the binary from
 * LEAFSCOPE_CLI), on the fixture models; the JSON it prints is checked
 * against the engine's own pipeline on the same photo. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diagnose.h"
#include "test-util.h"

/* A folder: two fixture photos (one in a subfolder) and a broken "photo". */
static char *
make_photo_folder (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("leafscope-cli-diagnose-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_autofree char *in0 = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autofree char *in1 = ls_test_fixture ("vit-tiny", "input1.png", NULL);
  g_autofree char *a = g_build_filename (dir, "a.png", NULL);
  g_autofree char *b = g_build_filename (sub, "b.png", NULL);
  g_autofree char *bad = g_build_filename (dir, "c.jpg", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.txt", NULL);
  g_assert_cmpint (symlink (in0, a), ==, 0);
  g_assert_cmpint (symlink (in1, b), ==, 0);
  g_assert_true (g_file_set_contents (bad, "not a jpeg", -1, NULL));
  g_assert_true (g_file_set_contents (text, "skipped: not an image name", -1, NULL));
  return dir;
}

static void
test_json_matches_engine (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *photo = ls_test_fixture ("vit-tiny", "input1.png", NULL);
  g_auto(LsTestRun) r = { 0 };

  ls_test_run_cli (&r, "diagnose", "-q", "--vision-model", vit, "--no-describe", "--format", "json",
       photo, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");

  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));

  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (vit, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(LsImage) image = ls_image_load (photo, &error);
  g_assert_no_error (error);
  g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, image, 0.6f, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, photo);
  g_assert_cmpstr (json_object_get_string_member (o, "label"), ==, d->labels[d->top_index]);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "score"), d->top_score, 1e-6);
  JsonObject *probs = json_object_get_object_member (o, "probs");
  for (int i = 0; i < d->n_labels; i++)
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (probs, d->labels[i]),
                                    d->probs[i], 1e-6);
  g_assert_true (json_object_get_boolean_member (o, "uncertain") == d->uncertain);
  JsonObject *f = json_object_get_object_member (o, "findings");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (f, "affected_area"),
                                  d->findings.affected_area, 1e-6);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (f, "leaf_fraction"),
                                  d->findings.leaf_fraction, 1e-6);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (f, "sharpness"),
                                  d->findings.sharpness, 1e-3);
  g_assert_cmpstr (json_object_get_string_member (f, "runner_up"), ==,
                   d->labels[d->findings.runner_up_index]);
  g_assert_cmpstr (json_object_get_string_member (f, "attention"), ==,
                   ls_findings_attention_word (d->findings.attention_concentration));
  g_assert_true (json_object_get_null_member (o, "description"));

  /* The shown map: the evidence map the engine computes, in points, row-major. */
  g_assert_true (ls_diagnoser_explain (diagnoser, d, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  JsonObject *hm = json_object_get_object_member (o, "heatmap");
  g_assert_cmpstr (json_object_get_string_member (hm, "method"), ==, "evidence");
  g_assert_cmpstr (json_object_get_string_member (hm, "units"), ==, "points");
  g_assert_cmpstr (json_object_get_string_member (hm, "class"), ==, d->labels[d->top_index]);
  g_assert_cmpint (json_object_get_int_member (hm, "rows"), ==, d->evidence->rows);
  g_assert_cmpint (json_object_get_int_member (hm, "cols"), ==, d->evidence->cols);
  g_assert_cmpint (d->evidence->rows, ==, 4); /* single patches of the 4 x 4 fixture grid */
  JsonArray *values = json_object_get_array_member (hm, "values");
  g_assert_cmpuint (json_array_get_length (values), ==, 16);
  for (guint i = 0; i < 16; i++)
    g_assert_cmpfloat_with_epsilon (json_array_get_double_element (values, i),
                                    d->evidence->values[i], 1e-5);
  g_autofree char *where = ls_findings_evidence_string (&d->findings);
  g_assert_cmpstr (json_object_get_string_member (f, "evidence"), ==, where);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (f, "evidence_max_points"),
                                  d->findings.evidence_max_points, 1e-5);

  /* --evidence coarse: the 2 x 2 blocks; none: attention rollout in 0..1. */
  g_auto(LsTestRun) coarse = { 0 };
  ls_test_run_cli (&coarse, "diagnose", "-q", "--vision-model", vit, "--no-describe", "--format",
                   "json", "--evidence", "coarse", photo, NULL);
  g_assert_cmpint (coarse.status, ==, 0);
  g_assert_nonnull (strstr (coarse.out, "\"method\":\"evidence-coarse\",\"units\":\"points\",\"rows\":2,\"cols\":2"));
  g_auto(LsTestRun) rollout = { 0 };
  ls_test_run_cli (&rollout, "diagnose", "-q", "--vision-model", vit, "--no-describe", "--format",
                   "json", "--evidence", "none", photo, NULL);
  g_assert_cmpint (rollout.status, ==, 0);
  g_assert_nonnull (strstr (rollout.out, "\"method\":\"rollout\",\"units\":\"relative\",\"rows\":4,\"cols\":4"));
  g_auto(LsTestRun) bad = { 0 };
  ls_test_run_cli (&bad, "diagnose", "-q", "--vision-model", vit, "--no-describe",
                   "--evidence", "some", photo, NULL);
  g_assert_cmpint (bad.status, ==, 2);
}

static void
test_folder_with_bad_file (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *dir = make_photo_folder ();
  g_autofree char *heatmaps = g_build_filename (dir, "heatmaps", NULL);
  g_auto(LsTestRun) r = { 0 };

  /* The CLI inherits the umask: heatmaps get 0666 less it, like any file. */
  mode_t old_umask = umask (022);
  ls_test_run_cli (&r, "diagnose", "--vision-model", vit, "--no-describe", "--format", "json",
       "--heatmap-dir", heatmaps, dir, NULL);
  umask (old_umask);
  /* The broken file is reported, the others diagnosed, the status is 1. */
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "c.jpg"));
  g_assert_nonnull (strstr (r.err, "1 of 3 photos failed"));
  g_assert_nonnull (strstr (r.err, "[3/3]"));

  g_auto(GStrv) lines = g_strsplit (r.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4); /* 3 objects + "" */
  const char *order[] = { "a.png", "c.jpg", "b.png" }; /* files before the subfolder, sorted */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "path"), order[i]));
      g_assert_true (json_object_has_member (o, i == 1 ? "error" : "label"));
    }

  g_autofree char *hm_a = g_build_filename (heatmaps, "a-heatmap.png", NULL);
  g_autofree char *hm_b = g_build_filename (heatmaps, "b-heatmap.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LsImage) overlay = ls_image_load (hm_a, &error);
  g_assert_no_error (error);
  g_autofree char *in0 = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autoptr(LsImage) photo = ls_image_load (in0, &error);
  g_assert_cmpint (overlay->width, ==, photo->width);
  g_assert_cmpint (overlay->height, ==, photo->height);
  g_assert_true (g_file_test (hm_b, G_FILE_TEST_EXISTS));
  GStatBuf st;
  g_assert_cmpint (g_stat (hm_a, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  ls_test_remove_tree (dir);
}

static void
test_csv_and_text (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *in0 = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autofree char *in2 = ls_test_fixture ("vit-tiny", "input2.png", NULL);
  g_auto(LsTestRun) csv = { 0 };

  ls_test_run_cli (&csv, "diagnose", "-q", "--vision-model", vit, "--no-describe", "--format", "csv",
       in0, in2, NULL);
  g_assert_cmpint (csv.status, ==, 0);
  g_auto(GStrv) lines = g_strsplit (csv.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[0], "path,label,score,p_angular_leaf_spot,p_bean_rust,p_healthy,uncertain,"));
  g_auto(GStrv) header = g_strsplit (lines[0], ",", -1);
  g_auto(GStrv) row = g_strsplit (lines[2], ",", -1);
  g_assert_cmpuint (g_strv_length (row), ==, g_strv_length (header));
  g_assert_cmpstr (row[0], ==, in2);

  g_auto(LsTestRun) text = { 0 };
  ls_test_run_cli (&text, "diagnose", "-q", "--vision-model", vit, "--no-describe", in0, NULL);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_true (g_str_has_prefix (text.out, in0));
  g_assert_nonnull (strstr (text.out, "affected area"));
}

static void
test_describe (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *photo = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("leafscope-cli-text-XXXXXX", &error);
  g_assert_no_error (error);
  const char *files[] = { "config.json", "model.safetensors", "vocab.json", "merges.txt" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = ls_test_fixture ("gpt2-tiny", files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  g_autofree char *prompt = g_build_filename (dir, "leafscope-prompt.json", NULL);
  g_assert_true (g_file_set_contents (prompt, "{\"template\": \"{language} {label}:\", \"max_new_tokens\": 12}", -1, NULL));

  g_auto(LsTestRun) r = { 0 };
  ls_test_run_cli (&r, "diagnose", "-q", "--vision-model", vit, "--text-model", dir, "--language", "pt_BR",
       "--format", "json", photo, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (json_object_get_string_member (o, "description"));
  JsonObject *seconds = json_object_get_object_member (o, "seconds");
  g_assert_cmpint (json_object_get_int_member (seconds, "generated_tokens"), ==, 12);
  g_assert_cmpfloat (json_object_get_double_member (seconds, "first_token"), <=,
                     json_object_get_double_member (seconds, "last_token"));

  /* The same description, streamed in text mode. */
  g_auto(LsTestRun) t = { 0 };
  ls_test_run_cli (&t, "diagnose", "-q", "--vision-model", vit, "--text-model", dir, "--language", "pt_BR",
       photo, NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_autofree char *line = g_strdup_printf ("\n  %s\n", json_object_get_string_member (o, "description"));
  g_assert_true (g_str_has_suffix (t.out, line));

  ls_test_remove_tree (dir);
}

/* Without a shipped text model the run diagnoses and says why there is no
 * description. */
static void
test_default_text_model_absent (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *photo = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = g_dir_make_tmp ("leafscope-cli-data-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *saved = g_strdup (g_getenv ("LEAFSCOPE_DATA_DIR"));

  g_setenv ("LEAFSCOPE_DATA_DIR", empty, TRUE);
  g_auto(LsTestRun) r = { 0 };
  ls_test_run_cli (&r, "diagnose", "--vision-model", vit, "--format", "json", photo, NULL);
  if (saved != NULL)
    g_setenv ("LEAFSCOPE_DATA_DIR", saved, TRUE);
  else
    g_unsetenv ("LEAFSCOPE_DATA_DIR");
  g_rmdir (empty);

  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "note: no text model at "));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_null_member (o, "description"));
}

static void
test_errors (void)
{
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *photo = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  const char *cases[][2] = {
    { "--language", "fr" },
    { "--format", "xml" },
    { "--uncertainty-threshold", "2" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(LsTestRun) r = { 0 };
      ls_test_run_cli (&r, "diagnose", "--vision-model", vit, "--no-describe", cases[i][0], cases[i][1], photo, NULL);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_true (g_str_has_prefix (r.err, "leafscope-cli: error: "));
      g_assert_nonnull (strstr (r.err, cases[i][0]));
    }

  g_auto(LsTestRun) missing = { 0 };
  ls_test_run_cli (&missing, "diagnose", "--vision-model", vit, "--no-describe", "/nonexistent/leaf.jpg", NULL);
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_cmpstr (missing.err, ==, "leafscope-cli: error: /nonexistent/leaf.jpg: no such file or folder\n");

  g_auto(LsTestRun) model = { 0 };
  ls_test_run_cli (&model, "diagnose", "--vision-model", "/nonexistent/model", "--no-describe", photo, NULL);
  g_assert_cmpint (model.status, ==, 2);
  g_assert_nonnull (strstr (model.err, "/nonexistent/model"));

  g_auto(LsTestRun) none = { 0 };
  ls_test_run_cli (&none, "diagnose", NULL);
  g_assert_cmpint (none.status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Cli/Diagnose/json-matches-engine", test_json_matches_engine);
  g_test_add_func ("/Cli/Diagnose/folder-with-bad-file", test_folder_with_bad_file);
  g_test_add_func ("/Cli/Diagnose/csv-and-text", test_csv_and_text);
  g_test_add_func ("/Cli/Diagnose/describe", test_describe);
  g_test_add_func ("/Cli/Diagnose/default-text-model-absent", test_default_text_model_absent);
  g_test_add_func ("/Cli/Diagnose/errors", test_errors);
  return g_test_run ();
}
