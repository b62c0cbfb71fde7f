/* test-image-reduced.c: ls_image_load_for_input, the decode at reduced size
 * for photos far larger than a model's input: which sizes it picks, which
 * formats it leaves alone, and that the model's 224 x 224 input it leads to
 * stays close to the exact path's. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>

#include "image.h"
#include "test-util.h"

/* A smooth picture with some texture (a leaf-like photo, not flat colour). */
static GdkPixbuf *
make_photo (int w, int h)
{
  GdkPixbuf *pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double u = (double) x / w, v = (double) y / h;
        guint8 *p = px + (gsize) y * stride + 3 * x;
        p[0] = (guint8) (120 + 100 * sin (6 * u + 3 * v));
        p[1] = (guint8) (140 + 90 * cos (5 * v - 2 * u));
        p[2] = (guint8) (60 + 50 * sin (9 * u * v));
      }
  return pb;
}

static char *
save (const char *dir, const char *name, int w, int h, const char *type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = make_photo (w, h);
  char *path = g_build_filename (dir, name, NULL);
  if (g_str_equal (type, "jpeg"))
    g_assert_true (gdk_pixbuf_save (pb, path, type, &error, "quality", "95", NULL));
  else
    g_assert_true (gdk_pixbuf_save (pb, path, type, &error, NULL));
  g_assert_no_error (error);
  return path;
}

static void
test_sizes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-reduced-XXXXXX", &error);
  g_assert_no_error (error);

  static const struct {
    int w, h;          /* the photo */
    int in;            /* the model's input side */
    int want_w, want_h;
    const char *type;
  } cases[] = {
    /* 1/4: 2000 / 4 = 500 >= 2 x 224; 1/8 would give 250 */
    { 4000, 2000, 224, 1000, 500, "jpeg" },
    /* sides not divisible: libjpeg rounds up */
    { 3001, 2001, 224, 751, 501, "jpeg" },
    /* 1/8 */
    { 4000, 4000, 224, 500, 500, "jpeg" },
    /* 1/2 */
    { 1000, 1000, 224, 500, 500, "jpeg" },
    /* too small to reduce: 500 / 2 = 250 < 448 */
    { 500, 500, 224, 500, 500, "jpeg" },
    /* a larger input keeps more */
    { 4000, 4000, 384, 1000, 1000, "jpeg" },
    /* PNG has no reduced decode: always whole */
    { 2000, 2000, 224, 2000, 2000, "png" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("photo%" G_GSIZE_FORMAT ".%s", i,
                                               g_str_equal (cases[i].type, "jpeg") ? "jpg" : "png");
      g_autofree char *path = save (tmp, name, cases[i].w, cases[i].h, cases[i].type);
      g_autoptr(LsImage) img = ls_image_load_for_input (path, cases[i].in, cases[i].in, &error);
      g_assert_no_error (error);
      g_assert_cmpint (img->width, ==, cases[i].want_w);
      g_assert_cmpint (img->height, ==, cases[i].want_h);
    }
  ls_test_remove_tree (tmp);
}

static void
test_close_to_exact (void)
{
  /* The 224 x 224 input from the reduced decode against the exact one:
   * the DCT scaling averages as the antialiased resize does, so the
   * pixels differ by little (measured: mean well under 1 level of 255). */
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-reduced-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = save (tmp, "big.jpg", 3000, 2000, "jpeg");
  g_autoptr(LsImage) exact = ls_image_load (path, &error);
  g_assert_no_error (error);
  g_autoptr(LsImage) fast = ls_image_load_for_input (path, 224, 224, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fast->width, ==, 750);
  g_autoptr(LsImage) a = ls_image_resize (exact, 224, 224, 2);
  g_autoptr(LsImage) b = ls_image_resize (fast, 224, 224, 2);
  double sum = 0;
  int worst = 0;
  for (gsize k = 0; k < (gsize) 224 * 224 * 3; k++)
    {
      int d = abs ((int) a->rgb[k] - (int) b->rgb[k]);
      sum += d;
      worst = MAX (worst, d);
    }
  double mean = sum / (224.0 * 224 * 3);
  g_test_message ("mean |diff| %.3f, max %d (of 255)", mean, worst);
  g_assert_cmpfloat (mean, <, 1.0);
  g_assert_cmpint (worst, <=, 8);
  ls_test_remove_tree (tmp);
}

/* ls_image_load_for_model: the fast decode for the size the processor
 * resizes to, the exact one when asked or when the processor keeps the
 * photo's size. */
static void
test_for_model (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-reduced-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = save (tmp, "big.jpg", 4000, 2000, "jpeg");
  LsPreprocessConfig config;
  ls_preprocess_config_init_default (&config);  /* 224 x 224 */

  g_autoptr(LsImage) fast = ls_image_load_for_model (path, &config, LS_IMAGE_DECODE_FAST, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fast->width, ==, 1000);   /* 1/4: 500 >= 2 x 224 */
  g_assert_cmpint (fast->height, ==, 500);

  g_autoptr(LsImage) exact = ls_image_load_for_model (path, &config, LS_IMAGE_DECODE_EXACT, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (exact->width, ==, 4000);
  g_assert_cmpint (exact->height, ==, 2000);

  /* {"shortest_edge": 300}: both sides kept >= 600, so only 1/2 fits. */
  config.shortest_edge = 300;
  g_autoptr(LsImage) edge = ls_image_load_for_model (path, &config, LS_IMAGE_DECODE_FAST, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (edge->width, ==, 2000);
  g_assert_cmpint (edge->height, ==, 1000);

  /* No resize: the model sees the photo's own pixels, so never reduced. */
  config.shortest_edge = 0;
  config.do_resize = FALSE;
  g_autoptr(LsImage) whole = ls_image_load_for_model (path, &config, LS_IMAGE_DECODE_FAST, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (whole->width, ==, 4000);

  /* A longer side asked for (the findings' lesion count): a square photo
   * the model alone would take at 1/8 (500 >= 448) keeps 1/4 (1000 >= 768);
   * the 4000 x 2000 one already has it at 1/4. */
  ls_preprocess_config_init_default (&config);
  g_autofree char *square = save (tmp, "square.jpg", 4000, 4000, "jpeg");
  g_autoptr(LsImage) model_only = ls_image_load_for_model (square, &config, LS_IMAGE_DECODE_FAST, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (model_only->width, ==, 500);
  g_autoptr(LsImage) with_detail = ls_image_load_for_model (square, &config, LS_IMAGE_DECODE_FAST, 768, &error);
  g_assert_no_error (error);
  g_assert_cmpint (with_detail->width, ==, 1000);
  g_assert_cmpint (with_detail->height, ==, 1000);
  g_autoptr(LsImage) wide = ls_image_load_for_model (path, &config, LS_IMAGE_DECODE_FAST, 768, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wide->width, ==, 1000);
  g_assert_cmpint (wide->height, ==, 500);
  ls_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/ImageReduced/sizes", test_sizes);
  g_test_add_func ("/Engine/ImageReduced/close-to-exact", test_close_to_exact);
  g_test_add_func ("/Engine/ImageReduced/for-model", test_for_model);
  return g_test_run ();
}
