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
  LsGenerateOptions options;
  int               vocab;
  guint64           rng[4];   /* xoshiro256** */
  guint32          *seen;     /* (vocab) stamp of the last call that penalised the id */
  guint32           stamp;
  Scored           *sorted;   /* (vocab) */
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

LsSampler *
ls_sampler_new (int vocab_size, const LsGenerateOptions *options)
{
  LsSampler *self = g_new0 (LsSampler, 1);
  guint64 seed = options->seed;
  self->options = *options;
  self->options.stop_strings = NULL; /* not ours to keep */
  self->vocab = vocab_size;
  for (int i = 0; i < 4; i++)
    self->rng[i] = splitmix64 (&seed);
  self->seen = g_new0 (guint32, vocab_size);
  self->sorted = g_new (Scored, vocab_size);
  return self;
}

void
ls_sampler_free (LsSampler *self)
{
  if (self == NULL)
    return;
  g_free (self->seen);
  g_free (self->sorted);
  g_free (self);
}

static int
compare_desc (const void *a, const void *b)
{
  const Scored *x = a, *y = b;
  if (x->value != y->value)
    return x->value > y->value ? -1 : 1;
  return x->index - y->index; /* stable for ties: lower id first */
}

void
ls_sampler_process (LsSampler *self, float *logits, const int *history, gsize n_history)
{
  const LsGenerateOptions *o = &self->options;
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

  for (int i = 0; i < V; i++)
    {
      self->sorted[i].value = logits[i];
      self->sorted[i].index = i;
    }
  qsort (self->sorted, V, sizeof (Scored), compare_desc);

  int keep = V;
  if (use_k)
    {
      /* Everything below the k-th score goes; ties with it stay. */
      float kth = self->sorted[o->top_k - 1].value;
      keep = o->top_k;
      while (keep < V && self->sorted[keep].value >= kth)
        keep++;
    }
  if (use_p)
    {
      /* Descending: keep token r while the tokens before it hold less than
       * top_p (transformers removes, in ascending order, those whose
       * cumulative probability is <= 1 - top_p). */
      float max = self->sorted[0].value;
      double total = 0.0;
      for (int r = 0; r < keep; r++)
        total += exp ((double) self->sorted[r].value - max);
      double before = 0.0;
      int r = 0;
      for (; r < keep; r++)
        {
          if (r > 0 && before / total >= o->top_p)
            break;
          before += exp ((double) self->sorted[r].value - max);
        }
      keep = r;
    }
  for (int r = keep; r < V; r++)
    logits[self->sorted[r].index] = -INFINITY;
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
  double total = 0.0;
  for (int i = 0; i < V; i++)
    total += exp ((double) logits[i] - max);
  double target = rng_uniform (self) * total;
  double acc = 0.0;
  int last = best;
  for (int i = 0; i < V; i++)
    {
      if (logits[i] == -INFINITY)
        continue;
      acc += exp ((double) logits[i] - max);
      last = i;
      if (acc > target)
        return i;
    }
  return last; /* rounding left target at the very end */
}
