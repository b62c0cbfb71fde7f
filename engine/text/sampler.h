/* sampler.h: the next token from logits, with transformers' semantics:
 * repetition penalty, then (sampling only) temperature, top-k, top-p, and a
 * draw from a PRNG seeded per sampler (no global state). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The sampling part of LsGenerateOptions (generate.h), which fills it: the
 * sampler sits below generation and does not see its other settings. */
typedef struct {
  gboolean do_sample;          /* FALSE: greedy */
  float    temperature;        /* 1.0 = unchanged */
  int      top_k;              /* 0 = off */
  float    top_p;              /* 1.0 = off */
  float    repetition_penalty; /* 1.0 = off */
  guint64  seed;
} LsSamplerOptions;

/* Greedy, every processor off, seed 0. */
void       ls_sampler_options_init (LsSamplerOptions *options);

typedef struct _LsSampler LsSampler;

/* Copies @options; plans its buffers for @vocab_size. */
LsSampler *ls_sampler_new     (int                     vocab_size,
                               const LsSamplerOptions *options);
/* Rewrites @logits [vocab] in place into the scores the draw uses: the
 * penalty applied once per distinct id of @history (prompt included: score < 0
 * -> score * penalty, else score / penalty); when sampling, divided by the
 * temperature and with the tokens outside top-k / top-p set to -INFINITY
 * (top-p keeps the smallest set whose probability reaches top_p, at least one
 * token). */
void       ls_sampler_process (LsSampler   *self,
                               float       *logits,
                               const int   *history,
                               gsize        n_history);
/* ls_sampler_process, then the argmax (greedy; the first of equal maxima) or
 * a draw from the softmax of the scores. */
int        ls_sampler_next    (LsSampler   *self,
                               float       *logits,
                               const int   *history,
                               gsize        n_history);
void       ls_sampler_free    (LsSampler   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSampler, ls_sampler_free)

G_END_DECLS
