/* leafscope-worker.h: the one thread that owns the models and runs the engine.
 *
 * Two lanes share the thread: diagnosis (one photo: classify, then describe)
 * and evaluation (many photos).  A submission cancels only the running job of
 * its own lane.  An evaluation runs one photo at a time and a waiting
 * diagnosis goes first, between two photos: so opening a photo while a
 * dataset is evaluated shows its verdict after at most one photo's time
 * (about 0.1 s), and the evaluation then goes on where it was.  One thread
 * rather than two workers: the models are loaded once, and on a two-core
 * laptop two threads of matrix products would slow each other down.  The
 * evaluation does wait while a description is written.
 *
 * Every job carries a generation number and the results of a job that is no
 * longer its lane's current one are dropped on the main thread, so they
 * never appear.  All callbacks run on the main context the worker was created
 * in, and only while @owner (held weakly) is alive. */
#pragma once

#include <gio/gio.h>
#include "calibrate.h"
#include "diagnose.h"
#include "leafscope-result.h"
#include "leafscope-settings.h"

G_BEGIN_DECLS

#define LEAFSCOPE_WORKER_ERROR (leafscope_worker_error_quark ())
typedef enum {
  LEAFSCOPE_WORKER_ERROR_VISION_MODEL,  /* the vision model folder does not load */
  LEAFSCOPE_WORKER_ERROR_NO_TEXT_MODEL, /* no text model, or it does not load */
} LeafscopeWorkerError;
GQuark leafscope_worker_error_quark (void);

typedef struct {
  /* A diagnose job: the classification (transfer none: ref it to keep it). */
  void (*classified) (LeafscopeResult *result, gpointer owner);
  /* A diagnose job, after ::classified and before the description: one
   * stage of the evidence map (coarse, then fine; transfer none: copy it to
   * keep it) with the findings as they stand after it (where the evidence
   * lies).  @map NULL: no (further) map will come. */
  void (*evidence)   (const LsEvidenceMap *map, const LsFindings *findings, gpointer owner);
  /* A diagnose job: one piece of the description. */
  void (*token)      (const char *piece, gpointer owner);
  /* An evaluate job: photo @index was classified as @label with @status, or failed. */
  void (*item)       (guint index, const char *label, LsDiagnosisStatus status, const GError *error,
                      gpointer owner);
  /* The job ended: @error NULL on success.  Not called for a job that was
   * cancelled or replaced. */
  void (*finished)   (const GError *error, gpointer owner);
  /* The job was cancelled or replaced before it finished (called from
   * leafscope_worker_cancel or the next submission, on the main thread). */
  void (*cancelled)  (gpointer owner);
  /* A calibrate job: @done of @total photos of @stage ("train",
   * "validation") went through the model. */
  void (*progress)   (const char *stage, guint done, guint total, gpointer owner);
  /* A calibrate job: the scope was fitted and saved in @written_dir (the
   * model is reloaded with it before ::finished). */
  void (*calibrated) (const LsCalibrateReport *report, const char *written_dir, gpointer owner);
} LeafscopeJobCallbacks;

/* Whether the loaded vision model has its scope check (issue 12). */
typedef enum {
  LEAFSCOPE_SCOPE_UNKNOWN, /* no model loaded yet */
  LEAFSCOPE_SCOPE_ON,
  LEAFSCOPE_SCOPE_OFF,     /* no scope file for these weights: calibrate it */
} LeafscopeScopeState;

typedef struct {
  float                      threshold; /* uncertainty threshold 0..1 (leafscope_settings_get_threshold) */
  gboolean                   describe;  /* stream a description after classifying */
  const char                *language;  /* "en", "pt_BR" */
  guint64                    seed;      /* of the sampler */
  /* What the user changed, applied on the thread over the loaded text
   * model's defaults (ls_diagnoser_init_generate_options), as the CLI does. */
  LeafscopeGenerateOverrides overrides;
} LeafscopeDiagnoseParams;

#define LEAFSCOPE_TYPE_WORKER (leafscope_worker_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeWorker, leafscope_worker, LEAFSCOPE, WORKER, GObject)

LeafscopeWorker *leafscope_worker_new          (void);
/* Takes effect at the next job; @text_dir NULL: no descriptions. */
void             leafscope_worker_set_models   (LeafscopeWorker *self,
                                                const char      *vision_dir,
                                                const char      *text_dir);
typedef enum {
  LEAFSCOPE_LANE_DIAGNOSE,
  LEAFSCOPE_LANE_EVALUATE,
} LeafscopeLane;

/* Classifies the photo once: the file @path when given, decoded as
 * leafscope-cli diagnose does (ls_diagnoser_load_photo, LS_IMAGE_DECODE_FAST:
 * big JPEGs at reduced size, so both give the same verdict), else @image
 * (transfer full; a pasted image has no file).  Reports it, measures its evidence
 * map (ls_diagnoser_explain, coarse then fine, each stage reported; not for
 * a photo that is not_a_leaf or unusable), then describes it: the
 * description's evidence sentences then come from the map shown, and the
 * engine does not measure a second coarse map for the prompt.  Returns the
 * generation number of the job. */
guint            leafscope_worker_diagnose     (LeafscopeWorker               *self,
                                                LsImage                       *image,
                                                const char                    *path,
                                                const LeafscopeDiagnoseParams *params,
                                                const LeafscopeJobCallbacks   *callbacks,
                                                gpointer                       owner);
/* Describes @result again (Regenerate): no vision pass (the evidence map is
 * finished first if a cancelled job left it unfinished). */
guint            leafscope_worker_describe     (LeafscopeWorker               *self,
                                                LeafscopeResult               *result,
                                                const LeafscopeDiagnoseParams *params,
                                                const LeafscopeJobCallbacks   *callbacks,
                                                gpointer                       owner);
guint            leafscope_worker_evaluate     (LeafscopeWorker               *self,
                                                const char * const            *paths,
                                                float                          threshold,
                                                const LeafscopeJobCallbacks   *callbacks,
                                                gpointer                       owner);
/* Fits the scope check of the current vision model from labelled photo
 * folders (ls_calibrate_model; @validation_dir may be NULL), saves it
 * (ls_calibrate_save) and reloads the model.  Runs on the evaluation lane:
 * it replaces an evaluation, and a waiting diagnosis goes first, between two
 * batches of photos.  Cancellable with leafscope_worker_cancel. */
guint            leafscope_worker_calibrate    (LeafscopeWorker               *self,
                                                const char                    *train_dir,
                                                const char                    *validation_dir,
                                                const LeafscopeJobCallbacks   *callbacks,
                                                gpointer                       owner);
/* Loads the models now if they are not (so that ::scope-state and the
 * generation defaults become known without a photo). */
void             leafscope_worker_probe        (LeafscopeWorker *self);
/* The loaded text model's generation defaults
 * (ls_diagnoser_init_generate_options; ls_generate_options_init's without a
 * text model), stop strings left out.  FALSE until the models set last are
 * loaded (leafscope_worker_probe): then @defaults holds
 * ls_generate_options_init's.  ::models-loaded says when they change. */
gboolean         leafscope_worker_get_generate_defaults (LeafscopeWorker   *self,
                                                         LsGenerateOptions *defaults);
/* The "scope-state" property: LeafscopeScopeState of the loaded vision model,
 * updated on the main thread after each (re)load. */
LeafscopeScopeState leafscope_worker_get_scope_state (LeafscopeWorker *self);
/* Cancels the current job of @lane; its results are dropped. */
void             leafscope_worker_cancel       (LeafscopeWorker *self,
                                                LeafscopeLane    lane);

/* The language the description is asked for, as the interface shows it:
 * "pt_BR" when @names (as g_get_language_names) reach a Portuguese entry
 * (pt*) before an English one (en*, C, POSIX), else "en". */
const char      *leafscope_description_language_for (const char * const *names);
/* The same for the process's locale (g_get_language_names). */
const char      *leafscope_description_language (void);

G_END_DECLS
