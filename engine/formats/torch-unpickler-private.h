/* torch-unpickler-private.h: the unpickler's values and state, shared by
 * its stack machine (torch-unpickler.c) and its allowlisted globals
 * (torch-unpickler-globals.c).  Nothing else includes this. */
#pragma once

#include "safetensors.h"
#include "zip-reader.h"
#include "ls-error.h"

G_BEGIN_DECLS

#define PICKLE_MAX_STACK    (1u << 20)
#define PICKLE_MAX_MARKS    4096
#define PICKLE_MAX_MEMO     (1u << 20)

typedef enum {
  V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_TUPLE, V_LIST, V_DICT,
  V_GLOBAL, V_STORAGE, V_TENSOR,
} Kind;

typedef enum {
  G_ORDERED_DICT,
  G_REBUILD_TENSOR_V2,
  G_REBUILD_PARAMETER,
  G_STORAGE,   /* dtype in Value.u.global.dtype */
} GlobalKind;

typedef struct {
  Kind kind;
  union {
    gint64 i;
    double f;
    char *s;
    GPtrArray *items;  /* tuple, list; dict: key, value, key, value... */
    struct { GlobalKind kind; LsDtype dtype; } global;
    struct { LsDtype dtype; const guint8 *data; gsize nbytes; } storage;
    struct { LsDtype dtype; int ndim; int64_t shape[LS_MAX_DIMS]; const void *data; gsize nbytes; } tensor;
  } u;
} Value;

typedef struct {
  const char   *origin;   /* the file, for errors */
  GHashTable   *entries;  /* the archive's, name → LsZipEntry* */
  const char   *top;      /* archive folder, e.g. "pytorch_model" */
  const guint8 *p, *end;
  GPtrArray    *arena;    /* every Value, freed at the end */
  GPtrArray    *stack;
  GArray       *marks;    /* stack lengths at MARK */
  GPtrArray    *memo;
} Unpickler;

Value      *ls_pickle_value_new  (Unpickler  *u,
                                  Kind        kind);
const char *ls_pickle_kind_name  (Kind        kind);
gboolean    ls_pickle_push       (Unpickler  *u,
                                  Value      *v,
                                  GError    **error);
Value      *ls_pickle_pop        (Unpickler  *u,
                                  GError    **error);
/* Sets "ORIGIN: data.pkl: MESSAGE" and returns FALSE. */
gboolean    ls_pickle_fail       (GError    **error,
                                  Unpickler  *u,
                                  int         code,
                                  const char *format,
                                  ...) G_GNUC_PRINTF (4, 5);
#define pfail(error, u, ...) ls_pickle_fail (error, u, LS_ERROR_FORMAT, __VA_ARGS__)

/* The opcodes that reach outside the pickle (torch-unpickler-globals.c):
 * GLOBAL / STACK_GLOBAL, BINPERSID and REDUCE. */
gboolean    ls_pickle_push_global      (Unpickler  *u,
                                        const char *module,
                                        const char *name,
                                        GError    **error);
gboolean    ls_pickle_persistent_load  (Unpickler  *u,
                                        GError    **error);
gboolean    ls_pickle_reduce           (Unpickler  *u,
                                        GError    **error);

G_END_DECLS
