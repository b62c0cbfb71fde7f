/* leafscope-worker.c: see the header. */
#include "leafscope-worker.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_QUARK (leafscope-worker-error-quark, leafscope_worker_error)

typedef enum { JOB_QUIT, JOB_DIAGNOSE, JOB_EVALUATE } JobKind;

typedef struct
{
  gint                    ref_count;
  JobKind                 kind;
  guint                   gen;
  GCancellable           *cancellable;
  GWeakRef                owner;
  LeafscopeJobCallbacks   callbacks;
  /* diagnose */
  LsImage                *image;
  LeafscopeDiagnoseParams params;
  char                   *language;
  /* evaluate */
  GStrv                   paths;
  float                   threshold;
} Job;

typedef enum { MSG_CLASSIFIED, MSG_TOKEN, MSG_ITEM, MSG_FINISHED } MsgKind;

typedef struct
{
  LeafscopeWorker *worker;   /* strong ref: released on the main thread */
  Job             *job;
  MsgKind          kind;
  LsDiagnosis     *diagnosis;
  char            *text;
  guint            index;
  GError          *error;
} Msg;

struct _LeafscopeWorker
{
  GObject       parent_instance;
  GThread      *thread;
  GAsyncQueue  *queue;
  GMainContext *context;
  /* main thread state */
  guint         gen;        /* also read atomically by the thread */
  Job          *current;
  gboolean      busy;
  /* shared with the thread, under @lock */
  GMutex        lock;
  char         *vision_dir;
  char         *text_dir;
  /* thread state */
  LsDiagnoser  *diagnoser;
  char         *loaded_vision;
  char         *loaded_text;
  char         *text_error;
};

G_DEFINE_FINAL_TYPE (LeafscopeWorker, leafscope_worker, G_TYPE_OBJECT)

static Job *
job_ref (Job *job)
{
  g_atomic_int_inc (&job->ref_count);
  return job;
}

static void
job_unref (Job *job)
{
  if (!g_atomic_int_dec_and_test (&job->ref_count))
    return;
  g_clear_object (&job->cancellable);
  g_weak_ref_clear (&job->owner);
  g_clear_pointer (&job->image, ls_image_free);
  g_free (job->language);
  g_strfreev (job->paths);
  g_free (job);
}

static void
msg_free (gpointer data)
{
  Msg *msg = data;
  g_clear_pointer (&msg->diagnosis, ls_diagnosis_free);
  g_free (msg->text);
  g_clear_error (&msg->error);
  job_unref (msg->job);
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
  if (job->gen != self->gen || g_cancellable_is_cancelled (job->cancellable))
    return G_SOURCE_REMOVE;

  if (msg->kind == MSG_FINISHED)
    self->busy = FALSE;

  owner = g_weak_ref_get (&job->owner);
  if (owner == NULL)
    return G_SOURCE_REMOVE;

  switch (msg->kind)
    {
    case MSG_CLASSIFIED:
      if (job->callbacks.classified)
        job->callbacks.classified (g_steal_pointer (&msg->diagnosis), owner);
      break;
    case MSG_TOKEN:
      if (job->callbacks.token)
        job->callbacks.token (msg->text, owner);
      break;
    case MSG_ITEM:
      if (job->callbacks.item)
        job->callbacks.item (msg->index, msg->text, msg->error, owner);
      break;
    case MSG_FINISHED:
      if (job->callbacks.finished)
        job->callbacks.finished (msg->error, owner);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static Msg *
msg_new (LeafscopeWorker *self, Job *job, MsgKind kind)
{
  Msg *msg = g_new0 (Msg, 1);
  msg->worker = g_object_ref (self);
  msg->job = job_ref (job);
  msg->kind = kind;
  return msg;
}

static void
post (LeafscopeWorker *self, Msg *msg)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, msg_dispatch, msg, msg_free);
}

static void
post_finished (LeafscopeWorker *self, Job *job, GError *error)
{
  Msg *msg = msg_new (self, job, MSG_FINISHED);
  msg->error = error;
  post (self, msg);
}

static gboolean
job_is_current (LeafscopeWorker *self, Job *job)
{
  return (guint) g_atomic_int_get ((gint *) &self->gen) == job->gen
         && !g_cancellable_is_cancelled (job->cancellable);
}

/* On the thread: loads the models asked for, once. */
static gboolean
ensure_models (LeafscopeWorker *self, GError **error)
{
  g_autofree char *vision = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;

  g_mutex_lock (&self->lock);
  vision = g_strdup (self->vision_dir);
  text = g_strdup (self->text_dir);
  g_mutex_unlock (&self->lock);

  if (vision == NULL)
    {
      g_set_error (error, LEAFSCOPE_WORKER_ERROR, LEAFSCOPE_WORKER_ERROR_VISION_MODEL,
                   _("No vision model is set. Choose one in Preferences."));
      return FALSE;
    }
  if (self->diagnoser && g_strcmp0 (vision, self->loaded_vision) == 0
      && g_strcmp0 (text, self->loaded_text) == 0)
    return TRUE;

  g_clear_pointer (&self->diagnoser, ls_diagnoser_free);
  g_clear_pointer (&self->loaded_vision, g_free);
  g_clear_pointer (&self->loaded_text, g_free);
  g_clear_pointer (&self->text_error, g_free);

  self->diagnoser = ls_diagnoser_new (vision, text, &local_error);
  if (self->diagnoser == NULL && text != NULL)
    {
      /* Maybe only the text model is at fault: keep diagnosing without it. */
      g_autoptr(GError) vision_error = NULL;
      self->diagnoser = ls_diagnoser_new (vision, NULL, &vision_error);
      if (self->diagnoser != NULL)
        {
          g_autofree char *name = g_filename_display_name (text);
          self->text_error = g_strdup_printf (_("The text model in “%s” could not be loaded: %s"),
                                              name, local_error->message);
        }
      else
        {
          g_clear_error (&local_error);
          local_error = g_steal_pointer (&vision_error);
        }
    }
  if (self->diagnoser == NULL)
    {
      g_autofree char *name = g_filename_display_name (vision);
      g_set_error (error, LEAFSCOPE_WORKER_ERROR, LEAFSCOPE_WORKER_ERROR_VISION_MODEL,
                   _("The vision model in “%s” could not be loaded: %s"), name, local_error->message);
      return FALSE;
    }
  self->loaded_vision = g_steal_pointer (&vision);
  self->loaded_text = g_steal_pointer (&text);
  return TRUE;
}

typedef struct
{
  LeafscopeWorker *self;
  Job             *job;
} TokenContext;

static gboolean
on_token (int token_id, const char *piece, gpointer user_data)
{
  TokenContext *tc = user_data;
  Msg *msg;

  if (!job_is_current (tc->self, tc->job))
    return FALSE;
  if (piece == NULL || *piece == '\0')
    return TRUE;
  msg = msg_new (tc->self, tc->job, MSG_TOKEN);
  msg->text = g_strdup (piece);
  post (tc->self, msg);
  return TRUE;
}

static void
run_diagnose (LeafscopeWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsDiagnosis) diagnosis = NULL;

  if (!ensure_models (self, &error))
    {
      post_finished (self, job, g_steal_pointer (&error));
      return;
    }
  diagnosis = ls_diagnoser_classify (self->diagnoser, job->image, job->params.threshold,
                                     job->cancellable, &error);
  if (diagnosis == NULL)
    {
      post_finished (self, job, g_steal_pointer (&error));
      return;
    }

  if (job->params.describe)
    {
      if (!ls_diagnoser_has_text_model (self->diagnoser))
        error = g_error_new_literal (LEAFSCOPE_WORKER_ERROR, LEAFSCOPE_WORKER_ERROR_NO_TEXT_MODEL,
                                     self->text_error ? self->text_error
                                                      : _("No text model is set, so no description is written."));
    }

  if (job->params.describe && error == NULL)
    {
      TokenContext tc = { self, job };
      LsGenerateStats stats;

      if (job->params.classify)
        {
          Msg *msg = msg_new (self, job, MSG_CLASSIFIED);
          /* The view gets its own copy so that the engine can describe from
           * ours meanwhile: the engine has no copy function, and classifying
           * is cheap next to generating. */
          msg->diagnosis = ls_diagnoser_classify (self->diagnoser, job->image, job->params.threshold,
                                                  job->cancellable, NULL);
          if (msg->diagnosis)
            post (self, msg);
          else
            msg_free (msg);
        }
      if (!ls_diagnoser_describe (self->diagnoser, diagnosis, job->language, &job->params.generate,
                                  on_token, &tc, &stats, job->cancellable, &error))
        {
          post_finished (self, job, g_steal_pointer (&error));
          return;
        }
      post_finished (self, job, NULL);
      return;
    }

  if (job->params.classify)
    {
      Msg *msg = msg_new (self, job, MSG_CLASSIFIED);
      msg->diagnosis = g_steal_pointer (&diagnosis);
      post (self, msg);
    }
  post_finished (self, job, g_steal_pointer (&error));
}

static void
run_evaluate (LeafscopeWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;

  if (!ensure_models (self, &error))
    {
      post_finished (self, job, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; job->paths[i] != NULL; i++)
    {
      g_autoptr(LsImage) image = NULL;
      g_autoptr(LsDiagnosis) diagnosis = NULL;
      g_autoptr(GError) item_error = NULL;
      Msg *msg;

      if (!job_is_current (self, job))
        return;
      image = ls_image_load (job->paths[i], &item_error);
      if (image)
        diagnosis = ls_diagnoser_classify (self->diagnoser, image, job->threshold, job->cancellable, &item_error);
      if (g_error_matches (item_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      msg = msg_new (self, job, MSG_ITEM);
      msg->index = i;
      if (diagnosis)
        msg->text = g_strdup (diagnosis->labels[diagnosis->top_index]);
      else
        msg->error = g_steal_pointer (&item_error);
      post (self, msg);
    }
  post_finished (self, job, NULL);
}

static gpointer
worker_thread (gpointer data)
{
  LeafscopeWorker *self = data;

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);
      if (job->kind == JOB_QUIT)
        {
          job_unref (job);
          break;
        }
      if (job_is_current (self, job))
        {
          if (job->kind == JOB_DIAGNOSE)
            run_diagnose (self, job);
          else
            run_evaluate (self, job);
        }
      job_unref (job);
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
      Job *quit = g_new0 (Job, 1);
      quit->ref_count = 1;
      quit->kind = JOB_QUIT;
      g_weak_ref_init (&quit->owner, NULL);
      leafscope_worker_cancel (self);
      g_async_queue_push (self->queue, quit);
      /* The current job stops within one token once cancelled. */
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  g_clear_pointer (&self->current, job_unref);
  G_OBJECT_CLASS (leafscope_worker_parent_class)->dispose (object);
}

static void
leafscope_worker_finalize (GObject *object)
{
  LeafscopeWorker *self = LEAFSCOPE_WORKER (object);
  g_async_queue_unref (self->queue);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self->vision_dir);
  g_free (self->text_dir);
  g_free (self->loaded_vision);
  g_free (self->loaded_text);
  g_free (self->text_error);
  G_OBJECT_CLASS (leafscope_worker_parent_class)->finalize (object);
}

static void
leafscope_worker_class_init (LeafscopeWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = leafscope_worker_dispose;
  object_class->finalize = leafscope_worker_finalize;
}

static void
leafscope_worker_init (LeafscopeWorker *self)
{
  g_mutex_init (&self->lock);
  self->queue = g_async_queue_new ();
  self->context = g_main_context_ref_thread_default ();
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
  g_mutex_lock (&self->lock);
  g_free (self->vision_dir);
  g_free (self->text_dir);
  self->vision_dir = g_strdup (vision_dir);
  self->text_dir = text_dir && *text_dir ? g_strdup (text_dir) : NULL;
  g_mutex_unlock (&self->lock);
}

static Job *
job_new (LeafscopeWorker *self, JobKind kind, const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job = g_new0 (Job, 1);
  job->ref_count = 1;
  job->kind = kind;
  job->cancellable = g_cancellable_new ();
  g_weak_ref_init (&job->owner, owner);
  if (callbacks)
    job->callbacks = *callbacks;
  return job;
}

static guint
submit (LeafscopeWorker *self, Job *job)
{
  leafscope_worker_cancel (self);
  job->gen = (guint) g_atomic_int_add ((gint *) &self->gen, 1) + 1;
  self->current = job_ref (job);
  self->busy = TRUE;
  g_async_queue_push (self->queue, job);
  return job->gen;
}

guint
leafscope_worker_diagnose (LeafscopeWorker *self, LsImage *image, const LeafscopeDiagnoseParams *params,
                           const LeafscopeJobCallbacks *callbacks, gpointer owner)
{
  Job *job;

  g_return_val_if_fail (LEAFSCOPE_IS_WORKER (self), 0);
  g_return_val_if_fail (image != NULL && params != NULL, 0);
  job = job_new (self, JOB_DIAGNOSE, callbacks, owner);
  job->image = image;
  job->params = *params;
  job->language = g_strdup (params->language ? params->language : "en");
  job->params.language = job->language;
  job->params.generate.stop_strings = NULL;
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

void
leafscope_worker_cancel (LeafscopeWorker *self)
{
  Job *job = g_steal_pointer (&self->current);
  gboolean was_busy = self->busy;

  self->busy = FALSE;
  if (job == NULL)
    return;
  g_cancellable_cancel (job->cancellable);
  if (was_busy && job->callbacks.cancelled)
    {
      g_autoptr(GObject) owner = g_weak_ref_get (&job->owner);
      if (owner)
        job->callbacks.cancelled (owner);
    }
  job_unref (job);
}

guint
leafscope_worker_get_generation (LeafscopeWorker *self)
{
  return self->gen;
}

gboolean
leafscope_worker_is_busy (LeafscopeWorker *self)
{
  return self->busy;
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
