/* leafscope-window-bench.c: how long the window takes to show a verdict.
 *
 *   leafscope-window-bench PHOTO...   (under a display: xvfb-run)
 *
 * Opens each photo in a real Leafscope window as a user would (Open), and
 * timestamps the moment the verdict is in the window (the view's "can-save"
 * turns on, in the same main-loop turn that fills the verdict), from the
 * call that opened it: decoding, the vision model, and the trip back to the
 * main loop.  The text model then writes its description; the next photo is
 * opened once it is done.  The first photo warms the models up and is not
 * counted.  For comparison, the same photos through the engine alone
 * (ls_image_load + ls_diagnoser_classify, what `leafscope-cli diagnose
 * --no-describe` does per photo) in this process.  Prints one line per photo
 * and the medians; bench/window-latency.sh adds the CLI's own wall time. */
#include "leafscope-application.h"
#include "leafscope-window.h"
#include "diagnose.h"

#include <stdlib.h>

static gint64 verdict_at;

static void
on_can_save (LeafscopeDiagnoseView *view, GParamSpec *pspec, gpointer data)
{
  if (verdict_at == 0 && leafscope_diagnose_view_get_diagnosis (view) != NULL)
    verdict_at = g_get_monotonic_time ();
}

static void
run_until (LeafscopeDiagnoseView *view, gboolean (*done) (LeafscopeDiagnoseView *))
{
  while (!done (view))
    g_main_context_iteration (NULL, TRUE);
}

static gboolean has_verdict (LeafscopeDiagnoseView *view) { return verdict_at != 0; }
static gboolean idle (LeafscopeDiagnoseView *view)
{
  return verdict_at != 0 && !leafscope_diagnose_view_get_busy (view);
}

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char *argv[])
{
  g_autoptr(LeafscopeApplication) app = NULL;
  g_autoptr(LsDiagnoser) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *vision = NULL;
  g_autofree double *window_ms = NULL;
  g_autofree double *engine_ms = NULL;
  LeafscopeWindow *window;
  LeafscopeDiagnoseView *view;
  int n = argc - 2;

  if (argc < 3)
    {
      g_printerr ("usage: %s WARMUP-PHOTO PHOTO...\n", argv[0]);
      return 2;
    }
  if (!gtk_init_check ())
    {
      g_printerr ("no display: run under xvfb-run\n");
      return 2;
    }
  app = leafscope_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  window = leafscope_window_new (app);
  view = leafscope_window_get_diagnose_view (window);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (view, "notify::can-save", G_CALLBACK (on_can_save), NULL);

  window_ms = g_new (double, n);
  engine_ms = g_new (double, n);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[i]);
      gint64 start;

      verdict_at = 0;
      start = g_get_monotonic_time ();
      leafscope_window_open_files (window, &file, 1);
      run_until (view, has_verdict);
      if (i > 1)
        window_ms[i - 2] = (verdict_at - start) / 1000.0;
      run_until (view, idle);
    }

  vision = leafscope_application_dup_model_dir (app, "vision-model");
  engine = ls_diagnoser_new (vision, NULL, &error);
  if (engine == NULL)
    g_error ("%s", error->message);
  for (int i = 2; i < argc; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(LsImage) image = ls_image_load (argv[i], &error);
      g_autoptr(LsDiagnosis) d = image ? ls_diagnoser_classify (engine, image, 0.6f, NULL, &error) : NULL;
      if (d == NULL)
        g_error ("%s: %s", argv[i], error->message);
      engine_ms[i - 2] = (g_get_monotonic_time () - start) / 1000.0;
      g_print ("%s\twindow %.1f ms\tengine %.1f ms\n", argv[i], window_ms[i - 2], engine_ms[i - 2]);
    }
  qsort (window_ms, n, sizeof (double), compare);
  qsort (engine_ms, n, sizeof (double), compare);
  g_print ("median over %d photos: window %.1f ms, engine %.1f ms, ratio %.2f\n", n,
           window_ms[n / 2], engine_ms[n / 2], window_ms[n / 2] / engine_ms[n / 2]);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
