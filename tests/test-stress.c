/* test-stress.c: impatient users, at the engine level, the way the GUI drives
 * it: one worker thread owns the LsDiagnoser; the UI thread posts requests.
 *
 *  - 100 diagnoses (classify + streamed description) posted in quick
 *    succession, each cancelling the one before through its GCancellable,
 *    with the vision model switched every ten requests while jobs run: no
 *    crash, no error other than G_IO_ERROR_CANCELLED, and the last request
 *    wins (its result is published last and equals a quiet run's);
 *  - another vision model picked while the description streams;
 *  - quit during generation: cancel and join while tokens stream.
 *
 * Leaks are LeakSanitizer's job (the suite runs under ASan); data races are
 * ThreadSanitizer's (.ci/tsan).  The worker synchronises with pthread
 * mutexes rather than GMutex: GLib's futex-based GMutex is invisible to
 * ThreadSanitizer, which would then report the data it protects as races. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "diagnose.h"
#include "ls-error.h"
#include "prompt.h"
#include "test-util.h"

#define N_REQUESTS 100
#define MAX_NEW_TOKENS 16

static char *
fixture (const char *folder, const char *file)
{
  const char *root = g_getenv ("LEAFSCOPE_FIXTURES");
  g_assert_nonnull (root);
  /* Absolute: the text model folder links to these files. */
  g_autofree char *abs = g_canonicalize_filename (root, NULL);
  return g_build_filename (abs, folder, file, NULL);
}

/* gpt2-tiny with a short prompt template (its 128-token context is too
 * short for the stock prompt), as a folder of links. */
static char *
make_text_model (void)
{
  return ls_test_gpt2_tiny_with (LS_PROMPT_FILE_NAME, "{\"template\": \"{language} {label}:\"}");
}

/* ---- the worker ---- */

typedef struct {
  int            seq;
  const char    *vision_dir;
  const LsImage *image;
  GCancellable  *cancellable;
} Job;

static void
job_free (Job *job)
{
  g_object_unref (job->cancellable);
  g_free (job);
}

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  const char     *text_dir;
  /* Posted by the UI thread, taken by the worker. */
  Job            *pending;
  GCancellable   *running;     /* the job on the worker, to cancel it */
  int             latest_seq;  /* newest request posted */
  gboolean        quit;
  /* Results, written by the worker. */
  int             started, completed, cancelled, dropped, other_errors;
  int             model_loads;
  int             published_seq;   /* -1 until a result is published */
  gboolean        published_out_of_order;
  int             published_top;
  float           published_probs[3];
  char           *published_text;
  gboolean        idle;
  /* Deterministic interleavings: the first token of the next job waits
   * until the UI has posted a newer request or quit. */
  gboolean        hold_first_token;
  gboolean        generating;
} Worker;

typedef struct {
  Worker  *worker;
  int      seq;
  GString *text;
  int      tokens;
} Stream;

static gboolean
on_token (int token_id, const char *piece, gpointer user_data)
{
  Stream *s = user_data;
  Worker *w = s->worker;
  g_string_append (s->text, piece);
  if (s->tokens++ == 0)
    {
      pthread_mutex_lock (&w->lock);
      w->generating = TRUE;
      pthread_cond_broadcast (&w->cond);
      if (w->hold_first_token)
        {
          while (!w->quit && w->latest_seq == s->seq)
            pthread_cond_wait (&w->cond, &w->lock);
          w->hold_first_token = FALSE;
        }
      pthread_mutex_unlock (&w->lock);
    }
  return TRUE;
}

static void
record_failure (Worker *w, GError *error)
{
  pthread_mutex_lock (&w->lock);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    w->cancelled++;
  else
    {
      g_printerr ("unexpected error: %s\n", error->message);
      w->other_errors++;
    }
  pthread_mutex_unlock (&w->lock);
}

static void *
worker_main (void *data)
{
  Worker *w = data;
  LsDiagnoser *diagnoser = NULL;
  const char *loaded = NULL;

  for (;;)
    {
      pthread_mutex_lock (&w->lock);
      w->idle = w->pending == NULL;
      pthread_cond_broadcast (&w->cond);
      while (!w->quit && w->pending == NULL)
        pthread_cond_wait (&w->cond, &w->lock);
      if (w->quit)
        {
          pthread_mutex_unlock (&w->lock);
          break;
        }
      Job *job = g_steal_pointer (&w->pending);
      w->running = g_object_ref (job->cancellable);
      w->idle = FALSE;
      w->started++;
      pthread_mutex_unlock (&w->lock);

      g_autoptr(GError) error = NULL;
      /* A request for another model: load it (the old one goes). */
      if (loaded == NULL || strcmp (loaded, job->vision_dir) != 0)
        {
          g_clear_pointer (&diagnoser, ls_diagnoser_free);
          diagnoser = ls_diagnoser_new (job->vision_dir, w->text_dir, &error);
          g_assert_no_error (error);
          loaded = job->vision_dir;
          w->model_loads++;
        }

      LsDiagnosis *d = ls_diagnoser_classify (diagnoser, job->image, 0.5f, job->cancellable, &error);
      Stream s = { w, job->seq, g_string_new (NULL), 0 };
      gboolean ok = d != NULL;
      if (ok)
        {
          LsGenerateOptions options;
          ls_diagnoser_init_generate_options (diagnoser, &options);
          options.max_new_tokens = MAX_NEW_TOKENS;
          ok = ls_diagnoser_describe (diagnoser, d, "en", &options, on_token, &s, NULL,
                                      job->cancellable, &error);
        }
      if (!ok)
        record_failure (w, error);
      else
        {
          pthread_mutex_lock (&w->lock);
          w->completed++;
          /* Publish only if no newer request exists: the last one wins. */
          if (job->seq == w->latest_seq)
            {
              if (job->seq <= w->published_seq)
                w->published_out_of_order = TRUE;
              w->published_seq = job->seq;
              w->published_top = d->top_index;
              memcpy (w->published_probs, d->probs, sizeof w->published_probs);
              g_free (w->published_text);
              w->published_text = g_strdup (s.text->str);
            }
          pthread_mutex_unlock (&w->lock);
        }
      g_string_free (s.text, TRUE);
      g_clear_pointer (&d, ls_diagnosis_free);

      pthread_mutex_lock (&w->lock);
      g_clear_object (&w->running);
      pthread_mutex_unlock (&w->lock);
      job_free (job);
    }

  /* Quit: whatever was loaded goes with the thread. */
  g_clear_pointer (&diagnoser, ls_diagnoser_free);
  return NULL;
}

static void
worker_init (Worker *w, const char *text_dir)
{
  memset (w, 0, sizeof *w);
  pthread_mutex_init (&w->lock, NULL);
  pthread_cond_init (&w->cond, NULL);
  w->text_dir = text_dir;
  w->latest_seq = -1;
  w->published_seq = -1;
}

static void
worker_clear (Worker *w)
{
  g_clear_pointer (&w->pending, job_free);
  g_free (w->published_text);
  pthread_mutex_destroy (&w->lock);
  pthread_cond_destroy (&w->cond);
}

/* The UI thread's "diagnose this": cancels the running job, replaces a job
 * not started yet. */
static void
post (Worker *w, int seq, const char *vision_dir, const LsImage *image)
{
  Job *job = g_new0 (Job, 1);
  job->seq = seq;
  job->vision_dir = vision_dir;
  job->image = image;
  job->cancellable = g_cancellable_new ();

  pthread_mutex_lock (&w->lock);
  w->latest_seq = seq;
  if (w->running != NULL)
    g_cancellable_cancel (w->running);
  if (w->pending != NULL)
    {
      job_free (w->pending);
      w->dropped++;
    }
  w->pending = job;
  w->idle = FALSE;
  pthread_cond_broadcast (&w->cond);
  pthread_mutex_unlock (&w->lock);
}

static void
quit_and_join (Worker *w, pthread_t thread)
{
  pthread_mutex_lock (&w->lock);
  w->quit = TRUE;
  if (w->running != NULL)
    g_cancellable_cancel (w->running);
  pthread_cond_broadcast (&w->cond);
  pthread_mutex_unlock (&w->lock);
  g_assert_cmpint (pthread_join (thread, NULL), ==, 0);
}

/* What a quiet, single-threaded run gives for @image on @vision_dir. */
static char *
reference (const char *vision_dir, const char *text_dir, const LsImage *image,
           int *top, float probs[3])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (vision_dir, text_dir, &error);
  g_assert_no_error (error);
  g_autoptr(LsDiagnosis) d = ls_diagnoser_classify (diagnoser, image, 0.5f, NULL, &error);
  g_assert_no_error (error);
  *top = d->top_index;
  memcpy (probs, d->probs, 3 * sizeof (float));
  LsGenerateOptions options;
  ls_diagnoser_init_generate_options (diagnoser, &options);
  options.max_new_tokens = MAX_NEW_TOKENS;
  Stream s = { NULL, 0, g_string_new (NULL), 1 }; /* tokens = 1: never holds */
  g_assert_true (ls_diagnoser_describe (diagnoser, d, "en", &options, on_token, &s, NULL,
                                        NULL, &error));
  g_assert_no_error (error);
  return g_string_free (s.text, FALSE);
}

static void
test_hundred_requests (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text_dir = make_text_model ();
  char *vision[2] = { fixture ("vit-tiny", NULL), fixture ("vit-tiny-f16", NULL) };
  LsImage *photos[3];
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("input%d.png", i);
      g_autofree char *path = fixture ("vit-tiny", name);
      photos[i] = ls_image_load (path, &error);
      g_assert_no_error (error);
    }

  /* Request i: photo i % 3, model (i / 10) % 2: the model changes every ten
   * requests, while the previous request is running. */
  const int last = N_REQUESTS - 1;
  const char *last_vision = vision[(last / 10) % 2];
  const LsImage *last_photo = photos[last % 3];
  int want_top;
  float want_probs[3];
  g_autofree char *want_text = reference (last_vision, text_dir, last_photo, &want_top, want_probs);
  g_test_message ("last request: %s, top %d, “%s”", last_vision, want_top, want_text);
  g_assert_cmpstr (want_text, !=, "");

  Worker w;
  worker_init (&w, text_dir);
  pthread_t thread;
  g_assert_cmpint (pthread_create (&thread, NULL, worker_main, &w), ==, 0);

  /* In quick succession: 0 to 4 ms apart (fixed seed), so that requests
   * are cancelled while classifying, while generating, or replaced before
   * they start; a 40 ms pause before each model switch lets some finish. */
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < N_REQUESTS; i++)
    {
      post (&w, i, vision[(i / 10) % 2], photos[i % 3]);
      g_usleep (i % 10 == 9 ? 40000 : g_rand_int_range (rand, 0, 4000));
    }

  /* Wait for the worker to settle on the last request. */
  pthread_mutex_lock (&w.lock);
  while (!(w.idle && w.pending == NULL && w.running == NULL))
    pthread_cond_wait (&w.cond, &w.lock);
  pthread_mutex_unlock (&w.lock);
  double seconds = (g_get_monotonic_time () - t0) / 1e6;
  quit_and_join (&w, thread);

  g_test_message ("%d requests in %.2f s: %d started (%d model loads), %d completed, "
                  "%d cancelled, %d replaced before starting",
                  N_REQUESTS, seconds, w.started, w.model_loads, w.completed, w.cancelled,
                  w.dropped);
  g_assert_cmpint (w.other_errors, ==, 0);
  g_assert_cmpint (w.started + w.dropped, ==, N_REQUESTS);
  g_assert_cmpint (w.completed + w.cancelled, ==, w.started);
  g_assert_cmpint (w.cancelled + w.dropped, >, 0);
  g_assert_cmpint (w.model_loads, >=, 2);

  /* The last request wins: published last, equal to the quiet run. */
  g_assert_false (w.published_out_of_order);
  g_assert_cmpint (w.published_seq, ==, last);
  g_assert_cmpint (w.published_top, ==, want_top);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (w.published_probs[k], want_probs[k], 1e-6);
  g_assert_cmpstr (w.published_text, ==, want_text);

  worker_clear (&w);
  for (int i = 0; i < 3; i++)
    ls_image_free (photos[i]);
  g_free (vision[0]);
  g_free (vision[1]);
  ls_test_remove_tree (text_dir);
}

/* The user quits while the description streams: the UI cancels the job and
 * joins the worker, which frees the models on its way out. */
static void
test_quit_during_generation (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text_dir = make_text_model ();
  g_autofree char *vision = fixture ("vit-tiny", NULL);
  g_autofree char *path = fixture ("vit-tiny", "input1.png");
  g_autoptr(LsImage) photo = ls_image_load (path, &error);
  g_assert_no_error (error);

  Worker w;
  worker_init (&w, text_dir);
  w.hold_first_token = TRUE;
  pthread_t thread;
  g_assert_cmpint (pthread_create (&thread, NULL, worker_main, &w), ==, 0);
  post (&w, 0, vision, photo);

  pthread_mutex_lock (&w.lock);
  while (!w.generating)
    pthread_cond_wait (&w.cond, &w.lock);
  pthread_mutex_unlock (&w.lock);
  quit_and_join (&w, thread);

  g_assert_cmpint (w.started, ==, 1);
  g_assert_cmpint (w.cancelled, ==, 1);
  g_assert_cmpint (w.completed, ==, 0);
  g_assert_cmpint (w.other_errors, ==, 0);
  g_assert_cmpint (w.published_seq, ==, -1);
  worker_clear (&w);
  ls_test_remove_tree (text_dir);
}

/* The user picks another vision model while the description streams: the
 * running job is cancelled, the next one runs on the new model and gives
 * what a quiet run on that model gives. */
static void
test_switch_model_mid_generation (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text_dir = make_text_model ();
  g_autofree char *vit = fixture ("vit-tiny", NULL);
  g_autofree char *vit_f16 = fixture ("vit-tiny-f16", NULL);
  g_autofree char *path = fixture ("vit-tiny", "input2.png");
  g_autoptr(LsImage) photo = ls_image_load (path, &error);
  g_assert_no_error (error);
  int want_top;
  float want_probs[3];
  g_autofree char *want_text = reference (vit_f16, text_dir, photo, &want_top, want_probs);

  Worker w;
  worker_init (&w, text_dir);
  w.hold_first_token = TRUE;
  pthread_t thread;
  g_assert_cmpint (pthread_create (&thread, NULL, worker_main, &w), ==, 0);
  post (&w, 0, vit, photo);
  pthread_mutex_lock (&w.lock);
  while (!w.generating)
    pthread_cond_wait (&w.cond, &w.lock);
  pthread_mutex_unlock (&w.lock);

  post (&w, 1, vit_f16, photo);
  pthread_mutex_lock (&w.lock);
  while (w.published_seq != 1 && w.other_errors == 0)
    pthread_cond_wait (&w.cond, &w.lock);
  pthread_mutex_unlock (&w.lock);
  quit_and_join (&w, thread);

  g_assert_cmpint (w.other_errors, ==, 0);
  g_assert_cmpint (w.started, ==, 2);
  g_assert_cmpint (w.model_loads, ==, 2);
  g_assert_cmpint (w.cancelled, ==, 1);
  g_assert_cmpint (w.completed, ==, 1);
  g_assert_cmpint (w.published_seq, ==, 1);
  g_assert_cmpint (w.published_top, ==, want_top);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (w.published_probs[k], want_probs[k], 1e-6);
  g_assert_cmpstr (w.published_text, ==, want_text);
  worker_clear (&w);
  ls_test_remove_tree (text_dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Engine/Stress/hundred-requests", test_hundred_requests);
  g_test_add_func ("/Engine/Stress/switch-model-mid-generation", test_switch_model_mid_generation);
  g_test_add_func ("/Engine/Stress/quit-during-generation", test_quit_during_generation);
  return g_test_run ();
}
