/* test-report.c: the saved report: Markdown text, overlay compositing,
 * atomic writes that never overwrite unasked. */
#include "leafscope-report.h"
#include "heatmap.h"
#include "leafscope-facts.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static const char *labels[] = { "angular_leaf_spot", "bean_rust", "healthy", NULL };

static LeafscopeReport
make_report (const float *probs, int top, gboolean uncertain, GDateTime *date)
{
  LeafscopeReport r = { 0 };
  r.photo_name = "leaf.jpg";
  r.n_classes = 3;
  r.labels = labels;
  r.probs = probs;
  r.top_index = top;
  r.uncertain = uncertain;
  r.description = "  The leaf shows rusty pustules. ";
  r.vision_model = "leaf-vit";
  r.text_model = "leaf-gpt2";
  r.date = date;
  return r;
}

static void
test_markdown (void)
{
  const float probs[] = { 0.05f, 0.93f, 0.02f };
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 11, 26, 12, 30, 0);
  LeafscopeReport r = make_report (probs, 1, FALSE, date);
  g_autofree char *md = leafscope_report_to_markdown (&r);
  const char *rust, *spot, *healthy;

  g_assert_nonnull (strstr (md, "# Leafscope report"));
  g_assert_nonnull (strstr (md, "**Bean rust** (93 %)"));
  /* Probabilities in decreasing order, with one decimal. */
  rust = strstr (md, "| Bean rust | 93.0 % |");
  spot = strstr (md, "| Angular leaf spot | 5.0 % |");
  healthy = strstr (md, "| Healthy | 2.0 % |");
  g_assert_nonnull (rust);
  g_assert_nonnull (spot);
  g_assert_nonnull (healthy);
  g_assert_true (rust < spot && spot < healthy);
  /* The description, stripped, and marked as machine-written. */
  g_assert_nonnull (strstr (md, "\nThe leaf shows rusty pustules.\n"));
  g_assert_nonnull (strstr (md, "## Machine-written description"));
  g_assert_nonnull (strstr (md, "leaf-vit"));
  g_assert_nonnull (strstr (md, "leaf-gpt2"));
  g_assert_nonnull (strstr (md, "2026-11-26 12:30:00"));
  /* The fact card of the class. */
  g_assert_nonnull (strstr (md, "## About Bean rust"));
  g_assert_nonnull (strstr (md, "Uromyces appendiculatus"));
  g_assert_null (strstr (md, "Uncertain"));
}

static void
test_markdown_uncertain (void)
{
  const float probs[] = { 0.40f, 0.35f, 0.25f };
  LeafscopeReport r = make_report (probs, 0, TRUE, NULL);
  g_autofree char *md = NULL;

  r.description = NULL;
  md = leafscope_report_to_markdown (&r);
  g_assert_nonnull (strstr (md, "Uncertain"));
  g_assert_nonnull (strstr (md, "may not be a bean leaf"));
  g_assert_nonnull (strstr (md, "The closest match is Angular leaf spot (40 %)."));
  /* No disease named as the diagnosis, no fact card, no description. */
  g_assert_null (strstr (md, "**Angular leaf spot**"));
  g_assert_null (strstr (md, "## About"));
  g_assert_nonnull (strstr (md, "No description was generated."));
}

static LsImage *
make_photo (int w, int h)
{
  g_autofree guint8 *rgb = g_malloc (w * h * 3);
  for (int i = 0; i < w * h * 3; i++)
    rgb[i] = (guint8) ((i * 37) % 251);
  return ls_image_new_from_data (rgb, w, h, w * 3, FALSE, NULL);
}

static void
test_composite (void)
{
  g_autoptr(LsImage) photo = make_photo (20, 12);
  float grid[4] = { 0.75f, 0.75f, 0.75f, 0.75f };
  guint8 color[3];
  g_autoptr(GdkPixbuf) plain = NULL;
  g_autoptr(GdkPixbuf) zero = NULL;
  g_autoptr(GdkPixbuf) half = NULL;

  g_assert_nonnull (photo);
  /* No grid, or opacity 0: the photo itself, pixel for pixel. */
  plain = leafscope_report_composite (photo, NULL, 0, 0, 0.5);
  zero = leafscope_report_composite (photo, grid, 2, 2, 0.0);
  for (GdkPixbuf *p = plain; p; p = p == plain ? zero : NULL)
    {
      const guint8 *px = gdk_pixbuf_read_pixels (p);
      int stride = gdk_pixbuf_get_rowstride (p);
      g_assert_cmpint (gdk_pixbuf_get_width (p), ==, 20);
      g_assert_cmpint (gdk_pixbuf_get_height (p), ==, 12);
      for (int y = 0; y < 12; y++)
        g_assert_cmpmem (px + y * stride, 60, photo->rgb + y * 60, 60);
    }

  /* Zero attention: no overlay at all, the photo as it is. */
  {
    float cold[4] = { 0, 0, 0, 0 };
    g_autoptr(GdkPixbuf) none = leafscope_report_composite (photo, cold, 2, 2, 1.0);
    const guint8 *px = gdk_pixbuf_read_pixels (none);
    int stride = gdk_pixbuf_get_rowstride (none);
    for (int y = 0; y < 12; y++)
      g_assert_cmpmem (px + y * stride, 60, photo->rgb + y * 60, 60);
  }

  /* A uniform grid: every pixel is photo * (1 - a) + colour * a, with the
   * colour of 0.75 in the colour map and a = opacity * 0.75^gamma (the
   * photo view's rule), whatever the upsampling. */
  ls_heatmap_colormap_lookup (LEAFSCOPE_COLORMAP, 0.75f, color);
  half = leafscope_report_composite (photo, grid, 2, 2, 0.5);
  {
    double a = 0.5 * pow (0.75, LEAFSCOPE_HEATMAP_GAMMA);
    const guint8 *px = gdk_pixbuf_read_pixels (half);
    int stride = gdk_pixbuf_get_rowstride (half);
    for (int y = 0; y < 12; y++)
      for (int x = 0; x < 20; x++)
        for (int k = 0; k < 3; k++)
          {
            double expect = photo->rgb[(y * 20 + x) * 3 + k] * (1 - a) + color[k] * a;
            g_assert_cmpfloat_with_epsilon (px[y * stride + x * 3 + k], expect, 1.01);
          }
  }
}

static char *
make_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("leafscope-report-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name (d))
    n++;
  return n;
}

static void
test_write_no_overwrite (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "report.md", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GBytes) first = g_bytes_new_static ("first", 5);
  g_autoptr(GBytes) second = g_bytes_new_static ("second", 6);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_true (leafscope_report_write_file (file, first, FALSE, &error));
  g_assert_no_error (error);

  /* Not asked to overwrite: refused, and the file is untouched. */
  g_assert_false (leafscope_report_write_file (file, second, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "first");
  g_clear_pointer (&contents, g_free);

  /* Asked: replaced whole, and no temporary file is left behind. */
  g_assert_true (leafscope_report_write_file (file, second, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "second");
  g_assert_cmpuint (count_entries (dir), ==, 1);
  ls_test_remove_tree (dir);
}

static void
test_write_atomic (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "report.md", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "report.md", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad = g_file_new_for_path (missing);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("kept", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  struct stat before, after;

  g_assert_true (leafscope_report_write_file (file, bytes, FALSE, &error));
  g_assert_cmpint (g_stat (path, &before), ==, 0);
  {
    g_autoptr(GBytes) again = g_bytes_new_static ("new!", 4);
    g_assert_true (leafscope_report_write_file (file, again, TRUE, &error));
  }
  /* A rename over the target gives a new inode; writing in place would not. */
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpuint (before.st_ino, !=, after.st_ino);

  /* A failed write leaves nothing behind. */
  g_assert_false (leafscope_report_write_file (bad, bytes, FALSE, &error));
  g_assert_nonnull (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "new!");
  g_assert_cmpuint (count_entries (dir), ==, 1);
  ls_test_remove_tree (dir);
}

static void
test_save_pair (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *png_path = g_build_filename (dir, "leaf-report.png", NULL);
  g_autofree char *md_path = g_build_filename (dir, "leaf-report.md", NULL);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autoptr(GFile) md = leafscope_report_markdown_file_for (png);
  g_autoptr(LsImage) photo = make_photo (32, 24);
  float grid[4] = { 0.1f, 0.9f, 0.4f, 0.6f };
  g_autoptr(GdkPixbuf) composite = leafscope_report_composite (photo, grid, 2, 2, 0.5);
  const float probs[] = { 0.05f, 0.93f, 0.02f };
  LeafscopeReport r = make_report (probs, 1, FALSE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) loaded = NULL;
  g_autofree char *md_text = NULL;
  g_autofree char *md_file_path = g_file_get_path (md);

  g_assert_cmpstr (md_file_path, ==, md_path);
  g_assert_true (leafscope_report_save (&r, composite, png, FALSE, &error));
  g_assert_no_error (error);

  /* The PNG holds the composite exactly; the Markdown links to it. */
  loaded = gdk_pixbuf_new_from_file (png_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (loaded), ==, 32);
  g_assert_cmpint (gdk_pixbuf_get_height (loaded), ==, 24);
  for (int y = 0; y < 24; y++)
    g_assert_cmpmem (gdk_pixbuf_read_pixels (loaded) + y * gdk_pixbuf_get_rowstride (loaded), 32 * 3,
                     gdk_pixbuf_read_pixels (composite) + y * gdk_pixbuf_get_rowstride (composite), 32 * 3);
  g_assert_true (g_file_get_contents (md_path, &md_text, NULL, NULL));
  g_assert_nonnull (strstr (md_text, "](leaf-report.png)"));

  /* Saving again without leave: refused, both files kept. */
  g_assert_false (leafscope_report_save (&r, composite, png, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);

  /* Only the Markdown sibling exists: still refused, and no PNG written. */
  g_remove (png_path);
  g_assert_false (leafscope_report_save (&r, composite, png, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_false (g_file_test (png_path, G_FILE_TEST_EXISTS));
  ls_test_remove_tree (dir);
}

static void
test_class_names (void)
{
  struct { const char *label; const char *name; } cases[] = {
    { "angular_leaf_spot", "Angular leaf spot" },
    { "bean_rust", "Bean rust" },
    { "healthy", "Healthy" },
    { "leaf_mold", "Leaf mold" },
    { "powdery-mildew", "Powdery mildew" },
    { "ébano", "Ébano" },
    { "", "Unknown" },
    { NULL, "Unknown" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = leafscope_class_display_name (cases[i].label);
      g_assert_cmpstr (name, ==, cases[i].name);
    }
  g_assert_nonnull (leafscope_facts_lookup ("bean_rust"));
  g_assert_null (leafscope_facts_lookup ("leaf_mold"));
}

int
main (int argc, char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Gui/Facts/class-names", test_class_names);
  g_test_add_func ("/Gui/Report/markdown", test_markdown);
  g_test_add_func ("/Gui/Report/markdown-uncertain", test_markdown_uncertain);
  g_test_add_func ("/Gui/Report/composite", test_composite);
  g_test_add_func ("/Gui/Report/write-no-overwrite", test_write_no_overwrite);
  g_test_add_func ("/Gui/Report/write-atomic", test_write_atomic);
  g_test_add_func ("/Gui/Report/save-pair", test_save_pair);
  return g_test_run ();
}
