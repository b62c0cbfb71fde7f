/* leafscope-worker-private.h: the worker's insides, shared by
 * leafscope-worker.c (the thread, its lanes and queue, the messages to the
 * main thread, the API) and leafscope-worker-jobs.c (the jobs run on the
 * thread: diagnose, evaluate, calibrate); and counters for tests
 * (tests/test-gui-*.c). */
#pragma once

#include "leafscope-worker.h"

G_BEGIN_DECLS

/* The generation of the latest job of any lane; 0 before any. */
guint            leafscope_worker_get_generation (LeafscopeWorker *self);
/* How many times the vision model ran on a photo to be diagnosed (not
 * counting evaluations): one per photo, none for Regenerate. */
guint            leafscope_worker_get_n_vision_passes (LeafscopeWorker *self);

typedef enum { JOB_DIAGNOSE, JOB_EVALUATE, JOB_CALIBRATE } JobKind;

typedef struct
{
  gint                    ref_count;
  JobKind                 kind;
  LeafscopeLane           lane;
  guint                   gen;
  GCancellable           *cancellable;
  GWeakRef                owner;
  LeafscopeJobCallbacks   callbacks;
  /* diagnose */
  LsImage                *image;    /* when there is no @path */
  char                   *path;     /* the photo's file */
  LeafscopeResult        *result;   /* describe only (Regenerate) */
  LeafscopeDiagnoseParams params;
  char                   *language;
  /* evaluate */
  GStrv                   paths;
  guint                   next;     /* the next photo, on the thread */
  float                   threshold;
  /* calibrate */
  char                   *train_dir;
  char                   *validation_dir;
} Job;

typedef enum { MSG_CLASSIFIED, MSG_EVIDENCE, MSG_TOKEN, MSG_ITEM, MSG_FINISHED, MSG_PROGRESS, MSG_CALIBRATED } MsgKind;

typedef struct
{
  LeafscopeWorker *worker;   /* strong ref: released on the main thread */
  Job             *job;
  MsgKind          kind;
  LeafscopeResult *result;
  char            *text;
  guint            index;
  LsDiagnosisStatus status;
  guint            total;
  LsCalibrateReport report;
  LsEvidenceMap   *map;
  LsFindings       findings;
  GError          *error;
} Msg;

#define N_LANES 2

struct _LeafscopeWorker
{
  GObject       parent_instance;
  GThread      *thread;
  GMainContext *context;
  /* main thread state */
  guint         gen;
  Job          *current[N_LANES];
  /* shared with the thread, under @lock */
  GMutex        lock;
  GCond         cond;
  GQueue        diagnoses;   /* Job: waiting diagnoses, first come first */
  Job          *evaluation;  /* the evaluation in progress */
  gboolean      quit;
  char         *vision_dir;
  char         *text_dir;
  guint         n_vision_passes;
  gboolean      probe;
  /* main thread state */
  LeafscopeScopeState scope_state;
  gboolean          defaults_known;    /* for the models set last */
  LsGenerateOptions generate_defaults; /* without stop strings */
  /* thread state */
  LsDiagnoser  *diagnoser;
  char         *loaded_vision;
  char         *loaded_text;
  char         *text_error;
};

void     leafscope_worker_job_unref     (Job *job);
Msg     *leafscope_worker_msg_new       (LeafscopeWorker *self, Job *job, MsgKind kind);
/* Hands @msg to the main thread; takes it. */
void     leafscope_worker_post          (LeafscopeWorker *self, Msg *msg);
/* Takes @error. */
void     leafscope_worker_post_finished (LeafscopeWorker *self, Job *job, GError *error);
void     leafscope_worker_post_loaded   (LeafscopeWorker *self, const char *vision, const char *text);

/* Replaced jobs are cancelled by the submission that replaces them. */
static inline gboolean
leafscope_worker_job_is_current (Job *job)
{
  return !g_cancellable_is_cancelled (job->cancellable);
}

/* leafscope-worker-jobs.c, on the thread. */
gboolean leafscope_worker_ensure_models      (LeafscopeWorker *self, GError **error);
void     leafscope_worker_run_diagnose       (LeafscopeWorker *self, Job *job);
/* TRUE when the evaluation is over. */
gboolean leafscope_worker_run_evaluate_step  (LeafscopeWorker *self, Job *job);
void     leafscope_worker_run_calibrate      (LeafscopeWorker *self, Job *job);

G_END_DECLS
