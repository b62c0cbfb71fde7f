/* cli-inspect.c: `leafscope-cli inspect`, what a model folder holds and
 * whether the engine loads it. */
#include "config.h"

#include "cli-common.h"

#include <stdio.h>
#include <string.h>

#include "checkpoint.h"
#include "cli-json.h"
#include "cpu.h"
#include "diagnose.h"
#include "vit.h"

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
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model folder (default: the bundled " LS_DEFAULT_VISION_MODEL ")", "DIR" },
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
    model_dir = ls_cli_default_model_dir (LS_DEFAULT_VISION_MODEL);
  if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
    return ls_cli_fail (model_dir, "no such model folder");

  g_autoptr(GError) error = NULL;
  LsModelConfig config = { 0 };
  if (!ls_model_config_load (&config, model_dir, &error))
    return ls_cli_fail_named (model_dir, &error);
  g_autoptr(LsCheckpoint) ckpt = ls_checkpoint_open (model_dir, &error);
  if (ckpt == NULL)
    {
      ls_model_config_clear (&config);
      return ls_cli_fail_named (model_dir, &error);
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

  const char *blas_config = ls_cpu_get_blas_config ();
  const char *blas_core = ls_cpu_get_blas_core ();
  int blas_threads = ls_cpu_get_blas_threads ();
  const LsVitConfig *v = &config.vit;
  const LsGpt2Config *g = &config.gpt2;

  if (json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      json_object_set_string_member (root, "model", model_dir);
      json_object_set_string_member (root, "architecture", arch_name (config.arch));
      json_object_set_string_member (root, "format", ls_checkpoint_get_format (ckpt));
      json_object_set_string_member (root, "dtype", ls_dtype_to_string (ls_checkpoint_get_dtype (ckpt)));
      json_object_set_int_member (root, "parameters", (gint64) ls_checkpoint_get_n_params (ckpt));
      json_object_set_int_member (root, "n_tensors", nt);
      if (is_vit)
        {
          JsonObject *o = json_object_new ();
          json_object_set_int_member (o, "image_size", v->image_size);
          json_object_set_int_member (o, "patch_size", v->patch_size);
          json_object_set_int_member (o, "hidden_size", v->hidden_size);
          json_object_set_int_member (o, "num_layers", v->num_layers);
          json_object_set_int_member (o, "num_heads", v->num_heads);
          json_object_set_int_member (o, "intermediate_size", v->intermediate_size);
          json_object_set_string_member (o, "hidden_act", activation_name (v->hidden_act));
          JsonArray *labels = json_array_new ();
          for (int i = 0; i < v->num_labels; i++)
            json_array_add_string_element (labels, v->labels[i]);
          json_object_set_array_member (o, "labels", labels);
          json_object_set_object_member (root, "vit", o);
          json_object_set_boolean_member (root, "loads", vit != NULL);
          if (vit == NULL)
            json_object_set_string_member (root, "load_error", load_error->message);
        }
      if (config.arch == LS_ARCH_GPT2_LM_HEAD || config.arch == LS_ARCH_VISION_ENCODER_DECODER)
        {
          JsonObject *o = json_object_new ();
          json_object_set_int_member (o, "vocab_size", g->vocab_size);
          json_object_set_int_member (o, "n_positions", g->n_positions);
          json_object_set_int_member (o, "n_embd", g->n_embd);
          json_object_set_int_member (o, "n_layer", g->n_layer);
          json_object_set_int_member (o, "n_head", g->n_head);
          json_object_set_object_member (root, "gpt2", o);
        }
      JsonArray *tensors = json_array_new ();
      for (guint i = 0; i < views->len; i++)
        {
          const LsTensorView *t = views->pdata[i];
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "name", t->name);
          json_object_set_string_member (o, "dtype", ls_dtype_to_string (t->dtype));
          JsonArray *shape = json_array_new ();
          for (int d = 0; d < t->ndim; d++)
            json_array_add_int_element (shape, t->shape[d]);
          json_object_set_array_member (o, "shape", shape);
          json_array_add_object_element (tensors, o);
        }
      json_object_set_array_member (root, "tensors", tensors);
      JsonObject *blas = json_object_new ();
      json_object_set_string_member (blas, "config", blas_config);
      json_object_set_string_member (blas, "core", blas_core);
      json_object_set_int_member (blas, "threads", blas_threads);
      json_object_set_object_member (root, "blas", blas);
      ls_cli_print_object (root, TRUE);
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
