/* evidence-bench: how faithful each map is (not a timed test).
 *
 *   evidence-bench [--step N] [--limit N] [--fills mean,zero] [--masks DIR]
 *                  [--vision-model DIR] FOLDER...
 *
 * For every photo under FOLDER (recursively) the shipped pipeline diagnoses
 * it (ls_diagnoser_classify), then each map method orders the 16x16 patches
 * of the model input, hottest first:
 *   evidence-coarse / evidence-fine   occlusion maps (engine/vision/evidence.c) of
 *                                     2x2-patch blocks / single patches, per fill;
 *   rollout, last-layer               attention maps as the app computes them;
 *   random                            a random order (seeded per photo).
 * Ties (the four patches of a coarse block) keep row-major order.
 * Deletion (Petsiuk et al. 2018): patches are removed hottest first, filled
 * with the model input's mean colour, --step at a time, and the diagnosed
 * class's probability is read after each step; its area under the curve over
 * the removed share 0..1 (trapezoids) is the deletion AUC (lower: the map
 * found what matters).  Insertion: the patches are put back hottest first on
 * a canvas of the mean colour (higher is better).  Also: the share of photos
 * whose top cell lies on the leaf (leaf or lesion place, findings.c), the
 * evidence findings, and the cost of each evidence stage.
 *
 * --masks DIR writes NAME-masks.png per photo: lesion pixels the affected
 * area counts in magenta, skin in cyan, off-leaf pixels darkened.
 * Prints one line per photo and a summary table (markdown) at the end.
 */
#include <glib.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attention-map.h"
#include "findings-private.h"
#include "diagnose.h"
#include "evidence.h"
#include "evidence-private.h"
#include "vit.h"

typedef struct {
  const char *name;
  double del, ins, on_leaf;
  double del_sq;
  int n;
} Method;

static int
compare_desc (const void *a, const void *b, gpointer data)
{
  const float *v = data;
  int i = *(const int *) a, j = *(const int *) b;
  if (v[i] > v[j])
    return -1;
  if (v[i] < v[j])
    return 1;
  return i - j;
}

/* Patch order (hottest first) of a per-patch score. */
static void
order_of (const float *score, int n, int *order)
{
  for (int i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, n, sizeof (int), compare_desc, (gpointer) score);
}

/* Deletion and insertion AUC for @order over the patches of @pixels. */
static void
curves (LsVit *vit, const float *pixels, int S, int P, int cls, const int *order, int step,
        double *del_auc, double *ins_auc)
{
  int grid = S / P, n = grid * grid;
  gsize image = (gsize) 3 * S * S, plane = (gsize) S * S;
  float fill[3];
  for (int c = 0; c < 3; c++)
    {
      double s = 0;
      for (gsize i = 0; i < plane; i++)
        s += pixels[c * plane + i];
      fill[c] = (float) (s / plane);
    }
  int points = (n + step - 1) / step + 1;
  float *batch = g_new (float, image * points);
  double auc[2];
  for (int mode = 0; mode < 2; mode++)
    {
      for (int k = 0; k < points; k++)
        {
          float *img = batch + image * k;
          int upto = MIN (n, k * step);
          if (mode == 0)
            memcpy (img, pixels, image * sizeof (float));
          else
            for (int c = 0; c < 3; c++)
              for (gsize i = 0; i < plane; i++)
                img[c * plane + i] = fill[c];
          for (int j = 0; j < upto; j++)
            {
              int r = order[j] / grid, col = order[j] % grid;
              if (mode == 0)
                ls_evidence_cover (img, S, P, 1, r, col, fill);
              else
                for (int c = 0; c < 3; c++)
                  for (int y = r * P; y < (r + 1) * P; y++)
                    memcpy (img + c * plane + (gsize) y * S + col * P,
                            pixels + c * plane + (gsize) y * S + col * P, P * sizeof (float));
            }
        }
      double area = 0.0, prev = 0.0, prev_x = 0.0;
      for (int first = 0; first < points; first += 16)
        {
          int m = MIN (16, points - first);
          LsVitOutput *out = ls_vit_forward (vit, batch + image * first, m, LS_VIT_OUTPUT_DEFAULT,
                                             NULL, NULL);
          for (int k = 0; k < m; k++)
            {
              double p = out->probs[k * out->num_labels + cls];
              double x = MIN (n, (first + k) * step) / (double) n;
              if (first + k > 0)
                area += (x - prev_x) * (p + prev) / 2.0;
              prev = p;
              prev_x = x;
            }
          ls_vit_output_free (out);
        }
      auc[mode] = area;
    }
  g_free (batch);
  *del_auc = auc[0];
  *ins_auc = auc[1];
}

static void
write_masks (const char *dir, const char *path, const LsImage *image, const LsPhotoAnalysis *a)
{
  int w = a->detail_width, h = a->detail_height;
  g_autoptr(LsImage) small = ls_image_resize (image, w, h, 2);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = small->rgb + ((gsize) y * w + x) * 3;
        int wy = (int) ((gint64) y * a->height / h), wx = (int) ((gint64) x * a->width / w);
        gsize wi = (gsize) wy * a->width + wx;
        if (a->lesion_detail[(gsize) y * w + x])
          p[0] = 255, p[1] = 0, p[2] = 255;
        else if (a->skin_mask[wi])
          p[0] = p[0] / 2, p[1] = (guint8) MIN (255, p[1] / 2 + 128), p[2] = (guint8) MIN (255, p[2] / 2 + 128);
        else if (!a->leaf_mask[wi])
          p[0] /= 3, p[1] /= 3, p[2] /= 3;
      }
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot != NULL)
    *dot = '\0';
  g_autofree char *name = g_strdup_printf ("%s/%s-masks.png", dir, base);
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_data (small->rgb, GDK_COLORSPACE_RGB, FALSE, 8,
                                                      w, h, w * 3, NULL, NULL);
  gdk_pixbuf_save (pb, name, "png", NULL, NULL);
}

static void
collect (const char *dir, GPtrArray *out)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        {
          collect (p, out);
          g_free (p);
        }
      else if (g_str_has_suffix (name, ".jpg") || g_str_has_suffix (name, ".png"))
        g_ptr_array_add (out, p);
      else
        g_free (p);
    }
  g_dir_close (d);
}

static int
compare_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

int
main (int argc, char **argv)
{
  int step = 4, limit = 0;
  gboolean no_curves = FALSE;
  g_autofree char *fills = NULL, *masks = NULL, *model = NULL;
  GOptionEntry entries[] = {
    { "step", 0, 0, G_OPTION_ARG_INT, &step, "patches removed per curve point (4)", "N" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "photos at most (every k-th, spread over the list)", "N" },
    { "fills", 0, 0, G_OPTION_ARG_STRING, &fills, "evidence fills to compare: mean,zero (mean)", "LIST" },
    { "no-curves", 0, 0, G_OPTION_ARG_NONE, &no_curves, "findings, places and the coarse cost only (no fine maps)", NULL },
    { "masks", 0, 0, G_OPTION_ARG_FILENAME, &masks, "write lesion/skin mask overlays here", "DIR" },
    { "vision-model", 0, 0, G_OPTION_ARG_FILENAME, &model, "ViT folder (data/models/leaf-vit)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("FOLDER... - faithfulness of heatmaps");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc < 2 || step < 1)
    {
      fprintf (stderr, "%s\n", error != NULL ? error->message : "give a folder of photos");
      return 2;
    }
  g_auto(GStrv) fill_names = g_strsplit (fills != NULL ? fills : "mean", ",", -1);
  g_autoptr(LsDiagnoser) dg = ls_diagnoser_new (model != NULL ? model : "data/models/leaf-vit",
                                                NULL, &error);
  if (dg == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  g_autoptr(LsVit) vit = ls_vit_load (model != NULL ? model : "data/models/leaf-vit", &error);
  const LsVitConfig *cfg = ls_vit_get_config (vit);
  int S = cfg->image_size, P = cfg->patch_size, grid = S / P, n = grid * grid;

  g_autoptr(GPtrArray) photos = g_ptr_array_new_with_free_func (g_free);
  for (int i = 1; i < argc; i++)
    collect (argv[i], photos);
  g_ptr_array_sort (photos, compare_str);
  if (masks != NULL)
    g_mkdir_with_parents (masks, 0755);

  int n_fills = g_strv_length (fill_names);
  int n_methods = 2 * n_fills + 3;
  Method *m = g_new0 (Method, n_methods);
  for (int f = 0; f < n_fills; f++)
    {
      m[2 * f].name = g_strdup_printf ("evidence-coarse (2x2 blocks, %s fill)", fill_names[f]);
      m[2 * f + 1].name = g_strdup_printf ("evidence-fine (single patches, %s fill)", fill_names[f]);
    }
  m[2 * n_fills].name = "rollout";
  m[2 * n_fills + 1].name = "last-layer (CLS attention, head mean)";
  m[2 * n_fills + 2].name = "random";
  double cost_coarse = 0, cost_fine = 0, none = 0, off_leaf = 0;
  int places[LS_EVIDENCE_PLACE_HAND + 1] = { 0 };
  int done = 0;
  guint every = limit > 0 && (guint) limit < photos->len ? photos->len / limit : 1;

  for (guint i = 0; i < photos->len; i += every)
    {
      const char *path = photos->pdata[i];
      g_autoptr(LsImage) image = ls_image_load (path, &error);
      g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (dg, image, 0.6f, NULL, &error);
      if (d == NULL)
        {
          fprintf (stderr, "%s: %s\n", path, error->message);
          return 1;
        }
      if (masks != NULL)
        write_masks (masks, path, image, d->analysis);
      int cls = d->top_index;
      float *score = g_new (float, n);
      int *order = g_new (int, n);
      printf ("%s %s %.3f", path, d->labels[cls], d->probs[cls]);
      for (int k = 0; k < n_methods; k++)
        {
          LsEvidenceMap *map = NULL;
          if (no_curves && k < 2 * n_fills && k % 2 == 1)
            continue; /* findings come from the coarse map: the fine one only costs */
          if (k < 2 * n_fills)
            {
              LsEvidenceOptions o;
              ls_evidence_options_init (&o, vit);
              o.fill = strcmp (fill_names[k / 2], "zero") == 0 ? LS_EVIDENCE_FILL_ZERO : LS_EVIDENCE_FILL_MEAN;
              o.coarse_block = k % 2 == 0 ? 2 : 1;
              o.fine = FALSE;
              map = ls_evidence_compute (vit, d->pixel_values, cls, &o, NULL, NULL, NULL, &error);
              for (int p = 0; p < n; p++)
                {
                  int r = p / grid / map->block, c = p % grid / map->block;
                  score[p] = map->values[r * map->cols + c];
                }
              if (k == 1)
                cost_fine += map->seconds;
              if (k == 0)
                {
                  /* Findings from the coarse map, as ls_diagnoser_explain reads them. */
                  cost_coarse += map->seconds;
                  ls_photo_analysis_set_evidence (d->analysis, map->values, map->rows, map->cols,
                                                  (float) map->block / grid, &d->findings);
                  places[d->findings.evidence_place[0]]++;
                  none += d->findings.evidence_place[0] == LS_EVIDENCE_PLACE_NONE;
                  off_leaf += d->findings.evidence_place[0] == LS_EVIDENCE_PLACE_HAND
                              || d->findings.evidence_place[0] == LS_EVIDENCE_PLACE_BACKGROUND;
                }
            }
          else if (k == 2 * n_fills)
            memcpy (score, d->rollout, n * sizeof (float));
          else if (k == 2 * n_fills + 1)
            memcpy (score, d->last_layer, n * sizeof (float));
          else
            {
              GRand *rand = g_rand_new_with_seed (i + 1);
              for (int p = 0; p < n; p++)
                score[p] = (float) g_rand_double (rand);
              g_rand_free (rand);
            }
          order_of (score, n, order);
          double del = 0.0, ins = 0.0;
          if (!no_curves)
            curves (vit, d->pixel_values, S, P, cls, order, step, &del, &ins);
          LsEvidencePlace top = ls_photo_analysis_cell_place (d->analysis, order[0] / grid,
                                                              order[0] % grid, 1.0f / grid);
          m[k].del += del;
          m[k].del_sq += del * del;
          m[k].ins += ins;
          m[k].on_leaf += top == LS_EVIDENCE_PLACE_LEAF || top == LS_EVIDENCE_PLACE_LESIONS;
          m[k].n++;
          printf (" %.3f/%.3f", del, ins);
          ls_evidence_map_free (map);
        }
      g_autofree char *where = ls_findings_evidence_string (&d->findings);
      printf (" evidence %s max %.1f\n", where, d->findings.evidence_max_points);
      fflush (stdout);
      g_free (score);
      g_free (order);
      done++;
    }

  printf ("\n%d photos, step %d patches; the diagnosed class's probability\n\n", done, step);
  printf ("| map | deletion AUC (lower: more faithful) | x random | insertion AUC | top cell on the leaf |\n");
  printf ("|---|---|---|---|---|\n");
  double rnd = m[n_methods - 1].del / done;
  for (int k = 0; k < n_methods; k++)
    {
      double mean = m[k].del / done, sd = sqrt (MAX (0.0, m[k].del_sq / done - mean * mean));
      printf ("| %s | %.3f (sd %.3f) | %.2f | %.3f | %.0f %% |\n", m[k].name, mean, sd, mean / rnd,
              m[k].ins / done, 100.0 * m[k].on_leaf / done);
    }
  printf ("\nfindings (coarse map): no single region decides %.0f %%, deciding place off the leaf %.0f %% "
          "(leaf %d, lesions %d, background %d, hand %d, none %d)\n",
          100.0 * none / done, 100.0 * off_leaf / done, places[LS_EVIDENCE_PLACE_LEAF],
          places[LS_EVIDENCE_PLACE_LESIONS], places[LS_EVIDENCE_PLACE_BACKGROUND],
          places[LS_EVIDENCE_PLACE_HAND], places[LS_EVIDENCE_PLACE_NONE]);
  printf ("cost per photo (%s fill): coarse %.3f s (%d forwards), fine %.3f s (%d forwards)\n",
          fill_names[0], cost_coarse / done, (grid / 2) * (grid / 2) + 1, cost_fine / done, n + 1);
  return 0;
}
