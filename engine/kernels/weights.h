/* weights.h: the weight formats the kernels read, one table row per dtype.
 *
 * A checkpoint's matrices stay in the dtype of the file (F32 mmapped in
 * place, F16 and BF16 at half the bytes).  What differs between them is
 * only how a run of elements becomes float32: each row of the table says
 * so once, and the models look the row up instead of branching on dtypes.
 * The one-row products take the dtype directly (matvec.h: each path has a
 * kernel per row of this table).
 */
#pragma once

#include <glib.h>
#include "tensor.h"

G_BEGIN_DECLS

typedef struct {
  LsDtype  dtype;
  gsize    size;      /* bytes per element */
  gboolean in_place;  /* float32 already: rows are used where they lie */
  /* @n elements from @src (may be unaligned) to float32, exactly; the
   * vector kernels of ls_cpu_get_path(). */
  void   (*widen) (float *dst, const void *src, gsize n);
} LsWeightFormat;

/* The format of @dtype, or NULL when the kernels cannot read it. */
const LsWeightFormat *ls_weight_format      (LsDtype               dtype);
/* Rows [@row0, @row0 + @n_rows) of a matrix with @cols columns stored at
 * @w, as float32: @w's own rows when they are float32 already, else
 * widened into @scratch (@n_rows * @cols floats). */
const float          *ls_weight_format_rows (const LsWeightFormat *format,
                                             const void           *w,
                                             gsize                 row0,
                                             gsize                 n_rows,
                                             gsize                 cols,
                                             float                *scratch);

G_END_DECLS
