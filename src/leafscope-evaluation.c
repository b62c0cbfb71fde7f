/* leafscope-evaluation.c: see the header. */
#include "config.h"

#include "leafscope-evaluation.h"

#include <string.h>

struct _LeafscopeEvaluation
{
  GObject     parent_instance;
  GPtrArray  *items;     /* LeafscopeDatasetItem */
  GPtrArray  *rows;      /* char* */
  GPtrArray  *columns;   /* char*, rows first */
  GArray     *predicted; /* int column per item; -1 pending, -2 failed, -3 flagged */
  GHashTable *index_of;  /* item -> index + 1 */
  guint       n_done;
  guint       n_failed;
  LsMetrics  *metrics;   /* classes: the columns; failed photos are not in it */
};

G_DEFINE_FINAL_TYPE (LeafscopeEvaluation, leafscope_evaluation, G_TYPE_OBJECT)

static void
leafscope_evaluation_finalize (GObject *object)
{
  LeafscopeEvaluation *self = LEAFSCOPE_EVALUATION (object);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->rows);
  g_ptr_array_unref (self->columns);
  g_array_unref (self->predicted);
  g_hash_table_unref (self->index_of);
  ls_metrics_free (self->metrics);
  G_OBJECT_CLASS (leafscope_evaluation_parent_class)->finalize (object);
}

static void
leafscope_evaluation_class_init (LeafscopeEvaluationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = leafscope_evaluation_finalize;
}

static void
leafscope_evaluation_init (LeafscopeEvaluation *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->rows = g_ptr_array_new_with_free_func (g_free);
  self->columns = g_ptr_array_new_with_free_func (g_free);
  self->predicted = g_array_new (FALSE, FALSE, sizeof (int));
  self->index_of = g_hash_table_new (g_direct_hash, g_direct_equal);
}

static int
find (GPtrArray *arr, const char *label)
{
  for (guint i = 0; i < arr->len; i++)
    if (strcmp (g_ptr_array_index (arr, i), label) == 0)
      return i;
  return -1;
}

LeafscopeEvaluation *
leafscope_evaluation_new (const char * const *classes, GListModel *items)
{
  LeafscopeEvaluation *self = g_object_new (LEAFSCOPE_TYPE_EVALUATION, NULL);
  guint n = g_list_model_get_n_items (items);

  for (guint i = 0; classes && classes[i]; i++)
    {
      g_ptr_array_add (self->rows, g_strdup (classes[i]));
      g_ptr_array_add (self->columns, g_strdup (classes[i]));
    }
  for (guint i = 0; i < n; i++)
    {
      LeafscopeDatasetItem *item = g_list_model_get_item (items, i);
      int pending = -1;
      g_ptr_array_add (self->items, item);
      g_array_append_val (self->predicted, pending);
      g_hash_table_insert (self->index_of, item, GUINT_TO_POINTER (i + 1));
      if (find (self->rows, leafscope_dataset_item_get_class_name (item)) < 0)
        {
          /* A class outside @classes still gets its row. */
          g_ptr_array_add (self->rows, g_strdup (leafscope_dataset_item_get_class_name (item)));
          g_ptr_array_insert (self->columns, self->rows->len - 1,
                              g_strdup (leafscope_dataset_item_get_class_name (item)));
        }
    }
  self->metrics = ls_metrics_new (self->columns->len);
  return self;
}

guint
leafscope_evaluation_get_n_items (LeafscopeEvaluation *self)
{
  return self->items->len;
}

LeafscopeDatasetItem *
leafscope_evaluation_get_item (LeafscopeEvaluation *self, guint index)
{
  g_return_val_if_fail (index < self->items->len, NULL);
  return g_ptr_array_index (self->items, index);
}

#define FLAGGED -3

void
leafscope_evaluation_record (LeafscopeEvaluation *self, guint index, const char *label)
{
  leafscope_evaluation_record_status (self, index, label, LS_DIAGNOSIS_DIAGNOSED);
}

static int row_of (LeafscopeEvaluation *self, guint index);

void
leafscope_evaluation_record_status (LeafscopeEvaluation *self, guint index, const char *label,
                                    LsDiagnosisStatus status)
{
  int column;

  g_return_if_fail (index < self->items->len);
  if (g_array_index (self->predicted, int, index) != -1)
    return;
  self->n_done++;
  if (label == NULL)
    {
      g_array_index (self->predicted, int, index) = -2;
      self->n_failed++;
      return;
    }
  column = find (self->columns, label);
  if (status != LS_DIAGNOSIS_DIAGNOSED)
    {
      /* Flagged: no column of its own for a label never diagnosed. */
      g_array_index (self->predicted, int, index) = FLAGGED;
      ls_metrics_add (self->metrics, row_of (self, index), column, status);
      return;
    }
  if (column < 0)
    {
      g_ptr_array_add (self->columns, g_strdup (label));
      column = self->columns->len - 1;
      ls_metrics_grow (self->metrics, self->columns->len);
    }
  g_array_index (self->predicted, int, index) = column;
  ls_metrics_add (self->metrics, row_of (self, index), column, status);
}

guint leafscope_evaluation_get_n_done (LeafscopeEvaluation *self) { return self->n_done; }
guint leafscope_evaluation_get_n_failed (LeafscopeEvaluation *self) { return self->n_failed; }
guint leafscope_evaluation_get_n_flagged (LeafscopeEvaluation *self) { return ls_metrics_get_n_flagged (self->metrics); }
const LsMetrics *leafscope_evaluation_get_metrics (LeafscopeEvaluation *self) { return self->metrics; }

double
leafscope_evaluation_get_accuracy (LeafscopeEvaluation *self)
{
  return ls_metrics_get_accuracy_diagnosed (self->metrics);
}

double
leafscope_evaluation_get_coverage (LeafscopeEvaluation *self)
{
  return ls_metrics_get_coverage (self->metrics);
}

guint leafscope_evaluation_get_n_rows (LeafscopeEvaluation *self) { return self->rows->len; }

guint
leafscope_evaluation_get_n_columns (LeafscopeEvaluation *self)
{
  return self->columns->len + (leafscope_evaluation_get_n_flagged (self) > 0 ? 1 : 0);
}

gboolean
leafscope_evaluation_is_flagged_column (LeafscopeEvaluation *self, guint column)
{
  return leafscope_evaluation_get_n_flagged (self) > 0 && column == self->columns->len;
}

/* The value of predicted[] that puts an item in @column. */
static int
column_code (LeafscopeEvaluation *self, guint column)
{
  return leafscope_evaluation_is_flagged_column (self, column) ? FLAGGED : (int) column;
}

const char *
leafscope_evaluation_get_row_label (LeafscopeEvaluation *self, guint row)
{
  g_return_val_if_fail (row < self->rows->len, NULL);
  return g_ptr_array_index (self->rows, row);
}

const char *
leafscope_evaluation_get_column_label (LeafscopeEvaluation *self, guint column)
{
  g_return_val_if_fail (column < leafscope_evaluation_get_n_columns (self), NULL);
  if (leafscope_evaluation_is_flagged_column (self, column))
    return NULL;
  return g_ptr_array_index (self->columns, column);
}

static int
row_of (LeafscopeEvaluation *self, guint index)
{
  return find (self->rows, leafscope_dataset_item_get_class_name (g_ptr_array_index (self->items, index)));
}

guint
leafscope_evaluation_get_cell (LeafscopeEvaluation *self, guint row, guint column)
{
  g_return_val_if_fail (row < self->rows->len && column < leafscope_evaluation_get_n_columns (self), 0);
  /* The flagged column is the metrics' last (index n_classes). */
  return ls_metrics_get_confusion_diagnosed (self->metrics, row, column);
}

gboolean
leafscope_evaluation_item_in_cell (LeafscopeEvaluation *self, LeafscopeDatasetItem *item,
                                   guint row, guint column)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->index_of, item));
  if (index == 0)
    return FALSE;
  index--;
  return g_array_index (self->predicted, int, index) == column_code (self, column) && row_of (self, index) == (int) row;
}
