/* cli-common.h: what every leafscope-cli subcommand shares. */
#pragma once

#include <gio/gio.h>

#include "image.h"

G_BEGIN_DECLS

/* A subcommand: parses its own options from argv (argv[0] is the subcommand
 * name) and returns the process exit status (0 ok, 2 error). */
typedef int (*LsCliCommand) (int argc, char **argv);

/* Prints "leafscope-cli: error: PATH: reason" (or without PATH) on stderr and
 * returns 2, so that commands can `return ls_cli_fail (...)`. */
int   ls_cli_fail         (const char *path,
                           const char *format,
                           ...) G_GNUC_PRINTF (2, 3);
/* Same, from a GError (cleared). */
int   ls_cli_fail_error   (const char *path,
                           GError    **error);
/* Parses @argc/@argv with @entries; on error prints the usage line and fails. */
gboolean ls_cli_parse     (const char   *command,
                           const char   *parameter_string,
                           const GOptionEntry *entries,
                           int          *argc,
                           char       ***argv);
/* Writes @image as a PNG at @path through a temporary file in the same
 * folder and a rename: a failed write (disk full) keeps the previous file,
 * and readers never see half a PNG.  The file gets the usual permissions
 * (0666 less the umask).  Errors name @path.  Once the process is
 * interrupted (see below) it writes nothing and fails with
 * G_IO_ERROR_CANCELLED; a second signal during a write takes effect only
 * once the temporary file is renamed or removed. */
gboolean ls_cli_save_png (const LsImage *image,
                          const char    *path,
                          GError       **error);
/* A process-wide cancellable, cancelled when SIGINT or SIGTERM arrives.
 * The first call installs the handlers (a small thread dispatches them);
 * after the first signal SIGINT and SIGTERM kill at once again.  Commands
 * that do long work call it before starting, pass it to the engine and
 * check it between photos or batches.  Not owned by the caller. */
GCancellable *ls_cli_interrupt_cancellable (void);
/* Prints "leafscope-cli: interrupted" on stderr and returns the exit status
 * a shell gives for the signal that interrupted the process: 130 for
 * SIGINT, 143 for SIGTERM. */
int   ls_cli_interrupted  (void);
/* Whether @error is the cancellation ls_cli_interrupt_cancellable reports. */
gboolean ls_cli_error_is_interrupt (const GError *error);
/* Folder of a default model shipped in data/models (LEAFSCOPE_DATA_DIR when
 * set, else the installed data directory), e.g. LS_DEFAULT_VISION_MODEL
 * (diagnose.h); newly allocated. */
char *ls_cli_default_model_dir (const char *name);
/* Fails with @path in front unless the engine's message already names it. */
int   ls_cli_fail_named   (const char *path,
                           GError    **error);

/* Subcommands, one per cli-COMMAND.c */
int ls_cli_classify   (int argc, char **argv);
int ls_cli_evaluate   (int argc, char **argv);
int ls_cli_inspect    (int argc, char **argv);
int ls_cli_tokenize   (int argc, char **argv);
int ls_cli_detokenize (int argc, char **argv);
int ls_cli_generate   (int argc, char **argv);
int ls_cli_caption    (int argc, char **argv);
int ls_cli_diagnose   (int argc, char **argv);
int ls_cli_calibrate  (int argc, char **argv);

G_END_DECLS
