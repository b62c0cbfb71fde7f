/* findings.c: the findings record (LsFindings): where the model's attention
 * and evidence lie on the analysed photo (photo-analysis.c), the photo's
 * measurements and quality, the top class and runner-up, and the words the
 * prompt uses for them. */
#include "findings.h"
#include "findings-private.h"
#include "labels.h"

#include <math.h>

float
ls_photo_analysis_attention_concentration (const LsPhotoAnalysis *a,
                                           const float *grid, int grid_size)
{
  g_return_val_if_fail (a != NULL && grid != NULL && grid_size > 0, 0.0f);

  float max = 0.0f;
  for (int i = 0; i < grid_size * grid_size; i++)
    max = MAX (max, grid[i]);
  if (!(max > 0.0f))
    return 0.0f;

  float level = LS_FINDINGS_HIGH_ATTENTION * max;
  gboolean any_leaf = a->leaf_fraction > 0.0f;
  gsize inside = 0, high = 0;

  for (int y = 0; y < a->height; y++)
    {
      int gy = (int) ((gint64) y * grid_size / a->height);
      for (int x = 0; x < a->width; x++)
        {
          if (any_leaf && !a->leaf_mask[(gsize) y * a->width + x])
            continue;
          int gx = (int) ((gint64) x * grid_size / a->width);
          inside++;
          high += grid[gy * grid_size + gx] >= level;
        }
    }
  return inside > 0 ? (float) high / inside : 0.0f;
}

LsEvidencePlace
ls_photo_analysis_cell_place (const LsPhotoAnalysis *a, int row, int col, float cell_share)
{
  int y0 = (int) floorf (row * cell_share * a->height + 0.5f);
  int y1 = MIN (a->height, (int) floorf ((row + 1) * cell_share * a->height + 0.5f));
  int x0 = (int) floorf (col * cell_share * a->width + 0.5f);
  int x1 = MIN (a->width, (int) floorf ((col + 1) * cell_share * a->width + 0.5f));
  gsize total = 0, skin = 0, leaf = 0, lesion = 0, detail = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        gsize i = (gsize) y * a->width + x;
        total++;
        skin += a->skin_mask[i];
        leaf += a->leaf_mask[i];
      }
  int dy0 = (int) floorf (row * cell_share * a->detail_height + 0.5f);
  int dy1 = MIN (a->detail_height, (int) floorf ((row + 1) * cell_share * a->detail_height + 0.5f));
  int dx0 = (int) floorf (col * cell_share * a->detail_width + 0.5f);
  int dx1 = MIN (a->detail_width, (int) floorf ((col + 1) * cell_share * a->detail_width + 0.5f));
  for (int y = dy0; y < dy1; y++)
    for (int x = dx0; x < dx1; x++)
      {
        detail++;
        lesion += a->lesion_detail[(gsize) y * a->detail_width + x];
      }
  if (total == 0)
    return LS_EVIDENCE_PLACE_BACKGROUND;
  if (4 * skin >= total)
    return LS_EVIDENCE_PLACE_HAND;
  if (detail > 0 && 20 * lesion >= detail)
    return LS_EVIDENCE_PLACE_LESIONS;
  if (2 * leaf >= total)
    return LS_EVIDENCE_PLACE_LEAF;
  return LS_EVIDENCE_PLACE_BACKGROUND;
}

void
ls_photo_analysis_set_evidence (const LsPhotoAnalysis *a, const float *values, int rows,
                                int cols, float cell_share, LsFindings *f)
{
  g_return_if_fail (a != NULL && values != NULL && rows > 0 && cols > 0 && f != NULL);

  double mass[LS_EVIDENCE_PLACE_HAND + 1] = { 0 };
  float max = -G_MAXFLOAT;
  gsize n = (gsize) rows * cols;
  guint8 *hot = g_malloc0 (n);

  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        float v = values[r * cols + c];
        max = MAX (max, v);
        if (v < LS_FINDINGS_EVIDENCE_POINTS)
          continue;
        hot[r * cols + c] = 1;
        mass[ls_photo_analysis_cell_place (a, r, c, cell_share)] += v;
      }
  f->evidence_measured = TRUE;
  f->evidence_max_points = max;
  f->evidence_place[0] = f->evidence_place[1] = LS_EVIDENCE_PLACE_NONE;
  f->evidence_regions = 0;
  f->evidence_on_leaf = 0.0f;

  /* Regions: 8-connected hot cells. */
  int *stack = g_new (int, n);
  for (gsize start = 0; start < n; start++)
    {
      if (hot[start] != 1)
        continue;
      f->evidence_regions++;
      gsize top = 0;
      stack[top++] = (int) start;
      hot[start] = 2;
      while (top > 0)
        {
          int i = stack[--top], r = i / cols, c = i % cols;
          for (int dr = -1; dr <= 1; dr++)
            for (int dc = -1; dc <= 1; dc++)
              {
                int rr = r + dr, cc = c + dc;
                if (rr >= 0 && rr < rows && cc >= 0 && cc < cols && hot[rr * cols + cc] == 1)
                  {
                    hot[rr * cols + cc] = 2;
                    stack[top++] = rr * cols + cc;
                  }
              }
        }
    }
  g_free (stack);
  g_free (hot);

  double total = 0.0;
  for (int p = LS_EVIDENCE_PLACE_LEAF; p <= LS_EVIDENCE_PLACE_HAND; p++)
    total += mass[p];
  if (total <= 0.0)
    return;
  f->evidence_on_leaf = (float) ((mass[LS_EVIDENCE_PLACE_LEAF] + mass[LS_EVIDENCE_PLACE_LESIONS]) / total);
  int first = LS_EVIDENCE_PLACE_NONE, second = LS_EVIDENCE_PLACE_NONE;
  for (int p = LS_EVIDENCE_PLACE_LEAF; p <= LS_EVIDENCE_PLACE_HAND; p++)
    if (mass[p] > 0.0 && (first == LS_EVIDENCE_PLACE_NONE || mass[p] > mass[first]))
      first = p;
  for (int p = LS_EVIDENCE_PLACE_LEAF; p <= LS_EVIDENCE_PLACE_HAND; p++)
    if (p != first && mass[p] >= LS_FINDINGS_EVIDENCE_SECOND * mass[first]
        && (second == LS_EVIDENCE_PLACE_NONE || mass[p] > mass[second]))
      second = p;
  f->evidence_place[0] = first;
  f->evidence_place[1] = second;
}

const char *
ls_evidence_place_word (LsEvidencePlace place)
{
  switch (place)
    {
    case LS_EVIDENCE_PLACE_LEAF: return "leaf";
    case LS_EVIDENCE_PLACE_LESIONS: return "lesions";
    case LS_EVIDENCE_PLACE_BACKGROUND: return "background";
    case LS_EVIDENCE_PLACE_HAND: return "hand";
    case LS_EVIDENCE_PLACE_NONE:
    default: return "none";
    }
}

char *
ls_findings_evidence_string (const LsFindings *f)
{
  if (!f->evidence_measured)
    return g_strdup ("unmeasured");
  if (f->evidence_place[1] == LS_EVIDENCE_PLACE_NONE)
    return g_strdup (ls_evidence_place_word (f->evidence_place[0]));
  return g_strdup_printf ("%s, %s", ls_evidence_place_word (f->evidence_place[0]),
                          ls_evidence_place_word (f->evidence_place[1]));
}

void
ls_findings_set_photo (LsFindings *f, const LsPhotoAnalysis *a)
{
  f->leaf_fraction = a->leaf_fraction;
  f->affected_area = a->affected_area;
  f->brightness = a->brightness;
  f->overexposed_fraction = a->overexposed_fraction;
  f->sharpness = a->sharpness;
  f->too_dark = a->brightness < LS_FINDINGS_DARK_LUMA;
  f->overexposed = a->overexposed_fraction > LS_FINDINGS_OVEREXPOSED_SHARE;
  f->blurred = a->width >= 3 && a->height >= 3 && a->sharpness < LS_FINDINGS_BLUR_VARIANCE;
}

void
ls_findings_set_probs (LsFindings *f, const float *probs, int n_labels,
                       float uncertainty_threshold)
{
  /* The same order as the bars and the report: ls_labels_rank. */
  g_autofree int *order = g_new (int, MAX (n_labels, 1));
  ls_labels_rank (probs, n_labels, order);
  int top = n_labels > 0 ? order[0] : -1;
  int second = n_labels > 1 ? order[1] : -1;
  f->top_index = top;
  f->top_score = top >= 0 ? probs[top] : 0.0f;
  f->runner_up_index = second;
  f->runner_up_score = second >= 0 ? probs[second] : 0.0f;
  f->uncertain = f->top_score < uncertainty_threshold;
}

const char *
ls_findings_attention_word (float concentration)
{
  if (concentration < 0.25f)
    return "focused";
  if (concentration <= 0.5f)
    return "spread";
  return "diffuse";
}

char *
ls_findings_quality_string (const LsFindings *f)
{
  GString *s = g_string_new (NULL);

  if (f->too_dark)
    g_string_append (s, "dark");
  if (f->overexposed)
    g_string_append_printf (s, "%soverexposed", s->len ? "," : "");
  if (f->blurred)
    g_string_append_printf (s, "%sblurred", s->len ? "," : "");
  if (s->len == 0)
    g_string_append (s, "good");
  return g_string_free (s, FALSE);
}

int
ls_findings_percent (float share)
{
  /* The small epsilon keeps 0.125 * 100 = 12.4999.. from rounding down. */
  return (int) floorf (share * 100.0f + 0.5f + 1e-4f);
}
