/* cli-diagnose.h: what `leafscope-cli diagnose` (cli-diagnose.c) and its
 * output formats (cli-diagnose-output.c) share. */
#pragma once

#include "diagnose.h"

G_BEGIN_DECLS

typedef enum { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV } OutputFormat;

typedef enum { PHOTO_DONE, PHOTO_FAILED, PHOTO_INTERRUPTED } PhotoResult;

typedef struct {
  LsDiagnoser  *diagnoser;
  OutputFormat  format;
  const char   *language;
  gboolean      describe;
  int           max_new_tokens;
  gint64        seed;
  gboolean      greedy;
  LsImageDecode decode;         /* fast unless --exact-decode */
  float         threshold;
  const char   *heatmap_dir;
  GHashTable   *heatmap_names;  /* names written in this run */
  const char   *evidence;       /* "auto", "coarse", "fine" or "none" */
  double        seconds_coarse; /* evidence stages of the current photo, after the verdict */
  double        seconds_final;
  GString      *description;    /* the current image's description */
  gboolean      streaming;      /* text format: pieces go straight to stdout */
  GCancellable *cancellable;    /* cancelled by Ctrl+C */
} Run;

/* The map shown: the evidence map (0..1 of its display scale) when one was
 * computed, else attention rollout.  @method gets its name.  g_free. */
float *ls_cli_diagnose_shown_map (const LsDiagnosis *d,
                                  const char       **method,
                                  int               *rows,
                                  int               *cols);
/* One photo's record in each format (JSON and CSV take the description
 * from @run). */
void   ls_cli_diagnose_print_text (const char        *path,
                                   const LsDiagnosis *d);
void   ls_cli_diagnose_print_json (const Run             *run,
                                   const char            *path,
                                   const LsDiagnosis     *d,
                                   const char            *heatmap,
                                   double                 seconds_diagnosis,
                                   const LsGenerateStats *stats);
void   ls_cli_diagnose_print_json_error (const char *path,
                                         const char *message);
void   ls_cli_diagnose_print_csv_header (char **labels);
void   ls_cli_diagnose_print_csv  (const Run         *run,
                                   const char        *path,
                                   const LsDiagnosis *d);

G_END_DECLS
