/* cli-diagnose.c: `leafscope-cli diagnose`, the shared diagnose pipeline
 * over files and folders (the records: cli-diagnose-output.c). */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "cli-diagnose.h"
#include "dataset.h"
#include "heatmap.h"

static gboolean
on_piece (int token_id, const char *piece, gpointer user_data)
{
  Run *run = user_data;
  (void) token_id;
  g_string_append (run->description, piece);
  if (run->streaming)
    {
      fputs (piece, stdout);
      fflush (stdout);
    }
  return TRUE;
}

static gboolean
on_evidence (const LsEvidenceMap *map, gpointer user_data)
{
  Run *run = user_data;
  run->seconds_final += map->seconds;
  if (run->seconds_coarse == 0.0)
    run->seconds_coarse = map->seconds;
  return TRUE;
}

/* Writes the heatmap overlay of @image; returns the file written. */
static char *
write_heatmap (Run *run, const char *path, const LsImage *image, const LsDiagnosis *d,
               GError **error)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';

  g_autofree char *name = g_strdup_printf ("%s-heatmap.png", base);
  for (int k = 2; g_hash_table_contains (run->heatmap_names, name); k++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%d-heatmap.png", base, k);
    }
  g_hash_table_add (run->heatmap_names, g_strdup (name));

  int rows = 0, cols = 0;
  g_autofree float *unit = ls_cli_diagnose_shown_map (d, NULL, &rows, &cols);
  g_autoptr(LsImage) overlay = ls_heatmap_composite_weighted (image, unit, cols, rows,
                                                              LS_COLORMAP_INFERNO,
                                                              LS_HEATMAP_DEFAULT_OPACITY,
                                                              LS_HEATMAP_DEFAULT_GAMMA);
  char *out = g_build_filename (run->heatmap_dir, name, NULL);
  if (!ls_cli_save_png (overlay, out, error))
    {
      g_free (out);
      return NULL;
    }
  return out;
}

/* Reports a failed photo on stderr (the engine's messages often name the
 * file already) and, in json, as an error object. */
static void
report_failure (Run *run, const char *path, const char *what, const GError *error)
{
  const char *message = error->message;
  if (g_str_has_prefix (message, path) && g_str_has_prefix (message + strlen (path), ": "))
    message += strlen (path) + 2;
  ls_cli_fail (path, "%s%s", what, message);
  if (run->format == FORMAT_JSON)
    ls_cli_diagnose_print_json_error (path, error->message);
}

/* Diagnoses one photo.  Failures are reported on stderr; an interrupted
 * photo prints no result line (only the text format's streamed
 * description, ended by a newline). */
static PhotoResult
diagnose_one (Run *run, const char *path, gboolean *header_done)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_autoptr(LsImage) image = ls_diagnoser_load_photo (run->diagnoser, path, run->decode, &error);
  g_autoptr(LsDiagnosis) d = NULL;
  if (image != NULL)
    d = ls_diagnoser_classify (run->diagnoser, image, run->threshold, run->cancellable, &error);
  if (d == NULL && ls_cli_error_is_interrupt (error))
    return PHOTO_INTERRUPTED;
  if (d == NULL)
    {
      report_failure (run, path, "", error);
      return PHOTO_FAILED;
    }
  double seconds_diagnosis = (g_get_monotonic_time () - start) / 1e6;

  /* No evidence for photos the model cannot judge: there is no diagnosis to explain. */
  if (strcmp (run->evidence, "none") != 0
      && d->status != LS_DIAGNOSIS_NOT_A_LEAF && d->status != LS_DIAGNOSIS_UNUSABLE)
    {
      LsEvidenceOptions options;
      ls_diagnoser_init_evidence_options (run->diagnoser, &options);
      if (strcmp (run->evidence, "coarse") == 0)
        options.fine = FALSE;
      else if (strcmp (run->evidence, "fine") == 0)
        options.fine = TRUE;
      run->seconds_coarse = run->seconds_final = 0.0;
      if (!ls_diagnoser_explain (run->diagnoser, d, &options, on_evidence, run,
                                 run->cancellable, &error))
        {
          if (ls_cli_error_is_interrupt (error))
            return PHOTO_INTERRUPTED;
          report_failure (run, path, "evidence: ", error);
          return PHOTO_FAILED;
        }
    }

  g_autofree char *heatmap = NULL;
  if (run->heatmap_dir != NULL)
    {
      heatmap = write_heatmap (run, path, image, d, &error);
      if (heatmap == NULL && ls_cli_error_is_interrupt (error))
        return PHOTO_INTERRUPTED;
      if (heatmap == NULL)
        {
          report_failure (run, path, "heatmap: ", error);
          return PHOTO_FAILED;
        }
    }

  if (run->format == FORMAT_TEXT)
    {
      ls_cli_diagnose_print_text (path, d);
      if (heatmap != NULL)
        printf ("  heatmap %s\n", heatmap);
      fflush (stdout);
    }

  LsGenerateStats stats = { 0 };
  g_string_truncate (run->description, 0);
  if (run->describe)
    {
      LsGenerateOptions options;
      ls_diagnoser_init_generate_options (run->diagnoser, &options);
      if (run->max_new_tokens > 0)
        options.max_new_tokens = run->max_new_tokens;
      if (run->greedy)
        options.do_sample = FALSE;
      options.seed = (guint64) run->seed;
      run->streaming = run->format == FORMAT_TEXT;
      if (run->streaming)
        fputs ("  ", stdout);
      gboolean ok = ls_diagnoser_describe (run->diagnoser, d, run->language, &options,
                                           on_piece, run, &stats, run->cancellable, &error);
      if (run->streaming)
        fputs ("\n", stdout);
      run->streaming = FALSE;
      if (!ok && ls_cli_error_is_interrupt (error))
        return PHOTO_INTERRUPTED;
      if (!ok)
        {
          report_failure (run, path, "description: ", error);
          return PHOTO_FAILED;
        }
    }

  switch (run->format)
    {
    case FORMAT_TEXT:
      break;
    case FORMAT_JSON:
      ls_cli_diagnose_print_json (run, path, d, heatmap, seconds_diagnosis, &stats);
      break;
    case FORMAT_CSV:
      if (!*header_done)
        {
          ls_cli_diagnose_print_csv_header (d->labels);
          *header_done = TRUE;
        }
      ls_cli_diagnose_print_csv (run, path, d);
      break;
    }
  fflush (stdout);
  return PHOTO_DONE;
}

int
ls_cli_diagnose (int argc, char **argv)
{
  g_autofree char *vision_model = NULL;
  g_autofree char *text_model = NULL;
  g_autofree char *language = NULL;
  g_autofree char *format = NULL;
  g_autofree char *heatmap_dir = NULL;
  g_autofree char *evidence = NULL;
  gboolean no_describe = FALSE;
  gboolean quiet = FALSE;
  double threshold = LS_SCOPE_DEFAULT_THRESHOLD;
  int max_new_tokens = 0;
  gint64 seed = LS_GENERATE_DEFAULT_SEED;
  gboolean greedy = FALSE;
  gboolean exact_decode = FALSE;
  const GOptionEntry entries[] = {
    { "vision-model", 0, 0, G_OPTION_ARG_FILENAME, &vision_model,
      "ViT classifier folder (default: the shipped " LS_DEFAULT_VISION_MODEL ")", "DIR" },
    { "text-model", 0, 0, G_OPTION_ARG_FILENAME, &text_model,
      "GPT-2 folder that writes the description (default: the shipped " LS_DEFAULT_TEXT_MODEL ")", "DIR" },
    { "language", 0, 0, G_OPTION_ARG_STRING, &language,
      "Language of the description: en (default) or pt_BR", "LANG" },
    { "no-describe", 0, 0, G_OPTION_ARG_NONE, &no_describe,
      "Diagnose only, write no description", NULL },
    { "heatmap-dir", 0, 0, G_OPTION_ARG_FILENAME, &heatmap_dir,
      "Write each photo with its evidence-map overlay as NAME-heatmap.png", "DIR" },
    { "evidence", 0, 0, G_OPTION_ARG_STRING, &evidence,
      "Evidence map: auto (default: single patches when the model is small enough), "
      "coarse, fine, or none (attention rollout shown)", "STAGES" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      "Output: text (default), json (one object per line) or csv", "FORMAT" },
    { "uncertainty-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold,
      "Flag results whose top probability is below this (default 0.6; with a scope file the "
      "calibrated probability, and never below the engine's own minimum)", "P" },
    { "max-new-tokens", 0, 0, G_OPTION_ARG_INT, &max_new_tokens,
      "Longest description in tokens (default: the text model's setting)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      "Seed of the sampler when the text model samples (default 0: same text on every run)", "N" },
    { "greedy", 0, 0, G_OPTION_ARG_NONE, &greedy,
      "Greedy decoding even when the text model's generation_config.json samples", NULL },
    { "exact-decode", 0, 0, G_OPTION_ARG_NONE, &exact_decode,
      "Decode large JPEGs at full size, as transformers' processor does (default: at a "
      "reduced size when far larger than the model's input)", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "No progress on stderr", NULL },
    { NULL }
  };

  g_autoptr(GOptionContext) context = g_option_context_new ("PATH... - diagnose bean leaf photos");
  g_option_context_set_summary (context,
    "Runs the diagnosis pipeline (ViT classifier, attention maps, findings, and a\n"
    "description streamed by the text model) on photos; folders are walked\n"
    "recursively for image files.\n\n"
    "Exit status: 0 when every photo was diagnosed; 1 when some photo failed (each\n"
    "failure is reported on stderr, and in json as {\"path\", \"error\"}, and the run\n"
    "goes on with the next); 2 on a usage error or a model that cannot be loaded;\n"
    "130 (143) when Ctrl+C (SIGTERM) stopped the run: the results printed so far\n"
    "are whole, and the photo in progress is left out.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return ls_cli_fail (NULL, "diagnose: %s", error->message);

  if (argc < 2)
    return ls_cli_fail (NULL, "diagnose: no photo or folder given (see --help)");

  OutputFormat output = FORMAT_TEXT;
  if (format == NULL || strcmp (format, "text") == 0)
    output = FORMAT_TEXT;
  else if (strcmp (format, "json") == 0)
    output = FORMAT_JSON;
  else if (strcmp (format, "csv") == 0)
    output = FORMAT_CSV;
  else
    return ls_cli_fail (NULL, "diagnose: --format must be text, json or csv, not “%s”", format);

  if (language == NULL)
    language = g_strdup ("en");
  if (strcmp (language, "en") != 0 && strcmp (language, "pt_BR") != 0)
    return ls_cli_fail (NULL, "diagnose: --language must be en or pt_BR, not “%s”", language);
  if (!(threshold >= 0.0 && threshold <= 1.0))
    return ls_cli_fail (NULL, "diagnose: --uncertainty-threshold must be between 0 and 1");
  if (max_new_tokens < 0)
    return ls_cli_fail (NULL, "diagnose: --max-new-tokens must not be negative");

  if (evidence == NULL)
    evidence = g_strdup ("auto");
  if (strcmp (evidence, "auto") != 0 && strcmp (evidence, "coarse") != 0
      && strcmp (evidence, "fine") != 0 && strcmp (evidence, "none") != 0)
    return ls_cli_fail (NULL, "diagnose: --evidence must be auto, coarse, fine or none, not “%s”", evidence);

  if (heatmap_dir != NULL && g_mkdir_with_parents (heatmap_dir, 0755) != 0)
    return ls_cli_fail (heatmap_dir, "cannot create the heatmap folder: %s", g_strerror (errno));

  if (vision_model == NULL)
    vision_model = ls_cli_default_model_dir (LS_DEFAULT_VISION_MODEL);
  if (!no_describe && text_model == NULL)
    {
      text_model = ls_cli_default_model_dir (LS_DEFAULT_TEXT_MODEL);
      if (!g_file_test (text_model, G_FILE_TEST_IS_DIR))
        {
          fprintf (stderr, "leafscope-cli: note: no text model at %s: diagnosing without descriptions\n",
                   text_model);
          g_clear_pointer (&text_model, g_free);
          no_describe = TRUE;
        }
    }
  if (no_describe)
    g_clear_pointer (&text_model, g_free);

  /* Every path is checked before the models load. */
  g_autoptr(GPtrArray) photos = g_ptr_array_new_with_free_func (g_free);
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          if (!ls_dataset_collect_photos (argv[i], photos, &error))
            return ls_cli_fail_error (argv[i], &error);
        }
      else if (g_file_test (argv[i], G_FILE_TEST_EXISTS))
        g_ptr_array_add (photos, g_strdup (argv[i]));
      else
        return ls_cli_fail (argv[i], "no such file or folder");
    }

  if (photos->len == 0)
    return ls_cli_fail (NULL, "diagnose: no image files found");

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  gint64 load_start = g_get_monotonic_time ();
  g_autoptr(LsDiagnoser) diagnoser = ls_diagnoser_new (vision_model, text_model, &error);
  if (diagnoser == NULL)
    return ls_cli_fail_error (NULL, &error);
  if (g_cancellable_is_cancelled (cancellable))
    return ls_cli_interrupted ();
  if (!quiet)
    fprintf (stderr, "leafscope-cli: models loaded in %.2f s (%s%s%s)\n",
             (g_get_monotonic_time () - load_start) / 1e6, vision_model,
             text_model != NULL ? ", " : "", text_model != NULL ? text_model : "");
  const char *scope_off = NULL;
  if (!quiet && ls_diagnoser_get_scope (diagnoser, &scope_off) == NULL)
    fprintf (stderr, "leafscope-cli: note: scope check off (%s)\n", scope_off);

  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) description = g_string_new (NULL);
  Run run = {
    .diagnoser = diagnoser,
    .format = output,
    .language = language,
    .describe = !no_describe,
    .max_new_tokens = max_new_tokens,
    .seed = seed,
    .greedy = greedy,
    .decode = exact_decode ? LS_IMAGE_DECODE_EXACT : LS_IMAGE_DECODE_FAST,
    .threshold = (float) threshold,
    .heatmap_dir = heatmap_dir,
    .heatmap_names = names,
    .evidence = evidence,
    .description = description,
    .cancellable = cancellable,
  };

  gboolean header_done = FALSE;
  guint failed = 0;
  for (guint i = 0; i < photos->len; i++)
    {
      const char *path = photos->pdata[i];
      if (g_cancellable_is_cancelled (cancellable))
        return ls_cli_interrupted ();
      if (!quiet)
        fprintf (stderr, "leafscope-cli: [%u/%u] %s\n", i + 1, photos->len, path);
      PhotoResult result = diagnose_one (&run, path, &header_done);
      if (result == PHOTO_INTERRUPTED)
        return ls_cli_interrupted ();
      if (result == PHOTO_FAILED)
        failed++;
    }

  if (failed > 0)
    {
      fprintf (stderr, "leafscope-cli: %u of %u photos failed\n", failed, photos->len);
      return 1;
    }
  return 0;
}
