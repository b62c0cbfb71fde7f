/* fuzz-common.h: shared set-up for the libFuzzer targets.
 *
 * Engine warnings and criticals are bugs on any input (hostile input must
 * come back as a GError), so they abort and libFuzzer records the input. */
#pragma once

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

/* Criticals of this library domain are printed but not fatal (a known
 * bug outside the engine, see fuzz-image.c). */
static const char *tolerated = NULL;

/* abort() rather than GLib's fatal-log breakpoint (SIGTRAP), which
 * libFuzzer does not catch: abort() gets the input saved as a crash. */
static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                 gpointer user_data)
{
  GLogLevelFlags fatal = GPOINTER_TO_INT (user_data);
  g_log_writer_standard_streams (level, fields, n_fields, NULL);
  if (!(level & fatal))
    return G_LOG_WRITER_HANDLED;
  for (gsize i = 0; tolerated != NULL && i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0
        && strcmp (fields[i].value, tolerated) == 0)
      return G_LOG_WRITER_HANDLED;
  abort ();
}

static inline void
fuzz_make_logs_fatal (GLogLevelFlags levels)
{
  g_log_set_writer_func (fuzz_log_writer, GINT_TO_POINTER (levels), NULL);
}

static inline void
fuzz_make_warnings_fatal (void)
{
  fuzz_make_logs_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* Reads every byte of @data so that ASan checks the whole range. */
static inline guint8
fuzz_touch (const void *data, gsize n)
{
  const volatile guint8 *p = data;
  guint8 acc = 0;
  for (gsize i = 0; i < n; i++)
    acc ^= p[i];
  return acc;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);
