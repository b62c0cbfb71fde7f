/* test-gui-app.h: the fixture of the window tests (test-gui-window.c,
 * -diagnose.c, -photos.c, -dataset.c): a fresh application, settings and
 * window per test, and the helpers they share (test-gui-app.c). */
#pragma once

#include "leafscope-application.h"
#include "leafscope-window-private.h"
#include "diagnose.h"

#include <gtk/gtk.h>

/* The fixture's, for the test running now (test-gui-app.c). */
extern LeafscopeApplication *app;
extern LeafscopeWindow *window;
extern char *vision_dir;
extern char *text_dir;
extern char *tmpdir;
extern char *photo_name;

/* A fresh application and window for each test: the globals above point at
 * the fixture's. */
typedef struct { int unused; } Fixture;

void screenshot_of (GtkWindow *win, const char *name);

void screenshot (const char *name);

gboolean diagnosis_done (gpointer data);

gboolean has_diagnosis (gpointer data);

gboolean has_error (gpointer data);

/* Opens @path and waits until its description is written. */
void diagnose_path (const char *path);

/* A Beans validation photo of a rusted leaf that leaf-vit diagnoses with
 * confidence, or NULL (the test is skipped) without the shared dataset.  The
 * fixture photos are too small (unusable) or uncertain, and the uncertain
 * prompt does not fit gpt2-tiny's 128 positions. */
char *beans_photo (const char *class_name, const char *name);

char *leaf_photo (void);

/* Opens leaf_photo() and waits for its description; FALSE: skipped. */
gboolean diagnose_leaf (void);

gboolean append_piece (int token_id, const char *piece, gpointer user_data);

/* The description pane drops the spaces and newlines the first piece
 * starts with; nothing else. */
char *as_shown (const char *text);

/* What the engine writes for @path with @text_model, on its own: the text
 * model's generation defaults, at most @max_new_tokens (0: the model's
 * own), sampled with @seed, in the interface's language. */
char *engine_description (const char *path, const char *text_model, int max_new_tokens, guint64 seed);

gboolean strip_photo_done (gpointer data);

gboolean dataset_ready (gpointer data);

gboolean evaluation_done (gpointer data);

GtkWidget *find_descendant (GtkWidget *widget, GType type);

GtkWidget *find_descendant_named (GtkWidget *widget, const char *id);

/* A dataset in a folder with train and validation splits. */
char *make_split_dataset (void);

/* A gpt2-tiny that samples by its own settings, as leaf-gpt2 does
 * (gpt2-tiny's generation_config.json is greedy). */
char *sampling_text_model (const char *settings);

void reset_settings (GSettings *settings);

void fixture_setup (Fixture *f, gconstpointer data);

void fixture_teardown (Fixture *f, gconstpointer data);

void run_test (Fixture *f, gconstpointer data);

#define ADD(path, fn) g_test_add (path, Fixture, (gconstpointer) fn, fixture_setup, run_test, fixture_teardown)

/* The start of a window test program: the language, the display, the
 * models; FALSE (a TAP skip line printed) when the tests cannot run. */
gboolean test_gui_app_init (int *argc, char ***argv);
