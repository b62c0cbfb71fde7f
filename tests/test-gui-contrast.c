/* test-gui-contrast.c: text contrast from the running theme's colours.
 *
 * The colours are read back from GTK's style (libadwaita's named colours and
 * ours from ui/style.css / style-dark.css), in light and in dark style, and
 * each pair the window draws text with is checked against WCAG AA: at least
 * 4.5:1 for text, 3:1 for a focus ring against the cell it surrounds. */
#include "test-gui-common.h"
#include "leafscope-application.h"

#include <math.h>

static double
channel (double c)
{
  return c <= 0.03928 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

/* @fg drawn over @bg (alpha blended), relative luminance per WCAG 2. */
static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * channel (c->red) + 0.7152 * channel (c->green) + 0.0722 * channel (c->blue);
}

static GdkRGBA
over (const GdkRGBA *fg, const GdkRGBA *bg)
{
  GdkRGBA out = { fg->red * fg->alpha + bg->red * (1 - fg->alpha),
                  fg->green * fg->alpha + bg->green * (1 - fg->alpha),
                  fg->blue * fg->alpha + bg->blue * (1 - fg->alpha), 1.0 };
  return out;
}

static double
contrast (const GdkRGBA *fg, const GdkRGBA *bg)
{
  GdkRGBA solid = over (fg, bg);
  double a = luminance (&solid), b = luminance (bg);
  return (MAX (a, b) + 0.05) / (MIN (a, b) + 0.05);
}

static GdkRGBA
lookup (GtkWidget *widget, const char *name)
{
  GdkRGBA rgba = { 0 };
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gboolean found = gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, &rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (!found)
    g_error ("no colour %s in the theme", name);
  return rgba;
}

static void
check (const char *what, GdkRGBA fg, GdkRGBA bg, double minimum, const char *style)
{
  double c = contrast (&fg, &bg);
  g_test_message ("%s (%s): %.2f:1", what, style, c);
  if (c < minimum)
    g_error ("%s in %s style: %.2f:1, below %.1f:1", what, style, c, minimum);
}

static void
check_style (GtkWidget *widget, const char *style)
{
  GdkRGBA window_bg = lookup (widget, "window_bg_color");
  GdkRGBA view_bg = lookup (widget, "view_bg_color");
  GdkRGBA card_bg = over ((GdkRGBA[]) { lookup (widget, "card_bg_color") }, &window_bg);
  GdkRGBA secondary = lookup (widget, "ls_secondary_fg");
  GdkRGBA uncertain = lookup (widget, "ls_uncertain_fg");
  GdkRGBA matrix_fg = lookup (widget, "ls_matrix_fg");
  GdkRGBA focus = lookup (widget, "ls_matrix_focus");

  check ("secondary text on the window", secondary, window_bg, 4.5, style);
  check ("secondary text on a card", secondary, card_bg, 4.5, style);
  check ("secondary text on a view", secondary, view_bg, 4.5, style);
  check ("uncertain verdict on the window", uncertain, window_bg, 4.5, style);
  check ("uncertain verdict on a view", uncertain, view_bg, 4.5, style);
  check ("window text", lookup (widget, "window_fg_color"), window_bg, 4.5, style);
  for (int level = 1; level <= 5; level++)
    for (int good = 0; good < 2; good++)
      {
        g_autofree char *name = g_strdup_printf ("ls_matrix_%s_%d", good ? "good" : "bad", level);
        g_autofree char *what = g_strdup_printf ("matrix text on %s", name);
        g_autofree char *ring = g_strdup_printf ("focus ring on %s", name);
        GdkRGBA cell = over ((GdkRGBA[]) { lookup (widget, name) }, &view_bg);
        check (what, matrix_fg, cell, 4.5, style);
        check (ring, focus, cell, 3.0, style);
      }
}

static void
test_contrast (void)
{
  GtkWidget *window = gtk_window_new ();
  AdwStyleManager *manager = adw_style_manager_get_default ();

  gtk_window_present (GTK_WINDOW (window));
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  test_spin (0.2);
  g_assert_false (adw_style_manager_get_dark (manager));
  check_style (window, "light");
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  test_spin (0.2);
  g_assert_true (adw_style_manager_get_dark (manager));
  check_style (window, "dark");
  /* The two styles do differ: the dark one was read, not the light again. */
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

int
main (int argc, char *argv[])
{
  g_autoptr(LeafscopeApplication) app = NULL;

  if (!test_gui_init (&argc, &argv))
    return 0;
  /* The application loads style.css and style-dark.css from its resources. */
  app = leafscope_application_new ();
  g_application_set_application_id (G_APPLICATION (app), LEAFSCOPE_APP_ID ".Contrast");
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_test_add_func ("/Gui/Style/contrast", test_contrast);
  return g_test_run ();
}
