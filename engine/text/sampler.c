/* sampler.c: logits processors and the draw (transformers'
 * RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper,
 * TopKLogitsWarper, TopPLogitsWarper, then multinomial). */
#include "sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  float value;
  int   index;
} Scored;

struct _LsSampler {
  LsSamplerOptions  options;
  int               vocab;
  guint64           rng[4];   /* xoshiro256** */
  guint32          *seen;     /* (vocab) stamp of the last call that penalised the id */
  guint32           stamp;
  Scored           *sorted;   /* (vocab) */
  float            *probs;    /* (vocab) unnormalised, for the draw */
};

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (LsSampler *self)
{
  guint64 *s = self->rng;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static double
rng_uniform (LsSampler *self)
{
  return (double) (rng_next (self) >> 11) * (1.0 / 9007199254740992.0);
}

void
ls_sampler_options_init (LsSamplerOptions *options)
{
  *options = (LsSamplerOptions) {
    .do_sample = FALSE,
    .temperature = 1.0f,
    .top_k = 0,
    .top_p = 1.0f,
    .repetition_penalty = 1.0f,
    .seed = 0,
  };
}

LsSampler *
ls_sampler_new (int vocab_size, const LsSamplerOptions *options)
{
  LsSampler *self = g_new0 (LsSampler, 1);
  guint64 seed = options->seed;
  self->options = *options;
  self->vocab = vocab_size;
  for (int i = 0; i < 4; i++)
    self->rng[i] = splitmix64 (&seed);
  self->seen = g_new0 (guint32, vocab_size);
  self->sorted = g_new (Scored, vocab_size);
  self->probs = g_new (float, vocab_size);
  return self;
}

void
ls_sampler_free (LsSampler *self)
{
  if (self == NULL)
    return;
  g_free (self->seen);
  g_free (self->sorted);
  g_free (self->probs);
  g_free (self);
}

static int
compare_desc (const void *a, const void *b)
{
  const Scored *x = a, *y = b;
  if (x->value != y->value)
    return x->value > y->value ? -1 : 1;
  return x->index - y->index; /* ties: lower id first */
}

static inline gboolean
better (const Scored *a, const Scored *b)
{
  return a->value > b->value || (a->value == b->value && a->index < b->index);
}

/* Moves the @k best of @a[0..n) to the front, in no order (quickselect:
 * O(n), where sorting the vocab for every token cost tens of ms). */
static void
select_best (Scored *a, int n, int k)
{
  int lo = 0, hi = n - 1, target = k - 1;
  while (lo < hi)
    {
      Scored pivot = a[lo + (hi - lo) / 2];
      int i = lo, j = hi;
      while (i <= j)
        {
          while (better (&a[i], &pivot))
            i++;
          while (better (&pivot, &a[j]))
            j--;
          if (i <= j)
            {
              Scored t = a[i];
              a[i++] = a[j];
              a[j--] = t;
            }
        }
      if (target <= j)
        hi = j;
      else if (target >= i)
        lo = i;
      else
        break;
    }
}

/* Smallest prefix of @sorted[0..n) (descending) whose predecessors hold less
 * than @top_p of @total: transformers removes, in ascending order, the tokens
 * whose cumulative probability is <= 1 - top_p.  Returns n when the prefix
 * may extend past @n. */
static int
top_p_cut (const Scored *sorted, int n, float max, double total, float top_p)
{
  double before = 0.0;
  for (int r = 0; r < n; r++)
    {
      if (r > 0 && before >= top_p * total)
        return r;
      before += expf (sorted[r].value - max);
    }
  return n;
}

void
ls_sampler_process (LsSampler *self, float *logits, const int *history, gsize n_history)
{
  const LsSamplerOptions *o = &self->options;
  int V = self->vocab;

  if (o->repetition_penalty > 0.0f && o->repetition_penalty != 1.0f)
    {
      /* Once per distinct id: the stamp marks ids already penalised by this
       * call without clearing a vocab-sized array each token. */
      if (++self->stamp == 0)
        {
          memset (self->seen, 0, sizeof (guint32) * V);
          self->stamp = 1;
        }
      for (gsize i = 0; i < n_history; i++)
        {
          int id = history[i];
          if (id < 0 || id >= V || self->seen[id] == self->stamp)
            continue;
          self->seen[id] = self->stamp;
          float s = logits[id];
          logits[id] = s < 0.0f ? s * o->repetition_penalty : s / o->repetition_penalty;
        }
    }
  if (!o->do_sample)
    return;

  if (o->temperature > 0.0f && o->temperature != 1.0f)
    {
      float inv = 1.0f / o->temperature;
      for (int i = 0; i < V; i++)
        logits[i] *= inv;
    }

  gboolean use_k = o->top_k > 0 && o->top_k < V;
  gboolean use_p = o->top_p > 0.0f && o->top_p < 1.0f;
  if (!use_k && !use_p)
    return;

  Scored *sorted = self->sorted;
  for (int i = 0; i < V; i++)
    {
      sorted[i].value = logits[i];
      sorted[i].index = i;
    }

  /* Candidates: the top k (with every token tied with the k-th), or for
   * top-p alone a first guess of the 1024 best, widened if it falls short. */
  int n_cand;
  if (use_k)
    {
      select_best (sorted, V, o->top_k);
      float kth = sorted[0].value;
      for (int r = 1; r < o->top_k; r++)
        kth = MIN (kth, sorted[r].value);
      n_cand = o->top_k;
      for (int r = o->top_k; r < V; r++)
        if (sorted[r].value >= kth)
          {
            Scored t = sorted[n_cand];
            sorted[n_cand++] = sorted[r];
            sorted[r] = t;
          }
    }
  else
    {
      n_cand = MIN (V, 1024);
      if (n_cand < V)
        select_best (sorted, V, n_cand);
    }
  qsort (sorted, n_cand, sizeof (Scored), compare_desc);

  int keep = n_cand;
  if (use_p)
    {
      float max = sorted[0].value;
      double total = 0.0;
      if (use_k)
        for (int r = 0; r < n_cand; r++)
          total += expf (sorted[r].value - max);
      else
        for (int i = 0; i < V; i++)
          total += expf (logits[i] - max);
      keep = top_p_cut (sorted, n_cand, max, total, o->top_p);
      while (keep == n_cand && !use_k && n_cand < V)
        {
          /* A flat distribution: the guess was too narrow, widen it. */
          n_cand = MIN (V, n_cand * 8);
          if (n_cand < V)
            select_best (sorted, V, n_cand);
          qsort (sorted, n_cand, sizeof (Scored), compare_desc);
          keep = top_p_cut (sorted, n_cand, max, total, o->top_p);
        }
    }

  for (int i = 0; i < V; i++)
    logits[i] = -INFINITY;
  for (int r = 0; r < keep; r++)
    logits[sorted[r].index] = sorted[r].value;
}

int
ls_sampler_next (LsSampler *self, float *logits, const int *history, gsize n_history)
{
  int V = self->vocab;

  ls_sampler_process (self, logits, history, n_history);

  int best = 0;
  for (int i = 1; i < V; i++)
    if (logits[i] > logits[best])
      best = i;
  if (!self->options.do_sample)
    return best;

  /* Multinomial over softmax(scores): walk the cumulative sum. */
  float max = logits[best];
  float *p = self->probs;
  double total = 0.0;
  for (int i = 0; i < V; i++)
    {
      p[i] = expf (logits[i] - max);
      total += p[i];
    }
  double target = rng_uniform (self) * total;
  double acc = 0.0;
  int last = best;
  for (int i = 0; i < V; i++)
    {
      if (p[i] == 0.0f)
        continue;
      acc += p[i];
      last = i;
      if (acc > target)
        return i;
    }
  return last; /* rounding left target at the very end */
}
