/* leafscope-cli and issue 12: `calibrate`, the status in `diagnose`'s three
 * formats, and `evaluate`'s coverage and flagged column. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "test-util.h"

static const char *const labels[] = { "angular_leaf_spot", "bean_rust", "healthy" };

/* A PNG of @width x @height: a colour with noise. */
static void
write_png (const char *path, int width, int height, int r, int g, int b, int noise, GRand *rand)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *p = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);
  const int base[3] = { r, g, b };
  for (int y = 0; y < height; y++)
    for (int x = 0; x < 3 * width; x++)
      p[y * stride + x] = CLAMP (base[x % 3] + (noise ? g_rand_int_range (rand, -noise, noise) : 0), 0, 255);
  g_assert_true (gdk_pixbuf_save (pb, path, "png", &error, NULL));
  g_assert_no_error (error);
}

/* DIR/LABEL/N.png, @per_class photos of one colour per class. */
static char *
make_dataset (int per_class, guint32 seed)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("leafscope-cli-scope-XXXXXX", &error);
  g_assert_no_error (error);
  GRand *rand = g_rand_new_with_seed (seed);
  for (int c = 0; c < 3; c++)
    {
      g_autofree char *sub = g_build_filename (dir, labels[c], NULL);
      g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
      for (int n = 0; n < per_class; n++)
        {
          g_autofree char *name = g_strdup_printf ("%d.png", n);
          g_autofree char *path = g_build_filename (sub, name, NULL);
          write_png (path, 40, 40, 60 + 50 * c, 150 - 40 * c, 50, 40, rand);
        }
    }
  g_rand_free (rand);
  return dir;
}

/* A writable model folder: links to vit-tiny's files. */
static char *
tiny_model (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  char *dir = g_dir_make_tmp ("leafscope-cli-model-XXXXXX", &error);
  g_assert_no_error (error);
  const char *files[] = { "config.json", "preprocessor_config.json", "model.safetensors" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (vit, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  return dir;
}

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_calibrate_then_evaluate (void)
{
  g_autofree char *model = tiny_model ();
  g_autofree char *train = make_dataset (8, 1);
  g_autofree char *val = make_dataset (4, 2);

  /* Before: the scope check is off, and diagnose says so. */
  g_autofree char *photo = g_build_filename (val, "healthy", "0.png", NULL);
  g_auto(LsTestRun) before = { 0 };
  ls_test_run_cli (&before, "diagnose", "--vision-model", model, "--no-describe", "--format", "json", photo, NULL);
  g_assert_cmpint (before.status, ==, 0);
  g_assert_nonnull (strstr (before.err, "scope check off"));

  g_auto(LsTestRun) r = { 0 };
  ls_test_run_cli (&r, "calibrate", "--model", model, train, "--validation", val, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Photos:       24 train, 12 validation"));
  g_assert_nonnull (strstr (r.out, "Temperature:"));
  g_assert_nonnull (strstr (r.out, "ECE"));
  g_assert_nonnull (strstr (r.err, "calibrate: train 24/24 photos"));
  g_autofree char *json_file = g_build_filename (model, "leafscope-scope.json", NULL);
  g_autofree char *tensor_file = g_build_filename (model, "leafscope-scope.safetensors", NULL);
  g_assert_true (g_file_test (json_file, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (tensor_file, G_FILE_TEST_IS_REGULAR));

  /* After: diagnose uses it. */
  g_auto(LsTestRun) d = { 0 };
  ls_test_run_cli (&d, "diagnose", "--vision-model", model, "--no-describe", "--format", "json", photo, NULL);
  g_assert_cmpint (d.status, ==, 0);
  g_assert_null (strstr (d.err, "scope check off"));
  g_autoptr(JsonParser) dp = json_parser_new ();
  JsonObject *o = parse_object (dp, d.out);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "scope"), "checked"));
  const char *status = json_object_get_string_member (o, "status");
  g_assert_true (g_strv_contains ((const char *const[]) { "diagnosed", "uncertain", "not_a_leaf", NULL }, status));
  g_assert_true (json_object_get_boolean_member (o, "uncertain") == (strcmp (status, "diagnosed") != 0));

  /* evaluate: statuses, coverage, and the flagged column. */
  g_auto(LsTestRun) e = { 0 };
  ls_test_run_cli (&e, "evaluate", "--model", model, "--json", val, NULL);
  g_assert_cmpint (e.status, ==, 0);
  g_autoptr(JsonParser) ep = json_parser_new ();
  JsonObject *ev = parse_object (ep, e.out);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (ev, "scope"), "checked"));
  JsonObject *statuses = json_object_get_object_member (ev, "statuses");
  gint64 n = json_object_get_int_member (ev, "n"), sum = 0;
  g_assert_cmpint (n, ==, 12);
  const char *names[] = { "diagnosed", "uncertain", "not_a_leaf", "unusable" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    sum += json_object_get_int_member (statuses, names[i]);
  g_assert_cmpint (sum, ==, n);
  gint64 diagnosed = json_object_get_int_member (statuses, "diagnosed");
  g_assert_cmpint (json_object_get_int_member (ev, "n_diagnosed"), ==, diagnosed);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ev, "coverage"), (double) diagnosed / n, 1e-12);
  JsonArray *rows = json_object_get_array_member (ev, "confusion_diagnosed");
  JsonArray *plain = json_object_get_array_member (ev, "confusion");
  gint64 flagged = 0, in_matrix = 0, correct = 0;
  for (guint r = 0; r < 3; r++)
    {
      JsonArray *row = json_array_get_array_element (rows, r);
      JsonArray *plain_row = json_array_get_array_element (plain, r);
      g_assert_cmpint (json_array_get_length (row), ==, 4);
      gint64 row_sum = 0, plain_sum = 0;
      for (guint c = 0; c < 4; c++)
        row_sum += json_array_get_int_element (row, c);
      for (guint c = 0; c < 3; c++)
        plain_sum += json_array_get_int_element (plain_row, c);
      g_assert_cmpint (row_sum, ==, plain_sum); /* every photo once */
      flagged += json_array_get_int_element (row, 3);
      in_matrix += row_sum;
      correct += json_array_get_int_element (row, r);
    }
  g_assert_cmpint (in_matrix, ==, n);
  g_assert_cmpint (flagged, ==, n - diagnosed);
  if (diagnosed > 0)
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ev, "accuracy_diagnosed"),
                                    (double) correct / diagnosed, 1e-12);

  g_auto(LsTestRun) t = { 0 };
  ls_test_run_cli (&t, "evaluate", "--model", model, val, NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "Scope check: on"));
  g_assert_nonnull (strstr (t.out, "Coverage: "));
  g_assert_nonnull (strstr (t.out, "Accuracy among diagnosed: "));
  g_assert_nonnull (strstr (t.out, " flagged\n"));

  ls_test_remove_tree (train);
  ls_test_remove_tree (val);
  ls_test_remove_tree (model);
}

static void
test_calibrate_usage (void)
{
  g_auto(LsTestRun) none = { 0 };
  ls_test_run_cli (&none, "calibrate", NULL);
  g_assert_cmpint (none.status, ==, 2);
  g_auto(LsTestRun) missing = { 0 };
  g_autofree char *model = tiny_model ();
  ls_test_run_cli (&missing, "calibrate", "--model", model, "/nonexistent/photos", NULL);
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_nonnull (strstr (missing.err, "error:"));
  ls_test_remove_tree (model);
}

/* The shipped leaf-vit and photos it must not judge: each format says so. */
static void
test_diagnose_statuses (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("leafscope-cli-photos-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *tiny = g_build_filename (dir, "tiny.png", NULL);
  g_autofree char *grey = g_build_filename (dir, "grey.png", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.jpg", NULL);
  write_png (tiny, 8, 8, 80, 140, 60, 0, NULL);
  write_png (grey, 300, 300, 128, 128, 128, 0, NULL);
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file (grey, &error);
  g_assert_no_error (error);
  gchar *jpeg = NULL;
  gsize size = 0;
  g_assert_true (gdk_pixbuf_save_to_buffer (pb, &jpeg, &size, "jpeg", &error, NULL));
  g_assert_true (g_file_set_contents (cut, jpeg, size / 2, &error));
  g_free (jpeg);

  g_auto(LsTestRun) j = { 0 };
  ls_test_run_cli (&j, "diagnose", "-q", "--no-describe", "--format", "json", tiny, grey, cut, NULL);
  g_assert_cmpint (j.status, ==, 0);
  g_auto(GStrv) lines = g_strsplit (j.out, "\n", -1);
  const char *want[][2] = { { "unusable", "too_small" }, { "not_a_leaf", "out_of_scope" },
                            { "unusable", "incomplete" } };
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(JsonParser) p = json_parser_new ();
      JsonObject *o = parse_object (p, lines[i]);
      g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, want[i][0]);
      g_assert_cmpstr (json_object_get_string_member (o, "status_reason"), ==, want[i][1]);
      g_assert_true (json_object_get_boolean_member (o, "uncertain"));
      g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "scope"), "checked"));
    }

  /* text: the word, the reason, and no class named */
  g_auto(LsTestRun) t = { 0 };
  ls_test_run_cli (&t, "diagnose", "-q", "--no-describe", tiny, grey, NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_autofree char *tiny_line = g_strdup_printf ("%s: unusable (", tiny);
  g_autofree char *grey_line = g_strdup_printf ("%s: not_a_leaf (", grey);
  g_assert_nonnull (strstr (t.out, tiny_line));
  g_assert_nonnull (strstr (t.out, grey_line));
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autofree char *claim = g_strdup_printf (": %s ", labels[i]);
      g_assert_null (strstr (t.out, claim));
    }

  /* csv: a status column after "uncertain" */
  g_auto(LsTestRun) c = { 0 };
  ls_test_run_cli (&c, "diagnose", "-q", "--no-describe", "--format", "csv", tiny, NULL);
  g_assert_cmpint (c.status, ==, 0);
  g_assert_nonnull (strstr (c.out, ",uncertain,status,status_reason,runner_up,"));
  g_assert_nonnull (strstr (c.out, ",yes,unusable,too_small,"));

  /* The description is the fixed guidance (here in Portuguese), with no
   * disease in it. */
  g_autofree char *gpt2 = ls_test_fixture ("gpt2-tiny", NULL);
  g_auto(LsTestRun) g = { 0 };
  ls_test_run_cli (&g, "diagnose", "-q", "--text-model", gpt2, "--language", "pt_BR", "--format", "json", grey, NULL);
  g_assert_cmpint (g.status, ==, 0);
  g_autoptr(JsonParser) gp = json_parser_new ();
  JsonObject *go = parse_object (gp, g.out);
  const char *description = json_object_get_string_member (go, "description");
  g_assert_true (g_str_has_prefix (description, "Esta foto não se parece"));
  g_assert_null (strstr (description, "ferrugem"));
  g_assert_null (strstr (description, "mancha"));

  ls_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Cli/Scope/calibrate-then-evaluate", test_calibrate_then_evaluate);
  g_test_add_func ("/Cli/Scope/calibrate-usage", test_calibrate_usage);
  g_test_add_func ("/Cli/Scope/diagnose-statuses", test_diagnose_statuses);
  return g_test_run ();
}
