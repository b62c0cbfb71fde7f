/* test-util.h: helpers shared by the test programs (GLib only). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The path of a file below $LEAFSCOPE_FIXTURES: the NULL-terminated
 * components are joined with g_build_filename().  Asserts the variable
 * is set (meson sets it). */
char *ls_test_fixture (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* The folder below $LEAFSCOPE_SHARED (../shared: models and datasets that
 * are not in the repository) named by the NULL-terminated components, or
 * NULL after g_test_skip() naming it when it is not there. */
char *ls_test_shared_dir (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* A temporary model folder holding links to tests/fixtures/gpt2-tiny's
 * config, weights and tokenizer, plus @extra_name with @extra_contents
 * when @extra_name is not NULL (a prompt template, a hostile JSON file...).
 * Remove it with ls_test_remove_tree(). */
char *ls_test_gpt2_tiny_with (const char *extra_name,
                              const char *extra_contents);

/* $LEAFSCOPE_DATA_DIR/models/leaf-vit, the shipped model (meson sets the
 * variable). */
char *ls_test_leaf_vit_dir (void);

/* Asserts |@got - @want| <= @rel * max (1, |@want|). */
void ls_test_assert_close (double got, double want, double rel);

/* The text a token callback received and how many calls brought it. */
typedef struct {
  GString *text;
  int      calls;
} LsTestCollect;

/* A token callback (LsTokenCallback) appending @piece to an LsTestCollect. */
gboolean ls_test_collect (int token_id, const char *piece, gpointer user_data);

/* Removes @path and, for a directory, everything below it; symbolic
 * links are removed, never followed. */
void ls_test_remove_tree (const char *path);

/* One run of leafscope-cli: its exit status (-1 when it did not exit)
 * and what it wrote. */
typedef struct {
  int   status;
  char *out;
  char *err;
} LsTestRun;

void ls_test_run_clear (LsTestRun *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LsTestRun, ls_test_run_clear)

/* Runs $LEAFSCOPE_CLI with the NULL-terminated arguments into @r. */
void ls_test_run_cli (LsTestRun *r, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
