/* leafscope-worker.c: see the header. */
#include "config.h"

#include "leafscope-worker-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_QUARK (leafscope-worker-error-quark, leafscope_worker_error)

G_DEFINE_FINAL_TYPE (LeafscopeWorker, leafscope_worker, G_TYPE_OBJECT)

enum { PROP_0, PROP_SCOPE_STATE, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_MODELS_LOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

static Job *
job_ref (Job *job)
{
  g_atomic_int_inc (&job->ref_count);
  return job;
}

void
leafscope_worker_job_unref (Job *job)
{
  if (!g_atomic_int_dec_and_test (&job->ref_count))
    return;
  g_clear_object (&job->cancellable);
  g_weak_ref_clear (&job->owner);
  g_clear_pointer (&job->image, ls_image_free);
  g_free (job->path);
  g_clear_object (&job->result);
  g_free (job->language);
  g_strfreev (job->paths);
  g_free (job->train_dir);
  g_free (job->validation_dir);
  g_free (job);
}

static void
msg_free (gpointer data)
{
  Msg *msg = data;
  g_clear_object (&msg->result);
  g_clear_pointer (&msg->map, ls_evidence_map_free);
  g_free (msg->text);
  g_clear_error (&msg->error);
  leafscope_worker_job_unref (msg->job);
  g_object_unref (msg->worker);
  g_free (msg);
}

static gboolean
msg_dispatch (gpointer data)
{
  Msg *msg = data;
  LeafscopeWorker *self = msg->worker;
  Job *job = msg->job;
  g_autoptr(GObject) owner = NULL;

  /* A replaced or cancelled job never shows anything. */
  if (job != self->current[job->lane] || g_cancellable_is_cancelled (job->cancellable))
    return G_SOURCE_REMOVE;

  if (msg->kind == MSG_FINISHED)
    g_clear_pointer (&self->current[job->lane], leafscope_worker_job_unref);

  owner = g_weak_ref_get (&job->owner);
  if (owner == NULL)
    return G_SOURCE_REMOVE;

  switch (msg->kind)
    {
    case MSG_CLASSIFIED:
      if (job->callbacks.classified)
        job->callbacks.classified (msg->result, owner);
      break;
    case MSG_EVIDENCE:
      if (job->callbacks.evidence)
        job->callbacks.evidence (msg->map, &msg->findings, owner);
      break;
    case MSG_TOKEN:
      if (job->callbacks.token)
        job->callbacks.token (msg->text, owner);
      break;
    case MSG_ITEM:
      if (job->callbacks.item)
        job->callbacks.item (msg->index, msg->text, msg->status, msg->error, owner);
      break;
    case MSG_FINISHED:
      if (job->callbacks.finished)
        job->callbacks.finished (msg->error, owner);
      break;
    case MSG_PROGRESS:
      if (job->callbacks.progress)
        job->callbacks.progress (msg->text, msg->index, msg->total, owner);
      break;
    case MSG_CALIBRATED:
      if (job->callbacks.calibrated)
        job->callbacks.calibrated (&msg->report, msg->text, owner);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

Msg *
leafscope_worker_msg_new (LeafscopeWorker *self, Job *job, MsgKind kind)
{
  Msg *msg = g_new0 (Msg, 1);
  msg->worker = g_object_ref (self);
  msg->job = job_ref (job);
  msg->kind = kind;
  return msg;
}

void
leafscope_worker_post (LeafscopeWorker *self, Msg *msg)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, msg_dispatch, msg, msg_free);
}

void
leafscope_worker_post_finished (LeafscopeWorker *self, Job *job, GError *error)
{
  Msg *msg = leafscope_worker_msg_new (self, job, MSG_FINISHED);
  msg->error = error;
  leafscope_worker_post (self, msg);
}

typedef struct
{
  LeafscopeWorker    *worker;
  LeafscopeScopeState state;
  char               *vision_dir;  /* the models it is about */
  char               *text_dir;
  LsGenerateOptions   defaults;
} LoadedMsg;

static gboolean
loaded_dispatch (gpointer data)
{
  LoadedMsg *msg = data;
  LeafscopeWorker *self = msg->worker;
  gboolean current;

  if (self->scope_state != msg->state)
    {
      self->scope_state = msg->state;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SCOPE_STATE]);
    }
  /* The defaults of models set since then are not known yet. */
  g_mutex_lock (&self->lock);
  current = g_strcmp0 (msg->vision_dir, self->vision_dir) == 0 && g_strcmp0 (msg->text_dir, self->text_dir) == 0;
  g_mutex_unlock (&self->lock);
  if (current)
    {
      self->defaults_known = TRUE;
      self->generate_defaults = msg->defaults;
      g_signal_emit (self, signals[SIGNAL_MODELS_LOADED], 0);
    }
  return G_SOURCE_REMOVE;
}

static void
loaded_msg_free (gpointer data)
{
  LoadedMsg *msg = data;
  g_object_unref (msg->worker);
  g_free (msg->vision_dir);
  g_free (msg->text_dir);
  g_free (msg);
}

/* On the thread, after a (re)load of @vision and @text: tells the main
 * thread the scope state and the generation defaults. */
void
leafscope_worker_post_loaded (LeafscopeWorker *self, const char *vision, const char *text)
{
  LoadedMsg *msg = g_new0 (LoadedMsg, 1);
  msg->worker = g_object_ref (self);
  msg->state = self->diagnoser == NULL ? LEAFSCOPE_SCOPE_UNKNOWN
               : ls_diagnoser_get_scope (self->diagnoser, NULL) ? LEAFSCOPE_SCOPE_ON : LEAFSCOPE_SCOPE_OFF;
  msg->vision_dir = g_strdup (vision);
  msg->text_dir = g_strdup (text);
  if (self->diagnoser != NULL && ls_diagnoser_has_text_model (self->diagnoser))
    ls_diagnoser_init_generate_options (self->diagnoser, &msg->defaults);
  else
    ls_generate_options_init (&msg->defaults);
  /* They belong to the diagnoser, on this thread. */
  msg->defaults.stop_strings = NULL;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, loaded_dispatch, msg, loaded_msg_free);
}


static gpointer
worker_thread (gpointer data)
{
  LeafscopeWorker *self = data;

  for (;;)
    {
      Job *job;
      gboolean evaluate;

      g_mutex_lock (&self->lock);
      while (!self->quit && g_queue_is_empty (&self->diagnoses) && self->evaluation == NULL && !self->probe)
        g_cond_wait (&self->cond, &self->lock);
      if (self->quit)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      if (self->probe && g_queue_is_empty (&self->diagnoses) && self->evaluation == NULL)
        {
          g_autoptr(GError) error = NULL;
          self->probe = FALSE;
          g_mutex_unlock (&self->lock);
          /* Errors show with the next job that needs the model.  Models
           * loaded before are announced again: the ones set may have gone
           * back to them since. */
          if (leafscope_worker_ensure_models (self, &error))
            leafscope_worker_post_loaded (self, self->loaded_vision, self->loaded_text);
          continue;
        }
      /* A waiting diagnosis goes before the next photo of an evaluation. */
      evaluate = g_queue_is_empty (&self->diagnoses);
      job = evaluate ? job_ref (self->evaluation) : g_queue_pop_head (&self->diagnoses);
      g_mutex_unlock (&self->lock);

      if (!evaluate)
        {
          if (leafscope_worker_job_is_current (job))
            leafscope_worker_run_diagnose (self, job);
        }
      else if (job->kind == JOB_CALIBRATE)
        {
          /* One job: it runs waiting diagnoses between its batches. */
          if (leafscope_worker_job_is_current (job))
            leafscope_worker_run_calibrate (self, job);
          g_mutex_lock (&self->lock);
          if (self->evaluation == job)
            {
              self->evaluation = NULL;
              leafscope_worker_job_unref (job);
            }
          g_mutex_unlock (&self->lock);
        }
      else if (leafscope_worker_run_evaluate_step (self, job))
        {
          g_mutex_lock (&self->lock);
          if (self->evaluation == job)
            {
              self->evaluation = NULL;
              leafscope_worker_job_unref (job);
            }
          g_mutex_unlock (&self->lock);
        }
      leafscope_worker_job_unref (job);
    }
  g_clear_pointer (&self->diagnoser, ls_diagnoser_free);
  return NULL;
}

static void
leafscope_worker_dispose (GObject *object)
{
  LeafscopeWorker *self = LEAFSCOPE_WORKER (object);

  if (self->thread)
    {
      leafscope_worker_cancel (self, LEAFSCOPE_LANE_DIAGNOSE);
      leafscope_worker_cancel (self, LEAFSCOPE_LANE_EVALUATE);
      g_mutex_lock (&self->lock);
      self->quit = TRUE;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
      /* The current job stops within one token once cancelled. */
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  g_queue_clear_full (&self->diagnoses, (GDestroyNotify) leafscope_worker_job_unref);
  g_clear_pointer (&self->evaluation, leafscope_worker_job_unref);
  for (int i = 0; i < N_LANES; i++)
    g_clear_pointer (&self->current[i], leafscope_worker_job_unref);
  G_OBJECT_CLASS (leafscope_worker_parent_class)->dispose (object);
}

static void
leafscope_worker_finalize (GObject *object)
{
  LeafscopeWorker *self = LEAFSCOPE_WORKER (object);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->vision_dir);
  g_free (self->text_dir);
  g_free (self->loaded_vision);
  g_free (self->loaded_text);
  g_free (self->text_error);
  G_OBJECT_CLASS (leafscope_worker_parent_class)->finalize (object);
}

static void
leafscope_worker_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SCOPE_STATE:
      g_value_set_int (value, LEAFSCOPE_WORKER (object)->scope_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leafscope_worker_class_init (LeafscopeWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = leafscope_worker_dispose;
  object_class->finalize = leafscope_worker_finalize;
  object_class->get_property = leafscope_worker_get_property;
  props[PROP_SCOPE_STATE] = g_param_spec_int ("scope-state", NULL, NULL, LEAFSCOPE_SCOPE_UNKNOWN,
                                              LEAFSCOPE_SCOPE_OFF, LEAFSCOPE_SCOPE_UNKNOWN,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  /* The models set last were loaded: leafscope_worker_get_generate_defaults
   * has their defaults. */
  signals[SIGNAL_MODELS_LOADED] = g_signal_new ("models-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
leafscope_worker_init (LeafscopeWorker *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->diagnoses);
  self->context = g_main_context_ref_thread_default ();
  ls_generate_options_init (&self->generate_defaults);
}

LeafscopeWorker *
leafscope_worker_new (void)
{
  LeafscopeWorker *self = g_object_new (LEAFSCOPE_TYPE_WORKER, NULL);
  /* Messages hold a ref on the worker, so the thread never outlives it; the
   * thread itself holds none (dispose joins it). */
  self->thread = g_thread_new ("leafscope-worker", worker_thread, self);
  return self;
}

void
leafscope_worker_set_models (LeafscopeWorker *self, const char *vision_dir, const char *text_dir)
{
  const char *text = text_dir && *text_dir ? text_dir : NULL;

  g_mutex_lock (&self->lock);
  if (g_strcmp0 (vision_dir, self->vision_dir) != 0 || g_strcmp0 (text, self->text_dir) != 0)
    {
      /* Until these are loaded (leafscope_worker_probe). */
      self->defaults_known = FALSE;
      ls_generate_options_init (&self->generate_defaults);
    }
  g_free (self->vision_dir);
  g_free (self->text_dir);
  self->vision_dir = g_strdup (vision_dir);
  self->text_dir = g_strdup (text);
  g_mutex_unlock (&self->lock);
}

gboolean
leafscope_worker_get_generate_defaults (LeafscopeWorker *self, LsGenerateOptions *defaults)
{
  g_return_val_if_fail (LEAFSCOPE_IS_WORKER (self), FALSE);
  *defaults = self->generate_defaults;
  return self->defaults_known;
}

static Job *
job_new (LeafscopeWorker *self, JobKind kind, const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job = g_new0 (Job, 1);
  job->ref_count = 1;
  job->kind = kind;
  job->lane = kind == JOB_DIAGNOSE ? LEAFSCOPE_LANE_DIAGNOSE : LEAFSCOPE_LANE_EVALUATE;
  job->cancellable = g_cancellable_new ();
  g_weak_ref_init (&job->owner, owner);
  if (callbacks)
    job->callbacks = *callbacks;
  return job;
}

/* Takes @job. */
static guint
submit (LeafscopeWorker *self, Job *job)
{
  leafscope_worker_cancel (self, job->lane);
  job->gen = ++self->gen;
  self->current[job->lane] = job_ref (job);
  g_mutex_lock (&self->lock);
  if (job->lane == LEAFSCOPE_LANE_EVALUATE)
    {
      g_clear_pointer (&self->evaluation, leafscope_worker_job_unref);
      self->evaluation = job;
    }
  else
    g_queue_push_tail (&self->diagnoses, job);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  return self->gen;
}

static Job *
diagnose_job_new (LeafscopeWorker *self, const LeafscopeDiagnoseParams *params,
                  const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job = job_new (self, JOB_DIAGNOSE, callbacks, owner);
  job->params = *params;
  job->language = g_strdup (params->language ? params->language : "en");
  job->params.language = job->language;
  return job;
}

guint
leafscope_worker_diagnose (LeafscopeWorker *self, LsImage *image, const char *path,
                           const LeafscopeDiagnoseParams *params,
                           const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job;

  g_return_val_if_fail (LEAFSCOPE_IS_WORKER (self), 0);
  g_return_val_if_fail ((image != NULL || path != NULL) && params != NULL, 0);
  job = diagnose_job_new (self, params, callbacks, owner);
  /* The file wins: it is decoded on the thread as the CLI does. */
  if (path != NULL)
    {
      job->path = g_strdup (path);
      g_clear_pointer (&image, ls_image_free);
    }
  job->image = image;
  return submit (self, job);
}

guint
leafscope_worker_describe (LeafscopeWorker *self, LeafscopeResult *result, const LeafscopeDiagnoseParams *params,
                           const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job;

  g_return_val_if_fail (LEAFSCOPE_IS_WORKER (self), 0);
  g_return_val_if_fail (LEAFSCOPE_IS_RESULT (result) && params != NULL, 0);
  job = diagnose_job_new (self, params, callbacks, owner);
  job->result = g_object_ref (result);
  job->params.describe = TRUE;
  return submit (self, job);
}

guint
leafscope_worker_evaluate (LeafscopeWorker *self, const char * const *paths, float threshold,
                           const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job;

  g_return_val_if_fail (LEAFSCOPE_IS_WORKER (self), 0);
  job = job_new (self, JOB_EVALUATE, callbacks, owner);
  job->paths = g_strdupv ((char **) paths);
  job->threshold = threshold;
  return submit (self, job);
}

guint
leafscope_worker_calibrate (LeafscopeWorker *self, const char *train_dir, const char *validation_dir,
                            const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job;

  g_return_val_if_fail (LEAFSCOPE_IS_WORKER (self), 0);
  g_return_val_if_fail (train_dir != NULL, 0);
  job = job_new (self, JOB_CALIBRATE, callbacks, owner);
  job->train_dir = g_strdup (train_dir);
  job->validation_dir = g_strdup (validation_dir);
  return submit (self, job);
}

void
leafscope_worker_probe (LeafscopeWorker *self)
{
  g_return_if_fail (LEAFSCOPE_IS_WORKER (self));
  g_mutex_lock (&self->lock);
  self->probe = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

LeafscopeScopeState
leafscope_worker_get_scope_state (LeafscopeWorker *self)
{
  g_return_val_if_fail (LEAFSCOPE_IS_WORKER (self), LEAFSCOPE_SCOPE_UNKNOWN);
  return self->scope_state;
}

void
leafscope_worker_cancel (LeafscopeWorker *self, LeafscopeLane lane)
{
  Job *job;

  g_return_if_fail (lane < N_LANES);
  /* Finished jobs leave current[]: only an unfinished one calls back. */
  job = g_steal_pointer (&self->current[lane]);
  if (job == NULL)
    return;
  g_cancellable_cancel (job->cancellable);
  if (job->callbacks.cancelled)
    {
      g_autoptr(GObject) owner = g_weak_ref_get (&job->owner);
      if (owner)
        job->callbacks.cancelled (owner);
    }
  leafscope_worker_job_unref (job);
}

guint
leafscope_worker_get_generation (LeafscopeWorker *self)
{
  return self->gen;
}

guint
leafscope_worker_get_n_vision_passes (LeafscopeWorker *self)
{
  guint n;
  g_mutex_lock (&self->lock);
  n = self->n_vision_passes;
  g_mutex_unlock (&self->lock);
  return n;
}

const char *
leafscope_description_language_for (const char * const *names)
{
  /* The interface's language is the first of @names with a catalogue:
   * English is the source, pt_BR the one translation, so the first entry
   * that is either decides ("C" and "POSIX" are English). */
  for (gsize i = 0; names && names[i]; i++)
    {
      if (g_str_has_prefix (names[i], "pt"))
        return "pt_BR";
      if (g_str_has_prefix (names[i], "en") || g_str_equal (names[i], "C") || g_str_equal (names[i], "POSIX"))
        return "en";
    }
  return "en";
}

const char *
leafscope_description_language (void)
{
  return leafscope_description_language_for (g_get_language_names ());
}
