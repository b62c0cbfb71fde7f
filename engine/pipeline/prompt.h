/* prompt.h: the text the language model gets for a diagnosis.
 *
 * A text model folder may hold leafscope-prompt.json beside config.json
 * (the prompt contract):
 *   { "format": 1, "template": "...{label}...", "stop": [...], "max_new_tokens": N }
 * The template's {name} placeholders are replaced from the findings; unknown
 * placeholders are left as they are.  Without the file (stock GPT-2), a plain
 * natural-language prompt is built from the same findings.
 */
#pragma once

#include <glib.h>
#include "findings.h"
#include "scope.h"

G_BEGIN_DECLS

#define LS_PROMPT_FILE_NAME "leafscope-prompt.json"

typedef struct {
  char  *template;        /* NULL: the plain fallback prompt */
  char **stop;            /* NULL-terminated, never NULL (may be empty) */
  int    max_new_tokens;  /* 0 when the file does not say */
} LsPromptFormat;

/* The fallback format: no template, no stop strings. */
LsPromptFormat *ls_prompt_format_new   (void);
/* Reads DIR/leafscope-prompt.json; a folder without it gives the fallback
 * format (template NULL).  A malformed file fails with LS_ERROR_FORMAT, an
 * unknown "format" with LS_ERROR_UNSUPPORTED. */
LsPromptFormat *ls_prompt_format_load  (const char   *model_dir,
                                        GError      **error);
/* @origin names the source in error messages. */
LsPromptFormat *ls_prompt_format_parse (const char   *json,
                                        gssize        length,
                                        const char   *origin,
                                        GError      **error);
void            ls_prompt_format_free  (LsPromptFormat *format);

/* What a prompt is built from. */
typedef struct {
  const char       *language;   /* "en" or "pt_BR" */
  const char       *label;      /* id2label of the top class */
  const char       *runner_up;  /* id2label of the second class, or NULL */
  const LsFindings *findings;
} LsPromptInput;

/* Replaces the contract's placeholders in @template. */
char *ls_prompt_substitute (const char          *template,
                            const LsPromptInput *input);
/* The plain prompt for models without a template, in input->language
 * ("pt_BR", else English). */
char *ls_prompt_plain      (const LsPromptInput *input);
/* The template when @format has one, else the plain prompt. */
char *ls_prompt_build      (const LsPromptFormat *format,
                            const LsPromptInput  *input);
/* The fixed text given instead of a description (issue 12), in
 * input->language: for not_a_leaf and unusable what is wrong and how to take
 * a usable photo (no disease named); for uncertain a sentence naming the top
 * class and the runner-up with their percentages, put before the
 * description; NULL when diagnosed. */
char *ls_prompt_status_text (const LsPromptInput *input,
                             LsDiagnosisStatus    status,
                             LsStatusReason       reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsPromptFormat, ls_prompt_format_free)

G_END_DECLS
