/* test-generate.c: the token loop (greedy ids of transformers, sampling,
 * stop conditions, cancellation from another thread) and the sampler's
 * processors against hand-computed values. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "generate.h"
#include "generate-private.h"
#include "ls-error.h"
#include "sampler.h"
#include "test-util.h"

/* Copies fixture file @file of @model into @dir. */
static void
copy_fixture (const char *model, const char *file, const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = ls_test_fixture (model, file, NULL);
  g_autofree char *dst = g_build_filename (dir, file, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (src, &data, &len, &error));
  g_assert_true (g_file_set_contents (dst, data, len, &error));
  g_assert_no_error (error);
}

static LsLanguageModel *
load_model (const char *model)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ls_test_fixture (model, NULL);
  LsLanguageModel *lm = ls_language_model_load (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lm);
  return lm;
}

static JsonParser *
load_expected (const char *model)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ls_test_fixture (model, "expected.json", NULL);
  JsonParser *parser = json_parser_new ();
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return parser;
}

static JsonArray *
prompts_of (JsonParser *parser)
{
  return json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                       "prompts");
}

typedef struct {
  GString *text;
  GArray  *ids;
  int      stop_after;   /* return FALSE at this many tokens, 0 = never */
} Collect;

static gboolean
collect_cb (int token_id, const char *piece, gpointer user_data)
{
  Collect *c = user_data;
  g_assert_true (g_utf8_validate (piece, -1, NULL));
  g_string_append (c->text, piece);
  if (token_id >= 0)
    g_array_append_val (c->ids, token_id);
  return c->stop_after == 0 || (int) c->ids->len < c->stop_after;
}

static void
collect_init (Collect *c)
{
  c->text = g_string_new (NULL);
  c->ids = g_array_new (FALSE, FALSE, sizeof (int));
  c->stop_after = 0;
}

static void
collect_clear (Collect *c)
{
  g_string_free (c->text, TRUE);
  g_array_unref (c->ids);
}

static void
assert_ids_equal (GArray *ids, JsonArray *want)
{
  g_assert_cmpuint (ids->len, ==, json_array_get_length (want));
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpint (g_array_index (ids, int, i), ==, (int) json_array_get_int_element (want, i));
}

static void
check_greedy (LsLanguageModel *lm, JsonArray *prompts)
{
  LsGenerateOptions options;
  ls_generate_options_init (&options);
  options.max_new_tokens = 24;

  for (guint p = 0; p < json_array_get_length (prompts); p++)
    {
      JsonObject *o = json_array_get_object_element (prompts, p);
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (int));
      LsGenerateStats stats;
      Collect c;
      collect_init (&c);

      g_assert_true (ls_language_model_generate (lm, json_object_get_string_member (o, "text"),
                                                 &options, collect_cb, &c, out, &stats, NULL,
                                                 &error));
      g_assert_no_error (error);
      JsonArray *want = json_object_get_array_member (o, "greedy_ids");
      assert_ids_equal (out, want);
      assert_ids_equal (c.ids, want);
      g_assert_cmpint (stats.prompt_tokens, ==,
                       (int) json_array_get_length (json_object_get_array_member (o, "ids")));
      g_assert_cmpint (stats.generated_tokens, ==, 24);
      g_assert_cmpint (stats.stop_reason, ==, LS_STOP_MAX_TOKENS);
      g_assert_cmpfloat (stats.first_token_seconds, <=, stats.total_seconds);
      g_assert_cmpfloat (stats.prompt_seconds, <=, stats.first_token_seconds);
      g_assert_cmpfloat (stats.generated_tokens_per_second, >, 0.0);
      g_assert_cmpfloat (stats.prompt_tokens_per_second, >, 0.0);

      /* The streamed pieces are the whole decode. */
      g_autofree char *text = ls_tokenizer_decode (ls_language_model_get_tokenizer (lm),
                                                   (int *) out->data, out->len, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (c.text->str, ==, text);
      collect_clear (&c);
    }
}

static void
test_greedy (gconstpointer data)
{
  const char *model = data;
  g_autoptr(LsLanguageModel) lm = load_model (model);
  g_autoptr(JsonParser) parser = load_expected (model);
  g_assert_false (ls_language_model_is_captioner (lm));
  g_assert_cmpint (ls_language_model_get_eos_id (lm), ==, 0);
  g_assert_cmpint (ls_language_model_get_context_length (lm), ==, 128);
  g_assert_null (ls_language_model_get_preprocess_config (lm));
  check_greedy (lm, prompts_of (parser));
}

/* The same model read from pytorch_model.bin alone. */
static void
test_greedy_pytorch_bin (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-gpt2-bin-XXXXXX", &error);
  g_assert_no_error (error);
  const char *files[] = { "config.json", "vocab.json", "merges.txt", "pytorch_model.bin" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    copy_fixture ("gpt2-tiny", files[i], tmp);
  /* pytorch_model.bin is supported (torch-pickle.c): a load error is a
   * failure, not a reason to skip. */
  LsLanguageModel *lm = ls_language_model_load (tmp, &error);
  g_assert_no_error (error);
  g_autoptr(JsonParser) parser = load_expected ("gpt2-tiny");
  check_greedy (lm, prompts_of (parser));
  ls_language_model_free (lm);
  ls_test_remove_tree (tmp);
}

static GArray *
generate_ids (LsLanguageModel *lm, const char *prompt, const LsGenerateOptions *options,
              LsGenerateStats *stats)
{
  g_autoptr(GError) error = NULL;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (int));
  g_assert_true (ls_language_model_generate (lm, prompt, options, NULL, NULL, out, stats, NULL,
                                             &error));
  g_assert_no_error (error);
  return out;
}

static gboolean
arrays_equal (GArray *a, GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (int)) == 0;
}

static void
test_sampling (void)
{
  g_autoptr(LsLanguageModel) lm = load_model ("gpt2-tiny");
  LsGenerateOptions options;
  ls_generate_options_init (&options);
  options.max_new_tokens = 24;
  g_autoptr(GArray) greedy = generate_ids (lm, "Bean rust", &options, NULL);

  options.do_sample = TRUE;
  options.temperature = 0.9f;
  options.top_k = 50;
  options.top_p = 0.95f;
  options.repetition_penalty = 1.1f;
  options.seed = 42;
  g_autoptr(GArray) a = generate_ids (lm, "Bean rust", &options, NULL);
  g_autoptr(GArray) b = generate_ids (lm, "Bean rust", &options, NULL);
  g_assert_cmpuint (a->len, ==, 24);
  g_assert_true (arrays_equal (a, b));

  /* Other seeds give other texts (at least one of several). */
  gboolean differs = FALSE;
  for (guint64 seed = 1; seed <= 4 && !differs; seed++)
    {
      options.seed = seed;
      g_autoptr(GArray) c = generate_ids (lm, "Bean rust", &options, NULL);
      differs = !arrays_equal (a, c);
    }
  g_assert_true (differs);
  g_assert_false (arrays_equal (a, greedy));

  /* top_k = 1 leaves only the argmax: greedy, whatever the seed and the
   * temperature. */
  options.top_k = 1;
  options.top_p = 1.0f;
  options.temperature = 1.7f;
  options.repetition_penalty = 1.0f;
  options.seed = 7;
  g_autoptr(GArray) k1 = generate_ids (lm, "Bean rust", &options, NULL);
  g_assert_true (arrays_equal (k1, greedy));
}

/* The processors on hand-computed values. */
static void
test_sampler_processors (void)
{
  LsSamplerOptions o;
  ls_sampler_options_init (&o);

  /* Repetition penalty 2 on ids {0, 1} (0 twice: applied once). */
  o.repetition_penalty = 2.0f;
  g_autoptr(LsSampler) s = ls_sampler_new (4, &o);
  float l[4] = { 2.0f, -1.0f, 0.5f, 1.5f };
  int hist[] = { 0, 1, 0 };
  ls_sampler_process (s, l, hist, 3);
  g_assert_cmpfloat (l[0], ==, 1.0f);
  g_assert_cmpfloat (l[1], ==, -2.0f);
  g_assert_cmpfloat (l[2], ==, 0.5f);
  g_assert_cmpfloat (l[3], ==, 1.5f);
  /* Greedy picks the argmax after the penalty. */
  float l2[4] = { 2.0f, -1.0f, 0.5f, 1.5f };
  g_assert_cmpint (ls_sampler_next (s, l2, hist, 3), ==, 3);

  /* Temperature then top-k 2 (the 2nd score is tied: ties stay). */
  ls_sampler_options_init (&o);
  o.do_sample = TRUE;
  o.temperature = 2.0f;
  o.top_k = 2;
  g_autoptr(LsSampler) k = ls_sampler_new (5, &o);
  float t[5] = { 4.0f, 1.0f, 2.0f, 2.0f, -6.0f };
  ls_sampler_process (k, t, NULL, 0);
  g_assert_cmpfloat (t[0], ==, 2.0f);
  g_assert_cmpfloat (t[1], ==, -INFINITY);
  g_assert_cmpfloat (t[2], ==, 1.0f);
  g_assert_cmpfloat (t[3], ==, 1.0f);
  g_assert_cmpfloat (t[4], ==, -INFINITY);

  /* Top-p on probabilities 0.5, 0.3, 0.15, 0.05: 0.7 keeps {0.5, 0.3};
   * 0.85 keeps three (0.8 < 0.85); 0.3 keeps the first alone. */
  const float probs[4] = { 0.3f, 0.05f, 0.5f, 0.15f };
  const struct { float top_p; gboolean kept[4]; } cases[] = {
    { 0.7f,  { TRUE, FALSE, TRUE, FALSE } },
    { 0.85f, { TRUE, FALSE, TRUE, TRUE } },
    { 0.3f,  { FALSE, FALSE, TRUE, FALSE } },
  };
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      ls_sampler_options_init (&o);
      o.do_sample = TRUE;
      o.top_p = cases[c].top_p;
      g_autoptr(LsSampler) p = ls_sampler_new (4, &o);
      float x[4];
      for (int i = 0; i < 4; i++)
        x[i] = logf (probs[i]);
      ls_sampler_process (p, x, NULL, 0);
      for (int i = 0; i < 4; i++)
        {
          if (cases[c].kept[i])
            g_assert_cmpfloat (x[i], ==, logf (probs[i]));
          else
            g_assert_cmpfloat (x[i], ==, -INFINITY);
        }
    }
}

/* Draws follow the softmax: 0.5 / 0.3 / 0.2 within a few standard
 * deviations over 20000 draws, and the same seed repeats. */
static void
test_sampler_distribution (void)
{
  LsSamplerOptions o;
  ls_sampler_options_init (&o);
  o.do_sample = TRUE;
  o.seed = 1234;
  g_autoptr(LsSampler) s = ls_sampler_new (3, &o);
  g_autoptr(LsSampler) again = ls_sampler_new (3, &o);
  int counts[3] = { 0 };
  const int n = 20000;
  for (int i = 0; i < n; i++)
    {
      float l[3] = { logf (0.5f), logf (0.3f), logf (0.2f) };
      float m[3] = { logf (0.5f), logf (0.3f), logf (0.2f) };
      int a = ls_sampler_next (s, l, NULL, 0);
      g_assert_cmpint (a, ==, ls_sampler_next (again, m, NULL, 0));
      counts[a]++;
    }
  g_assert_cmpfloat (fabs (counts[0] / (double) n - 0.5), <, 0.015);
  g_assert_cmpfloat (fabs (counts[1] / (double) n - 0.3), <, 0.015);
  g_assert_cmpfloat (fabs (counts[2] / (double) n - 0.2), <, 0.015);
}

typedef struct {
  GCancellable *cancellable;
  gint          tokens;           /* atomic */
  gint          tokens_at_cancel; /* atomic */
} CancelData;

static gboolean
slow_cb (int token_id, const char *piece, gpointer user_data)
{
  CancelData *d = user_data;
  (void) token_id;
  (void) piece;
  g_atomic_int_inc (&d->tokens);
  g_usleep (2000); /* a long generation: 100 tokens take 200 ms or more */
  return TRUE;
}

static gpointer
cancel_thread (gpointer user_data)
{
  CancelData *d = user_data;
  while (g_atomic_int_get (&d->tokens) < 5)
    g_usleep (100);
  g_atomic_int_set (&d->tokens_at_cancel, g_atomic_int_get (&d->tokens));
  g_cancellable_cancel (d->cancellable);
  return NULL;
}

static void
test_cancel (void)
{
  g_autoptr(LsLanguageModel) lm = load_model ("gpt2-tiny");
  g_autoptr(GError) error = NULL;
  LsGenerateOptions options;
  LsGenerateStats stats;
  ls_generate_options_init (&options);
  options.max_new_tokens = 100;
  CancelData d = { g_cancellable_new (), 0, 0 };

  GThread *thread = g_thread_new ("cancel", cancel_thread, &d);
  g_assert_false (ls_language_model_generate (lm, "Bean rust", &options, slow_cb, &d, NULL,
                                              &stats, d.cancellable, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Checked before every token: at most the token under way when the cancel
   * came gets out. */
  g_assert_cmpint (d.tokens, <, 100);
  g_assert_cmpint (d.tokens - d.tokens_at_cancel, <=, 1);
  g_assert_cmpint (stats.generated_tokens, ==, d.tokens);

  /* Already cancelled: nothing runs. */
  g_clear_error (&error);
  d.tokens = 0;
  g_assert_false (ls_language_model_generate (lm, "Bean rust", &options, slow_cb, &d, NULL,
                                              NULL, d.cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (d.tokens, ==, 0);
  g_object_unref (d.cancellable);
}

static void
test_context_full (void)
{
  g_autoptr(LsLanguageModel) lm = load_model ("gpt2-tiny");
  g_autoptr(GError) error = NULL;
  LsGenerateOptions options;
  LsGenerateStats stats;
  ls_generate_options_init (&options);
  options.max_new_tokens = 1000;
  int P = ls_language_model_get_context_length (lm);
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (int));
  /* Ids without eos (0) so that greedy runs to the end of the context. */
  int prompt[] = { 354, 339 };

  g_assert_true (ls_language_model_generate_ids (lm, prompt, 2, &options, NULL, NULL, out,
                                                 &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.stop_reason, ==, LS_STOP_CONTEXT_FULL);
  g_assert_cmpint (out->len, ==, P - 2);
  g_assert_cmpint (stats.generated_tokens, ==, P - 2);

  /* A prompt that fills the context leaves no room. */
  g_autofree int *full = g_new (int, P);
  for (int i = 0; i < P; i++)
    full[i] = 65 + i % 20;
  g_assert_false (ls_language_model_generate_ids (lm, full, P, &options, NULL, NULL, NULL,
                                                  NULL, NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_TOO_LARGE);
  g_clear_error (&error);
  /* One token short of it gives exactly one. */
  g_array_set_size (out, 0);
  g_assert_true (ls_language_model_generate_ids (lm, full, P - 1, &options, NULL, NULL, out,
                                                 &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpint (stats.stop_reason, ==,
                   g_array_index (out, int, 0) == 0 ? LS_STOP_END_OF_TEXT : LS_STOP_CONTEXT_FULL);
}

static void
test_stop_conditions (void)
{
  g_autoptr(LsLanguageModel) lm = load_model ("gpt2-tiny");
  LsTokenizer *tok = ls_language_model_get_tokenizer (lm);
  g_autoptr(GError) error = NULL;
  LsGenerateOptions options;
  LsGenerateStats stats;
  ls_generate_options_init (&options);
  options.max_new_tokens = 24;
  g_autoptr(GArray) greedy = generate_ids (lm, "Bean rust", &options, &stats);

  /* The callback says stop at the 3rd token. */
  Collect c;
  collect_init (&c);
  c.stop_after = 3;
  g_assert_true (ls_language_model_generate (lm, "Bean rust", &options, collect_cb, &c, NULL,
                                             &stats, NULL, &error));
  g_assert_cmpint (stats.stop_reason, ==, LS_STOP_CALLBACK);
  g_assert_cmpint (stats.generated_tokens, ==, 3);
  collect_clear (&c);

  /* A stop string: the text up to and including the 6th token ends with
   * it; generation ends at the first token whose text completes it. */
  g_autofree char *six = ls_tokenizer_decode (tok, (int *) greedy->data, 6, &error);
  g_autofree char *all = ls_tokenizer_decode (tok, (int *) greedy->data, greedy->len, &error);
  gsize len = strlen (six);
  g_assert_cmpuint (len, >=, 2);
  g_autofree char *stop = g_strdup (six + len - 2);
  const char *stops[] = { "never-in-this-text", stop, NULL };
  options.stop_strings = stops;
  collect_init (&c);
  g_assert_true (ls_language_model_generate (lm, "Bean rust", &options, collect_cb, &c, NULL,
                                             &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.stop_reason, ==, LS_STOP_STOP_STRING);
  g_assert_cmpint (stats.generated_tokens, <=, 6);
  g_assert_nonnull (strstr (c.text->str, stop));
  g_assert_true (g_str_has_prefix (all, c.text->str));
  collect_clear (&c);

  /* max_new_tokens = 0 generates nothing. */
  options.stop_strings = NULL;
  options.max_new_tokens = 0;
  g_autoptr(GArray) none = generate_ids (lm, "Bean rust", &options, &stats);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpint (stats.stop_reason, ==, LS_STOP_MAX_TOKENS);

  /* An empty prompt starts from bos. */
  options.max_new_tokens = 4;
  g_autoptr(GArray) from_bos = generate_ids (lm, "", &options, &stats);
  g_assert_cmpuint (from_bos->len, ==, 4);
  g_assert_cmpint (stats.prompt_tokens, ==, 1);

  /* Bad options. */
  options.do_sample = TRUE;
  options.temperature = 0.0f;
  g_assert_false (ls_language_model_generate (lm, "Bean", &options, NULL, NULL, NULL, NULL,
                                              NULL, &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A captioner entry point on a text model. */
  float pixels[3] = { 0 };
  ls_generate_options_init (&options);
  g_assert_false (ls_language_model_caption (lm, pixels, &options, NULL, NULL, NULL, NULL, NULL,
                                             &error));
  g_assert_error (error, LS_ERROR, LS_ERROR_INVALID_ARGUMENT);
}

/* Writes a model folder whose config.json is @config, the rest copied from
 * gpt2-tiny; returns the load error. */
static GError *
load_with_config (const char *config)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("leafscope-gpt2-cfg-XXXXXX", &error);
  g_assert_no_error (error);
  const char *files[] = { "vocab.json", "merges.txt", "model.safetensors" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    copy_fixture ("gpt2-tiny", files[i], tmp);
  g_autofree char *cfg = g_build_filename (tmp, "config.json", NULL);
  g_assert_true (g_file_set_contents (cfg, config, -1, NULL));

  LsLanguageModel *lm = ls_language_model_load (tmp, &error);
  g_assert_null (lm);
  g_assert_nonnull (error);

  ls_test_remove_tree (tmp);
  return g_steal_pointer (&error);
}

static void
test_malformed_config (void)
{
  GError *error;

  error = load_with_config ("{\"model_type\": \"gpt2\", \"n_embd\": ");
  g_assert_true (error->domain == LS_ERROR);
  g_test_message ("truncated: %s", error->message);
  g_error_free (error);

  error = load_with_config ("{\"model_type\": \"gpt2\", \"architectures\": [\"GPT2LMHeadModel\"],"
                            " \"vocab_size\": 400, \"n_positions\": 128, \"n_embd\": 48,"
                            " \"n_layer\": 2, \"n_head\": 4}");
  g_assert_error (error, LS_ERROR, LS_ERROR_SHAPE);
  g_test_message ("wrong width: %s", error->message);
  g_error_free (error);

  error = load_with_config ("{\"model_type\": \"gpt2\", \"architectures\": [\"GPT2LMHeadModel\"],"
                            " \"vocab_size\": 400, \"n_positions\": 128, \"n_embd\": 32,"
                            " \"n_layer\": 2, \"n_head\": -4}");
  g_assert_error (error, LS_ERROR, LS_ERROR_CONFIG);
  g_error_free (error);

  error = load_with_config ("{\"model_type\": \"vit\", \"architectures\": [\"ViTModel\"]}");
  g_assert_true (error->domain == LS_ERROR);
  g_test_message ("not a language model: %s", error->message);
  g_error_free (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/Engine/Generate/greedy/gpt2-tiny", "gpt2-tiny", test_greedy);
  g_test_add_data_func ("/Engine/Generate/greedy/legacy-layout", "gpt2-tiny-legacy-layout",
                        test_greedy);
  g_test_add_func ("/Engine/Generate/greedy/pytorch-bin", test_greedy_pytorch_bin);
  g_test_add_func ("/Engine/Generate/sampling", test_sampling);
  g_test_add_func ("/Engine/Generate/sampler/processors", test_sampler_processors);
  g_test_add_func ("/Engine/Generate/sampler/distribution", test_sampler_distribution);
  g_test_add_func ("/Engine/Generate/cancel", test_cancel);
  g_test_add_func ("/Engine/Generate/context-full", test_context_full);
  g_test_add_func ("/Engine/Generate/stop-conditions", test_stop_conditions);
  g_test_add_func ("/Engine/Generate/malformed-config", test_malformed_config);
  return g_test_run ();
}
