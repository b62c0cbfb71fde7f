/* main.c: the Leafscope window. */
#include "leafscope-application.h"

#include <glib/gi18n.h>
#include <locale.h>

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/share/locale"
#endif

int
main (int argc, char *argv[])
{
  g_autoptr(LeafscopeApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LEAFSCOPE_LOCALEDIR") ? g_getenv ("LEAFSCOPE_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = leafscope_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
