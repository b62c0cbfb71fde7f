/* leafscope-worker-jobs.c: the jobs the worker's thread runs (loading the
 * models, diagnose and describe, one photo of an evaluation, calibrate);
 * the thread and its queue are in leafscope-worker.c. */
#include "config.h"

#include "leafscope-worker-private.h"

#include <glib/gi18n-lib.h>

/* On the thread: loads the models asked for, once. */
gboolean
leafscope_worker_ensure_models (LeafscopeWorker *self, GError **error)
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
  leafscope_worker_post_loaded (self, vision, text);
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

  if (!leafscope_worker_job_is_current (tc->job))
    return FALSE;
  if (piece == NULL || *piece == '\0')
    return TRUE;
  msg = leafscope_worker_msg_new (tc->self, tc->job, MSG_TOKEN);
  msg->text = g_strdup (piece);
  leafscope_worker_post (tc->self, msg);
  return TRUE;
}

typedef struct
{
  LeafscopeWorker *self;
  Job             *job;
  LsDiagnosis     *diagnosis;
} EvidenceContext;

static gboolean
on_evidence (const LsEvidenceMap *map, gpointer user_data)
{
  EvidenceContext *ec = user_data;
  Msg *msg;

  if (!leafscope_worker_job_is_current (ec->job))
    return FALSE;
  msg = leafscope_worker_msg_new (ec->self, ec->job, MSG_EVIDENCE);
  msg->map = ls_evidence_map_copy (map);
  msg->findings = ec->diagnosis->findings;
  leafscope_worker_post (ec->self, msg);
  return TRUE;
}

/* The evidence map of @result's diagnosis, coarse then fine, each stage
 * posted; nothing for a photo the model does not judge, or one whose map is
 * finished.  Errors other than cancelling only end the map. */
static void
explain (LeafscopeWorker *self, Job *job, LeafscopeResult *result)
{
  LsDiagnosis *d = leafscope_result_get_diagnosis_to_explain (result);
  EvidenceContext ec = { self, job, d };
  g_autoptr(GError) error = NULL;

  if (d->status == LS_DIAGNOSIS_NOT_A_LEAF || d->status == LS_DIAGNOSIS_UNUSABLE
      || (d->evidence != NULL && d->evidence->final))
    return;
  if (!ls_diagnoser_explain (self->diagnoser, d, NULL, on_evidence, &ec, job->cancellable, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_message ("no evidence map: %s", error->message);
      leafscope_worker_post (self, leafscope_worker_msg_new (self, job, MSG_EVIDENCE));
    }
}

void
leafscope_worker_run_diagnose (LeafscopeWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LeafscopeResult) result = job->result ? g_object_ref (job->result) : NULL;

  if (!leafscope_worker_ensure_models (self, &error))
    {
      leafscope_worker_post_finished (self, job, g_steal_pointer (&error));
      return;
    }
  if (result == NULL)
    {
      g_autoptr(LsImage) photo = NULL;
      LsDiagnosis *diagnosis = NULL;
      Msg *msg;

      /* As leafscope-cli diagnose decodes a file (issue 16): the same photo
       * gives the same verdict in both. */
      if (job->path != NULL)
        photo = ls_diagnoser_load_photo (self->diagnoser, job->path, LS_IMAGE_DECODE_FAST, &error);
      if (job->path == NULL || photo != NULL)
        diagnosis = ls_diagnoser_classify (self->diagnoser, photo ? photo : job->image, job->params.threshold,
                                           job->cancellable, &error);

      g_mutex_lock (&self->lock);
      self->n_vision_passes++;
      g_mutex_unlock (&self->lock);
      if (diagnosis == NULL)
        {
          leafscope_worker_post_finished (self, job, g_steal_pointer (&error));
          return;
        }
      /* One pass: the view and the description share this result. */
      result = leafscope_result_new (diagnosis, self->loaded_vision);
      msg = leafscope_worker_msg_new (self, job, MSG_CLASSIFIED);
      msg->result = g_object_ref (result);
      leafscope_worker_post (self, msg);
    }
  explain (self, job, result);
  if (!leafscope_worker_job_is_current (job))
    return;

  if (job->params.describe && !ls_diagnoser_has_text_model (self->diagnoser))
    error = g_error_new_literal (LEAFSCOPE_WORKER_ERROR, LEAFSCOPE_WORKER_ERROR_NO_TEXT_MODEL,
                                 self->text_error ? self->text_error
                                                  : _("No text model is set, so no description is written."));
  else if (job->params.describe)
    {
      TokenContext tc = { self, job };
      LsGenerateStats stats;
      LsGenerateOptions options;

      /* As leafscope-cli diagnose: the text model's defaults, then what the
       * user changed. */
      ls_diagnoser_init_generate_options (self->diagnoser, &options);
      leafscope_generate_overrides_apply (&job->params.overrides, &options);
      options.seed = job->params.seed;
      ls_diagnoser_describe (self->diagnoser, leafscope_result_get_diagnosis (result), job->language,
                             &options, on_token, &tc, &stats, job->cancellable, &error);
    }
  leafscope_worker_post_finished (self, job, g_steal_pointer (&error));
}

/* One photo of an evaluation; TRUE when the evaluation is over. */
gboolean
leafscope_worker_run_evaluate_step (LeafscopeWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsImage) image = NULL;
  g_autoptr(LsDiagnosis) diagnosis = NULL;
  g_autoptr(GError) item_error = NULL;
  guint i = job->next;
  Msg *msg;

  if (!leafscope_worker_job_is_current (job))
    return TRUE;
  if (!leafscope_worker_ensure_models (self, &error))
    {
      leafscope_worker_post_finished (self, job, g_steal_pointer (&error));
      return TRUE;
    }
  if (job->paths[i] == NULL)
    {
      leafscope_worker_post_finished (self, job, NULL);
      return TRUE;
    }
  /* Decoded as leafscope-cli diagnose decodes it (big JPEGs at reduced
   * size), so a row agrees with the verdict the photo gets when opened. */
  image = ls_diagnoser_load_photo (self->diagnoser, job->paths[i], LS_IMAGE_DECODE_FAST, &item_error);
  if (image)
    diagnosis = ls_diagnoser_classify (self->diagnoser, image, job->threshold, job->cancellable, &item_error);
  if (g_error_matches (item_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TRUE;
  msg = leafscope_worker_msg_new (self, job, MSG_ITEM);
  msg->index = i;
  if (diagnosis)
    {
      msg->text = g_strdup (diagnosis->labels[diagnosis->top_index]);
      msg->status = diagnosis->status;
    }
  else
    msg->error = g_steal_pointer (&item_error);
  leafscope_worker_post (self, msg);
  job->next++;
  if (job->paths[job->next] == NULL)
    {
      leafscope_worker_post_finished (self, job, NULL);
      return TRUE;
    }
  return FALSE;
}

/* Runs the diagnoses waiting now (between two batches of a calibration). */
static void
run_waiting_diagnoses (LeafscopeWorker *self)
{
  for (;;)
    {
      Job *job;
      g_mutex_lock (&self->lock);
      job = g_queue_pop_head (&self->diagnoses);
      g_mutex_unlock (&self->lock);
      if (job == NULL)
        return;
      if (leafscope_worker_job_is_current (job))
        leafscope_worker_run_diagnose (self, job);
      leafscope_worker_job_unref (job);
    }
}

typedef struct
{
  LeafscopeWorker *self;
  Job             *job;
} CalibrateContext;

static gboolean
on_calibrate_progress (const char *stage, int done, int total, gpointer user_data)
{
  CalibrateContext *cc = user_data;
  Msg *msg;

  if (!leafscope_worker_job_is_current (cc->job))
    return FALSE;
  msg = leafscope_worker_msg_new (cc->self, cc->job, MSG_PROGRESS);
  msg->text = g_strdup (stage);
  msg->index = (guint) done;
  msg->total = (guint) total;
  leafscope_worker_post (cc->self, msg);
  /* A photo opened meanwhile shows its verdict after one batch. */
  run_waiting_diagnoses (cc->self);
  return leafscope_worker_job_is_current (cc->job);
}

/* The whole calibration, as one job. */
void
leafscope_worker_run_calibrate (LeafscopeWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsScope) scope = NULL;
  g_autofree char *vision = NULL;
  g_autofree char *written = NULL;
  CalibrateContext cc = { self, job };
  LsCalibrateReport report = { 0 };
  Msg *msg;

  g_mutex_lock (&self->lock);
  vision = g_strdup (self->vision_dir);
  g_mutex_unlock (&self->lock);
  if (vision == NULL)
    {
      leafscope_worker_post_finished (self, job, g_error_new_literal (LEAFSCOPE_WORKER_ERROR, LEAFSCOPE_WORKER_ERROR_VISION_MODEL,
                                                     _("No vision model is set. Choose one in Preferences.")));
      return;
    }
  scope = ls_calibrate_model (vision, job->train_dir, job->validation_dir, on_calibrate_progress, &cc,
                              &report, job->cancellable, &error);
  if (scope == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        leafscope_worker_post_finished (self, job, g_steal_pointer (&error));
      return;
    }
  if (!ls_calibrate_save (scope, vision, &written, &error))
    {
      leafscope_worker_post_finished (self, job, g_steal_pointer (&error));
      return;
    }
  /* Reload: the next diagnosis uses the new scope. */
  g_clear_pointer (&self->loaded_vision, g_free);
  if (!leafscope_worker_ensure_models (self, &error))
    {
      leafscope_worker_post_finished (self, job, g_steal_pointer (&error));
      return;
    }
  msg = leafscope_worker_msg_new (self, job, MSG_CALIBRATED);
  msg->report = report;
  msg->text = g_steal_pointer (&written);
  leafscope_worker_post (self, msg);
  leafscope_worker_post_finished (self, job, NULL);
}
