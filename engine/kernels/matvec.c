/* matvec.c: the few threads that run the row-times-matrix kernels
 * (matvec-portable.c, matvec-avx2.c, matvec-avx512.c: one set chosen per
 * LsMatvec from the CPU path).  See matvec.h for why these exist beside
 * cblas_sgemm. */
#include "matvec.h"

#include <cblas.h>
#include <stdatomic.h>
#include <string.h>

#include "cpu.h"
#include "matvec-kernels.h"
#include "ops.h"

#ifdef LS_HAVE_X86_KERNELS
#include <immintrin.h>
#endif

/* Below this many weights (2 MB as F32) a call runs on the calling thread
 * alone: handing work over costs more than it saves, and on a busy machine a
 * helper that is not scheduled in time costs milliseconds. */
#define MIN_PARALLEL_WEIGHTS (512 * 1024)
/* How long an idle worker spins before it sleeps: decoding calls come back
 * to back, a few microseconds apart. */
#define SPIN_US LS_MATVEC_DEFAULT_SPIN_US

typedef LsMatvecOutInFn KernelFn;
typedef LsMatvecRowsFn  RowsFn;

typedef struct {
  KernelFn     fn;      /* a chunk is a range of outputs... */
  RowsFn       rows_fn; /* ...or, when set, a range of input rows... */
  LsMatvecChunkFn chunk_fn;  /* ...or, when set, whatever chunk_fn does */
  gpointer     chunk_data;
  float       *y;
  const float *x;
  const void  *w;
  const float *b;
  int          in, out;
  int          n_chunks;
  int          align;   /* chunk boundaries are multiples of this */
} Job;

typedef struct {
  LsMatvec *owner;
  int       index;       /* 1 .. n_threads - 1; the caller is 0 */
} Worker;

struct _LsMatvec {
  int        n_threads;
  _Atomic int spin_us;   /* SPIN_US unless set; read by the workers */
  GThread  **threads;    /* n_threads - 1 workers; the caller works too */
  Worker    *workers;
  const LsMatvecKernels *kernels;  /* of the path chosen */

  /* Row-split jobs: each participant sums its chunks into its own
   * partial[index] (partial_size floats each), and says so in used[index];
   * the caller adds up the used ones. */
  float           *partial;
  int              partial_size;
  _Atomic int     *used;

  /* A job is cut into chunks that whoever is running claims one by one:
   * on a busy machine a worker that is not scheduled in time leaves its
   * share to the caller instead of making it wait.  @claim and @limit hold
   * (generation << 32 | chunk index / chunk count), so that a late claim on
   * a finished job is recognised; @job is read only after a valid claim,
   * and stays unchanged until every chunk is @done. */
  Job              job;
  _Atomic guint64  claim;
  _Atomic guint64  limit;
  _Atomic int      done;
  _Atomic int      generation;
  _Atomic int      quit;
  GMutex           lock;
  GCond            cond;
};

/* ------------------------------------------------------------ threads */

static void
run_chunk (const Job *job, int chunk)
{
  /* Contiguous ranges of output elements, boundaries aligned for the
   * vector loops (and whole cache lines of y per chunk). */
  int units = (job->out + job->align - 1) / job->align;
  int j0 = MIN (job->out, (int) ((gint64) units * chunk / job->n_chunks) * job->align);
  int j1 = MIN (job->out, (int) ((gint64) units * (chunk + 1) / job->n_chunks) * job->align);
  if (j0 < j1)
    job->fn (job->y, job->x, job->w, job->b, job->in, job->out, j0, j1);
}

/* Claims and runs chunks of the current job until none is left; @index
 * says whose partial sums a row-split job adds to. */
static void
work (LsMatvec *self, int index)
{
  /* The job whose partial sums this participant has started.  Per job, not
   * per call: a worker still in here after the last chunk of one job can
   * claim the first chunks of the next. */
  guint64 touched = 0;

  for (;;)
    {
      guint64 c = atomic_fetch_add (&self->claim, 1);
      guint64 lim = atomic_load (&self->limit);
      if ((c >> 32) != (lim >> 32) || (c & 0xffffffffu) >= (lim & 0xffffffffu))
        return;  /* all claimed, or a job that is over */
      const Job *job = &self->job;
      int chunk = (int) (c & 0xffffffffu);
      if (job->chunk_fn != NULL)
        job->chunk_fn (job->chunk_data, chunk, job->n_chunks);
      else if (job->rows_fn != NULL)
        {
          float *acc = self->partial + (gsize) index * self->partial_size;
          if (touched != (c >> 32))
            {
              memset (acc, 0, sizeof (float) * job->out);
              atomic_store (&self->used[index], 1);
              touched = c >> 32;
            }
          int i0 = (int) ((gint64) job->in * chunk / job->n_chunks);
          int i1 = (int) ((gint64) job->in * (chunk + 1) / job->n_chunks);
          job->rows_fn (acc, job->x, job->w, job->out, i0, i1);
        }
      else
        run_chunk (job, chunk);
      atomic_fetch_add (&self->done, 1);
    }
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  LsMatvec *self = worker->owner;
  int seen = 0;

  for (;;)
    {
      gint64 spin_until = g_get_monotonic_time () + atomic_load (&self->spin_us);
      guint spins = 0;
      while (atomic_load (&self->generation) == seen && !atomic_load (&self->quit))
        {
#ifdef LS_HAVE_X86_KERNELS
          _mm_pause ();
#endif
          if ((++spins & 255) == 0 && g_get_monotonic_time () > spin_until)
            {
              g_mutex_lock (&self->lock);
              while (atomic_load (&self->generation) == seen && !atomic_load (&self->quit))
                g_cond_wait (&self->cond, &self->lock);
              g_mutex_unlock (&self->lock);
            }
        }
      if (atomic_load (&self->quit))
        return NULL;
      seen = atomic_load (&self->generation);
      work (self, worker->index);
    }
}

/* Hands @job to whoever is free, works on it too, and returns when every
 * chunk is done. */
static void
run_parallel (LsMatvec *self, const Job *job)
{
  self->job = *job;
  atomic_store (&self->done, 0);
  /* Never 0: that means "no job" to work().  Wraps without overflow. */
  int gen = (int) (((guint32) atomic_load (&self->generation) + 1) & 0x7fffffff);
  if (gen == 0)
    gen = 1;
  atomic_store (&self->limit, (guint64) (guint32) gen << 32 | (guint32) job->n_chunks);
  atomic_store (&self->claim, (guint64) (guint32) gen << 32);
  /* Under the lock so that a worker about to sleep cannot miss it. */
  g_mutex_lock (&self->lock);
  atomic_store (&self->generation, gen);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  work (self, 0);
  /* Only chunks a worker is running are left: wait for those. */
  for (guint spins = 1; atomic_load (&self->done) < job->n_chunks; spins++)
    {
#ifdef LS_HAVE_X86_KERNELS
      _mm_pause ();
#endif
      if ((spins & 1023) == 0)
        g_thread_yield ();
    }
}

/* y = b + x . W with W stored [in, out].  Split by input rows, so that each
 * thread streams one contiguous block of W (split by columns, every thread
 * reads short pieces of every row: GPT-2 124M F16 decoding measured 18-26
 * ms/token that way, 14.4-15.8 this way); the partial sums are added at the
 * end. */
static void
run_rows (LsMatvec *self, RowsFn fn, float *y, const float *x, const void *w,
          const float *b, int in, int out)
{
  if (b != NULL)
    memcpy (y, b, sizeof (float) * out);
  else
    memset (y, 0, sizeof (float) * out);

  if (self->n_threads == 1 || (gint64) in * out < MIN_PARALLEL_WEIGHTS)
    {
      fn (y, x, w, out, 0, in);
      return;
    }

  if (out > self->partial_size)
    {
      g_free (self->partial);
      self->partial = g_new (float, (gsize) self->n_threads * out);
      self->partial_size = out;
    }
  for (int t = 0; t < self->n_threads; t++)
    atomic_store (&self->used[t], 0);

  Job job = { NULL, fn, NULL, NULL, y, x, w, b, in, out, MIN (4 * self->n_threads, in), 1 };
  run_parallel (self, &job);

  for (int t = 0; t < self->n_threads; t++)
    if (atomic_load (&self->used[t]))
      ls_add_inplace (y, self->partial + (gsize) t * self->partial_size, out);
}

static void
run_columns (LsMatvec *self, KernelFn fn, float *y, const float *x, const void *w,
             const float *b, int in, int out, int align)
{
  Job job = { fn, NULL, NULL, NULL, y, x, w, b, in, out, 1, align };

  if (self->n_threads == 1 || (gint64) in * out < MIN_PARALLEL_WEIGHTS)
    {
      run_chunk (&job, 0);
      return;
    }
  job.n_chunks = MIN (4 * self->n_threads, (out + align - 1) / align);
  run_parallel (self, &job);
}

/* ------------------------------------------------------------ API */

LsMatvec *
ls_matvec_new (int n_threads)
{
  return ls_matvec_new_for_path (n_threads, ls_cpu_get_path ());
}

LsMatvec *
ls_matvec_new_for_path (int n_threads, LsCpuPath path)
{
  LsMatvec *self = g_new0 (LsMatvec, 1);

  if (n_threads <= 0)
    n_threads = openblas_get_num_threads ();
  self->n_threads = CLAMP (n_threads, 1, 64);
  atomic_store (&self->spin_us, SPIN_US);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  /* Never more than the CPU runs. */
  switch (ls_cpu_lower_path (path))
    {
#ifdef LS_HAVE_X86_KERNELS
    case LS_CPU_PATH_AVX512:
      self->kernels = &ls_matvec_kernels_avx512;
      break;
    case LS_CPU_PATH_AVX2:
      self->kernels = &ls_matvec_kernels_avx2;
      break;
#endif
    default:
      self->kernels = &ls_matvec_kernels_portable;
      break;
    }

  self->used = g_new0 (_Atomic int, self->n_threads);
  self->threads = g_new0 (GThread *, MAX (self->n_threads - 1, 1));
  self->workers = g_new0 (Worker, MAX (self->n_threads - 1, 1));
  for (int i = 0; i < self->n_threads - 1; i++)
    {
      self->workers[i] = (Worker) { self, i + 1 };
      self->threads[i] = g_thread_new ("ls-matvec", worker_main, &self->workers[i]);
    }
  return self;
}

int
ls_matvec_get_n_threads (LsMatvec *self)
{
  return self->n_threads;
}

const char *
ls_matvec_get_kernels (LsMatvec *self)
{
  return ls_cpu_path_name (self->kernels->path);
}

LsCpuPath
ls_matvec_get_path (LsMatvec *self)
{
  return self->kernels->path;
}

void
ls_matvec_in_out (LsMatvec *self, float *y, const float *x, const void *w, LsDtype dtype,
                  const float *b, int in, int out)
{
  g_return_if_fail ((guint) dtype < LS_MATVEC_N_DTYPES);
  run_rows (self, self->kernels->rows[dtype], y, x, w, b, in, out);
}

void
ls_matvec_out_in (LsMatvec *self, float *y, const float *x, const void *w, LsDtype dtype,
                  const float *b, int in, int out)
{
  g_return_if_fail ((guint) dtype < LS_MATVEC_N_DTYPES);
  run_columns (self, self->kernels->out_in[dtype], y, x, w, b, in, out, 4);
}

void
ls_matvec_run_chunks (LsMatvec *self, LsMatvecChunkFn fn, gpointer data, int n_chunks)
{
  if (n_chunks <= 0)
    return;
  if (self->n_threads == 1 || n_chunks == 1)
    {
      for (int c = 0; c < n_chunks; c++)
        fn (data, c, n_chunks);
      return;
    }
  Job job = { NULL, NULL, fn, data, NULL, NULL, NULL, NULL, 0, 0, n_chunks, 1 };
  run_parallel (self, &job);
}

void
ls_matvec_set_spin_us (LsMatvec *self, int spin_us)
{
  atomic_store (&self->spin_us, MAX (spin_us, 0));
}

void
ls_matvec_free (LsMatvec *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  atomic_store (&self->quit, 1);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  for (int i = 0; i < self->n_threads - 1; i++)
    g_thread_join (self->threads[i]);
  g_free (self->threads);
  g_free (self->workers);
  g_free (self->partial);
  g_free ((gpointer) self->used);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
