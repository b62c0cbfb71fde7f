/* labels.c: argmax and ranking of a classifier's output (see labels.h). */
#include "labels.h"

int
ls_labels_argmax (const float *values, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (values[i] > values[best])
      best = i;
  return best;
}

void
ls_labels_rank (const float *probs, int n, int *order)
{
  for (int i = 0; i < n; i++)
    order[i] = i;
  /* Insertion sort: stable, and n is a handful of labels. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && probs[order[j]] > probs[order[j - 1]]; j--)
      {
        int t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }
}
