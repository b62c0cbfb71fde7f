/* leafscope-cli: diagnose bean leaves and run HuggingFace ViT / GPT-2 models
 * from the command line.  Each subcommand lives in a cli-*.c file. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "cpu.h"

static const struct {
  const char   *name;
  LsCliCommand  run;
  const char   *summary;
} commands[] = {
  { "diagnose",   ls_cli_diagnose,   "Diagnose leaf photos and describe them" },
  { "classify",   ls_cli_classify,   "Run a ViT image classifier" },
  { "evaluate",   ls_cli_evaluate,   "Measure a classifier on a labelled folder" },
  { "calibrate",  ls_cli_calibrate,  "Fit a classifier's scope check and calibrated confidence" },
  { "inspect",    ls_cli_inspect,    "Describe a model folder" },
  { "tokenize",   ls_cli_tokenize,   "Encode text with a GPT-2 tokenizer" },
  { "detokenize", ls_cli_detokenize, "Decode GPT-2 token ids" },
  { "generate",   ls_cli_generate,   "Generate text with a GPT-2 model" },
  { "caption",    ls_cli_caption,    "Caption an image with a ViT-GPT-2 model" },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: leafscope-cli COMMAND [OPTION...]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-11s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'leafscope-cli COMMAND --help' for a command's options.\n");
}

int
main (int argc, char **argv)
{
  /* Before anything else: may re-execute with a better OpenBLAS core. */
  ls_cpu_ensure_blas_core (argc, argv);
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_usage (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "version") == 0)
    {
      printf ("leafscope-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  ls_cli_fail (NULL, "unknown command '%s'", argv[1]);
  print_usage (stderr);
  return 2;
}
