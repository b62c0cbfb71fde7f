/* leafscope-cli classify / evaluate / inspect, run as a user would (the
 * binary from LEAFSCOPE_CLI), checked against the fixtures' reference
 * outputs. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "safetensors.h"
#include "test-util.h"

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_autoptr(GError) error = NULL;
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  JsonNode *root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

static float
view_float (const LsTensorView *v, gsize i)
{
  float f;
  memcpy (&f, (const guint8 *) v->data + 4 * i, 4);
  return f;
}

/* The exit status is 2 and stderr is one line, "leafscope-cli: error: ...",
 * containing @needle. */
static void
assert_one_error_line (const LsTestRun *r, const char *needle)
{
  g_test_message ("stderr: %s", r->err);
  g_assert_cmpint (r->status, ==, 2);
  g_assert_true (g_str_has_prefix (r->err, "leafscope-cli: error: "));
  const char *nl = strchr (r->err, '\n');
  g_assert_nonnull (nl);
  g_assert_cmpstr (nl + 1, ==, "");
  g_assert_nonnull (strstr (r->err, needle));
}

static void
test_classify_pixel_values (void)
{
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *expected = ls_test_fixture ("vit-tiny", "expected.safetensors", NULL);
  g_autofree char *pv0 = g_strdup_printf ("%s:pixel_values.0", expected);
  g_autofree char *pv1 = g_strdup_printf ("%s:pixel_values.1", expected);
  g_autofree char *pv2 = g_strdup_printf ("%s:pixel_values.2", expected);
  g_auto(LsTestRun) r = { 0 };

  ls_test_run_cli (&r, "classify", "--json", "--model", model, "--pixel-values", pv0,
       "--pixel-values", pv1, "--pixel-values", pv2, NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);

  g_autoptr(GError) error = NULL;
  g_autoptr(LsSafetensors) st = ls_safetensors_open (expected, &error);
  g_assert_no_error (error);
  const LsTensorView *logits = ls_safetensors_lookup (st, "logits");

  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = parse_object (parser, r.out);
  g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, model);
  JsonArray *results = json_object_get_array_member (root, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 3);
  const char *names[] = { pv0, pv1, pv2 };
  const char *labels[] = { "angular_leaf_spot", "bean_rust", "healthy" };
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *res = json_array_get_object_element (results, i);
      g_assert_cmpstr (json_object_get_string_member (res, "input"), ==, names[i]);
      JsonArray *l = json_object_get_array_member (res, "logits");
      JsonArray *p = json_object_get_array_member (res, "probs");
      g_assert_cmpuint (json_array_get_length (l), ==, 3);
      int best = 0;
      double sum = 0, z = 0;
      for (guint j = 0; j < 3; j++)
        {
          double got = json_array_get_double_element (l, j);
          g_assert_cmpfloat (fabs (got - view_float (logits, i * 3 + j)), <=, 1e-4);
          if (view_float (logits, i * 3 + j) > view_float (logits, i * 3 + best))
            best = j;
          sum += json_array_get_double_element (p, j);
          z += exp (view_float (logits, i * 3 + j));
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
      g_assert_cmpstr (json_object_get_string_member (res, "label"), ==, labels[best]);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (res, "score"),
                                      exp (view_float (logits, i * 3 + best)) / z, 1e-5);
    }

  /* A [B, 3, H, W] tensor counts as B inputs: write one and classify it. */
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-cli-XXXXXX", &error);
  g_autofree char *stacked = g_build_filename (tmp, "batch.safetensors", NULL);
  gsize per = 3 * 32 * 32;
  g_autofree float *data = g_new (float, 2 * per);
  memcpy (data, ls_safetensors_lookup (st, "pixel_values.2")->data, per * 4);
  memcpy (data + per, ls_safetensors_lookup (st, "pixel_values.0")->data, per * 4);
  LsTensorView v = { "px", LS_DTYPE_F32, 4, { 2, 3, 32, 32 }, data, 2 * per * 4 };
  g_assert_true (ls_safetensors_write (stacked, &v, 1, &error));
  g_autofree char *spec = g_strdup_printf ("%s:px", stacked);
  g_auto(LsTestRun) r2 = { 0 };
  ls_test_run_cli (&r2, "classify", "--json", "--model", model, "--pixel-values", spec, NULL);
  g_assert_cmpint (r2.status, ==, 0);
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  JsonArray *results2 = json_object_get_array_member (parse_object (parser2, r2.out), "results");
  g_assert_cmpuint (json_array_get_length (results2), ==, 2);
  JsonArray *l2 = json_object_get_array_member (json_array_get_object_element (results2, 0), "logits");
  for (guint j = 0; j < 3; j++)
    g_assert_cmpfloat (fabs (json_array_get_double_element (l2, j) - view_float (logits, 6 + j)), <=, 1e-4);
  g_remove (stacked);
  g_rmdir (tmp);
}

/* From the PNGs: preprocessing is exact, so the logits are the reference's. */
static void
test_classify_images (void)
{
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *expected = ls_test_fixture ("vit-tiny", "expected.safetensors", NULL);
  g_autofree char *in0 = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autofree char *in1 = ls_test_fixture ("vit-tiny", "input1.png", NULL);
  g_autofree char *in2 = ls_test_fixture ("vit-tiny", "input2.png", NULL);
  g_auto(LsTestRun) r = { 0 };

  ls_test_run_cli (&r, "classify", "--json", "--model", model, in0, in1, in2, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (expected, NULL);
  const LsTensorView *logits = ls_safetensors_lookup (st, "logits");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *results = json_object_get_array_member (parse_object (parser, r.out), "results");
  const char *names[] = { in0, in1, in2 };
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *res = json_array_get_object_element (results, i);
      g_assert_cmpstr (json_object_get_string_member (res, "input"), ==, names[i]);
      JsonArray *l = json_object_get_array_member (res, "logits");
      for (guint j = 0; j < 3; j++)
        g_assert_cmpfloat (fabs (json_array_get_double_element (l, j) - view_float (logits, i * 3 + j)), <=, 1e-4);
    }

  /* Plain text: one block per input with --top lines. */
  g_auto(LsTestRun) t = { 0 };
  ls_test_run_cli (&t, "classify", "--top", "2", "--model", model, in0, NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_auto(GStrv) lines = g_strsplit (t.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4); /* name, 2 labels, "" */
  g_assert_cmpstr (lines[0], ==, in0);
  g_assert_nonnull (strstr (lines[1], "%"));
}

static void
test_dump_tensors (void)
{
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *expected = ls_test_fixture ("vit-tiny", "expected.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-cli-XXXXXX", &error);
  g_autofree char *dump = g_build_filename (tmp, "dump.safetensors", NULL);
  g_autofree char *pv0 = g_strdup_printf ("%s:pixel_values.0", expected);
  g_autofree char *pv1 = g_strdup_printf ("%s:pixel_values.1", expected);
  g_autofree char *pv2 = g_strdup_printf ("%s:pixel_values.2", expected);
  g_auto(LsTestRun) r = { 0 };

  ls_test_run_cli (&r, "classify", "--model", model, "--dump-tensors", dump, "--pixel-values", pv0,
       "--pixel-values", pv1, "--pixel-values", pv2, NULL);
  g_assert_cmpint (r.status, ==, 0);

  g_autoptr(LsSafetensors) ref = ls_safetensors_open (expected, &error);
  g_assert_no_error (error);
  g_autoptr(LsSafetensors) got = ls_safetensors_open (dump, &error);
  g_assert_no_error (error);
  /* Every reference tensor is there, same shape, within the tolerance. */
  g_assert_cmpuint (ls_safetensors_get_n_tensors (got), ==, ls_safetensors_get_n_tensors (ref));
  for (guint i = 0; i < ls_safetensors_get_n_tensors (ref); i++)
    {
      const LsTensorView *e = ls_safetensors_get_tensor (ref, i);
      const LsTensorView *g = ls_safetensors_lookup (got, e->name);
      g_assert_nonnull (g);
      g_assert_cmpint (g->dtype, ==, LS_DTYPE_F32);
      g_assert_cmpint (g->ndim, ==, e->ndim);
      for (int d = 0; d < e->ndim; d++)
        g_assert_cmpint (g->shape[d], ==, e->shape[d]);
      double tol = g_str_has_prefix (e->name, "attentions.") ? 1e-5 : 1e-4;
      double max = 0;
      for (gsize k = 0; k < ls_tensor_view_numel (e); k++)
        max = fmax (max, fabs (view_float (g, k) - view_float (e, k)));
      g_test_message ("%s: max |diff| %.3g", e->name, max);
      g_assert_cmpfloat (max, <=, tol);
    }
  g_remove (dump);
  g_rmdir (tmp);
}

static void
test_heatmap_out (void)
{
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *in0 = ls_test_fixture ("vit-tiny", "input0.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-cli-XXXXXX", &error);
  g_autofree char *png = g_build_filename (tmp, "overlay.png", NULL);
  g_auto(LsTestRun) r = { 0 };

  ls_test_run_cli (&r, "classify", "--model", model, "--heatmap-out", png, in0, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr(GdkPixbuf) overlay = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new_from_file (in0, &error);
  g_assert_cmpint (gdk_pixbuf_get_width (overlay), ==, gdk_pixbuf_get_width (photo));
  g_assert_cmpint (gdk_pixbuf_get_height (overlay), ==, gdk_pixbuf_get_height (photo));

  /* the heatmap changed the picture, and no temporary file is left over */
  g_assert_false (gdk_pixbuf_get_has_alpha (overlay));
  int pc = gdk_pixbuf_get_n_channels (photo), oc = gdk_pixbuf_get_n_channels (overlay);
  gint64 changed = 0;
  for (int y = 0; y < gdk_pixbuf_get_height (photo); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (photo); x++)
      for (int c = 0; c < 3; c++)
        changed += gdk_pixbuf_read_pixels (photo)[y * gdk_pixbuf_get_rowstride (photo) + x * pc + c]
                   != gdk_pixbuf_read_pixels (overlay)[y * gdk_pixbuf_get_rowstride (overlay) + x * oc + c];
  g_assert_cmpint (changed, >, 0);
  g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);
  int files = 0;
  while (g_dir_read_name (dir) != NULL)
    files++;
  g_assert_cmpint (files, ==, 1);
  g_remove (png);
  g_rmdir (tmp);
}

static void
test_errors (void)
{
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-cli-XXXXXX", &error);
  g_autofree char *text = g_build_filename (tmp, "leaf.jpg", NULL);
  g_file_set_contents (text, "not a photo\n", -1, &error);

  g_auto(LsTestRun) a = { 0 };
  ls_test_run_cli (&a, "classify", "--model", model, text, NULL);
  assert_one_error_line (&a, text);
  g_assert_nonnull (strstr (a.err, "not an image"));

  g_autofree char *missing = g_build_filename (tmp, "no-such-model", NULL);
  g_auto(LsTestRun) b = { 0 };
  ls_test_run_cli (&b, "classify", "--model", missing, text, NULL);
  assert_one_error_line (&b, missing);

  g_auto(LsTestRun) c = { 0 };
  ls_test_run_cli (&c, "evaluate", "--model", model, missing, NULL);
  assert_one_error_line (&c, missing);

  g_auto(LsTestRun) d = { 0 };
  ls_test_run_cli (&d, "inspect", "--model", missing, NULL);
  assert_one_error_line (&d, missing);

  g_auto(LsTestRun) e = { 0 };
  ls_test_run_cli (&e, "classify", "--model", model, "--pixel-values", "nofile.safetensors", NULL);
  assert_one_error_line (&e, "FILE.safetensors:TENSOR");

  g_auto(LsTestRun) f = { 0 };
  ls_test_run_cli (&f, "classify", "--model", model, NULL);
  assert_one_error_line (&f, "IMAGE");

  /* A folder that is not a label of the model. */
  g_autofree char *odd = g_build_filename (tmp, "mildew", NULL);
  g_mkdir (odd, 0700);
  g_auto(LsTestRun) h = { 0 };
  ls_test_run_cli (&h, "evaluate", "--model", model, tmp, NULL);
  assert_one_error_line (&h, "mildew");

  g_rmdir (odd);
  g_remove (text);
  g_rmdir (tmp);
}

/* A tiny labelled folder: the report must be self-consistent. */
static void
test_evaluate_small (void)
{
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-cli-XXXXXX", &error);
  const char *labels[] = { "angular_leaf_spot", "bean_rust", "healthy" };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *sub = g_build_filename (tmp, labels[i], NULL);
      g_mkdir (sub, 0700);
      for (int k = 0; k < 3; k++)
        {
          g_autofree char *src_name = g_strdup_printf ("input%d.png", (i + k) % 3);
          g_autofree char *src = ls_test_fixture ("vit-tiny", src_name, NULL);
          g_autofree char *data = NULL;
          gsize len;
          g_file_get_contents (src, &data, &len, NULL);
          g_autofree char *dst = g_strdup_printf ("%s/%d.png", sub, k);
          g_file_set_contents (dst, data, len, &error);
          g_assert_no_error (error);
        }
    }

  g_auto(LsTestRun) r = { 0 };
  ls_test_run_cli (&r, "evaluate", "--json", "--model", model, tmp, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = parse_object (parser, r.out);
  g_assert_cmpint (json_object_get_int_member (root, "n"), ==, 9);
  JsonArray *conf = json_object_get_array_member (root, "confusion");
  int total = 0, trace = 0;
  for (guint t = 0; t < 3; t++)
    {
      JsonArray *row = json_array_get_array_element (conf, t);
      int row_sum = 0;
      for (guint p = 0; p < 3; p++)
        {
          int v = (int) json_array_get_int_element (row, p);
          row_sum += v;
          trace += t == p ? v : 0;
        }
      g_assert_cmpint (row_sum, ==, 3);
      total += row_sum;
    }
  g_assert_cmpint (total, ==, 9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (root, "accuracy"), trace / 9.0, 1e-9);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "errors")), ==, 9 - trace);
  /* every image appears in all three classes once, so each column of the
   * confusion matrix is a multiple of 3 */
  for (guint p = 0; p < 3; p++)
    {
      int col = 0;
      for (guint t = 0; t < 3; t++)
        col += (int) json_array_get_int_element (json_array_get_array_element (conf, t), p);
      g_assert_cmpint (col % 3, ==, 0);
    }
  JsonArray *per_class = json_object_get_array_member (root, "per_class");
  g_assert_cmpuint (json_array_get_length (per_class), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "labels")), ==, 3);

  ls_test_remove_tree (tmp);
}

static void
test_inspect (void)
{
  g_autofree char *model = ls_test_fixture ("vit-tiny", NULL);
  g_auto(LsTestRun) r = { 0 };
  ls_test_run_cli (&r, "inspect", "--model", model, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "ViTForImageClassification"));
  /* 48291 parameters: counted from the fixture's config (embeddings 48*192
   * + 48 + 48 + 17*48, 2 layers of 4*(48*48+48) + 2*2*48 + 96*48+96 +
   * 48*96+48, final LayerNorm 96, classifier 3*48+3) */
  int emb = 48 * 192 + 48 + 48 + 17 * 48;
  int layer = 4 * (48 * 48 + 48) + 4 * 48 + 96 * 48 + 96 + 48 * 96 + 48;
  g_autofree char *count = g_strdup_printf ("%d parameters", emb + 2 * layer + 96 + 3 * 48 + 3);
  g_assert_nonnull (strstr (r.out, count));
  g_assert_nonnull (strstr (r.out, "vit.embeddings.patch_embeddings.projection.weight"));
  g_assert_nonnull (strstr (r.out, "[48, 3, 8, 8]"));
  g_assert_nonnull (strstr (r.out, "BLAS:"));
  g_assert_nonnull (strstr (r.out, "core "));
}

/* The real model on the Beans validation split, when ../shared has them. */
static void
test_evaluate_beans (void)
{
  g_autofree char *dataset = ls_test_shared_dir ("datasets", "beans", "validation", NULL);
  g_autofree char *model = dataset ? ls_test_shared_dir ("models", "leaf-vit", NULL) : NULL;
  if (model == NULL)
    return;
  g_auto(LsTestRun) r = { 0 };
  ls_test_run_cli (&r, "evaluate", "--json", "--model", model, dataset, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root = parse_object (parser, r.out);
  double accuracy = json_object_get_double_member (root, "accuracy");
  g_test_message ("leaf-vit on Beans validation: accuracy %.4f over %d images in %.1f s",
                  accuracy, (int) json_object_get_int_member (root, "n"),
                  json_object_get_double_member (root, "seconds"));
  g_assert_cmpint (json_object_get_int_member (root, "n"), ==, 133);
  g_assert_cmpfloat (accuracy, >=, 0.93);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Cli/Classify/pixel-values", test_classify_pixel_values);
  g_test_add_func ("/Cli/Classify/images", test_classify_images);
  g_test_add_func ("/Cli/Classify/dump-tensors", test_dump_tensors);
  g_test_add_func ("/Cli/Classify/heatmap-out", test_heatmap_out);
  g_test_add_func ("/Cli/Classify/errors", test_errors);
  g_test_add_func ("/Cli/Evaluate/small", test_evaluate_small);
  g_test_add_func ("/Cli/Evaluate/beans", test_evaluate_beans);
  g_test_add_func ("/Cli/Inspect/fixture", test_inspect);
  return g_test_run ();
}
