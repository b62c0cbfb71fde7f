/* threaded-ops.c: ops.h's row-wise steps on an LsMatvec's threads. */
#include "threaded-ops.h"

#include "ops.h"

typedef enum {
  STEP_LAYERNORM,
  STEP_ADD,
  STEP_ACTIVATE,
  STEP_SOFTMAX,
  STEP_WIDEN,
} StepKind;

typedef struct {
  StepKind      kind;
  float        *out;
  const float  *x;
  const float  *gamma, *beta;
  float         eps;
  LsActivation  act;
  int           rows, dim;
  const LsWeightFormat *format;  /* STEP_WIDEN: from x, in format's dtype */
} Step;

static void
step_chunk (gpointer data, int chunk, int n_chunks)
{
  const Step *st = data;
  int r0 = (int) ((gint64) st->rows * chunk / n_chunks);
  int r1 = (int) ((gint64) st->rows * (chunk + 1) / n_chunks);
  gsize off = (gsize) r0 * st->dim, count = (gsize) (r1 - r0) * st->dim;

  if (r0 >= r1 && st->kind != STEP_ACTIVATE)
    return;
  switch (st->kind)
    {
    case STEP_LAYERNORM:
      ls_layernorm (st->out + off, st->x + off, st->gamma, st->beta, r1 - r0, st->dim, st->eps);
      break;
    case STEP_ADD:
      ls_add_inplace (st->out + off, st->x + off, count);
      break;
    case STEP_ACTIVATE:
      {
        /* Cut at multiples of 64 elements, not at rows: a vector kernel
         * computes its tail with other instructions (AVX2: scalar), and an
         * element must meet the same ones as in one call over everything. */
        gsize total = (gsize) st->rows * st->dim, units = (total + 63) / 64;
        gsize e0 = MIN (total, units * chunk / n_chunks * 64);
        gsize e1 = MIN (total, units * (chunk + 1) / n_chunks * 64);
        if (e0 < e1)
          ls_activation_apply (st->act, st->out + e0, e1 - e0);
      }
      break;
    case STEP_SOFTMAX:
      ls_softmax_rows (st->out + off, r1 - r0, st->dim);
      break;
    case STEP_WIDEN:
      st->format->widen (st->out + off, (const guint8 *) st->x + off * st->format->size, count);
      break;
    }
}

/* Below this many values a step runs on the calling thread: waking the
 * workers costs more than they save (the shipped models' rows are 192
 * wide; matvec.c has the same rule for its products). */
#define MIN_PARALLEL_VALUES (16 * 1024)

static void
run_step (LsMatvec *threads, const Step *st)
{
  if ((gint64) st->rows * st->dim < MIN_PARALLEL_VALUES)
    threads = NULL;
  /* Four chunks a thread: on a busy machine a late thread leaves its share
   * to the others instead of making them wait (matvec.c). */
  int n_chunks = threads != NULL ? MIN (4 * ls_matvec_get_n_threads (threads), st->rows) : 1;
  if (n_chunks <= 1)
    step_chunk ((gpointer) st, 0, 1);
  else
    ls_matvec_run_chunks (threads, step_chunk, (gpointer) st, n_chunks);
}

void
ls_threaded_layernorm (LsMatvec *threads, float *out, const float *x, const float *gamma,
                       const float *beta, int rows, int dim, float eps)
{
  Step st = { STEP_LAYERNORM, out, x, gamma, beta, eps, LS_ACTIVATION_GELU, rows, dim, NULL };
  run_step (threads, &st);
}

void
ls_threaded_add (LsMatvec *threads, float *y, const float *x, int rows, int dim)
{
  Step st = { STEP_ADD, y, x, NULL, NULL, 0.0f, LS_ACTIVATION_GELU, rows, dim, NULL };
  run_step (threads, &st);
}

void
ls_threaded_activation (LsMatvec *threads, LsActivation act, float *x, int rows, int dim)
{
  Step st = { STEP_ACTIVATE, x, NULL, NULL, NULL, 0.0f, act, rows, dim, NULL };
  run_step (threads, &st);
}

void
ls_threaded_softmax_rows (LsMatvec *threads, float *x, int rows, int cols)
{
  Step st = { STEP_SOFTMAX, x, NULL, NULL, NULL, 0.0f, LS_ACTIVATION_GELU, rows, cols, NULL };
  run_step (threads, &st);
}

const float *
ls_threaded_weight_rows (LsMatvec *threads, const LsWeightFormat *format, const void *w,
                         int rows, int cols, float *scratch)
{
  if (format->in_place)
    return w;
  Step st = { STEP_WIDEN, scratch, w, NULL, NULL, 0.0f, LS_ACTIVATION_GELU, rows, cols, format };
  run_step (threads, &st);
  return scratch;
}
