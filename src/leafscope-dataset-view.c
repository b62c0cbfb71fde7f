/* leafscope-dataset-view.c: see the header. */
#include "config.h"

#include "leafscope-dataset-view-private.h"
#include "leafscope-adaptive.h"
#include "leafscope-confusion-view.h"
#include "leafscope-facts.h"
#include "leafscope-thumbnailer.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define THUMB_SIZE 160


enum { PROP_0, PROP_CAN_EVALUATE, N_PROPS };
static GParamSpec *props[N_PROPS];

void
leafscope_dataset_view_notify_can_evaluate (LeafscopeDatasetView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_EVALUATE]);
}

enum { SIGNAL_PHOTO_ACTIVATED, SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LeafscopeDatasetView, leafscope_dataset_view, GTK_TYPE_WIDGET)

/* The grid's frame: Tab and Shift+Tab leave the grid (GtkGridView in GTK 4.8
 * walks its cells one by one on Tab); the arrows move inside it. */
#define LEAFSCOPE_TYPE_GRID_FRAME (leafscope_grid_frame_get_type ())
G_DECLARE_FINAL_TYPE (LeafscopeGridFrame, leafscope_grid_frame, LEAFSCOPE, GRID_FRAME, GtkWidget)
struct _LeafscopeGridFrame { GtkWidget parent_instance; };
G_DEFINE_FINAL_TYPE (LeafscopeGridFrame, leafscope_grid_frame, GTK_TYPE_WIDGET)

static gboolean
leafscope_grid_frame_focus (GtkWidget *widget, GtkDirectionType direction)
{
  if ((direction == GTK_DIR_TAB_FORWARD || direction == GTK_DIR_TAB_BACKWARD)
      && gtk_widget_get_focus_child (widget) != NULL)
    return FALSE;
  return GTK_WIDGET_CLASS (leafscope_grid_frame_parent_class)->focus (widget, direction);
}

static void
leafscope_grid_frame_dispose (GObject *object)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (leafscope_grid_frame_parent_class)->dispose (object);
}

static void
leafscope_grid_frame_class_init (LeafscopeGridFrameClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = leafscope_grid_frame_dispose;
  GTK_WIDGET_CLASS (klass)->focus = leafscope_grid_frame_focus;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
leafscope_grid_frame_init (LeafscopeGridFrame *self)
{
}

const char *
leafscope_dataset_view_current_split (LeafscopeDatasetView *self)
{
  guint pos = gtk_drop_down_get_selected (self->split_dropdown);
  if (self->split_ids == NULL || pos == GTK_INVALID_LIST_POSITION || pos >= g_strv_length (self->split_ids))
    return NULL;
  return self->split_ids[pos];
}

static const char *
current_class (LeafscopeDatasetView *self)
{
  guint pos = gtk_drop_down_get_selected (self->class_dropdown);
  if (self->class_ids == NULL || pos == 0 || pos == GTK_INVALID_LIST_POSITION
      || pos >= g_strv_length (self->class_ids))
    return NULL;
  return self->class_ids[pos];
}

static gboolean
filter_func (gpointer item, gpointer user_data)
{
  LeafscopeDatasetView *self = user_data;
  const char *split = leafscope_dataset_view_current_split (self);
  const char *cls = current_class (self);

  if (split && strcmp (split, leafscope_dataset_item_get_split (item)) != 0)
    return FALSE;
  if (self->cell_filter)
    return self->evaluation
           && leafscope_evaluation_item_in_cell (self->evaluation, item, self->cell_row, self->cell_column);
  if (cls && strcmp (cls, leafscope_dataset_item_get_class_name (item)) != 0)
    return FALSE;
  return TRUE;
}

void
leafscope_dataset_view_refilter (LeafscopeDatasetView *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  /* An empty selection says so instead of showing an empty grid. */
  gtk_stack_set_visible_child_name (self->grid_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0 ? "photos" : "none");
}

char *
leafscope_split_display_name (const char *split)
{
  if (g_ascii_strcasecmp (split, "train") == 0)
    return g_strdup (_("Training"));
  if (g_ascii_strcasecmp (split, "validation") == 0 || g_ascii_strcasecmp (split, "val") == 0)
    return g_strdup (_("Validation"));
  if (g_ascii_strcasecmp (split, "test") == 0)
    return g_strdup (_("Test"));
  return leafscope_class_display_name (split);
}

void
leafscope_dataset_view_update_class_dropdown (LeafscopeDatasetView *self)
{
  const char * const *classes = leafscope_dataset_model_get_classes (self->model);
  const char *split = leafscope_dataset_view_current_split (self);
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  const char *selected = current_class (self);
  g_autofree char *keep = g_strdup (selected);
  guint select = 0;
  g_autofree char *all = NULL;

  /* TRANSLATORS: the class filter's first entry; %u is the number of photos */
  all = g_strdup_printf (_("All classes (%u)"), leafscope_dataset_model_count (self->model, split, NULL));
  gtk_string_list_append (list, all);
  g_ptr_array_add (ids, g_strdup (""));
  for (guint i = 0; classes[i]; i++)
    {
      g_autofree char *name = leafscope_class_display_name (classes[i]);
      g_autofree char *entry = g_strdup_printf ("%s (%u)", name,
                                                leafscope_dataset_model_count (self->model, split, classes[i]));
      gtk_string_list_append (list, entry);
      g_ptr_array_add (ids, g_strdup (classes[i]));
      if (g_strcmp0 (keep, classes[i]) == 0)
        select = i + 1;
    }
  g_ptr_array_add (ids, NULL);
  g_strfreev (self->class_ids);
  self->class_ids = (GStrv) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
  self->updating_dropdowns = TRUE;
  gtk_drop_down_set_model (self->class_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->class_dropdown, select);
  self->updating_dropdowns = FALSE;
}

void
leafscope_dataset_view_clear_cell_filter (LeafscopeDatasetView *self)
{
  self->cell_filter = FALSE;
  gtk_revealer_set_reveal_child (self->filter_revealer, FALSE);
  leafscope_confusion_view_set_selected (self->confusion_view, G_MAXUINT, G_MAXUINT);
}


static void
on_split_changed (LeafscopeDatasetView *self)
{
  if (self->updating_dropdowns || self->model == NULL)
    return;
  leafscope_dataset_view_clear_cell_filter (self);
  /* The results belong to the split they were measured on: a finished
   * evaluation of another split goes; a running one stays, named by its
   * split, and its cells bring that split back. */
  if (self->evaluation && !self->evaluating && g_strcmp0 (self->eval_split, leafscope_dataset_view_current_split (self)) != 0)
    leafscope_dataset_view_close_evaluation (self);
  leafscope_dataset_view_update_class_dropdown (self);
  leafscope_dataset_view_refilter (self);
}

static void
on_class_changed (LeafscopeDatasetView *self)
{
  if (self->updating_dropdowns || self->model == NULL)
    return;
  leafscope_dataset_view_clear_cell_filter (self);
  leafscope_dataset_view_refilter (self);
}

void
leafscope_dataset_view_set_split (LeafscopeDatasetView *self, const char *split)
{
  for (guint i = 0; self->split_ids && self->split_ids[i]; i++)
    if (g_strcmp0 (self->split_ids[i], split) == 0)
      gtk_drop_down_set_selected (self->split_dropdown, i);
}

static void
on_model_changed (LeafscopeDatasetView *self)
{
  /* Results of the old vision model are not this one's. */
  if (self->evaluation)
    leafscope_dataset_view_close_evaluation (self);
  leafscope_dataset_view_update_scope (self);
}

/* ---- grid cells ---- */

static void
on_setup (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_size_request (picture, THUMB_SIZE * 3 / 4, THUMB_SIZE * 3 / 4);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_widget_add_css_class (picture, "thumbnail");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_add_css_class (box, "dataset-cell");
  gtk_list_item_set_child (list_item, box);
}

static void
on_thumbnail_notify (LeafscopeDatasetItem *item, GParamSpec *pspec, GtkPicture *picture)
{
  gtk_picture_set_paintable (picture, GDK_PAINTABLE (leafscope_dataset_item_get_thumbnail (item)));
}

static gboolean
flush_requests (gpointer user_data)
{
  LeafscopeDatasetView *self = user_data;
  int height = gtk_widget_get_height (self->grid_scroller);
  GHashTableIter iter;
  gpointer item, picture;

  guint unsized = 0;

  self->flush_id = 0;
  /* GtkGridView keeps many more cells bound than it shows (dozens of rows
   * around the visible ones): decode those on screen, and one screen ahead
   * above and below for smooth scrolling; withdraw the rest. */
  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &item, &picture))
    {
      graphene_rect_t bounds;
      gboolean near = FALSE;

      /* Cells the grid keeps bound off screen are unmapped, or mapped but
       * not allocated (no size) while a layout is pending. */
      if (!gtk_widget_get_mapped (picture))
        ;
      else if (gtk_widget_get_width (picture) <= 0)
        unsized++;
      else if (gtk_widget_compute_bounds (picture, self->grid_scroller, &bounds))
        near = bounds.origin.y + bounds.size.height >= -height && bounds.origin.y <= 2 * height;
      if (near)
        leafscope_thumbnailer_request (self->thumbnailer, item);
      else
        leafscope_thumbnailer_withdraw (self->thumbnailer, item);
    }
  /* Look again after the layout, a few times after each burst of binds. */
  if (unsized > 0 && self->flush_retries > 0)
    {
      self->flush_retries--;
      self->flush_id = g_timeout_add (60, flush_requests, self);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (LeafscopeDatasetView *self)
{
  if (self->flush_id == 0)
    self->flush_id = g_timeout_add (40, flush_requests, self);
}

static void
on_bind (GtkSignalListItemFactory *factory, GtkListItem *list_item, LeafscopeDatasetView *self)
{
  LeafscopeDatasetItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *picture = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (picture);
  g_autofree char *name = leafscope_class_display_name (leafscope_dataset_item_get_class_name (item));
  g_autofree char *base = g_path_get_basename (leafscope_dataset_item_get_path (item));
  g_autofree char *tip = g_strdup_printf ("%s — %s", name, base);

  gtk_label_set_text (GTK_LABEL (label), name);
  gtk_widget_set_tooltip_text (box, tip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (leafscope_dataset_item_get_thumbnail (item)));
  g_signal_connect_object (item, "notify::thumbnail", G_CALLBACK (on_thumbnail_notify), picture, 0);
  /* Bound means about to be shown, but the grid binds many cells for a
   * moment while it lays out a new model or scrolls fast: ask for the cells
   * that are still bound a little later. */
  g_hash_table_insert (self->bound, item, picture);
  self->flush_retries = 5;
  schedule_flush (self);
}

static void
on_unbind (GtkSignalListItemFactory *factory, GtkListItem *list_item, LeafscopeDatasetView *self)
{
  LeafscopeDatasetItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *picture = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));

  g_signal_handlers_disconnect_by_func (item, on_thumbnail_notify, picture);
  gtk_picture_set_paintable (GTK_PICTURE (picture), NULL);
  g_hash_table_remove (self->bound, item);
  leafscope_thumbnailer_withdraw (self->thumbnailer, item);
}

static void
on_activate (GtkGridView *grid, guint position, LeafscopeDatasetView *self)
{
  g_autoptr(LeafscopeDatasetItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
  if (item)
    g_signal_emit (self, signals[SIGNAL_PHOTO_ACTIVATED], 0, leafscope_dataset_item_get_path (item));
}

/* ---- opening ---- */

static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  LeafscopeDatasetModel *model = leafscope_dataset_model_new_for_folder (task_data, cancellable, &error);
  if (model)
    g_task_return_pointer (task, model, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
set_model (LeafscopeDatasetView *self, LeafscopeDatasetModel *model)
{
  const char * const *splits = leafscope_dataset_model_get_splits (model);
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  g_autofree char *folder = g_filename_display_name (leafscope_dataset_model_get_folder (model));
  g_autofree char *base = g_path_get_basename (folder);
  guint select = 0;

  leafscope_dataset_view_cancel_evaluation (self);
  gtk_revealer_set_reveal_child (self->eval_revealer, FALSE);
  g_clear_object (&self->evaluation);
  leafscope_confusion_view_set_evaluation (self->confusion_view, NULL);
  leafscope_dataset_view_clear_cell_filter (self);
  leafscope_thumbnailer_clear (self->thumbnailer);
  leafscope_dataset_view_on_calibrate_cancel_clicked (self);
  self->calibrated = FALSE;

  g_set_object (&self->model, model);
  g_strfreev (self->split_ids);
  self->split_ids = g_strdupv ((char **) splits);
  for (guint i = 0; splits[i]; i++)
    {
      g_autofree char *name = leafscope_split_display_name (splits[i]);
      g_autofree char *entry = g_strdup_printf ("%s (%u)", name, leafscope_dataset_model_count (model, splits[i], NULL));
      gtk_string_list_append (list, entry);
      /* Evaluate on held-out photos by default. */
      if (g_ascii_strcasecmp (splits[i], "validation") == 0 || g_ascii_strcasecmp (splits[i], "val") == 0)
        select = i;
    }
  self->updating_dropdowns = TRUE;
  gtk_drop_down_set_model (self->split_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->split_dropdown, select);
  gtk_widget_set_visible (GTK_WIDGET (self->split_dropdown), splits[0] && (splits[1] || *splits[0]));
  gtk_drop_down_set_selected (self->class_dropdown, 0);
  self->updating_dropdowns = FALSE;
  leafscope_dataset_view_update_class_dropdown (self);

  gtk_label_set_text (self->folder_label, base);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->folder_label), folder);
  gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (model));
  leafscope_dataset_view_refilter (self);
  gtk_stack_set_visible_child_name (self->stack, "grid");
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CAN_EVALUATE]);
  leafscope_dataset_view_update_scope (self);
}

static void
on_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LeafscopeDatasetView *self = LEAFSCOPE_DATASET_VIEW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(LeafscopeDatasetModel) model = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->loading = FALSE;
  if (model == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return;
    }
  if (self->settings)
    g_settings_set_string (self->settings, "last-dataset", leafscope_dataset_model_get_folder (model));
  set_model (self, model);
}

void
leafscope_dataset_view_open_folder (LeafscopeDatasetView *self, const char *folder)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  self->scan_cancellable = g_cancellable_new ();
  self->loading = TRUE;
  task = g_task_new (self, self->scan_cancellable, on_scanned, NULL);
  g_task_set_task_data (task, g_strdup (folder), g_free);
  g_task_run_in_thread (task, scan_thread);
}

static void
on_folder_response (GtkNativeDialog *native, int response, LeafscopeDatasetView *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        leafscope_dataset_view_open_folder (self, path);
    }
  g_object_unref (native);
}

void
leafscope_dataset_view_choose_folder (LeafscopeDatasetView *self)
{
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Open a Dataset Folder"), GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- public state ---- */

LeafscopeDatasetModel *leafscope_dataset_view_get_model (LeafscopeDatasetView *self) { return self->model; }
GListModel *leafscope_dataset_view_get_shown (LeafscopeDatasetView *self) { return G_LIST_MODEL (self->filtered); }
LeafscopeEvaluation *leafscope_dataset_view_get_evaluation (LeafscopeDatasetView *self) { return self->evaluation; }
const char *leafscope_dataset_view_get_split (LeafscopeDatasetView *self) { return leafscope_dataset_view_current_split (self); }
const char *leafscope_dataset_view_get_evaluation_split (LeafscopeDatasetView *self) { return self->eval_split; }
GtkWidget *leafscope_dataset_view_get_grid (LeafscopeDatasetView *self) { return GTK_WIDGET (self->grid_view); }
gboolean leafscope_dataset_view_get_evaluating (LeafscopeDatasetView *self) { return self->evaluating; }
gboolean leafscope_dataset_view_get_loading (LeafscopeDatasetView *self) { return self->loading; }
GtkWidget *leafscope_dataset_view_get_confusion_view (LeafscopeDatasetView *self) { return GTK_WIDGET (self->confusion_view); }
guint
leafscope_dataset_view_get_pending_thumbnails (LeafscopeDatasetView *self)
{
  return leafscope_thumbnailer_get_pending (self->thumbnailer) + (self->flush_id != 0);
}

void
leafscope_dataset_view_scroll_to (LeafscopeDatasetView *self, guint position)
{
  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", position);
}

void
leafscope_dataset_view_setup (LeafscopeDatasetView *self, LeafscopeWorker *worker, GSettings *settings)
{
  g_set_object (&self->worker, worker);
  g_set_object (&self->settings, settings);
  if (settings)
    g_signal_connect_object (settings, "changed::vision-model", G_CALLBACK (on_model_changed), self,
                             G_CONNECT_SWAPPED);
  leafscope_dataset_view_init_scope (self);
}

/* ---- adaptive layout: the evaluation goes below the grid when narrow ---- */

#define NARROW_WIDTH 700

static void
leafscope_dataset_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  LeafscopeDatasetView *self = LEAFSCOPE_DATASET_VIEW (widget);
  gboolean narrow = width < NARROW_WIDTH;

  if (narrow != self->narrow)
    {
      self->narrow = narrow;
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->body),
                                      narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
      /* The folder, the filters and the buttons one above the other. */
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->toolbar),
                                      narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
      /* Below the grid the evaluation scrolls both ways in a band of its
       * own; beside it, it keeps its width and scrolls down. */
      gtk_scrolled_window_set_policy (self->eval_scroller, narrow ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER,
                                      GTK_POLICY_AUTOMATIC);
      gtk_scrolled_window_set_propagate_natural_width (self->eval_scroller, !narrow);
      gtk_scrolled_window_set_min_content_height (self->eval_scroller, narrow ? 240 : -1);
      gtk_widget_set_size_request (self->eval_box, narrow ? -1 : 300, -1);
      gtk_revealer_set_transition_type (self->eval_revealer, narrow ? GTK_REVEALER_TRANSITION_TYPE_SLIDE_UP
                                                                    : GTK_REVEALER_TRANSITION_TYPE_SLIDE_LEFT);
    }
  leafscope_allocate_remeasured (GTK_WIDGET (self->stack), width, height, baseline);
}

static void
leafscope_dataset_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                                int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  LeafscopeDatasetView *self = LEAFSCOPE_DATASET_VIEW (widget);
  leafscope_measure_adaptive (GTK_WIDGET (self->stack), orientation, for_size, minimum, natural);
}

/* ---- GObject ---- */

static void
leafscope_dataset_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LeafscopeDatasetView *self = LEAFSCOPE_DATASET_VIEW (object);
  switch (prop_id)
    {
    case PROP_CAN_EVALUATE:
      g_value_set_boolean (value, self->model != NULL && !self->evaluating && !self->calibrating);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
leafscope_dataset_view_dispose (GObject *object)
{
  LeafscopeDatasetView *self = LEAFSCOPE_DATASET_VIEW (object);

  if ((self->evaluating || self->calibrating) && self->worker)
    leafscope_worker_cancel (self->worker, LEAFSCOPE_LANE_EVALUATE);
  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  {
    GtkWidget *child;
    gtk_widget_dispose_template (GTK_WIDGET (self), LEAFSCOPE_TYPE_DATASET_VIEW);
    /* The template's top box has no id: unparent it ourselves. */
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);
  g_clear_object (&self->evaluation);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->worker);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (leafscope_dataset_view_parent_class)->dispose (object);
}

static void
leafscope_dataset_view_finalize (GObject *object)
{
  LeafscopeDatasetView *self = LEAFSCOPE_DATASET_VIEW (object);
  g_strfreev (self->split_ids);
  g_strfreev (self->class_ids);
  g_free (self->eval_split);
  g_hash_table_unref (self->bound);
  G_OBJECT_CLASS (leafscope_dataset_view_parent_class)->finalize (object);
}

static void
leafscope_dataset_view_class_init (LeafscopeDatasetViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = leafscope_dataset_view_get_property;
  object_class->dispose = leafscope_dataset_view_dispose;
  object_class->finalize = leafscope_dataset_view_finalize;
  widget_class->size_allocate = leafscope_dataset_view_size_allocate;
  widget_class->measure = leafscope_dataset_view_measure;

  props[PROP_CAN_EVALUATE] = g_param_spec_boolean ("can-evaluate", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_PHOTO_ACTIVATED] = g_signal_new ("photo-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (LEAFSCOPE_TYPE_CONFUSION_VIEW);
  g_type_ensure (LEAFSCOPE_TYPE_GRID_FRAME);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/leafscope/Leafscope/leafscope-dataset-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LeafscopeDatasetView, name)
  BIND (stack);
  BIND (folder_label);
  BIND (split_dropdown);
  BIND (class_dropdown);
  BIND (evaluate_button);
  BIND (filter_revealer);
  BIND (filter_label);
  BIND (grid_view);
  BIND (grid_scroller);
  BIND (eval_revealer);
  BIND (eval_progress);
  BIND (eval_cancel);
  BIND (accuracy_label);
  BIND (eval_detail);
  BIND (eval_title);
  BIND (eval_progress_label);
  BIND (body);
  BIND (toolbar);
  BIND (eval_scroller);
  BIND (eval_box);
  BIND (grid_stack);
  BIND (confusion_view);
  BIND (scope_revealer);
  BIND (scope_label);
  BIND (calibrate_button);
  BIND (calibrate_cancel);
  BIND (calibrate_progress);
#undef BIND
  gtk_widget_class_bind_template_callback_full (widget_class, "on_show_all_clicked", G_CALLBACK (leafscope_dataset_view_on_show_all_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_close_evaluation_clicked", G_CALLBACK (leafscope_dataset_view_on_close_evaluation_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_cancel_evaluation_clicked", G_CALLBACK (leafscope_dataset_view_on_cancel_evaluation_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_cell_activated", G_CALLBACK (leafscope_dataset_view_on_cell_activated));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_calibrate_clicked", G_CALLBACK (leafscope_dataset_view_on_calibrate_clicked));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_calibrate_cancel_clicked", G_CALLBACK (leafscope_dataset_view_on_calibrate_cancel_clicked));
}

static void
leafscope_dataset_view_init (LeafscopeDatasetView *self)
{
  GtkListItemFactory *factory;
  GtkSelectionModel *selection;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->bound = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->thumbnailer = leafscope_thumbnailer_new (THUMB_SIZE, 4000);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (NULL, g_object_ref (GTK_FILTER (self->filter)));
  selection = GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered))));
  gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
  gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind), self);
  gtk_grid_view_set_model (self->grid_view, selection);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (selection);
  g_object_unref (factory);
  g_signal_connect (self->grid_view, "activate", G_CALLBACK (on_activate), self);
  {
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->grid_scroller));
    g_signal_connect_swapped (adj, "value-changed", G_CALLBACK (schedule_flush), self);
    g_signal_connect_swapped (adj, "changed", G_CALLBACK (schedule_flush), self);
  }
  g_signal_connect_swapped (self->split_dropdown, "notify::selected", G_CALLBACK (on_split_changed), self);
  g_signal_connect_swapped (self->class_dropdown, "notify::selected", G_CALLBACK (on_class_changed), self);
}
