/* ls-error.h: the engine's error domain.
 *
 * Every engine function that can fail takes a GError ** last and returns
 * NULL/FALSE on failure.  Cancellation is reported as G_IO_ERROR_CANCELLED.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LS_ERROR (ls_error_quark ())

typedef enum {
  LS_ERROR_IO,             /* a file could not be read or written */
  LS_ERROR_FORMAT,         /* a file is malformed (safetensors, pickle, zip, JSON, image) */
  LS_ERROR_CONFIG,         /* a config is missing, inconsistent or out of range */
  LS_ERROR_MISSING_TENSOR, /* a weight the architecture needs is absent */
  LS_ERROR_UNEXPECTED_TENSOR, /* the checkpoint holds weights the architecture does not use */
  LS_ERROR_SHAPE,          /* a tensor has the wrong shape or dtype */
  LS_ERROR_UNSUPPORTED,    /* a valid but unsupported feature (dtype, architecture) */
  LS_ERROR_TOO_LARGE,      /* an input exceeds a documented limit */
  LS_ERROR_UNSAFE,         /* a pickle asks for something outside the allowlist */
  LS_ERROR_INVALID_ARGUMENT,
} LsError;

GQuark ls_error_quark (void);

G_END_DECLS
