/* evidence.h: where the evidence for a diagnosis lies, measured by what
 * changes the prediction (occlusion).
 *
 * Each cell of the map is a block of patches of the ViT's grid; its value is
 * the drop, in probability points (0..100), of the diagnosed class when that
 * block of the model's input is filled (LsEvidenceFill) and the ViT is run
 * again: 100 * (p(class | photo) - p(class | photo with the block covered)).
 * Negative values: covering the block raised the class.  The maps cover the
 * whole photo as the model's resize does, row-major.
 *
 * Coarse to fine: blocks of LsEvidenceOptions.coarse_block patches (2: a 7x7
 * map for a 14x14 grid, 49 forwards), then single patches (196 forwards),
 * each stage batched through ls_vit_forward and handed to the callback when
 * complete.  The fine stage runs only when the options ask for it (the
 * defaults ask for it when its cost fits LS_EVIDENCE_FINE_BUDGET_GFLOP).
 */
#pragma once

#include <gio/gio.h>
#include "vit.h"

G_BEGIN_DECLS

typedef enum {
  LS_EVIDENCE_FILL_MEAN,  /* the photo's mean colour (per channel, model input) */
  LS_EVIDENCE_FILL_ZERO,  /* model input 0: the processor's image_mean colour */
} LsEvidenceFill;

/* Below this drop (points) no cell is said to decide the diagnosis. */
#define LS_EVIDENCE_MIN_POINTS 2.0f

/* The fine (single-patch) stage runs by default when its forwards cost at
 * most this much (estimated FLOPs of the ViT): leaf-vit (196 forwards of
 * 1.2 GFLOP) fits; ViT-B/16 (196 x 35 GFLOP) gets the coarse map only. */
#define LS_EVIDENCE_FINE_BUDGET_GFLOP 400.0

typedef struct {
  int            coarse_block;  /* patches per coarse cell side (>= 1); 2 by default */
  gboolean       fine;          /* also single patches (when coarse_block > 1) */
  int            batch;         /* images per ls_vit_forward call; 16 by default */
  LsEvidenceFill fill;
} LsEvidenceOptions;

typedef struct {
  int     rows;        /* cells down and across: ceil (grid / block) */
  int     cols;
  int     block;       /* patches per cell side */
  int     patch_size;  /* model input pixels per patch */
  int     image_size;  /* model input side */
  int     class_index; /* the class the drops are of */
  float   base_prob;   /* its probability on the unmodified photo, 0..1 */
  float  *values;      /* [rows * cols] drop in probability points */
  float   max_points;  /* largest value */
  int     forwards;    /* ViT images run for this map (this stage) */
  double  seconds;     /* wall time of this stage */
  gboolean final;      /* no finer stage follows */
} LsEvidenceMap;

/* Called with each completed stage (coarse first).  @map belongs to the
 * engine and lives only during the call: ls_evidence_map_copy() to keep it.
 * Return FALSE to stop refining (the call then ends with this map). */
typedef gboolean (*LsEvidenceCallback) (const LsEvidenceMap *map,
                                        gpointer             user_data);

/* Defaults for @vit: coarse_block 2, batch 16, fill by mean colour, fine
 * when 196-forwards' estimated cost fits LS_EVIDENCE_FINE_BUDGET_GFLOP. */
void           ls_evidence_options_init (LsEvidenceOptions *options,
                                         LsVit             *vit);

/* Runs the stages for class @class_index on @pixel_values ([3, S, S], the
 * model input of the photo); returns the last map computed, or NULL with
 * G_IO_ERROR_CANCELLED when @cancellable fires (checked between batches). */
LsEvidenceMap *ls_evidence_compute      (LsVit                   *vit,
                                         const float             *pixel_values,
                                         int                      class_index,
                                         const LsEvidenceOptions *options,
                                         LsEvidenceCallback       callback,
                                         gpointer                 user_data,
                                         GCancellable            *cancellable,
                                         GError                 **error);

/* The map's top value on the colour scale, in points: the largest drop,
 * at least LS_EVIDENCE_DISPLAY_MIN_POINTS (so that a map where nothing
 * matters shows nothing hot), rounded up to a whole point. */
#define LS_EVIDENCE_DISPLAY_MIN_POINTS 10.0f
float          ls_evidence_map_display_scale (const LsEvidenceMap *map);
/* values / display scale, clamped to [0, 1] (negative drops show as 0), for
 * ls_heatmap_*; @out has rows * cols floats. */
void           ls_evidence_map_to_unit  (const LsEvidenceMap *map,
                                         float               *out);

LsEvidenceMap *ls_evidence_map_copy     (const LsEvidenceMap *map);
void           ls_evidence_map_free     (LsEvidenceMap       *map);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsEvidenceMap, ls_evidence_map_free)

G_END_DECLS
