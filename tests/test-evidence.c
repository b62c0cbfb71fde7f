/* Evidence maps (engine/vision/evidence.c) against occlusion done by hand through
 * ls_vit_forward, one image at a time, on the tiny random ViT fixture
 * (32 x 32 input, 8-pixel patches: a 4 x 4 grid, 2 x 2 coarse blocks);
 * streaming, stopping and cancelling; the places found from a map
 * (findings.c) on drawn photos, the "no single region" rule, and the
 * affected area on a drawn leaf of known lesion area. */
#include <math.h>
#include <string.h>

#include "diagnose.h"
#include "evidence.h"
#include "evidence-private.h"
#include "findings.h"
#include "findings-private.h"
#include "image.h"
#include "ls-error.h"
#include "vit.h"
#include "test-util.h"

typedef struct {
  LsVit *vit;
  float *pixels;  /* [3, 32, 32] model input of input1.png */
  int    size;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture ("vit-tiny", NULL);
  g_autofree char *png = ls_test_fixture ("vit-tiny", "input1.png", NULL);
  fx->vit = ls_vit_load (dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsImage) image = ls_image_load (png, &error);
  g_assert_no_error (error);
  int h = 0, w = 0;
  fx->pixels = ls_image_preprocess (image, ls_vit_get_preprocess_config (fx->vit), &h, &w, &error);
  g_assert_no_error (error);
  fx->size = h;
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  ls_vit_free (fx->vit);
  g_free (fx->pixels);
}

/* The drop of @cls, in points, with the square [y0, y0 + side) x [x0, x0 +
 * side) set to the photo's channel means: one forward of one image. */
static float
drop_by_hand (Fixture *fx, int cls, int y0, int x0, int side, gboolean mean_fill)
{
  int S = fx->size;
  gsize plane = (gsize) S * S;
  g_autofree float *img = g_memdup2 (fx->pixels, 3 * plane * sizeof (float));
  for (int c = 0; c < 3; c++)
    {
      double sum = 0.0;
      for (gsize i = 0; i < plane; i++)
        sum += fx->pixels[c * plane + i];
      float fill = mean_fill ? (float) (sum / plane) : 0.0f;
      for (int y = y0; y < MIN (S, y0 + side); y++)
        for (int x = x0; x < MIN (S, x0 + side); x++)
          img[c * plane + (gsize) y * S + x] = fill;
    }
  g_autoptr(LsVitOutput) base = ls_vit_forward (fx->vit, fx->pixels, 1, 0, NULL, NULL);
  g_autoptr(LsVitOutput) out = ls_vit_forward (fx->vit, img, 1, 0, NULL, NULL);
  return 100.0f * (base->probs[cls] - out->probs[cls]);
}

typedef struct {
  GPtrArray    *maps;
  gboolean      stop_after_first;
  GCancellable *cancel_after_first;
} Stream;

static gboolean
on_stage (const LsEvidenceMap *map, gpointer user_data)
{
  Stream *s = user_data;
  g_ptr_array_add (s->maps, ls_evidence_map_copy (map));
  if (s->cancel_after_first != NULL)
    g_cancellable_cancel (s->cancel_after_first);
  return !s->stop_after_first;
}

static void
check_against_hand (Fixture *fx, const LsEvidenceMap *map, int cls, gboolean mean_fill)
{
  int side = map->block * 8;
  float max = -INFINITY;
  for (int r = 0; r < map->rows; r++)
    for (int c = 0; c < map->cols; c++)
      {
        float want = drop_by_hand (fx, cls, r * side, c * side, side, mean_fill);
        g_assert_cmpfloat_with_epsilon (map->values[r * map->cols + c], want, 2e-4);
        max = MAX (max, want);
      }
  g_assert_cmpfloat_with_epsilon (map->max_points, max, 2e-4);
}

static void
test_coarse_then_fine (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  LsEvidenceOptions o;
  ls_evidence_options_init (&o, fx->vit);
  g_assert_cmpint (o.coarse_block, ==, 2);
  g_assert_true (o.fine);           /* a tiny model is within the budget */
  o.batch = 3;                      /* batches that do not divide the cells */
  Stream s = { g_ptr_array_new_with_free_func ((GDestroyNotify) ls_evidence_map_free) };

  for (int cls = 0; cls < 3; cls++)
    {
      g_ptr_array_set_size (s.maps, 0);
      g_autoptr(LsEvidenceMap) map = ls_evidence_compute (fx->vit, fx->pixels, cls, &o, on_stage,
                                                          &s, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (s.maps->len, ==, 2);
      LsEvidenceMap *coarse = s.maps->pdata[0], *fine = s.maps->pdata[1];
      g_assert_cmpint (coarse->rows, ==, 2);
      g_assert_cmpint (coarse->cols, ==, 2);
      g_assert_cmpint (coarse->block, ==, 2);
      g_assert_false (coarse->final);
      g_assert_cmpint (coarse->forwards, ==, 5);
      g_assert_cmpint (fine->rows, ==, 4);
      g_assert_cmpint (fine->block, ==, 1);
      g_assert_true (fine->final);
      g_assert_cmpint (fine->forwards, ==, 16);
      check_against_hand (fx, coarse, cls, TRUE);
      check_against_hand (fx, fine, cls, TRUE);
      /* The returned map is the last stage. */
      g_assert_cmpint (map->rows, ==, 4);
      g_assert_cmpmem (map->values, 16 * sizeof (float), fine->values, 16 * sizeof (float));
    }
  g_ptr_array_unref (s.maps);
}

static void
test_zero_fill (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  LsEvidenceOptions o;
  ls_evidence_options_init (&o, fx->vit);
  o.fill = LS_EVIDENCE_FILL_ZERO;
  o.fine = FALSE;
  g_autoptr(LsEvidenceMap) map = ls_evidence_compute (fx->vit, fx->pixels, 1, &o, NULL, NULL,
                                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_true (map->final);
  check_against_hand (fx, map, 1, FALSE);
}

static void
test_stop_and_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  Stream s = { g_ptr_array_new_with_free_func ((GDestroyNotify) ls_evidence_map_free), TRUE };

  /* FALSE from the callback: the coarse map is the result. */
  g_autoptr(LsEvidenceMap) map = ls_evidence_compute (fx->vit, fx->pixels, 0, NULL, on_stage, &s,
                                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s.maps->len, ==, 1);
  g_assert_cmpint (map->block, ==, 2);
  g_assert_false (map->final);

  /* Cancelled during the coarse stage's callback: the fine stage stops. */
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_ptr_array_set_size (s.maps, 0);
  s.stop_after_first = FALSE;
  s.cancel_after_first = cancellable;
  LsEvidenceMap *none = ls_evidence_compute (fx->vit, fx->pixels, 0, NULL, on_stage, &s,
                                             cancellable, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (s.maps->len, ==, 1);
  g_clear_error (&error);

  /* Cancelled before: nothing runs. */
  g_ptr_array_set_size (s.maps, 0);
  none = ls_evidence_compute (fx->vit, fx->pixels, 0, NULL, on_stage, &s, cancellable, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (s.maps->len, ==, 0);
  g_clear_error (&error);

  /* A class the model does not have. */
  none = ls_evidence_compute (fx->vit, fx->pixels, 3, NULL, NULL, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_ptr_array_unref (s.maps);
}

static void
test_budget (void)
{
  /* ViT-B/16 at 224: 196 single-patch forwards are far beyond the budget;
   * the estimate is the usual 17.6 GMAC (35 GFLOP) per image. */
  LsVitConfig b16 = { .image_size = 224, .patch_size = 16, .num_channels = 3, .hidden_size = 768,
                      .num_layers = 12, .num_heads = 12, .intermediate_size = 3072 };
  double flops = ls_evidence_forward_flops (&b16);
  g_assert_cmpfloat (flops, >, 33e9);
  g_assert_cmpfloat (flops, <, 37e9);
  g_assert_cmpfloat (196 * flops, >, LS_EVIDENCE_FINE_BUDGET_GFLOP * 1e9);
  /* leaf-vit's shape fits. */
  LsVitConfig tiny = b16;
  tiny.hidden_size = 192;
  tiny.num_layers = 6;
  tiny.intermediate_size = 768;
  g_assert_cmpfloat (196 * ls_evidence_forward_flops (&tiny), <=, LS_EVIDENCE_FINE_BUDGET_GFLOP * 1e9);
}

static void
test_display_scale (void)
{
  float v[4] = { -3.0f, 1.0f, 5.0f, 0.0f };
  LsEvidenceMap m = { .rows = 2, .cols = 2, .values = v, .max_points = 5.0f };
  float unit[4];
  /* Nothing above the 10-point floor: a 5-point cell is half way, not hot. */
  g_assert_cmpfloat (ls_evidence_map_display_scale (&m), ==, 10.0f);
  ls_evidence_map_to_unit (&m, unit);
  g_assert_cmpfloat (unit[0], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (unit[2], 0.5f, 1e-6);
  v[1] = 24.2f;
  m.max_points = 24.2f;
  g_assert_cmpfloat (ls_evidence_map_display_scale (&m), ==, 25.0f);
}

/* ------------------------------------------------------------- places */

/* A drawn 256 x 256 photo: top half a leaf (green, with rust-coloured
 * spots 4 pixels across on an 8-pixel lattice over [16, 72)^2: 14 % of
 * the top-left 64 x 64 cell, 2.3 % of its neighbours), bottom-left soil
 * (grey-brown), bottom-right a pink palm. */
static guint8 *
draw_photo (void)
{
  int S = 256;
  guint8 *rgb = g_malloc ((gsize) S * S * 3);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        guint8 *p = rgb + ((gsize) y * S + x) * 3;
        const guint8 *c;
        static const guint8 leaf[3] = { 70, 140, 50 }, soil[3] = { 120, 110, 100 },
                            palm[3] = { 215, 160, 165 }, rust[3] = { 150, 80, 35 };
        if (y < 128)
          c = x >= 16 && x < 72 && y >= 16 && y < 72 && x % 8 < 4 && y % 8 < 4 ? rust : leaf;
        else
          c = x < 128 ? soil : palm;
        memcpy (p, c, 3);
      }
  return rgb;
}

static void
test_places (void)
{
  g_autofree guint8 *rgb = draw_photo ();
  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, 256, 256, 256 * 3);
  float share = 0.25f; /* a 4 x 4 map of 64-pixel cells */

  g_assert_cmpint (ls_photo_analysis_cell_place (a, 0, 0, share), ==, LS_EVIDENCE_PLACE_LESIONS);
  g_assert_cmpint (ls_photo_analysis_cell_place (a, 0, 3, share), ==, LS_EVIDENCE_PLACE_LEAF);
  g_assert_cmpint (ls_photo_analysis_cell_place (a, 3, 0, share), ==, LS_EVIDENCE_PLACE_BACKGROUND);
  g_assert_cmpint (ls_photo_analysis_cell_place (a, 3, 3, share), ==, LS_EVIDENCE_PLACE_HAND);

  LsFindings f = { 0 };
  g_autofree char *unmeasured = ls_findings_evidence_string (&f);
  g_assert_cmpstr (unmeasured, ==, "unmeasured");

  /* No cell moves the class by 2 points: no single region decides. */
  float v[16] = { 0 };
  v[0] = 1.9f;
  v[15] = -8.0f;
  ls_photo_analysis_set_evidence (a, v, 4, 4, share, &f);
  g_autofree char *none = ls_findings_evidence_string (&f);
  g_assert_cmpstr (none, ==, "none");
  g_assert_cmpint (f.evidence_regions, ==, 0);
  g_assert_cmpfloat_with_epsilon (f.evidence_max_points, 1.9f, 1e-6);

  /* One strong cell on the palm, a weak one on the leaf: the hand. */
  v[0] = 0.0f;
  v[15] = 12.0f;
  v[3] = 3.0f;
  ls_photo_analysis_set_evidence (a, v, 4, 4, share, &f);
  g_autofree char *hand = ls_findings_evidence_string (&f);
  g_assert_cmpstr (hand, ==, "hand");
  g_assert_cmpint (f.evidence_regions, ==, 2);
  g_assert_cmpfloat_with_epsilon (f.evidence_on_leaf, 3.0f / 15.0f, 1e-6);

  /* Two that matter alike: both named, the stronger first. */
  v[0] = 7.0f;
  v[1] = 4.0f; /* same region as v[0] (adjacent), on the leaf */
  v[15] = 9.0f;
  v[3] = 0.0f;
  ls_photo_analysis_set_evidence (a, v, 4, 4, share, &f);
  g_autofree char *two = ls_findings_evidence_string (&f);
  g_assert_cmpstr (two, ==, "hand, lesions");
  g_assert_cmpint (f.evidence_regions, ==, 2);
}

/* A leaf disc on a grey ground with square brown spots of known area. */
static void
test_affected_area (void)
{
  int S = 500, spots = 0;
  g_autofree guint8 *rgb = g_malloc ((gsize) S * S * 3);
  gsize leaf = 0, lesion = 0;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        guint8 *p = rgb + ((gsize) y * S + x) * 3;
        double d = hypot (x - 250, y - 250);
        static const guint8 green[3] = { 60, 135, 45 }, ground[3] = { 90, 90, 95 },
                            brown[3] = { 140, 75, 35 };
        const guint8 *c = ground;
        if (d < 200)
          {
            leaf++;
            /* 4 x 4-pixel spots on a 16-pixel lattice, well inside the leaf. */
            gboolean spot = d < 170 && x % 16 < 4 && y % 16 < 4;
            c = spot ? brown : green;
            lesion += spot;
          }
        memcpy (p, c, 3);
      }
  spots = (int) lesion;
  g_assert_cmpint (spots, >, 0);
  g_autoptr(LsPhotoAnalysis) a = ls_photo_analysis_new (rgb, S, S, S * 3);
  g_assert_cmpint (a->detail_width, ==, S);
  double truth = (double) lesion / leaf; /* 4.5 % */
  g_assert_cmpfloat_with_epsilon (a->affected_area, truth, 0.01);
  g_assert_cmpfloat_with_epsilon (a->leaf_fraction, (double) leaf / (S * S), 0.02);
  /* The lesion layer marks the spots, not the leaf around them. */
  g_assert_true (a->lesion_detail[(gsize) 242 * S + 242]);   /* x, y % 16 == 2 */
  g_assert_false (a->lesion_detail[(gsize) 242 * S + 250]);  /* x % 16 == 10 */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/Engine/Evidence/coarse-then-fine", Fixture, NULL, fixture_setup,
              test_coarse_then_fine, fixture_teardown);
  g_test_add ("/Engine/Evidence/zero-fill", Fixture, NULL, fixture_setup, test_zero_fill,
              fixture_teardown);
  g_test_add ("/Engine/Evidence/stop-and-cancel", Fixture, NULL, fixture_setup,
              test_stop_and_cancel, fixture_teardown);
  g_test_add_func ("/Engine/Evidence/budget", test_budget);
  g_test_add_func ("/Engine/Evidence/display-scale", test_display_scale);
  g_test_add_func ("/Engine/Evidence/places", test_places);
  g_test_add_func ("/Engine/Evidence/affected-area", test_affected_area);
  return g_test_run ();
}
