/* labels.h: reading a classifier's output: the most likely label, and all
 * labels from most to least likely.  One rule for the CLI, the window and
 * the report, so that ties break the same way everywhere. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Index of the largest of @values[0..n-1]; the first one on a tie.  0 when
 * @n is 0. */
int  ls_labels_argmax (const float *values,
                       int          n);
/* Fills @order[0..n-1] with the indices of @probs from largest to smallest;
 * equal values keep their index order (stable). */
void ls_labels_rank   (const float *probs,
                       int          n,
                       int         *order);

G_END_DECLS
