/* leafscope-worker.h: the one thread that owns the models and runs the engine.
 *
 * Jobs run one at a time.  Submitting a job cancels the running one; every
 * job carries a generation number and the results of a job that is no longer
 * the current one are dropped on the main thread, so they never appear.  All
 * callbacks run on the main context the worker was created in, and only while
 * @owner (held weakly) is alive. */
#pragma once

#include <gio/gio.h>
#include "diagnose.h"

G_BEGIN_DECLS

#define LEAFSCOPE_WORKER_ERROR (leafscope_worker_error_quark ())
typedef enum {
  LEAFSCOPE_WORKER_ERROR_VISION_MODEL,  /* the vision model folder does not load */
  LEAFSCOPE_WORKER_ERROR_NO_TEXT_MODEL, /* no text model, or it does not load */
} LeafscopeWorkerError;
GQuark leafscope_worker_error_quark (void);

typedef struct {
  /* A diagnose job: the classification (transfer full). */
  void (*classified) (LsDiagnosis *diagnosis, gpointer owner);
  /* A diagnose job: one piece of the description. */
  void (*token)      (const char *piece, gpointer owner);
  /* An evaluate job: photo @index was classified as @label, or failed. */
  void (*item)       (guint index, const char *label, const GError *error, gpointer owner);
  /* The job ended: @error NULL on success.  Not called for a job that was
   * cancelled or replaced. */
  void (*finished)   (const GError *error, gpointer owner);
  /* The job was cancelled or replaced before it finished (called from
   * leafscope_worker_cancel or the next submission, on the main thread). */
  void (*cancelled)  (gpointer owner);
} LeafscopeJobCallbacks;

typedef struct {
  float             threshold;    /* uncertainty threshold 0..1 */
  gboolean          classify;     /* report the classification (FALSE: regenerate text only) */
  gboolean          describe;     /* stream a description after classifying */
  const char       *language;     /* "en", "pt_BR" */
  LsGenerateOptions generate;
} LeafscopeDiagnoseParams;

#define LEAFSCOPE_TYPE_WORKER (leafscope_worker_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeWorker, leafscope_worker, LEAFSCOPE, WORKER, GObject)

LeafscopeWorker *leafscope_worker_new          (void);
/* Takes effect at the next job; @text_dir NULL: no descriptions. */
void             leafscope_worker_set_models   (LeafscopeWorker *self,
                                                const char      *vision_dir,
                                                const char      *text_dir);
/* Returns the generation number of the job. */
guint            leafscope_worker_diagnose     (LeafscopeWorker               *self,
                                                LsImage                       *image,
                                                const LeafscopeDiagnoseParams *params,
                                                const LeafscopeJobCallbacks   *callbacks,
                                                gpointer                       owner);
guint            leafscope_worker_evaluate     (LeafscopeWorker               *self,
                                                const char * const            *paths,
                                                float                          threshold,
                                                const LeafscopeJobCallbacks   *callbacks,
                                                gpointer                       owner);
/* Cancels the current job; its results are dropped. */
void             leafscope_worker_cancel       (LeafscopeWorker *self);
/* The generation of the current (latest) job; 0 before any. */
guint            leafscope_worker_get_generation (LeafscopeWorker *self);
/* TRUE while the current job has not finished. */
gboolean         leafscope_worker_is_busy      (LeafscopeWorker *self);

/* The language the description is asked for, as the interface shows it:
 * "pt_BR" when @names (as g_get_language_names) reach a Portuguese entry
 * (pt*) before an English one (en*, C, POSIX), else "en". */
const char      *leafscope_description_language_for (const char * const *names);
/* The same for the process's locale (g_get_language_names). */
const char      *leafscope_description_language (void);

G_END_DECLS
