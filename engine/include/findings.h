/* findings.h: what the vision side hands to the language side.
 *
 * Pixel analysis of the photo itself (leaf segmentation, share of the leaf
 * that is lesion-coloured, photo quality), how concentrated the model's
 * attention is on the leaf, and the top class / runner-up / uncertainty read
 * from the probabilities.  Everything works on plain 8-bit RGB buffers so
 * that it does not depend on how the photo was decoded.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where the deciding evidence lies (ls_photo_analysis_set_evidence). */
typedef enum {
  LS_EVIDENCE_PLACE_NONE = 0,   /* no single region decides / no second place */
  LS_EVIDENCE_PLACE_LEAF,       /* leaf tissue without lesion colour */
  LS_EVIDENCE_PLACE_LESIONS,    /* lesion-coloured tissue of the leaf */
  LS_EVIDENCE_PLACE_BACKGROUND, /* off the leaf: soil, other plants, sky */
  LS_EVIDENCE_PLACE_HAND,       /* skin: the hand or fingers holding the leaf */
} LsEvidencePlace;

typedef struct {
  int      top_index;
  float    top_score;
  int      runner_up_index;         /* -1 with a single class */
  float    runner_up_score;
  gboolean uncertain;               /* top_score below the threshold */
  float    attention_concentration; /* share of the leaf covered by high rollout attention, 0..1
                                     * (a description of the attention map only: the prompt uses
                                     * the evidence below) */
  gboolean evidence_measured;       /* the fields below are set (an evidence map was computed) */
  LsEvidencePlace evidence_place[2];/* strongest first; [0] NONE: no single region decides;
                                     * [1] NONE: one place */
  float    evidence_max_points;     /* largest drop of one cell of the map, points */
  int      evidence_regions;        /* separate regions (8-connected cells) at or above
                                     * LS_FINDINGS_EVIDENCE_POINTS */
  float    evidence_on_leaf;        /* share of the deciding drop (cells at or above the
                                     * threshold) lying on the leaf or its lesions, 0..1 */
  float    leaf_fraction;           /* share of the photo that is leaf, 0..1 */
  float    affected_area;           /* share of leaf pixels that are lesion-coloured, 0..1 */
  float    brightness;              /* mean luma 0..1 */
  float    overexposed_fraction;    /* share of pixels with a clipped (>= 250) channel */
  float    sharpness;               /* variance of the Laplacian (luma 0..255; a photo darker
                                     * than luma 0.35 is brought up to it first) */
  gboolean too_dark;
  gboolean overexposed;
  gboolean blurred;
} LsFindings;

/* The photo is analysed at this size on its long side (area-averaged down;
 * smaller photos are used as they are), so that the thresholds below mean the
 * same for any camera. */
#define LS_FINDINGS_WORK_SIZE 256
/* Lesions are counted at up to this size on the long side (a Beans photo,
 * 500 pixels, at its own size): rust pustules are 1-2 pixels at the working
 * size and several pixels here.  The leaf mask comes from the working size. */
#define LS_FINDINGS_DETAIL_SIZE 768

/* Quality thresholds (measured in photo-analysis.c). */
#define LS_FINDINGS_DARK_LUMA          0.20f /* mean luma below: too dark */
#define LS_FINDINGS_OVEREXPOSED_SHARE  0.20f /* clipped share above: overexposed */
#define LS_FINDINGS_BLUR_VARIANCE     150.0f /* Laplacian variance below: blurred */

/* A rollout cell counts as "high attention" at or above this share of the
 * map's maximum. */
#define LS_FINDINGS_HIGH_ATTENTION     0.5f

/* A cell of an evidence map decides when covering it drops the diagnosed
 * class by at least this many points (LS_EVIDENCE_MIN_POINTS); a second place
 * is named when its cells' drop adds up to at least this share of the first
 * place's. */
#define LS_FINDINGS_EVIDENCE_POINTS      2.0f
#define LS_FINDINGS_EVIDENCE_SECOND      0.5f

typedef struct {
  int     width;        /* working size */
  int     height;
  guint8 *rgb;          /* [height, width, 3] working copy of the photo */
  guint8 *leaf_mask;    /* [height, width]: 1 leaf, 0 background */
  guint8 *lesion_mask;  /* [height, width]: 1 lesion-coloured leaf pixel */
  guint8 *skin_mask;    /* [height, width]: 1 skin (hand, fingers) */
  int     detail_width; /* the lesion count's size: the photo up to LS_FINDINGS_DETAIL_SIZE */
  int     detail_height;
  guint8 *lesion_detail;/* [detail_height, detail_width]: 1 lesion pixel counted in affected_area
                         * (the GUI's lesion layer) */
  float   leaf_fraction;
  float   affected_area; /* lesion_detail pixels / leaf pixels at the detail size */
  float   brightness;
  float   overexposed_fraction;
  float   sharpness;
} LsPhotoAnalysis;

/* Analyses 8-bit RGB pixels (@stride bytes per row, 3 bytes per pixel). */
LsPhotoAnalysis *ls_photo_analysis_new  (const guint8 *rgb,
                                         int           width,
                                         int           height,
                                         int           stride);
void             ls_photo_analysis_free (LsPhotoAnalysis *analysis);

/* Share of the leaf (all of the photo when no leaf was found) lying under
 * cells of @grid ([grid_size * grid_size], row-major, covering the whole
 * photo as the ViT processor's resize does) at or above
 * LS_FINDINGS_HIGH_ATTENTION of the grid's maximum.  0 for an all-zero grid. */
float            ls_photo_analysis_attention_concentration (const LsPhotoAnalysis *analysis,
                                                            const float           *grid,
                                                            int                    grid_size);

/* Where the deciding evidence of @values (an evidence map: drops in points
 * of @rows x @cols cells, each @cell_share of the photo's side, the last row
 * and column clipped at the edge; row-major over the whole photo as the ViT
 * processor's resize covers it) lies: sets the evidence fields of @findings.
 * A cell's place: hand when at least a quarter of it is skin, lesions when
 * at least 5 % of it is lesion-coloured leaf, leaf when at least half of it
 * is leaf, else background. */
void             ls_photo_analysis_set_evidence (const LsPhotoAnalysis *analysis,
                                                 const float           *values,
                                                 int                    rows,
                                                 int                    cols,
                                                 float                  cell_share,
                                                 LsFindings            *findings);
/* "leaf", "lesions", "background", "hand" (NONE: "none"). */
const char      *ls_evidence_place_word (LsEvidencePlace place);
/* The prompt's evidence line: "none", "hand", "lesions, background"
 * ("unmeasured" before a map was computed). */
char            *ls_findings_evidence_string (const LsFindings *findings);

/* Copies the photo measurements and quality flags of @analysis into @findings
 * (class fields untouched). */
void             ls_findings_set_photo  (LsFindings            *findings,
                                         const LsPhotoAnalysis *analysis);
/* Top class, runner-up and the uncertain flag (top below @uncertainty_threshold). */
void             ls_findings_set_probs  (LsFindings  *findings,
                                         const float *probs,
                                         int          n_labels,
                                         float        uncertainty_threshold);

/* "focused" (< 0.25), "spread" (0.25..0.5) or "diffuse" (> 0.5). */
const char      *ls_findings_attention_word (float concentration);
/* "good", or a comma-separated list of "dark", "overexposed", "blurred". */
char            *ls_findings_quality_string (const LsFindings *findings);
/* A 0..1 share as an integer percent, rounded half up. */
int              ls_findings_percent    (float share);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsPhotoAnalysis, ls_photo_analysis_free)

G_END_DECLS
