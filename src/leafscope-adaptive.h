/* leafscope-adaptive.h: what the adaptive views (Diagnose, Dataset) share.
 *
 * libadwaita 1.2 has no breakpoints: each view picks its layout from its own
 * width in size_allocate (never from what the layout makes of its children,
 * so it cannot flip-flop), then measures its child again and allocates it,
 * in the same frame: nothing is drawn, even once, with the old layout. */
#pragma once

#include <gtk/gtk.h>

/* The narrow layouts fit this width; the views report it as their minimum
 * width, since a narrower allocation turns them narrow first. */
#define LEAFSCOPE_NARROW_MIN_WIDTH 320

static inline void
leafscope_allocate_remeasured (GtkWidget *child, int width, int height, int baseline)
{
  int min, nat;

  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, width, &min, &nat, NULL, NULL);
  gtk_widget_allocate (child, width, height, baseline, NULL);
}

/* The minimum of a view whose narrow layout fits LEAFSCOPE_NARROW_MIN_WIDTH. */
static inline void
leafscope_measure_adaptive (GtkWidget *child, GtkOrientation orientation, int for_size,
                            int *minimum, int *natural)
{
  gtk_widget_measure (child, orientation, for_size, minimum, natural, NULL, NULL);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = MIN (*minimum, LEAFSCOPE_NARROW_MIN_WIDTH);
}
