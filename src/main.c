/* main.c: the Leafscope window. */
#include "config.h"

#include "leafscope-application.h"
#include "cpu.h"

#include <glib/gi18n.h>
#include <locale.h>


int
main (int argc, char *argv[])
{
  g_autoptr(LeafscopeApplication) app = NULL;

  /* Before anything else: may re-execute with a better OpenBLAS core. */
  ls_cpu_ensure_blas_core (argc, argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LEAFSCOPE_LOCALEDIR") ? g_getenv ("LEAFSCOPE_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = leafscope_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
