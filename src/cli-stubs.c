/* Placeholders for subcommands whose owners have not landed them yet.
 * Each owner deletes its functions from here when it adds cli-*.c. */
#include "cli-common.h"

#define STUB(fn) int fn (int argc, char **argv) { return ls_cli_fail (NULL, "%s: not available in this build", argv[0]); }
STUB (ls_cli_classify)
STUB (ls_cli_evaluate)
STUB (ls_cli_inspect)
