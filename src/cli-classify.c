/* cli-classify.c: `leafscope-cli classify`, `evaluate` and `inspect`, the
 * vision side of the command line.  Thin: every number comes from the
 * engine (image, vit, attention-map, heatmap). */
#include "config.h"

#include "cli-common.h"

#include <cblas.h>
#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attention-map.h"
#include "checkpoint.h"
#include "heatmap.h"
#include "image.h"
#include "ls-error.h"
#include "safetensors.h"
#include "scope.h"
#include "vit.h"

/* Images per forward pass in `evaluate` and `classify`. */
#define BATCH 8

/* Fails with @path in front unless the engine's message already names it. */
static int
fail_error (const char *path, GError **error)
{
  if (path != NULL && strstr ((*error)->message, path) != NULL)
    path = NULL;
  return ls_cli_fail_error (path, error);
}

static LsVit *
load_model (const char *model_dir, GError **error)
{
  if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: no such model folder", model_dir);
      return NULL;
    }
  return ls_vit_load (model_dir, error);
}

static void
add_float_array (JsonBuilder *b, const char *name, const float *values, int n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (b, values[i]);
  json_builder_end_array (b);
}

/* Indices of @probs sorted by decreasing value (stable). */
static void
rank_labels (const float *probs, int n, int *order)
{
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && probs[order[j]] > probs[order[j - 1]]; j--)
      {
        int t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }
}

static int
argmax (const float *v, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

/* ------------------------------------------------------------------ inputs */

typedef struct {
  char    *name;    /* file path, or FILE:TENSOR[index] */
  LsImage *photo;   /* decoded photo (NULL for --pixel-values) */
  float   *pixels;  /* (3, S, S) */
} Input;

static void
input_clear (Input *in)
{
  g_free (in->name);
  ls_image_free (in->photo);
  g_free (in->pixels);
}

/* Decodes and preprocesses @path for @vit; the size must come out as the
 * model's input size. */
static gboolean
input_from_image (Input *in, LsVit *vit, const char *path, gboolean keep_photo, GError **error)
{
  const LsVitConfig *config = ls_vit_get_config (vit);
  g_autoptr(LsImage) photo = ls_image_load (path, error);
  if (photo == NULL)
    return FALSE;

  int h, w;
  g_autofree float *pixels = ls_image_preprocess (photo, ls_vit_get_preprocess_config (vit),
                                                  &h, &w, error);
  if (pixels == NULL)
    return FALSE;
  if (h != config->image_size || w != config->image_size)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_CONFIG,
                   "%s: the image processor gives %d x %d but the model takes %d x %d",
                   path, w, h, config->image_size, config->image_size);
      return FALSE;
    }
  in->name = g_strdup (path);
  in->pixels = g_steal_pointer (&pixels);
  in->photo = keep_photo ? g_steal_pointer (&photo) : NULL;
  return TRUE;
}

/* FILE.safetensors:TENSOR holding [3, S, S] or [B, 3, S, S] float32. */
static gboolean
inputs_from_tensor (GArray *inputs, LsVit *vit, const char *spec, GError **error)
{
  const char *colon = strrchr (spec, ':');
  if (colon == NULL || colon == spec || colon[1] == '\0')
    {
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "%s: --pixel-values wants FILE.safetensors:TENSOR", spec);
      return FALSE;
    }
  g_autofree char *file = g_strndup (spec, colon - spec);
  const char *tensor = colon + 1;
  g_autoptr(LsSafetensors) st = ls_safetensors_open (file, error);
  if (st == NULL)
    return FALSE;
  const LsTensorView *view = ls_safetensors_lookup (st, tensor);
  if (view == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_MISSING_TENSOR,
                   "%s: no tensor '%s'", file, tensor);
      return FALSE;
    }

  int S = ls_vit_get_config (vit)->image_size;
  int lead = view->ndim - 3;
  if (view->dtype != LS_DTYPE_F32 || (view->ndim != 3 && view->ndim != 4)
      || view->shape[lead] != 3 || view->shape[lead + 1] != S || view->shape[lead + 2] != S)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_SHAPE,
                   "%s: tensor '%s' must be float32 [3, %d, %d] or [B, 3, %d, %d] for this model",
                   file, tensor, S, S, S, S);
      return FALSE;
    }

  int batch = view->ndim == 4 ? (int) view->shape[0] : 1;
  gsize per = (gsize) 3 * S * S;
  for (int b = 0; b < batch; b++)
    {
      Input in = { 0 };
      in.name = view->ndim == 4 ? g_strdup_printf ("%s[%d]", spec, b) : g_strdup (spec);
      in.pixels = g_new (float, per);
      /* the mapping may be unaligned */
      memcpy (in.pixels, (const guint8 *) view->data + b * per * sizeof (float),
              per * sizeof (float));
      g_array_append_val (inputs, in);
    }
  return TRUE;
}

/* ------------------------------------------------------------------ PNG */

/* The model's input turned back into 8-bit RGB, for inputs given as pixel
 * values (there is no photo to draw on). */
static LsImage *
image_from_pixels (const float *pixels, int S, const LsPreprocessConfig *pp)
{
  g_autofree guint8 *rgb = g_malloc ((gsize) S * S * 3);
  gsize plane = (gsize) S * S;
  for (int c = 0; c < 3; c++)
    {
      double mean = pp->do_normalize ? pp->image_mean[c] : 0.0;
      double std = pp->do_normalize ? pp->image_std[c] : 1.0;
      double scale = pp->do_rescale ? 1.0 / pp->rescale_factor : 1.0;
      for (gsize i = 0; i < plane; i++)
        {
          double v = (pixels[c * plane + i] * std + mean) * scale;
          rgb[3 * i + c] = (guint8) CLAMP (lround (v), 0, 255);
        }
    }
  return ls_image_new_from_data (rgb, S, S, S * 3, FALSE, NULL);
}

/* PATH for input @index of @n: PATH itself for one input, else with -N
 * before the extension. */
static char *
numbered_path (const char *path, int index, int n)
{
  if (n == 1)
    return g_strdup (path);
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, '/');
  if (dot == NULL || (slash != NULL && dot < slash))
    return g_strdup_printf ("%s-%d", path, index);
  return g_strdup_printf ("%.*s-%d%s", (int) (dot - path), path, index, dot);
}

/* ------------------------------------------------------------------ classify */

static void
view_f32 (LsTensorView *v, const char *name, const float *data, int ndim, ...)
{
  va_list args;
  memset (v, 0, sizeof *v);
  v->name = name;
  v->dtype = LS_DTYPE_F32;
  v->ndim = ndim;
  va_start (args, ndim);
  gsize n = 1;
  for (int i = 0; i < ndim; i++)
    {
      v->shape[i] = va_arg (args, int);
      n *= v->shape[i];
    }
  va_end (args);
  v->data = data;
  v->nbytes = n * sizeof (float);
}

/* logits, attentions.L, hidden_states.K (and pixel_values.N), named and
 * shaped like the fixtures' expected.safetensors. */
static gboolean
dump_tensors (const char *path, const LsVitOutput *out, const GArray *inputs, int S,
              GError **error)
{
  int B = out->batch, T = out->tokens, C = out->hidden_size, H = out->num_heads;
  int L = out->num_layers;
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (LsTensorView));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  LsTensorView v;

  if (out->logits != NULL)
    {
      view_f32 (&v, "logits", out->logits, 2, B, out->num_labels);
      g_array_append_val (views, v);
    }
  for (int l = 0; l < L; l++)
    {
      char *name = g_strdup_printf ("attentions.%d", l);
      g_ptr_array_add (names, name);
      view_f32 (&v, name, out->attentions + (gsize) l * B * H * T * T, 4, B, H, T, T);
      g_array_append_val (views, v);
    }
  for (int k = 0; k <= L; k++)
    {
      char *name = g_strdup_printf ("hidden_states.%d", k);
      g_ptr_array_add (names, name);
      view_f32 (&v, name, out->hidden_states + (gsize) k * B * T * C, 3, B, T, C);
      g_array_append_val (views, v);
    }
  for (guint i = 0; i < inputs->len; i++)
    {
      char *name = g_strdup_printf ("pixel_values.%u", i);
      g_ptr_array_add (names, name);
      view_f32 (&v, name, g_array_index (inputs, Input, i).pixels, 3, 3, S, S);
      g_array_append_val (views, v);
    }
  return ls_safetensors_write (path, (const LsTensorView *) views->data, views->len, error);
}

int
ls_cli_classify (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  int top = 3;
  gboolean json = FALSE;
  g_autofree char *heatmap_out = NULL;
  g_autofree char *dump_out = NULL;
  g_auto(GStrv) pixel_specs = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model folder (default: the bundled leaf-vit)", "DIR" },
    { "top", 'k', 0, G_OPTION_ARG_INT, &top, "Show the K most likely labels (default 3)", "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "heatmap-out", 0, 0, G_OPTION_ARG_FILENAME, &heatmap_out, "Write the photo with the attention rollout over it (PNG; -N added per input when several)", "PNG" },
    { "dump-tensors", 0, 0, G_OPTION_ARG_FILENAME, &dump_out, "Write logits, attentions and hidden states of the batch", "OUT.safetensors" },
    { "pixel-values", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &pixel_specs, "Use preprocessed pixels [3,H,W] or [B,3,H,W] float32 instead of an image", "FILE:TENSOR" },
    { NULL }
  };

  if (!ls_cli_parse ("classify", "IMAGE...", entries, &argc, &argv))
    return 2;
  if (argc < 2 && pixel_specs == NULL)
    return ls_cli_fail (NULL, "classify: give at least one IMAGE or --pixel-values FILE:TENSOR");
  if (top < 1)
    return ls_cli_fail (NULL, "classify: --top must be at least 1");
  if (model_dir == NULL)
    model_dir = ls_cli_default_model_dir ("leaf-vit");

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = load_model (model_dir, &error);
  if (vit == NULL)
    return fail_error (model_dir, &error);
  const LsVitConfig *config = ls_vit_get_config (vit);
  int S = config->image_size;
  if (config->num_labels == 0)
    return ls_cli_fail (model_dir, "not an image classifier (no labels)");

  g_autoptr(GArray) inputs = g_array_new (FALSE, TRUE, sizeof (Input));
  g_array_set_clear_func (inputs, (GDestroyNotify) input_clear);
  for (int i = 1; i < argc; i++)
    {
      Input in = { 0 };
      if (g_cancellable_is_cancelled (cancellable))
        return ls_cli_interrupted ();
      if (!input_from_image (&in, vit, argv[i], heatmap_out != NULL, &error))
        return fail_error (argv[i], &error);
      g_array_append_val (inputs, in);
    }
  for (int i = 0; pixel_specs != NULL && pixel_specs[i] != NULL; i++)
    if (!inputs_from_tensor (inputs, vit, pixel_specs[i], &error))
      return fail_error (pixel_specs[i], &error);

  int n = (int) inputs->len, M = config->num_labels;
  gsize per = (gsize) 3 * S * S;
  g_autofree float *logits = g_new (float, (gsize) n * M);
  g_autofree float *probs = g_new (float, (gsize) n * M);
  g_autofree float *rollouts = NULL;
  int grid = S / config->patch_size;
  if (heatmap_out != NULL)
    rollouts = g_new (float, (gsize) n * grid * grid);

  /* --dump-tensors wants the inputs as one batch; otherwise run BATCH at a
   * time so that memory stays flat. */
  int chunk = dump_out != NULL ? n : BATCH;
  LsVitOutputFlags flags = LS_VIT_OUTPUT_DEFAULT;
  if (heatmap_out != NULL || dump_out != NULL)
    flags |= LS_VIT_OUTPUT_ATTENTIONS;
  if (dump_out != NULL)
    flags |= LS_VIT_OUTPUT_HIDDEN_STATES;

  g_autofree float *batch = g_new (float, (gsize) MIN (chunk, n) * per);
  for (int start = 0; start < n; start += chunk)
    {
      int b = MIN (chunk, n - start);
      for (int i = 0; i < b; i++)
        memcpy (batch + i * per, g_array_index (inputs, Input, start + i).pixels,
                per * sizeof (float));
      g_autoptr(LsVitOutput) out = ls_vit_forward (vit, batch, b, flags, cancellable, &error);
      if (out == NULL && ls_cli_error_is_interrupt (error))
        return ls_cli_interrupted ();
      if (out == NULL)
        return fail_error (model_dir, &error);
      memcpy (logits + (gsize) start * M, out->logits, sizeof (float) * b * M);
      memcpy (probs + (gsize) start * M, out->probs, sizeof (float) * b * M);

      if (heatmap_out != NULL)
        {
          LsAttentionStack stack = { out->attentions, out->num_layers, out->batch,
                                     out->num_heads, out->tokens };
          for (int i = 0; i < b; i++)
            if (!ls_attention_rollout (&stack, i, LS_HEAD_FUSION_MEAN, 0.0f,
                                       rollouts + (gsize) (start + i) * grid * grid, &error))
              return fail_error (model_dir, &error);
        }
      if (dump_out != NULL && !dump_tensors (dump_out, out, inputs, S, &error))
        return fail_error (dump_out, &error);
    }
  /* Results print at the end: an interrupted run prints none. */
  if (g_cancellable_is_cancelled (cancellable))
    return ls_cli_interrupted ();

  if (heatmap_out != NULL)
    for (int i = 0; i < n; i++)
      {
        Input *in = &g_array_index (inputs, Input, i);
        g_autoptr(LsImage) base = in->photo != NULL
                                  ? ls_image_copy (in->photo)
                                  : image_from_pixels (in->pixels, S, ls_vit_get_preprocess_config (vit));
        g_autoptr(LsImage) overlay = ls_heatmap_composite_weighted (base, rollouts + (gsize) i * grid * grid,
                                                                    grid, grid, LS_COLORMAP_INFERNO,
                                                                    LS_HEATMAP_DEFAULT_OPACITY,
                                                                    LS_HEATMAP_DEFAULT_GAMMA);
        g_autofree char *path = numbered_path (heatmap_out, i, n);
        if (!ls_cli_save_png (overlay, path, &error))
          {
            if (ls_cli_error_is_interrupt (error))
              return ls_cli_interrupted ();
            return fail_error (path, &error);
          }
      }

  int k = MIN (top, M);
  g_autofree int *order = g_new (int, M);
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, model_dir);
      json_builder_set_member_name (b, "results");
      json_builder_begin_array (b);
      for (int i = 0; i < n; i++)
        {
          const float *p = probs + (gsize) i * M;
          rank_labels (p, M, order);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "input");
          json_builder_add_string_value (b, g_array_index (inputs, Input, i).name);
          json_builder_set_member_name (b, "label");
          json_builder_add_string_value (b, config->labels[order[0]]);
          json_builder_set_member_name (b, "score");
          json_builder_add_double_value (b, p[order[0]]);
          json_builder_set_member_name (b, "top");
          json_builder_begin_array (b);
          for (int j = 0; j < k; j++)
            {
              json_builder_begin_object (b);
              json_builder_set_member_name (b, "label");
              json_builder_add_string_value (b, config->labels[order[j]]);
              json_builder_set_member_name (b, "score");
              json_builder_add_double_value (b, p[order[j]]);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          add_float_array (b, "logits", logits + (gsize) i * M, M);
          add_float_array (b, "probs", p, M);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      ls_cli_print_json (b, TRUE);
    }
  else
    for (int i = 0; i < n; i++)
      {
        const float *p = probs + (gsize) i * M;
        rank_labels (p, M, order);
        printf ("%s\n", g_array_index (inputs, Input, i).name);
        for (int j = 0; j < k; j++)
          printf ("  %-24s %6.2f %%\n", config->labels[order[j]], 100.0 * p[order[j]]);
      }
  return 0;
}

/* ------------------------------------------------------------------ evaluate */

typedef struct {
  char *path;
  int   label;
} Sample;

static void
sample_clear (Sample *s)
{
  g_free (s->path);
}

static int
compare_samples (gconstpointer a, gconstpointer b)
{
  const Sample *x = a, *y = b;
  if (x->label != y->label)
    return x->label - y->label;
  return g_utf8_collate (x->path, y->path);
}

/* DATASET/LABEL/file for every label folder; folders that are not labels of
 * the model are an error (a misspelt class would silently vanish). */
static gboolean
collect_samples (const char *dataset, const LsVitConfig *config, GArray *samples, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  if (!g_file_test (dataset, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: no such dataset folder", dataset);
      return FALSE;
    }
  g_autoptr(GDir) dir = g_dir_open (dataset, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", dataset, local_error->message);
      return FALSE;
    }

  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (dataset, name, NULL);
      if (name[0] == '.' || !g_file_test (sub, G_FILE_TEST_IS_DIR))
        continue;
      int label = -1;
      for (int i = 0; i < config->num_labels; i++)
        if (strcmp (config->labels[i], name) == 0)
          label = i;
      if (label < 0)
        {
          g_autofree char *known = g_strjoinv (", ", config->labels);
          g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                       "%s: folder '%s' is not one of the model's labels (%s)",
                       dataset, name, known);
          return FALSE;
        }
      g_autoptr(GDir) files = g_dir_open (sub, 0, &local_error);
      if (files == NULL)
        {
          g_set_error (error, LS_ERROR, LS_ERROR_IO, "%s: %s", sub, local_error->message);
          return FALSE;
        }
      const char *file;
      while ((file = g_dir_read_name (files)) != NULL)
        {
          g_autofree char *path = g_build_filename (sub, file, NULL);
          if (file[0] == '.' || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          Sample s = { g_steal_pointer (&path), label };
          g_array_append_val (samples, s);
        }
    }
  if (samples->len == 0)
    {
      g_autofree char *known = g_strjoinv (", ", config->labels);
      g_set_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT,
                   "%s: no images in label folders (expected subfolders named %s)",
                   dataset, known);
      return FALSE;
    }
  g_array_sort (samples, compare_samples);
  return TRUE;
}

/* Ends the progress line that `evaluate` redraws on a terminal. */
static void
finish_progress (gboolean tty)
{
  if (tty)
    fprintf (stderr, "\n");
}

int
ls_cli_evaluate (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model folder (default: the bundled leaf-vit)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse ("evaluate", "DATASET_DIR", entries, &argc, &argv))
    return 2;
  if (argc != 2)
    return ls_cli_fail (NULL, "evaluate: give one DATASET_DIR (one subfolder per label)");
  const char *dataset = argv[1];
  if (model_dir == NULL)
    model_dir = ls_cli_default_model_dir ("leaf-vit");

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = load_model (model_dir, &error);
  if (vit == NULL)
    return fail_error (model_dir, &error);
  const LsVitConfig *config = ls_vit_get_config (vit);
  int M = config->num_labels, S = config->image_size;
  if (M == 0)
    return ls_cli_fail (model_dir, "not an image classifier (no labels)");

  g_autoptr(GArray) samples = g_array_new (FALSE, TRUE, sizeof (Sample));
  g_array_set_clear_func (samples, (GDestroyNotify) sample_clear);
  if (!collect_samples (dataset, config, samples, &error))
    return fail_error (dataset, &error);

  /* The scope check of this model, when it has one (engine/include/scope.h). */
  gboolean stale = FALSE;
  g_autoptr(GError) scope_error = NULL;
  g_autoptr(LsScope) scope = ls_scope_find (model_dir, M, config->hidden_size, &stale, &scope_error);
  const char *scope_note = scope != NULL ? ls_scope_get_dir (scope)
                           : scope_error != NULL ? scope_error->message
                           : stale ? "fitted on other weights: run leafscope-cli calibrate again"
                           : "no scope file: run leafscope-cli calibrate";

  int n = (int) samples->len;
  gsize per = (gsize) 3 * S * S;
  g_autofree int *predicted = g_new (int, n);
  g_autofree float *scores = g_new (float, n);
  g_autofree LsDiagnosisStatus *status = g_new (LsDiagnosisStatus, n);
  g_autofree LsFindings *photo = g_new0 (LsFindings, BATCH);
  g_autofree int *sizes = g_new (int, 3 * BATCH); /* width, height, incomplete */
  g_autofree float *calibrated = g_new (float, M);
  g_autofree float *batch = g_new (float, BATCH * per);
  gboolean tty = isatty (fileno (stderr));
  gint64 t0 = g_get_monotonic_time ();

  for (int start = 0; start < n; start += BATCH)
    {
      int b = MIN (BATCH, n - start);
      if (g_cancellable_is_cancelled (cancellable))
        {
          finish_progress (tty);
          return ls_cli_interrupted ();
        }
      for (int i = 0; i < b; i++)
        {
          Input in = { 0 };
          const char *path = g_array_index (samples, Sample, start + i).path;
          if (!input_from_image (&in, vit, path, TRUE, &error))
            return fail_error (path, &error);
          memcpy (batch + i * per, in.pixels, per * sizeof (float));
          g_autoptr(LsPhotoAnalysis) analysis = ls_photo_analysis_new (in.photo->rgb, in.photo->width,
                                                                       in.photo->height, in.photo->width * 3);
          ls_findings_set_photo (&photo[i], analysis);
          sizes[3 * i] = in.photo->width;
          sizes[3 * i + 1] = in.photo->height;
          sizes[3 * i + 2] = in.photo->incomplete;
          input_clear (&in);
        }
      g_autoptr(LsVitOutput) out = ls_vit_forward (vit, batch, b, LS_VIT_OUTPUT_DEFAULT,
                                                   cancellable, &error);
      if (out == NULL && ls_cli_error_is_interrupt (error))
        {
          finish_progress (tty);
          return ls_cli_interrupted ();
        }
      if (out == NULL)
        return fail_error (model_dir, &error);
      for (int i = 0; i < b; i++)
        {
          predicted[start + i] = argmax (out->probs + (gsize) i * M, M);
          scores[start + i] = out->probs[(gsize) i * M + predicted[start + i]];
          LsScopeVerdict verdict = { .probs = calibrated };
          ls_scope_judge (scope, out->logits + (gsize) i * M, out->probs + (gsize) i * M, M,
                          out->last_hidden + (gsize) i * out->tokens * out->hidden_size,
                          out->tokens, out->hidden_size, &photo[i], sizes[3 * i], sizes[3 * i + 1],
                          sizes[3 * i + 2], S, LS_SCOPE_DEFAULT_THRESHOLD, &verdict);
          status[start + i] = verdict.status;
        }
      fprintf (stderr, tty ? "\revaluate: %d/%d images" : "evaluate: %d/%d images\n",
               start + b, n);
      fflush (stderr);
    }
  double seconds = (g_get_monotonic_time () - t0) / 1e6;
  finish_progress (tty);

  g_autofree int *confusion = g_new0 (int, M * M); /* [true][predicted] */
  int correct = 0;
  for (int i = 0; i < n; i++)
    {
      int t = g_array_index (samples, Sample, i).label;
      confusion[t * M + predicted[i]]++;
      correct += predicted[i] == t;
    }
  double accuracy = (double) correct / n;
  /* Among the diagnosed photos, and the flagged ones as a column of their own. */
  g_autofree int *confusion_status = g_new0 (int, M * (M + 1)); /* [true][predicted or flagged] */
  int n_status[4] = { 0 }, n_diagnosed = 0, correct_diagnosed = 0;
  for (int i = 0; i < n; i++)
    {
      int t = g_array_index (samples, Sample, i).label;
      gboolean diagnosed = status[i] == LS_DIAGNOSIS_DIAGNOSED;
      confusion_status[t * (M + 1) + (diagnosed ? predicted[i] : M)]++;
      n_status[status[i]]++;
      n_diagnosed += diagnosed;
      correct_diagnosed += diagnosed && predicted[i] == t;
    }
  double coverage = (double) n_diagnosed / n;
  double accuracy_diagnosed = n_diagnosed > 0 ? (double) correct_diagnosed / n_diagnosed : 0.0;
  g_autofree double *precision = g_new (double, M);
  g_autofree double *recall = g_new (double, M);
  g_autofree double *f1 = g_new (double, M);
  g_autofree int *support = g_new0 (int, M);
  for (int c = 0; c < M; c++)
    {
      int tp = confusion[c * M + c], pred = 0;
      for (int r = 0; r < M; r++)
        {
          pred += confusion[r * M + c];
          support[c] += confusion[c * M + r];
        }
      /* 0 when undefined, as scikit-learn's zero_division default reports */
      precision[c] = pred > 0 ? (double) tp / pred : 0.0;
      recall[c] = support[c] > 0 ? (double) tp / support[c] : 0.0;
      f1[c] = precision[c] + recall[c] > 0
              ? 2 * precision[c] * recall[c] / (precision[c] + recall[c]) : 0.0;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, model_dir);
      json_builder_set_member_name (b, "dataset");
      json_builder_add_string_value (b, dataset);
      json_builder_set_member_name (b, "accuracy");
      json_builder_add_double_value (b, accuracy);
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, n);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, seconds);
      json_builder_set_member_name (b, "scope");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "checked");
      json_builder_add_boolean_value (b, scope != NULL);
      json_builder_set_member_name (b, "note");
      json_builder_add_string_value (b, scope_note);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "coverage");
      json_builder_add_double_value (b, coverage);
      json_builder_set_member_name (b, "n_diagnosed");
      json_builder_add_int_value (b, n_diagnosed);
      json_builder_set_member_name (b, "accuracy_diagnosed");
      json_builder_add_double_value (b, accuracy_diagnosed);
      json_builder_set_member_name (b, "statuses");
      json_builder_begin_object (b);
      for (int k = 0; k < 4; k++)
        {
          json_builder_set_member_name (b, ls_diagnosis_status_name (k));
          json_builder_add_int_value (b, n_status[k]);
        }
      json_builder_end_object (b);
      json_builder_set_member_name (b, "confusion_diagnosed");
      json_builder_begin_array (b);
      for (int r = 0; r < M; r++)
        {
          json_builder_begin_array (b);
          for (int c = 0; c <= M; c++)
            json_builder_add_int_value (b, confusion_status[r * (M + 1) + c]);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "labels");
      json_builder_begin_array (b);
      for (int c = 0; c < M; c++)
        json_builder_add_string_value (b, config->labels[c]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "confusion");
      json_builder_begin_array (b);
      for (int r = 0; r < M; r++)
        {
          json_builder_begin_array (b);
          for (int c = 0; c < M; c++)
            json_builder_add_int_value (b, confusion[r * M + c]);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "per_class");
      json_builder_begin_array (b);
      for (int c = 0; c < M; c++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "label");
          json_builder_add_string_value (b, config->labels[c]);
          json_builder_set_member_name (b, "precision");
          json_builder_add_double_value (b, precision[c]);
          json_builder_set_member_name (b, "recall");
          json_builder_add_double_value (b, recall[c]);
          json_builder_set_member_name (b, "f1");
          json_builder_add_double_value (b, f1[c]);
          json_builder_set_member_name (b, "support");
          json_builder_add_int_value (b, support[c]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "errors");
      json_builder_begin_array (b);
      for (int i = 0; i < n; i++)
        {
          const Sample *s = &g_array_index (samples, Sample, i);
          if (predicted[i] == s->label)
            continue;
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "file");
          json_builder_add_string_value (b, s->path);
          json_builder_set_member_name (b, "label");
          json_builder_add_string_value (b, config->labels[s->label]);
          json_builder_set_member_name (b, "predicted");
          json_builder_add_string_value (b, config->labels[predicted[i]]);
          json_builder_set_member_name (b, "score");
          json_builder_add_double_value (b, scores[i]);
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, ls_diagnosis_status_name (status[i]));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      ls_cli_print_json (b, TRUE);
      return 0;
    }

  printf ("Model:    %s\nDataset:  %s\n", model_dir, dataset);
  printf ("Accuracy: %.4f (%d of %d) in %.1f s\n\n", accuracy, correct, n, seconds);
  printf ("%-24s %9s %9s %9s %8s\n", "label", "precision", "recall", "f1", "support");
  for (int c = 0; c < M; c++)
    printf ("%-24s %9.4f %9.4f %9.4f %8d\n", config->labels[c], precision[c], recall[c],
            f1[c], support[c]);
  printf ("\nConfusion (rows: true label, columns: predicted)\n%-24s", "");
  for (int c = 0; c < M; c++)
    printf (" %6d", c);
  printf ("\n");
  for (int r = 0; r < M; r++)
    {
      printf ("%2d %-21s", r, config->labels[r]);
      for (int c = 0; c < M; c++)
        printf (" %6d", confusion[r * M + c]);
      printf ("\n");
    }
  printf ("\nScope check: %s (%s)\n", scope != NULL ? "on" : "off", scope_note);
  printf ("Coverage: %.4f (%d of %d diagnosed; flagged: %d uncertain, %d not_a_leaf, %d unusable)\n",
          coverage, n_diagnosed, n, n_status[LS_DIAGNOSIS_UNCERTAIN],
          n_status[LS_DIAGNOSIS_NOT_A_LEAF], n_status[LS_DIAGNOSIS_UNUSABLE]);
  printf ("Accuracy among diagnosed: %.4f (%d of %d)\n", accuracy_diagnosed, correct_diagnosed,
          n_diagnosed);
  printf ("\nDiagnosed (rows: true label, columns: predicted among diagnosed, then flagged)\n%-24s", "");
  for (int c = 0; c < M; c++)
    printf (" %6d", c);
  printf (" %7s\n", "flagged");
  for (int r = 0; r < M; r++)
    {
      printf ("%2d %-21s", r, config->labels[r]);
      for (int c = 0; c <= M; c++)
        printf (c < M ? " %6d" : " %7d", confusion_status[r * (M + 1) + c]);
      printf ("\n");
    }
  if (correct < n)
    {
      printf ("\nMisclassified:\n");
      for (int i = 0; i < n; i++)
        {
          const Sample *s = &g_array_index (samples, Sample, i);
          if (predicted[i] != s->label)
            printf ("  %s: %s, predicted %s (%.1f %%), %s\n", s->path, config->labels[s->label],
                    config->labels[predicted[i]], 100.0 * scores[i],
                    ls_diagnosis_status_name (status[i]));
        }
    }
  return 0;
}

/* ------------------------------------------------------------------ inspect */

static const char *
arch_name (LsArchitecture arch)
{
  switch (arch)
    {
    case LS_ARCH_VIT_FOR_IMAGE_CLASSIFICATION: return "ViTForImageClassification";
    case LS_ARCH_VIT_MODEL: return "ViTModel";
    case LS_ARCH_GPT2_LM_HEAD: return "GPT2LMHeadModel";
    case LS_ARCH_VISION_ENCODER_DECODER: return "VisionEncoderDecoderModel";
    default: return "unknown";
    }
}

static const char *
activation_name (LsActivation act)
{
  switch (act)
    {
    case LS_ACTIVATION_GELU: return "gelu";
    case LS_ACTIVATION_GELU_NEW: return "gelu_new";
    case LS_ACTIVATION_GELU_PYTORCH_TANH: return "gelu_pytorch_tanh";
    case LS_ACTIVATION_GELU_FAST: return "gelu_fast";
    case LS_ACTIVATION_QUICK_GELU: return "quick_gelu";
    case LS_ACTIVATION_RELU: return "relu";
    default: return "?";
    }
}

static char *
shape_string (const LsTensorView *v)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < v->ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", v->shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static int
compare_views (gconstpointer a, gconstpointer b)
{
  const LsTensorView *x = *(const LsTensorView * const *) a, *y = *(const LsTensorView * const *) b;
  return strcmp (x->name, y->name);
}

int
ls_cli_inspect (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model folder (default: the bundled leaf-vit)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse ("inspect", "", entries, &argc, &argv))
    return 2;
  if (argc > 2)
    return ls_cli_fail (NULL, "inspect: unexpected argument '%s'", argv[2]);
  if (argc == 2 && model_dir == NULL)
    model_dir = g_strdup (argv[1]);
  if (model_dir == NULL)
    model_dir = ls_cli_default_model_dir ("leaf-vit");
  if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
    return ls_cli_fail (model_dir, "no such model folder");

  g_autoptr(GError) error = NULL;
  LsModelConfig config = { 0 };
  if (!ls_model_config_load (&config, model_dir, &error))
    return fail_error (model_dir, &error);
  g_autoptr(LsCheckpoint) ckpt = ls_checkpoint_open (model_dir, &error);
  if (ckpt == NULL)
    {
      ls_model_config_clear (&config);
      return fail_error (model_dir, &error);
    }

  /* Does the engine accept it as a ViT?  (GPT-2 models are the language
   * side's to check.) */
  gboolean is_vit = config.arch != LS_ARCH_GPT2_LM_HEAD;
  g_autoptr(GError) load_error = NULL;
  g_autoptr(LsVit) vit = is_vit ? ls_vit_load (model_dir, &load_error) : NULL;

  guint nt = ls_checkpoint_get_n_tensors (ckpt);
  g_autoptr(GPtrArray) views = g_ptr_array_new ();
  for (guint i = 0; i < nt; i++)
    g_ptr_array_add (views, (gpointer) ls_checkpoint_get_tensor (ckpt, i));
  g_ptr_array_sort (views, compare_views);

  const char *blas_config = openblas_get_config ();
  const char *blas_core = openblas_get_corename ();
  int blas_threads = openblas_get_num_threads ();
  const LsVitConfig *v = &config.vit;
  const LsGpt2Config *g = &config.gpt2;

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, model_dir);
      json_builder_set_member_name (b, "architecture");
      json_builder_add_string_value (b, arch_name (config.arch));
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, ls_checkpoint_get_format (ckpt));
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, ls_dtype_to_string (ls_checkpoint_get_dtype (ckpt)));
      json_builder_set_member_name (b, "parameters");
      json_builder_add_int_value (b, (gint64) ls_checkpoint_get_n_params (ckpt));
      json_builder_set_member_name (b, "n_tensors");
      json_builder_add_int_value (b, nt);
      if (is_vit)
        {
          json_builder_set_member_name (b, "vit");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "image_size"); json_builder_add_int_value (b, v->image_size);
          json_builder_set_member_name (b, "patch_size"); json_builder_add_int_value (b, v->patch_size);
          json_builder_set_member_name (b, "hidden_size"); json_builder_add_int_value (b, v->hidden_size);
          json_builder_set_member_name (b, "num_layers"); json_builder_add_int_value (b, v->num_layers);
          json_builder_set_member_name (b, "num_heads"); json_builder_add_int_value (b, v->num_heads);
          json_builder_set_member_name (b, "intermediate_size"); json_builder_add_int_value (b, v->intermediate_size);
          json_builder_set_member_name (b, "hidden_act"); json_builder_add_string_value (b, activation_name (v->hidden_act));
          json_builder_set_member_name (b, "labels");
          json_builder_begin_array (b);
          for (int i = 0; i < v->num_labels; i++)
            json_builder_add_string_value (b, v->labels[i]);
          json_builder_end_array (b);
          json_builder_end_object (b);
          json_builder_set_member_name (b, "loads");
          json_builder_add_boolean_value (b, vit != NULL);
          if (vit == NULL)
            {
              json_builder_set_member_name (b, "load_error");
              json_builder_add_string_value (b, load_error->message);
            }
        }
      if (config.arch == LS_ARCH_GPT2_LM_HEAD || config.arch == LS_ARCH_VISION_ENCODER_DECODER)
        {
          json_builder_set_member_name (b, "gpt2");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "vocab_size"); json_builder_add_int_value (b, g->vocab_size);
          json_builder_set_member_name (b, "n_positions"); json_builder_add_int_value (b, g->n_positions);
          json_builder_set_member_name (b, "n_embd"); json_builder_add_int_value (b, g->n_embd);
          json_builder_set_member_name (b, "n_layer"); json_builder_add_int_value (b, g->n_layer);
          json_builder_set_member_name (b, "n_head"); json_builder_add_int_value (b, g->n_head);
          json_builder_end_object (b);
        }
      json_builder_set_member_name (b, "tensors");
      json_builder_begin_array (b);
      for (guint i = 0; i < views->len; i++)
        {
          const LsTensorView *t = views->pdata[i];
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, t->name);
          json_builder_set_member_name (b, "dtype");
          json_builder_add_string_value (b, ls_dtype_to_string (t->dtype));
          json_builder_set_member_name (b, "shape");
          json_builder_begin_array (b);
          for (int d = 0; d < t->ndim; d++)
            json_builder_add_int_value (b, t->shape[d]);
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "blas");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "config"); json_builder_add_string_value (b, blas_config);
      json_builder_set_member_name (b, "core"); json_builder_add_string_value (b, blas_core);
      json_builder_set_member_name (b, "threads"); json_builder_add_int_value (b, blas_threads);
      json_builder_end_object (b);
      json_builder_end_object (b);
      ls_cli_print_json (b, TRUE);
      ls_model_config_clear (&config);
      return 0;
    }

  printf ("Model:         %s\n", model_dir);
  printf ("Architecture:  %s (model_type %s)\n", arch_name (config.arch),
          config.model_type != NULL ? config.model_type : "?");
  printf ("Weights:       %s, mostly %s, %u tensors, %" G_GSIZE_FORMAT " parameters\n",
          ls_checkpoint_get_format (ckpt), ls_dtype_to_string (ls_checkpoint_get_dtype (ckpt)),
          nt, ls_checkpoint_get_n_params (ckpt));
  if (is_vit)
    {
      int grid = v->patch_size > 0 ? v->image_size / v->patch_size : 0;
      printf ("Vision:        image %d, patch %d (%d x %d patches, %d tokens), hidden %d, "
              "%d layers, %d heads, MLP %d, %s, LayerNorm eps %g, qkv_bias %s\n",
              v->image_size, v->patch_size, grid, grid, grid * grid + 1, v->hidden_size,
              v->num_layers, v->num_heads, v->intermediate_size, activation_name (v->hidden_act),
              v->layer_norm_eps, v->qkv_bias ? "yes" : "no");
      if (v->num_labels > 0)
        {
          g_autofree char *labels = g_strjoinv (", ", v->labels);
          printf ("Labels:        %s\n", labels);
        }
      if (vit != NULL)
        {
          const LsPreprocessConfig *pp = ls_vit_get_preprocess_config (vit);
          if (pp->shortest_edge > 0)
            printf ("Preprocess:    resize shortest edge to %d", pp->shortest_edge);
          else
            printf ("Preprocess:    resize to %d x %d", pp->width, pp->height);
          printf (" (resample %d), rescale %g, normalize mean [%g %g %g] std [%g %g %g]\n",
                  pp->resample, pp->rescale_factor, pp->image_mean[0], pp->image_mean[1],
                  pp->image_mean[2], pp->image_std[0], pp->image_std[1], pp->image_std[2]);
          printf ("Loads:         yes\n");
        }
      else
        printf ("Loads:         no: %s\n", load_error->message);
    }
  if (config.arch == LS_ARCH_GPT2_LM_HEAD || config.arch == LS_ARCH_VISION_ENCODER_DECODER)
    printf ("Text:          vocab %d, context %d, n_embd %d, %d layers, %d heads, MLP %d%s\n",
            g->vocab_size, g->n_positions, g->n_embd, g->n_layer, g->n_head, g->n_inner,
            g->add_cross_attention ? ", cross-attention" : "");
  printf ("BLAS:          %s; core %s; %d threads\n", blas_config, blas_core, blas_threads);

    {
      printf ("\nTensors:\n");
      for (guint i = 0; i < views->len; i++)
        {
          const LsTensorView *t = views->pdata[i];
          g_autofree char *shape = shape_string (t);
          printf ("  %-60s %-5s %s\n", t->name, ls_dtype_to_string (t->dtype), shape);
        }
    }
  ls_model_config_clear (&config);
  return 0;
}
