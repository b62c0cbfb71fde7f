/* leafscope-report.h: the saved report: the photo with its heatmap as PNG and
 * a Markdown sibling (diagnosis, probabilities, description, models, date).
 * Plain logic, no widgets, so that it is tested on its own. */
#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "image.h"
#include "heatmap.h"
#include "scope.h"

/* The colour map of every heatmap the app shows or saves. */
#define LEAFSCOPE_COLORMAP LS_COLORMAP_INFERNO
/* Overlay alpha = opacity * attention^gamma (ls_heatmap_alpha): low attention
 * leaves the photo as it is, hot spots stand out.  Shared by the photo view,
 * its legend and the exported report image. */
#define LEAFSCOPE_HEATMAP_GAMMA LS_HEATMAP_DEFAULT_GAMMA

G_BEGIN_DECLS

/* The overlay's layers, in the order of the Diagnose view's and the
 * Preferences' drop-downs; the heatmap-method setting names them
 * "evidence", "rollout", "last-layer", "lesions". */
typedef enum {
  LEAFSCOPE_LAYER_EVIDENCE,   /* what changes the diagnosis (evidence.h) */
  LEAFSCOPE_LAYER_ROLLOUT,    /* where the attention went: all layers */
  LEAFSCOPE_LAYER_LAST_LAYER, /* ... the last layer, one head or their mean */
  LEAFSCOPE_LAYER_LESIONS,    /* the lesion pixels the affected area counts */
  LEAFSCOPE_N_LAYERS
} LeafscopeLayer;

const char    *leafscope_layer_setting_name (LeafscopeLayer layer);
/* Unknown names: the evidence layer. */
LeafscopeLayer leafscope_layer_from_setting (const char    *name);
/* For g_settings_bind_with_mapping between heatmap-method and a drop-down's
 * "selected". */
gboolean       leafscope_layer_get_mapping  (GValue             *value,
                                             GVariant           *variant,
                                             gpointer            user_data);
GVariant      *leafscope_layer_set_mapping  (const GValue       *value,
                                             const GVariantType *type,
                                             gpointer            user_data);

typedef struct {
  const char         *photo_name;     /* shown in the title */
  const char         *image_file;     /* the PNG's base name, linked from the Markdown; may be NULL */
  int                 n_classes;
  const char * const *labels;         /* id2label names */
  const float        *probs;          /* [n_classes] */
  int                 top_index;
  gboolean            uncertain;
  /* The photo's status (issue 12; zero: diagnosed).  not_a_leaf and
   * unusable carry no class table, bars or fact card. */
  LsDiagnosisStatus   status;
  LsStatusReason      status_reason;
  const char         *description;    /* may be NULL or "" */
  const char         *vision_model;   /* folder or name */
  const char         *text_model;     /* NULL: none */
  GDateTime          *date;
  /* The report image's panel (may be NULL: derived from the above). */
  const char         *verdict;        /* as the window says it */
  const char         *verdict_detail;
  const char         *legend_low;     /* the overlay legend's ends */
  const char         *legend_high;
  const char         *layer;          /* the overlay's layer, as its drop-down names it; may be NULL */
  const char         *evidence_note;  /* where the deciding evidence lies, as the window says it; may be NULL */
} LeafscopeReport;

/* The Markdown text of @report (g_free). */
char      *leafscope_report_to_markdown (const LeafscopeReport *report);

/* The photo with the overlay's map (@grid: @rows x @cols values in [0, 1],
 * stretched over the whole photo) blended in at @opacity, as the window
 * shows it; @grid NULL: the photo alone. */
GdkPixbuf *leafscope_report_composite   (const LsImage *photo,
                                         const float   *grid,
                                         int            rows,
                                         int            cols,
                                         double         opacity);

/* The report image: @composite on top, unchanged, and below it a panel with
 * the verdict and its detail, one bar per class, the overlay's legend and the
 * model names. */
GdkPixbuf *leafscope_report_render      (const LeafscopeReport *report,
                                         GdkPixbuf             *composite);

/* Writes @bytes to @file atomically (a temporary file renamed over the
 * target).  Unless @overwrite, fails with G_IO_ERROR_EXISTS when @file exists. */
gboolean   leafscope_report_write_file  (GFile        *file,
                                         GBytes       *bytes,
                                         gboolean      overwrite,
                                         GError      **error);

/* The Markdown sibling of @png_file: same name, ".md" instead of ".png". */
GFile     *leafscope_report_markdown_file_for (GFile *png_file);

/* Writes @composite to @png_file and the Markdown to its sibling.  Checks
 * both targets before writing either, so nothing is half-saved. */
gboolean   leafscope_report_save        (const LeafscopeReport *report,
                                         GdkPixbuf             *composite,
                                         GFile                 *png_file,
                                         gboolean               overwrite,
                                         GError               **error);

G_END_DECLS
