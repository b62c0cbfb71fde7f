/* test-scope.c: the scope check (engine/include/scope.h) fitted, saved and loaded against
 * numpy's answers (tests/fixtures/scope, written by tools/scope/make_test_fixture.py), on
 * hostile files, off, stale, found in the user data folder, and calibration
 * (engine/include/calibrate.h).  The photo statuses and their texts: test-scope-status.c. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "diagnose.h"
#include "ls-error.h"
#include "prompt.h"
#include "safetensors.h"
#include "scope.h"
#include "scope-private.h"
#include "test-util.h"

/* ---------------------------------------------------------------- fixture */

typedef struct {
  JsonParser *parser;
  JsonObject *o;
  int         c, d, n_train, n_val, n_queries;
  float      *train, *val, *logits, *queries;
  int        *train_labels, *val_labels;
} Reference;

static float *
read_matrix (JsonObject *o, const char *name, int cols, int *rows)
{
  JsonArray *a = json_object_get_array_member (o, name);
  int n = json_array_get_length (a);
  float *out = g_new (float, (gsize) MAX (n, 1) * cols);
  for (int i = 0; i < n; i++)
    {
      JsonArray *row = json_array_get_array_element (a, i);
      g_assert_cmpint (json_array_get_length (row), ==, cols);
      for (int k = 0; k < cols; k++)
        out[(gsize) i * cols + k] = (float) json_array_get_double_element (row, k);
    }
  *rows = n;
  return out;
}

static int *
read_labels (JsonObject *o, const char *name)
{
  JsonArray *a = json_object_get_array_member (o, name);
  int *out = g_new (int, json_array_get_length (a));
  for (guint i = 0; i < json_array_get_length (a); i++)
    out[i] = (int) json_array_get_int_element (a, i);
  return out;
}

static void
reference_load (Reference *r)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ls_test_fixture ("scope", "reference.json", NULL);
  r->parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (r->parser, path, &error));
  g_assert_no_error (error);
  r->o = json_node_get_object (json_parser_get_root (r->parser));
  r->c = json_object_get_int_member (r->o, "n_labels");
  r->d = json_object_get_int_member (r->o, "dim");
  int n;
  r->train = read_matrix (r->o, "train_features", r->d, &r->n_train);
  r->val = read_matrix (r->o, "val_features", r->d, &r->n_val);
  r->logits = read_matrix (r->o, "val_logits", r->c, &n);
  g_assert_cmpint (n, ==, r->n_val);
  r->queries = read_matrix (r->o, "queries", r->d, &r->n_queries);
  r->train_labels = read_labels (r->o, "train_labels");
  r->val_labels = read_labels (r->o, "val_labels");
}

static void
reference_clear (Reference *r)
{
  g_object_unref (r->parser);
  g_free (r->train);
  g_free (r->val);
  g_free (r->logits);
  g_free (r->queries);
  g_free (r->train_labels);
  g_free (r->val_labels);
}

static LsScope *
reference_fit (Reference *r)
{
  static const char *const labels[] = { "a", "b", "c", NULL };
  g_autoptr(GError) error = NULL;
  LsScope *scope = ls_scope_fit (r->c, r->d, labels, "0123abcd", r->train, r->train_labels,
                                 r->n_train, r->val, r->logits, r->val_labels, r->n_val, &error);
  g_assert_no_error (error);
  g_assert_nonnull (scope);
  return scope;
}

/* Distances, temperature, threshold, ECE: as numpy computed them. */
static void
check_against_reference (Reference *r, const LsScope *scope)
{
  JsonArray *dist = json_object_get_array_member (r->o, "query_distances");
  for (int q = 0; q < r->n_queries; q++)
    {
      JsonArray *row = json_array_get_array_element (dist, q);
      double want[3];
      for (int c = 0; c < 3; c++)
        want[c] = json_array_get_double_element (row, c);
      /* nearest and second nearest */
      for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
          if (want[j] < want[i])
            {
              double t = want[i];
              want[i] = want[j];
              want[j] = t;
            }
      float second = 0;
      float nearest = ls_scope_distance (scope, r->queries + (gsize) q * r->d, &second);
      ls_test_assert_close (nearest, want[0], 1e-4);
      ls_test_assert_close (second, want[1], 1e-4);
    }
  ls_test_assert_close (ls_scope_get_temperature (scope), json_object_get_double_member (r->o, "temperature"), 1e-3);
  ls_test_assert_close (ls_scope_get_threshold (scope), json_object_get_double_member (r->o, "threshold"), 1e-4);

  g_autofree float *raw = g_new (float, (gsize) r->n_val * r->c);
  g_autofree float *cal = g_new (float, (gsize) r->n_val * r->c);
  for (int i = 0; i < r->n_val; i++)
    {
      const float *z = r->logits + (gsize) i * r->c;
      double m = MAX (MAX (z[0], z[1]), z[2]), sum = 0;
      for (int k = 0; k < r->c; k++)
        sum += exp (z[k] - m);
      for (int k = 0; k < r->c; k++)
        raw[(gsize) i * r->c + k] = (float) (exp (z[k] - m) / sum);
      ls_scope_calibrate (scope, z, cal + (gsize) i * r->c);
    }
  ls_test_assert_close (ls_scope_ece (raw, r->val_labels, r->n_val, r->c, 10),
                json_object_get_double_member (r->o, "ece_raw"), 1e-5);
  ls_test_assert_close (ls_scope_ece (cal, r->val_labels, r->n_val, r->c, 10),
                json_object_get_double_member (r->o, "ece_calibrated"), 1e-3);
}

static void
test_fit_reference (void)
{
  Reference r = { 0 };
  reference_load (&r);
  g_autoptr(LsScope) scope = reference_fit (&r);
  check_against_reference (&r, scope);
  g_assert_null (ls_scope_get_dir (scope));
  g_assert_cmpstr (ls_scope_get_weights_digest (scope), ==, "0123abcd");
  reference_clear (&r);
}

static void
test_save_load (void)
{
  g_autoptr(GError) error = NULL;
  Reference r = { 0 };
  reference_load (&r);
  g_autoptr(LsScope) fitted = reference_fit (&r);
  g_autofree char *dir = g_dir_make_tmp ("leafscope-scope-XXXXXX", &error);
  g_assert_no_error (error);

  g_assert_true (ls_scope_save (fitted, dir, &error));
  g_assert_no_error (error);
  g_autoptr(LsScope) loaded = ls_scope_load (dir, r.c, r.d, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ls_scope_get_dir (loaded), ==, dir);
  g_assert_cmpstr (ls_scope_get_weights_digest (loaded), ==, "0123abcd");
  g_assert_cmpfloat (ls_scope_get_temperature (loaded), ==, ls_scope_get_temperature (fitted));
  g_assert_cmpfloat (ls_scope_get_threshold (loaded), ==, ls_scope_get_threshold (fitted));
  for (int q = 0; q < r.n_queries; q++)
    g_assert_cmpfloat (ls_scope_distance (loaded, r.queries + (gsize) q * r.d, NULL), ==,
                       ls_scope_distance (fitted, r.queries + (gsize) q * r.d, NULL));
  check_against_reference (&r, loaded);

  /* The means in the file are numpy's class means. */
  g_autofree char *tensors = g_build_filename (dir, LS_SCOPE_FILE_TENSORS, NULL);
  g_autoptr(LsSafetensors) st = ls_safetensors_open (tensors, &error);
  g_assert_no_error (error);
  const LsTensorView *means = ls_safetensors_lookup (st, "means");
  g_assert_nonnull (means);
  g_assert_cmpint (means->shape[0], ==, 3);
  g_assert_cmpint (means->shape[1], ==, r.d);
  JsonArray *want = json_object_get_array_member (r.o, "means");
  for (int c = 0; c < 3; c++)
    for (int k = 0; k < r.d; k++)
      {
        float v;
        memcpy (&v, (const char *) means->data + sizeof (float) * (c * r.d + k), sizeof v);
        ls_test_assert_close (v, json_array_get_double_element (json_array_get_array_element (want, c), k), 1e-5);
      }

  /* Another model's shape is refused. */
  g_autoptr(LsScope) wrong = ls_scope_load (dir, r.c, r.d + 1, &error);
  g_assert_null (wrong);
  g_assert_error (error, LS_ERROR, LS_ERROR_CONFIG);
  g_clear_error (&error);

  /* A damaged JSON file is an error, not a crash. */
  g_autofree char *json_path = g_build_filename (dir, LS_SCOPE_FILE_JSON, NULL);
  g_assert_true (g_file_set_contents (json_path, "{\"format\": \"leafscope-scope\", \"version\": 1}", -1, NULL));
  g_autoptr(LsScope) broken = ls_scope_load (dir, r.c, r.d, &error);
  g_assert_null (broken);
  g_assert_error (error, LS_ERROR, LS_ERROR_FORMAT);
  g_clear_error (&error);
  const char *hostile[] = { "[]", "{\"format\": 7}", "{\"format\": null, \"weights_sha256\": []}",
                            "{\"format\": \"leafscope-scope\", \"version\": 1, \"hidden_size\": 5, "
                            "\"temperature\": 1, \"distance_threshold\": 1, \"weights_sha256\": {}, "
                            "\"labels\": [1, {}, null]}",
                            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" };
  for (gsize i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_assert_true (g_file_set_contents (json_path, hostile[i], -1, NULL));
      g_autoptr(LsScope) s = ls_scope_load (dir, r.c, r.d, &error);
      /* the last but one is well-formed apart from its types: it loads,
       * with the labels and digest read as "" */
      if (s != NULL)
        g_assert_cmpstr (ls_scope_get_weights_digest (s), ==, "");
      else
        g_assert_nonnull (error);
      g_clear_error (&error);
    }

  ls_test_remove_tree (dir);
  reference_clear (&r);
}

static void
test_feature (void)
{
  /* CLS row first, then two patches: the feature is the patches' mean. */
  const float hidden[3 * 2] = { 100, -100, 1, 2, 3, 6 };
  float feature[2];
  ls_scope_feature (hidden, 3, 2, feature);
  g_assert_cmpfloat (feature[0], ==, 2.0f);
  g_assert_cmpfloat (feature[1], ==, 4.0f);
}

/* ls_scope_judge on the reference scope: a "photo" whose feature is @point. */
static LsScopeVerdict
judge_point (const LsScope *scope, const float *point, int dim, const float *logits,
             const LsFindings *findings, int width, int height, gboolean incomplete,
             float *probs)
{
  g_autofree float *hidden = g_new0 (float, 2 * dim);
  memcpy (hidden + dim, point, sizeof (float) * dim);
  float raw[3];
  double sum = 0;
  for (int k = 0; k < 3; k++)
    sum += raw[k] = expf (logits[k]);
  for (int k = 0; k < 3; k++)
    raw[k] /= sum;
  LsScopeVerdict v = { .probs = probs };
  ls_scope_judge (scope, logits, raw, 3, hidden, 2, dim, findings, width, height, incomplete,
                  224, LS_SCOPE_DEFAULT_THRESHOLD, &v);
  return v;
}

static void
test_judge (void)
{
  Reference r = { 0 };
  reference_load (&r);
  g_autoptr(LsScope) scope = reference_fit (&r);
  LsFindings ok = { .brightness = 0.5f, .overexposed_fraction = 0.0f };
  float probs[3];
  /* Query 1 sits near class 1's centre; the last queries are far away. */
  const float *near1 = r.queries + 1 * r.d;
  const float *far = r.queries + (r.n_queries - 1) * r.d;
  g_assert_cmpfloat (ls_scope_distance (scope, far, NULL), >, ls_scope_get_threshold (scope));
  g_assert_cmpfloat (ls_scope_distance (scope, near1, NULL), <, ls_scope_get_threshold (scope));
  const float sure[3] = { -5, 5, -5 }, torn[3] = { 0, 0.1f, 0 };

  LsScopeVerdict v = judge_point (scope, near1, r.d, sure, &ok, 500, 400, FALSE, probs);
  g_assert_cmpint (v.status, ==, LS_DIAGNOSIS_DIAGNOSED);
  g_assert_cmpint (v.reason, ==, LS_STATUS_REASON_NONE);
  g_assert_true (v.scope_checked);
  g_assert_cmpfloat (v.scope_score, <, 1.0f);
  g_assert_cmpfloat (v.scope_gap, >=, LS_SCOPE_MIN_GAP);
  /* calibrated: softmax(logits / T) */
  float t = ls_scope_get_temperature (scope);
  double e[3], sum = 0;
  for (int k = 0; k < 3; k++)
    sum += e[k] = exp (sure[k] / t);
  for (int k = 0; k < 3; k++)
    ls_test_assert_close (probs[k], e[k] / sum, 1e-6);

  v = judge_point (scope, near1, r.d, torn, &ok, 500, 400, FALSE, probs);
  g_assert_cmpint (v.status, ==, LS_DIAGNOSIS_UNCERTAIN);
  g_assert_cmpint (v.reason, ==, LS_STATUS_REASON_LOW_CONFIDENCE);

  v = judge_point (scope, far, r.d, sure, &ok, 500, 400, FALSE, probs);
  g_assert_cmpint (v.status, ==, LS_DIAGNOSIS_NOT_A_LEAF);
  g_assert_cmpint (v.reason, ==, LS_STATUS_REASON_OUT_OF_SCOPE);
  g_assert_cmpfloat (v.scope_score, >, 1.0f);

  /* Damage and size come before everything else. */
  v = judge_point (scope, near1, r.d, sure, &ok, 500, 400, TRUE, probs);
  g_assert_cmpint (v.status, ==, LS_DIAGNOSIS_UNUSABLE);
  g_assert_cmpint (v.reason, ==, LS_STATUS_REASON_INCOMPLETE);
  v = judge_point (scope, near1, r.d, sure, &ok, 63, 400, FALSE, probs);
  g_assert_cmpint (v.reason, ==, LS_STATUS_REASON_TOO_SMALL);
  v = judge_point (scope, near1, r.d, sure, &ok, 64, 64, FALSE, probs);
  g_assert_cmpint (v.status, ==, LS_DIAGNOSIS_DIAGNOSED);
  LsFindings dark = { .brightness = 0.03f }, blown = { .brightness = 0.97f, .overexposed_fraction = 0.9f };
  v = judge_point (scope, near1, r.d, sure, &dark, 500, 400, FALSE, probs);
  g_assert_cmpint (v.reason, ==, LS_STATUS_REASON_TOO_DARK);
  v = judge_point (scope, near1, r.d, sure, &blown, 500, 400, FALSE, probs);
  g_assert_cmpint (v.reason, ==, LS_STATUS_REASON_OVEREXPOSED);
  g_assert_cmpint (v.status, ==, LS_DIAGNOSIS_UNUSABLE);

  /* Without a scope: raw probabilities, the caller's threshold only. */
  float raw_probs[3] = { 0.1f, 0.55f, 0.35f }, logits[3] = { 0, 0, 0 };
  float hidden[2 * 5] = { 0 };
  LsScopeVerdict w = { .probs = probs };
  ls_scope_judge (NULL, logits, raw_probs, 3, hidden, 2, 5, &ok, 500, 400, FALSE, 224, 0.5f, &w);
  g_assert_false (w.scope_checked);
  g_assert_cmpfloat (w.scope_score, ==, 0.0f);
  g_assert_cmpint (w.status, ==, LS_DIAGNOSIS_DIAGNOSED);
  g_assert_cmpmem (probs, sizeof probs, raw_probs, sizeof raw_probs);
  ls_scope_judge (NULL, logits, raw_probs, 3, hidden, 2, 5, &ok, 500, 400, FALSE, 224, 0.6f, &w);
  g_assert_cmpint (w.status, ==, LS_DIAGNOSIS_UNCERTAIN);
  reference_clear (&r);
}
/* ---------------------------------------------------------------- where the scope comes from */

/* A model folder of links to @from's config and weights (and scope files
 * when @with_scope). */
static char *
link_model (const char *from, gboolean with_scope)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("leafscope-model-XXXXXX", &error);
  g_assert_no_error (error);
  const char *files[] = { "config.json", "preprocessor_config.json", "model.safetensors",
                          LS_SCOPE_FILE_TENSORS, LS_SCOPE_FILE_JSON };
  for (gsize i = 0; i < (with_scope ? 5 : 3); i++)
    {
      g_autofree char *src = g_build_filename (from, files[i], NULL);
      g_autofree char *dst = g_build_filename (dir, files[i], NULL);
      if (g_file_test (src, G_FILE_TEST_EXISTS))
        g_assert_cmpint (symlink (src, dst), ==, 0);
    }
  return dir;
}

static void
test_scope_off_and_stale (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);

  /* No scope file: the check is off and says why; statuses still come. */
  g_autoptr(LsDiagnoser) plain = ls_diagnoser_new (vit, NULL, &error);
  g_assert_no_error (error);
  const char *why = NULL;
  g_assert_null (ls_diagnoser_get_scope (plain, &why));
  g_assert_nonnull (strstr (why, "calibrate"));
  g_autofree char *input = ls_test_fixture ("vit-tiny", "input1.png", NULL);
  g_autoptr(LsImage) image = ls_image_load (input, &error);
  g_assert_no_error (error);
  g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (plain, image, 0.5f, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (d->scope_checked);
  g_assert_cmpmem (d->probs, 3 * sizeof (float), d->raw_probs, 3 * sizeof (float));
  /* top 41 %, runner-up 39 %: uncertain, and the text names both */
  g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_UNCERTAIN);
  g_assert_true (d->uncertain);
  g_autofree char *en = ls_diagnosis_status_text (d, "en");
  g_autofree char *pt = ls_diagnosis_status_text (d, "pt_BR");
  g_assert_nonnull (strstr (en, "Uncertain"));
  g_assert_nonnull (strstr (en, "healthy"));
  g_assert_nonnull (strstr (en, "angular leaf spot"));
  g_assert_nonnull (strstr (pt, "Incerto"));
  g_assert_nonnull (strstr (pt, "saudável"));
  g_assert_nonnull (strstr (pt, "mancha angular"));

  /* The description of an uncertain photo starts with that sentence. */
  g_autofree char *gpt2 = ls_test_gpt2_tiny_with (LS_PROMPT_FILE_NAME, "{\"template\": \"{label}\"}");
  g_autoptr(LsDiagnoser) writer = ls_diagnoser_new (vit, gpt2, &error);
  g_assert_no_error (error);
  LsGenerateOptions options;
  ls_diagnoser_init_generate_options (writer, &options);
  options.max_new_tokens = 4;
  LsTestCollect c = { g_string_new (NULL), 0 };
  g_assert_true (ls_diagnoser_describe (writer, d, "en", &options, ls_test_collect, &c, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (c.text->str, en));
  g_assert_cmpuint (c.text->len, >, strlen (en));
  g_string_free (c.text, TRUE);
  ls_test_remove_tree (gpt2);

  /* A scope fitted on other weights is not used. */
  g_autofree char *leaf = ls_test_leaf_vit_dir ();
  g_autofree char *stale_dir = link_model (leaf, FALSE);
  g_autofree char *json_src = g_build_filename (leaf, LS_SCOPE_FILE_JSON, NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (json_src, &text, NULL, NULL));
  g_autofree char *digest = ls_scope_weights_digest (leaf, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, digest)); /* the shipped file matches the shipped weights */
  g_autoptr(GString) other = g_string_new (text);
  g_string_replace (other, digest, "0000000000000000000000000000000000000000000000000000000000000000", 1);
  g_autofree char *json_dst = g_build_filename (stale_dir, LS_SCOPE_FILE_JSON, NULL);
  g_assert_true (g_file_set_contents (json_dst, other->str, -1, NULL));
  g_autofree char *st_src = g_build_filename (leaf, LS_SCOPE_FILE_TENSORS, NULL);
  g_autofree char *st_dst = g_build_filename (stale_dir, LS_SCOPE_FILE_TENSORS, NULL);
  g_assert_cmpint (symlink (st_src, st_dst), ==, 0);
  g_autoptr(LsDiagnoser) stale = ls_diagnoser_new (stale_dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (ls_diagnoser_get_scope (stale, &why));
  g_assert_nonnull (strstr (why, "other weights"));
  ls_test_remove_tree (stale_dir);
}

static void
test_user_data_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *leaf = ls_test_leaf_vit_dir ();
  g_autofree char *model = link_model (leaf, FALSE);
  g_autofree char *digest = ls_scope_weights_digest (model, &error);
  g_assert_no_error (error);

  /* main() pointed XDG_DATA_HOME at a temporary folder. */
  g_autofree char *user = ls_scope_user_dir (digest);
  g_assert_true (g_str_has_prefix (user, g_get_user_data_dir ()));
  g_assert_nonnull (strstr (user, digest));
  g_assert_cmpint (g_mkdir_with_parents (user, 0700), ==, 0);
  const char *files[] = { LS_SCOPE_FILE_TENSORS, LS_SCOPE_FILE_JSON };
  for (gsize i = 0; i < 2; i++)
    {
      g_autofree char *src = g_build_filename (leaf, files[i], NULL);
      g_autofree char *dst = g_build_filename (user, files[i], NULL);
      g_assert_cmpint (symlink (src, dst), ==, 0);
    }
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (model, NULL, &error);
  g_assert_no_error (error);
  const LsScope *scope = ls_diagnoser_get_scope (diagnoser, NULL);
  g_assert_nonnull (scope);
  g_assert_cmpstr (ls_scope_get_dir (scope), ==, user);
  ls_test_remove_tree (model);
}

/* ---------------------------------------------------------------- calibrate */

/* DIR/LABEL/N.png: small pictures of a colour per class, with noise. */
static char *
make_dataset (int per_class)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("leafscope-photos-XXXXXX", &error);
  g_assert_no_error (error);
  const char *labels[] = { "angular_leaf_spot", "bean_rust", "healthy" };
  const guint8 colours[3][3] = { { 150, 120, 40 }, { 160, 70, 30 }, { 60, 150, 50 } };
  GRand *rand = g_rand_new_with_seed (7);
  for (int c = 0; c < 3; c++)
    {
      g_autofree char *sub = g_build_filename (dir, labels[c], NULL);
      g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
      for (int n = 0; n < per_class; n++)
        {
          g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 40);
          guint8 *p = gdk_pixbuf_get_pixels (pb);
          int stride = gdk_pixbuf_get_rowstride (pb);
          for (int y = 0; y < 40; y++)
            for (int x = 0; x < 120; x++)
              p[y * stride + x] = CLAMP (colours[c][x % 3] + g_rand_int_range (rand, -40, 40), 0, 255);
          g_autofree char *name = g_strdup_printf ("%d.png", n);
          g_autofree char *path = g_build_filename (sub, name, NULL);
          g_assert_true (gdk_pixbuf_save (pb, path, "png", &error, NULL));
          g_assert_no_error (error);
        }
    }
  g_rand_free (rand);
  return dir;
}

static gboolean
count_progress (const char *stage, int done, int total, gpointer user_data)
{
  int *calls = user_data;
  g_assert_cmpint (done, <=, total);
  (*calls)++;
  return TRUE;
}

static void
test_calibrate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vit = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *model = link_model (vit, FALSE);
  g_autofree char *photos = make_dataset (10);

  int calls = 0;
  LsCalibrateReport report = { 0 };
  g_autoptr(LsScope) scope = ls_calibrate_model (model, photos, NULL, count_progress, &calls,
                                                 &report, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (scope);
  g_assert_cmpint (report.n_train, ==, 24); /* every fifth of 30 held out */
  g_assert_cmpint (report.n_validation, ==, 6);
  g_assert_cmpint (report.n_skipped, ==, 0);
  g_assert_cmpint (calls, >=, 2);
  g_assert_cmpfloat (report.temperature, >, 0.0f);
  g_assert_cmpfloat (report.threshold, >, 0.0f);

  g_autofree char *written = NULL;
  g_assert_true (ls_calibrate_save (scope, model, &written, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (written, ==, model);
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (model, NULL, &error);
  g_assert_no_error (error);
  const LsScope *found = ls_diagnoser_get_scope (diagnoser, NULL);
  g_assert_nonnull (found);
  g_assert_cmpfloat (ls_scope_get_temperature (found), ==, report.temperature);

  /* A folder that is not a label of the model is an error. */
  g_autofree char *odd = g_build_filename (photos, "soybean", NULL);
  g_assert_cmpint (g_mkdir (odd, 0755), ==, 0);
  g_autoptr(LsScope) none = ls_calibrate_model (model, photos, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (g_rmdir (odd), ==, 0);

  /* Cancelled. */
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  g_autoptr(LsScope) cancelled = ls_calibrate_model (model, photos, NULL, NULL, NULL, NULL,
                                                     cancellable, &error);
  g_assert_null (cancelled);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  ls_test_remove_tree (photos);
  ls_test_remove_tree (model);
}
int
main (int argc, char **argv)
{
  /* Before GLib reads it: the user data folder of this run. */
  g_autofree char *home = g_dir_make_tmp ("leafscope-xdg-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Engine/Scope/fit-reference", test_fit_reference);
  g_test_add_func ("/Engine/Scope/save-load", test_save_load);
  g_test_add_func ("/Engine/Scope/feature", test_feature);
  g_test_add_func ("/Engine/Scope/judge", test_judge);
  g_test_add_func ("/Engine/Scope/off-and-stale", test_scope_off_and_stale);
  g_test_add_func ("/Engine/Scope/user-data-dir", test_user_data_dir);
  g_test_add_func ("/Engine/Scope/calibrate", test_calibrate);
  int status = g_test_run ();
  ls_test_remove_tree (home);
  return status;
}
