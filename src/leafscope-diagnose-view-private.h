/* leafscope-diagnose-view-private.h: what the files of the Diagnose view
 * share (core: leafscope-diagnose-view.c; the overlay: -overlay.c; its
 * actions and the report: -actions.c; drop and paste: -dnd.c).  Not for other widgets. */
#pragma once

#include <adwaita.h>
#include "leafscope-diagnose-view.h"
#include "leafscope-description-pane.h"
#include "leafscope-photo-strip.h"
#include "leafscope-photo-view.h"
#include "leafscope-prediction-list.h"
#include "leafscope-report.h"
#include "leafscope-result.h"

G_BEGIN_DECLS

struct _LeafscopeDiagnoseView
{
  GtkWidget                 parent_instance;

  /* template */
  GtkStack                 *stack;
  GtkWidget                *scroller;      /* narrow: everything scrolls */
  GtkGrid                  *columns;       /* photo | panel, or photo / panel / controls */
  GtkWidget                *photo_column;  /* the overlay's controls and the strip */
  GtkWidget                *side_scroller; /* wide: the side panel scrolls */
  LeafscopePhotoView       *photo_view;
  GtkSwitch                *heatmap_switch;
  GtkScale                 *opacity_scale;
  GtkDropDown              *method_dropdown;
  GtkDropDown              *head_dropdown;
  GtkLabel                 *legend_title;
  GtkWidget                *legend_box;
  GtkPicture               *legend_picture;
  GtkLabel                 *legend_low;
  GtkLabel                 *legend_high;
  LeafscopePhotoStrip      *strip;
  GtkLabel                 *file_label;
  LeafscopePredictionList  *prediction;
  LeafscopeDescriptionPane *description;

  /* state */
  LeafscopeWorker          *worker;
  GSettings                *settings;
  GSimpleActionGroup       *actions;     /* "diagnose.*", see -actions.c */
  guint                     load_serial; /* drops stale decodes */
  char                     *photo_name;
  LsImage                  *image;
  char                     *photo_path;  /* its local file; NULL when pasted */
  LeafscopeResult          *result;      /* the shown diagnosis, shared with the worker */
  LsEvidenceMap            *evidence;    /* the evidence stage shown (a copy), NULL before the first */
  LsFindings                evidence_findings; /* where it lies, as of that stage */
  gboolean                  evidence_done;     /* no further stage will come */
  float                    *shown_grid;  /* the overlay's map in [0, 1], when the view made it */
  int                       n_heads;
  gboolean                  loading;
  gboolean                  classifying;
  gboolean                  generating;
  gboolean                  narrow;
};

/* Core. */
void         leafscope_diagnose_view_show_error      (LeafscopeDiagnoseView *self,
                                                      const char            *message);
void         leafscope_diagnose_view_describe_again  (LeafscopeDiagnoseView *self,
                                                      guint64                seed);
void         leafscope_diagnose_view_load            (LeafscopeDiagnoseView *self,
                                                      guint                  index);
void         leafscope_diagnose_view_clear_result    (LeafscopeDiagnoseView *self);
void         leafscope_diagnose_view_show_empty      (LeafscopeDiagnoseView *self);
/* TRUE when the shown photo is not_a_leaf or unusable (issue 12): no
 * verdict, no map, no description. */
gboolean     leafscope_diagnose_view_not_judged      (LeafscopeDiagnoseView *self);
/* The map the overlay shows now (@rows x @cols values in [0, 1] over the
 * whole photo), NULL when none. */
const float *leafscope_diagnose_view_current_grid    (LeafscopeDiagnoseView *self,
                                                      int                   *rows,
                                                      int                   *cols);
/* The overlay's layer now. */
LeafscopeLayer leafscope_diagnose_view_current_layer (LeafscopeDiagnoseView *self);
/* Where the deciding evidence lies, in a sentence (NULL before the map). */
const char  *leafscope_diagnose_view_evidence_note   (LeafscopeDiagnoseView *self);
/* The overlay (-overlay.c): layers, legend. */
void         leafscope_diagnose_view_init_overlay    (LeafscopeDiagnoseView *self);
void         leafscope_diagnose_view_update_overlay  (LeafscopeDiagnoseView *self);
/* Actions (-actions.c): created at init, enabled from the state. */
void         leafscope_diagnose_view_init_actions    (LeafscopeDiagnoseView *self);
void         leafscope_diagnose_view_update_actions  (LeafscopeDiagnoseView *self);
/* Drop and paste (-dnd.c). */
void         leafscope_diagnose_view_init_dnd        (LeafscopeDiagnoseView *self);
/* Shows @image (transfer full), pasted or dropped without a file, as @name;
 * the strip keeps its photos. */
void         leafscope_diagnose_view_show_pasted     (LeafscopeDiagnoseView *self,
                                                      LsImage               *image,
                                                      const char            *name);

/* State the public API does not give: for tests (tests/test-gui-*.c). */
gboolean           leafscope_diagnose_view_get_generating  (LeafscopeDiagnoseView *self);
const LsDiagnosis *leafscope_diagnose_view_get_diagnosis   (LeafscopeDiagnoseView *self);
/* The evidence map shown (the latest stage that shows what decides), NULL
 * before the first stage arrives; done: no further stage will come. */
const LsEvidenceMap *leafscope_diagnose_view_get_evidence  (LeafscopeDiagnoseView *self);
gboolean           leafscope_diagnose_view_get_evidence_done (LeafscopeDiagnoseView *self);
LeafscopeResult   *leafscope_diagnose_view_get_result      (LeafscopeDiagnoseView *self);
const char        *leafscope_diagnose_view_get_verdict     (LeafscopeDiagnoseView *self);
/* The bar of class @label: its fraction, or -1 when there is none. */
double             leafscope_diagnose_view_get_bar_fraction (LeafscopeDiagnoseView *self,
                                                             const char            *label);
char              *leafscope_diagnose_view_dup_description (LeafscopeDiagnoseView *self);
guint              leafscope_diagnose_view_get_n_photos    (LeafscopeDiagnoseView *self);
/* The name of the photo shown, NULL before any. */
const char        *leafscope_diagnose_view_get_photo_name  (LeafscopeDiagnoseView *self);
GtkWidget         *leafscope_diagnose_view_get_photo_view  (LeafscopeDiagnoseView *self);
GtkWidget         *leafscope_diagnose_view_get_prediction_list (LeafscopeDiagnoseView *self);
/* TRUE when laid out in one column (narrow window). */
gboolean           leafscope_diagnose_view_get_narrow      (LeafscopeDiagnoseView *self);

G_END_DECLS
