/* evidence.c: occlusion maps, coarse to fine, batched through the ViT.
 *
 * Why occlusion: on the 128 held-out Beans photos with leaf-vit (issue 17;
 * bench/evidence-bench.c measures it again), removing a map's hottest patches
 * first lowers the diagnosed class fastest for occlusion (deletion AUC 0.532
 * single patches, 0.585 2x2 blocks) against attention rollout (0.629), the
 * last layer's CLS attention (0.621) and random maps (0.720).  The fill
 * colour was chosen on the same benchmark (bench/README.md). */
#include "evidence.h"
#include "evidence-private.h"

#include <math.h>
#include <string.h>

#include "ls-error.h"

#define DEFAULT_COARSE_BLOCK 2
#define DEFAULT_BATCH        16

double
ls_evidence_forward_flops (const LsVitConfig *c)
{
  double grid = c->patch_size > 0 ? (double) (c->image_size / c->patch_size) : 0.0;
  double tokens = 1.0 + grid * grid;
  double h = c->hidden_size, f = c->intermediate_size;
  /* Per token and layer: Q, K, V, output (4 h^2) and the MLP (2 h f)
   * multiply-adds; attention scores and their use of V (2 T h). */
  double per_layer = tokens * (4.0 * h * h + 2.0 * h * f + 2.0 * tokens * h);
  double embed = grid * grid * h * c->num_channels * c->patch_size * c->patch_size;
  return 2.0 * (c->num_layers * per_layer + embed);
}

void
ls_evidence_options_init (LsEvidenceOptions *options, LsVit *vit)
{
  const LsVitConfig *c = ls_vit_get_config (vit);
  int grid = c->patch_size > 0 ? c->image_size / c->patch_size : 0;

  options->coarse_block = DEFAULT_COARSE_BLOCK;
  options->batch = DEFAULT_BATCH;
  options->fill = LS_EVIDENCE_FILL_MEAN;
  options->fine = (double) grid * grid * ls_evidence_forward_flops (c)
                  <= LS_EVIDENCE_FINE_BUDGET_GFLOP * 1e9;
}

void
ls_evidence_cover (float *pixels, int image_size, int patch_size, int block,
                   int row, int col, const float fill_rgb[3])
{
  int side = patch_size * block;
  int y0 = row * side, x0 = col * side;
  int y1 = MIN (image_size, y0 + side), x1 = MIN (image_size, x0 + side);
  gsize plane = (gsize) image_size * image_size;

  for (int c = 0; c < 3; c++)
    for (int y = y0; y < y1; y++)
      {
        float *p = pixels + c * plane + (gsize) y * image_size;
        for (int x = x0; x < x1; x++)
          p[x] = fill_rgb[c];
      }
}

static LsEvidenceMap *
map_new (int rows, int cols)
{
  LsEvidenceMap *m = g_new0 (LsEvidenceMap, 1);
  m->rows = rows;
  m->cols = cols;
  m->values = g_new0 (float, (gsize) rows * cols);
  return m;
}

LsEvidenceMap *
ls_evidence_map_copy (const LsEvidenceMap *map)
{
  g_return_val_if_fail (map != NULL, NULL);
  LsEvidenceMap *m = g_memdup2 (map, sizeof *map);
  m->values = g_memdup2 (map->values, (gsize) map->rows * map->cols * sizeof (float));
  return m;
}

void
ls_evidence_map_free (LsEvidenceMap *map)
{
  if (map == NULL)
    return;
  g_free (map->values);
  g_free (map);
}

float
ls_evidence_map_display_scale (const LsEvidenceMap *map)
{
  return ceilf (MAX (map->max_points, LS_EVIDENCE_DISPLAY_MIN_POINTS));
}

void
ls_evidence_map_to_unit (const LsEvidenceMap *map, float *out)
{
  float scale = ls_evidence_map_display_scale (map);
  for (int i = 0; i < map->rows * map->cols; i++)
    out[i] = CLAMP (map->values[i] / scale, 0.0f, 1.0f);
}

/* One stage: every cell of @block patches covered in turn, @batch images per
 * forward. */
static LsEvidenceMap *
run_stage (LsVit *vit, const float *pixels, int class_index, float base_prob,
           int block, int batch, const float fill[3], GCancellable *cancellable,
           GError **error)
{
  const LsVitConfig *c = ls_vit_get_config (vit);
  int S = c->image_size, P = c->patch_size, grid = S / P;
  int rows = (grid + block - 1) / block;
  gsize image = (gsize) 3 * S * S;
  gint64 start = g_get_monotonic_time ();

  g_autoptr(LsEvidenceMap) map = map_new (rows, rows);
  map->block = block;
  map->patch_size = P;
  map->image_size = S;
  map->class_index = class_index;
  map->base_prob = base_prob;
  map->max_points = -INFINITY;

  int cells = rows * rows;
  g_autofree float *buf = g_new (float, image * MIN (batch, cells));
  for (int first = 0; first < cells; first += batch)
    {
      int n = MIN (batch, cells - first);
      for (int k = 0; k < n; k++)
        {
          float *img = buf + image * k;
          memcpy (img, pixels, image * sizeof (float));
          ls_evidence_cover (img, S, P, block, (first + k) / rows, (first + k) % rows, fill);
        }
      g_autoptr(LsVitOutput) out = ls_vit_forward (vit, buf, n, LS_VIT_OUTPUT_DEFAULT,
                                                   cancellable, error);
      if (out == NULL)
        return NULL;
      for (int k = 0; k < n; k++)
        {
          float v = 100.0f * (base_prob - out->probs[(gsize) k * out->num_labels + class_index]);
          map->values[first + k] = v;
          map->max_points = MAX (map->max_points, v);
        }
      map->forwards += n;
    }
  map->seconds = (g_get_monotonic_time () - start) / 1e6;
  return g_steal_pointer (&map);
}

LsEvidenceMap *
ls_evidence_compute (LsVit *vit, const float *pixel_values, int class_index,
                     const LsEvidenceOptions *options, LsEvidenceCallback callback,
                     gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (vit != NULL && pixel_values != NULL, NULL);

  const LsVitConfig *c = ls_vit_get_config (vit);
  LsEvidenceOptions defaults;
  if (options == NULL)
    {
      ls_evidence_options_init (&defaults, vit);
      options = &defaults;
    }
  if (class_index < 0 || class_index >= c->num_labels)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "class %d is not one of the model's %d labels", class_index, c->num_labels);
      return NULL;
    }
  if (c->num_channels != 3 || c->patch_size <= 0 || c->image_size % c->patch_size != 0
      || options->coarse_block < 1 || options->batch < 1)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "evidence maps need 3 channels, whole patches, a block and a batch of at least 1");
      return NULL;
    }

  int S = c->image_size;
  gsize plane = (gsize) S * S;
  float fill[3] = { 0.0f, 0.0f, 0.0f };
  if (options->fill == LS_EVIDENCE_FILL_MEAN)
    for (int ch = 0; ch < 3; ch++)
      {
        double sum = 0.0;
        for (gsize i = 0; i < plane; i++)
          sum += pixel_values[ch * plane + i];
        fill[ch] = (float) (sum / plane);
      }

  g_autoptr(LsVitOutput) base = ls_vit_forward (vit, pixel_values, 1, LS_VIT_OUTPUT_DEFAULT,
                                                cancellable, error);
  if (base == NULL)
    return NULL;
  float base_prob = base->probs[class_index];

  int blocks[2] = { options->coarse_block, 1 };
  int stages = options->fine && options->coarse_block > 1 ? 2 : 1;
  LsEvidenceMap *last = NULL;
  for (int s = 0; s < stages; s++)
    {
      LsEvidenceMap *map = run_stage (vit, pixel_values, class_index, base_prob, blocks[s],
                                      options->batch, fill, cancellable, error);
      if (map == NULL)
        {
          ls_evidence_map_free (last);
          return NULL;
        }
      if (s == 0)
        map->forwards += 1; /* the unmodified photo */
      map->final = s == stages - 1;
      ls_evidence_map_free (last);
      last = map;
      if (callback != NULL && !callback (map, user_data))
        break;
    }
  return last;
}
