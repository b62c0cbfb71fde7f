/* test-scope-status.c: the photo statuses and their texts (engine/include/scope.h,
 * engine/include/diagnose.h) on the shipped leaf-vit: names, too small, not a leaf, cut
 * short, real leaves, and the guidance-only description.  The scope's fit, files and
 * calibration: test-scope.c. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>

#include "diagnose.h"
#include "scope.h"
#include "test-util.h"

static void
test_names (void)
{
  g_assert_cmpstr (ls_diagnosis_status_name (LS_DIAGNOSIS_DIAGNOSED), ==, "diagnosed");
  g_assert_cmpstr (ls_diagnosis_status_name (LS_DIAGNOSIS_UNCERTAIN), ==, "uncertain");
  g_assert_cmpstr (ls_diagnosis_status_name (LS_DIAGNOSIS_NOT_A_LEAF), ==, "not_a_leaf");
  g_assert_cmpstr (ls_diagnosis_status_name (LS_DIAGNOSIS_UNUSABLE), ==, "unusable");
  g_assert_cmpstr (ls_status_reason_name (LS_STATUS_REASON_INCOMPLETE), ==, "incomplete");
  g_assert_cmpstr (ls_status_reason_name (LS_STATUS_REASON_OUT_OF_SCOPE), ==, "out_of_scope");
  for (int r = LS_STATUS_REASON_NONE; r <= LS_STATUS_REASON_OVEREXPOSED; r++)
    {
      const char *en = ls_status_reason_text (r, "en"), *pt = ls_status_reason_text (r, "pt_BR");
      g_assert_true (strlen (en) > 10 && strlen (pt) > 10);
      g_assert_cmpstr (en, !=, pt);
    }
  g_assert_null (ls_status_guidance_text (LS_DIAGNOSIS_DIAGNOSED, "en"));
  g_assert_null (ls_status_guidance_text (LS_DIAGNOSIS_UNCERTAIN, "en"));
  g_assert_nonnull (strstr (ls_status_guidance_text (LS_DIAGNOSIS_NOT_A_LEAF, "en"), "daylight"));
  g_assert_nonnull (strstr (ls_status_guidance_text (LS_DIAGNOSIS_UNUSABLE, "pt_BR"), "luz do dia"));
}

/* ---------------------------------------------------------------- shipped leaf-vit */

static LsImage *
make_image (int width, int height, guint8 r, guint8 g, guint8 b)
{
  g_autofree guint8 *rgb = g_new (guint8, (gsize) width * height * 3);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      rgb[3 * i] = r;
      rgb[3 * i + 1] = g;
      rgb[3 * i + 2] = b;
    }
  return ls_image_new_from_data (rgb, width, height, width * 3, FALSE, NULL);
}

/* The description of a photo that is not judged: the fixed guidance, and
 * no disease named. */
static void
assert_guidance_only (LsDiagnoser *diagnoser, const LsDiagnosis *d)
{
  static const char *const diseases[] = { "rust", "spot", "healthy", "ferrugem", "mancha", "saudável" };
  for (int l = 0; l < 2; l++)
    {
      const char *language = l == 0 ? "en" : "pt_BR";
      g_autoptr(GError) error = NULL;
      LsTestCollect c = { g_string_new (NULL), 0 };
      LsGenerateStats stats = { .generated_tokens = 99 };
      g_assert_true (ls_diagnoser_describe (diagnoser, d, language, NULL, ls_test_collect, &c, &stats,
                                            NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (c.calls, ==, 1);
      g_assert_cmpint (stats.generated_tokens, ==, 0);
      g_assert_true (g_str_has_prefix (c.text->str, ls_status_reason_text (d->status_reason, language)));
      g_assert_nonnull (strstr (c.text->str, ls_status_guidance_text (d->status, language)));
      g_autofree char *lower = g_utf8_strdown (c.text->str, -1);
      for (gsize i = 0; i < G_N_ELEMENTS (diseases); i++)
        g_assert_null (strstr (lower, diseases[i]));
      g_string_free (c.text, TRUE);
    }
}

static void
test_shipped_statuses (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_leaf_vit_dir ();
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (dir, NULL, &error);
  g_assert_no_error (error);
  const char *why = "unset";
  const LsScope *scope = ls_diagnoser_get_scope (diagnoser, &why);
  g_assert_nonnull (scope);
  g_assert_null (why);

  /* An 8 x 8 photo: unusable, too small. */
  g_autoptr(LsImage) tiny = make_image (8, 8, 80, 140, 60);
  g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, tiny, 0.6f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_UNUSABLE);
  g_assert_cmpint (d->status_reason, ==, LS_STATUS_REASON_TOO_SMALL);
  g_assert_true (d->uncertain && d->findings.uncertain);
  assert_guidance_only (diagnoser, d);

  /* A flat grey picture: not a leaf. */
  g_autoptr(LsImage) grey = make_image (300, 300, 128, 128, 128);
  g_autoptr(LsDiagnosis) g = ls_diagnoser_classify (diagnoser, grey, 0.6f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g->status, ==, LS_DIAGNOSIS_NOT_A_LEAF);
  g_assert_cmpint (g->status_reason, ==, LS_STATUS_REASON_OUT_OF_SCOPE);
  g_assert_true (g->scope_checked);
  g_assert_cmpfloat (g->scope_score, >, 1.0f);
  g_assert_true (g->uncertain);
  assert_guidance_only (diagnoser, g);

  /* The probabilities: raw is the softmax of the logits, probs the
   * softmax of logits / T. */
  double t = ls_scope_get_temperature (scope), sr = 0, sc = 0;
  for (int i = 0; i < g->n_labels; i++)
    {
      sr += exp (g->logits[i]);
      sc += exp (g->logits[i] / t);
    }
  for (int i = 0; i < g->n_labels; i++)
    {
      ls_test_assert_close (g->raw_probs[i], exp (g->logits[i]) / sr, 1e-5);
      ls_test_assert_close (g->probs[i], exp (g->logits[i] / t) / sc, 1e-5);
    }
}

/* A 256 x 256 JPEG of a gradient, and the same cut in half. */
static GBytes *
make_jpeg (gsize *full_size)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 256, 256);
  guint8 *p = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < 256; y++)
    for (int x = 0; x < 256; x++)
      {
        p[y * stride + 3 * x] = x;
        p[y * stride + 3 * x + 1] = y;
        p[y * stride + 3 * x + 2] = (x * y) & 0xff;
      }
  gchar *buffer = NULL;
  gsize size = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "jpeg", &error, "quality", "90", NULL));
  g_assert_no_error (error);
  *full_size = size;
  return g_bytes_new_take (buffer, size);
}

static void
test_truncated_jpeg (void)
{
  g_autoptr(GError) error = NULL;
  gsize size = 0;
  g_autoptr(GBytes) full = make_jpeg (&size);
  g_autoptr(LsImage) whole = ls_image_new_from_bytes (full, &error);
  g_assert_no_error (error);
  g_assert_false (whole->incomplete);

  g_autoptr(GBytes) half = g_bytes_new_from_bytes (full, 0, size / 2);
  g_autoptr(LsImage) cut = ls_image_new_from_bytes (half, &error);
  g_assert_no_error (error); /* it decodes, grey at the bottom ... */
  g_assert_true (cut->incomplete); /* ... and says so */
  g_autoptr(LsImage) copy = ls_image_copy (cut);
  g_assert_true (copy->incomplete);

  g_autofree char *dir = ls_test_leaf_vit_dir ();
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (dir, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, cut, 0.6f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_UNUSABLE);
  g_assert_cmpint (d->status_reason, ==, LS_STATUS_REASON_INCOMPLETE);
  assert_guidance_only (diagnoser, d);

  /* Every cut point: an error or an incomplete image, never a whole one. */
  for (gsize n = 1; n < size - 1; n += 97)
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (full, 0, n);
      g_autoptr(GError) e = NULL;
      g_autoptr(LsImage) im = ls_image_new_from_bytes (part, &e);
      g_assert_true (im == NULL || im->incomplete);
    }
}

static void
test_real_leaf (void)
{
  g_autofree char *beans = ls_test_shared_dir ("datasets", "beans", "validation", NULL);
  if (beans == NULL)
    return;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_leaf_vit_dir ();
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (dir, NULL, &error);
  g_assert_no_error (error);
  /* measured: diagnosed healthy, and bean rust (tools/scope/measure.py) */
  const char *photos[][2] = { { "healthy", "healthy_val.0.jpg" }, { "bean_rust", "bean_rust_val.0.jpg" } };
  for (gsize i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      g_autofree char *path = g_build_filename (beans, photos[i][0], photos[i][1], NULL);
      g_autoptr(LsImage) image = ls_image_load (path, &error);
      g_assert_no_error (error);
      g_assert_false (image->incomplete);
      g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, image, 0.6f, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (d->status, ==, LS_DIAGNOSIS_DIAGNOSED);
      g_assert_cmpstr (d->labels[d->top_index], ==, photos[i][0]);
      g_assert_false (d->uncertain);
      g_assert_true (d->scope_checked);
      g_assert_cmpfloat (d->scope_score, <, 1.0f);
      g_assert_cmpfloat (d->top_score, >=, LS_SCOPE_MIN_CONFIDENCE);
      g_autofree char *notice = ls_diagnosis_status_text (d, "en");
      g_assert_null (notice);

      /* The same leaf far too dark: unusable. */
      for (gsize k = 0; k < (gsize) image->width * image->height * 3; k++)
        image->rgb[k] /= 24;
      g_autoptr(LsDiagnosis) dark = ls_diagnoser_classify (diagnoser, image, 0.6f, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (dark->status, ==, LS_DIAGNOSIS_UNUSABLE);
      g_assert_cmpint (dark->status_reason, ==, LS_STATUS_REASON_TOO_DARK);

      /* Cut in half on disk: unusable. */
      g_autofree char *bytes = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
      g_autoptr(GBytes) half = g_bytes_new (bytes, len / 2);
      g_autoptr(LsImage) cut = ls_image_new_from_bytes (half, &error);
      g_assert_no_error (error);
      g_autoptr(LsDiagnosis) c = ls_diagnoser_classify (diagnoser, cut, 0.6f, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (c->status, ==, LS_DIAGNOSIS_UNUSABLE);
      g_assert_cmpint (c->status_reason, ==, LS_STATUS_REASON_INCOMPLETE);
    }
}

int
main (int argc, char **argv)
{
  /* Before GLib reads it: the user data folder of this run. */
  g_autofree char *home = g_dir_make_tmp ("leafscope-xdg-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Engine/Scope/names", test_names);
  g_test_add_func ("/Engine/Scope/shipped-statuses", test_shipped_statuses);
  g_test_add_func ("/Engine/Scope/truncated-jpeg", test_truncated_jpeg);
  g_test_add_func ("/Engine/Scope/real-leaf", test_real_leaf);
  int status = g_test_run ();
  ls_test_remove_tree (home);
  return status;
}
