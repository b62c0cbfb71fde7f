/* cli-classify.c: `leafscope-cli classify`, a ViT classifier on photos or
 * on preprocessed pixel values.  Thin: every number comes from the engine
 * (image, vit, attention-map, heatmap, labels). */
#include "config.h"

#include "cli-common.h"

#include <stdio.h>
#include <string.h>

#include "attention-map.h"
#include "cli-json.h"
#include "cli-vision.h"
#include "diagnose.h"
#include "heatmap.h"
#include "labels.h"
#include "ls-error.h"
#include "pixels.h"
#include "safetensors.h"

typedef LsCliInput Input;

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
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model folder (default: the bundled " LS_DEFAULT_VISION_MODEL ")", "DIR" },
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
    model_dir = ls_cli_default_model_dir (LS_DEFAULT_VISION_MODEL);

  GCancellable *cancellable = ls_cli_interrupt_cancellable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LsVit) vit = ls_cli_load_vit (model_dir, &error);
  if (vit == NULL)
    return ls_cli_fail_named (model_dir, &error);
  const LsVitConfig *config = ls_vit_get_config (vit);
  int S = config->image_size;
  if (config->num_labels == 0)
    return ls_cli_fail (model_dir, "not an image classifier (no labels)");

  g_autoptr(GArray) inputs = g_array_new (FALSE, TRUE, sizeof (Input));
  g_array_set_clear_func (inputs, (GDestroyNotify) ls_cli_input_clear);
  for (int i = 1; i < argc; i++)
    {
      Input in = { 0 };
      if (g_cancellable_is_cancelled (cancellable))
        return ls_cli_interrupted ();
      if (!ls_cli_input_from_image (&in, vit, argv[i], heatmap_out != NULL, &error))
        return ls_cli_fail_named (argv[i], &error);
      g_array_append_val (inputs, in);
    }
  for (int i = 0; pixel_specs != NULL && pixel_specs[i] != NULL; i++)
    if (!inputs_from_tensor (inputs, vit, pixel_specs[i], &error))
      return ls_cli_fail_named (pixel_specs[i], &error);

  int n = (int) inputs->len, M = config->num_labels;
  gsize per = (gsize) 3 * S * S;
  g_autofree float *logits = g_new (float, (gsize) n * M);
  g_autofree float *probs = g_new (float, (gsize) n * M);
  g_autofree float *rollouts = NULL;
  int grid = S / config->patch_size;
  if (heatmap_out != NULL)
    rollouts = g_new (float, (gsize) n * grid * grid);

  /* --dump-tensors wants the inputs as one batch; otherwise run LS_CLI_BATCH at a
   * time so that memory stays flat. */
  int chunk = dump_out != NULL ? n : LS_CLI_BATCH;
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
        return ls_cli_fail_named (model_dir, &error);
      memcpy (logits + (gsize) start * M, out->logits, sizeof (float) * b * M);
      memcpy (probs + (gsize) start * M, out->probs, sizeof (float) * b * M);

      if (heatmap_out != NULL)
        {
          LsAttentionStack stack = { out->attentions, out->num_layers, out->batch,
                                     out->num_heads, out->tokens };
          for (int i = 0; i < b; i++)
            if (!ls_attention_rollout (&stack, i, LS_HEAD_FUSION_MEAN, 0.0f,
                                       rollouts + (gsize) (start + i) * grid * grid, &error))
              return ls_cli_fail_named (model_dir, &error);
        }
      if (dump_out != NULL && !dump_tensors (dump_out, out, inputs, S, &error))
        return ls_cli_fail_named (dump_out, &error);
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
                                  : ls_image_from_pixels (in->pixels, S, ls_vit_get_preprocess_config (vit));
        g_autoptr(LsImage) overlay = ls_heatmap_composite_weighted (base, rollouts + (gsize) i * grid * grid,
                                                                    grid, grid, LS_COLORMAP_INFERNO,
                                                                    LS_HEATMAP_DEFAULT_OPACITY,
                                                                    LS_HEATMAP_DEFAULT_GAMMA);
        g_autofree char *path = numbered_path (heatmap_out, i, n);
        if (!ls_cli_save_png (overlay, path, &error))
          {
            if (ls_cli_error_is_interrupt (error))
              return ls_cli_interrupted ();
            return ls_cli_fail_named (path, &error);
          }
      }

  int k = MIN (top, M);
  g_autofree int *order = g_new (int, M);
  if (json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      JsonArray *results = json_array_new ();
      json_object_set_string_member (root, "model", model_dir);
      json_object_set_array_member (root, "results", results);
      for (int i = 0; i < n; i++)
        {
          const float *p = probs + (gsize) i * M;
          ls_labels_rank (p, M, order);
          JsonObject *result = json_object_new ();
          json_object_set_string_member (result, "input", g_array_index (inputs, Input, i).name);
          json_object_set_string_member (result, "label", config->labels[order[0]]);
          json_object_set_double_member (result, "score", p[order[0]]);
          JsonArray *ranked = json_array_new ();
          for (int j = 0; j < k; j++)
            {
              JsonObject *entry = json_object_new ();
              json_object_set_string_member (entry, "label", config->labels[order[j]]);
              json_object_set_double_member (entry, "score", p[order[j]]);
              json_array_add_object_element (ranked, entry);
            }
          json_object_set_array_member (result, "top", ranked);
          json_object_set_array_member (result, "logits", ls_cli_json_floats (logits + (gsize) i * M, M));
          json_object_set_array_member (result, "probs", ls_cli_json_floats (p, M));
          json_array_add_object_element (results, result);
        }
      ls_cli_print_object (root, TRUE);
    }
  else
    for (int i = 0; i < n; i++)
      {
        const float *p = probs + (gsize) i * M;
        ls_labels_rank (p, M, order);
        printf ("%s\n", g_array_index (inputs, Input, i).name);
        for (int j = 0; j < k; j++)
          printf ("  %-24s %6.2f %%\n", config->labels[order[j]], 100.0 * p[order[j]]);
      }
  return 0;
}

