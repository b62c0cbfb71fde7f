/* leafscope-facts.c: class names and fact cards (see the header). */
#include "config.h"

#include "leafscope-facts.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static const LeafscopeFacts facts[] = {
  {
    "angular_leaf_spot",
    N_("Angular leaf spot"),
    N_("Small water-soaked spots that turn brown and angular, bounded by the leaf veins; "
       "they may join into large dead patches and the leaf can yellow and drop early."),
    N_("The fungus Pseudocercospora griseola. It spreads by rain splash and wind from "
       "infected plant debris and seed, and thrives in warm, humid weather."),
    N_("Remove and destroy infected leaves and crop debris, rotate with crops other than "
       "beans for two seasons, sow clean seed of tolerant varieties, and avoid working "
       "among wet plants. Ask a local extension officer before using a fungicide."),
  },
  {
    "bean_rust",
    N_("Bean rust"),
    N_("Small raised reddish-brown pustules, mostly on the underside of the leaf, often "
       "with a yellow halo; they release rusty powder when rubbed. Badly affected leaves "
       "dry up and fall."),
    N_("The fungus Uromyces appendiculatus. Its spores travel on the wind and infect "
       "leaves that stay wet for several hours, especially in cool nights with dew."),
    N_("Plant resistant varieties, space plants so that leaves dry quickly, remove "
       "volunteer beans and infected debris after harvest, and rotate crops. Early "
       "fungicide sprays help where rust is common; follow local advice."),
  },
  {
    "healthy",
    N_("Healthy"),
    N_("An evenly green leaf without spots, pustules, holes or unusual yellowing."),
    N_("No disease signs were found on this leaf."),
    N_("Keep scouting the field regularly, looking at the underside of leaves too; "
       "diseases are easiest to manage when caught early."),
  },
};

const LeafscopeFacts *
leafscope_facts_lookup (const char *label)
{
  if (label == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (facts); i++)
    if (strcmp (facts[i].label, label) == 0)
      return &facts[i];
  return NULL;
}

char *
leafscope_class_display_name (const char *label)
{
  const LeafscopeFacts *f = leafscope_facts_lookup (label);
  g_autofree char *spaced = NULL;

  if (f != NULL)
    return g_strdup (_(f->name));
  if (label == NULL || *label == '\0')
    return g_strdup (_("Unknown"));

  /* Humanise: separators become spaces, first letter upper case. */
  spaced = g_strdup (label);
  g_strstrip (spaced);
  for (char *p = spaced; *p; p++)
    if (*p == '_' || *p == '-')
      *p = ' ';
  if (*spaced == '\0')
    return g_strdup (_("Unknown"));
  {
    gunichar first = g_utf8_get_char (spaced);
    const char *rest = g_utf8_next_char (spaced);
    char buf[8] = { 0 };
    g_unichar_to_utf8 (g_unichar_totitle (first), buf);
    return g_strconcat (buf, rest, NULL);
  }
}

const char *
leafscope_status_title (LsDiagnosisStatus status)
{
  switch (status)
    {
    case LS_DIAGNOSIS_UNCERTAIN:
      return _("Uncertain result");
    case LS_DIAGNOSIS_NOT_A_LEAF:
      return _("Not a Bean Leaf Photo");
    case LS_DIAGNOSIS_UNUSABLE:
      return _("This Photo Cannot Be Judged");
    case LS_DIAGNOSIS_DIAGNOSED:
    default:
      return NULL;
    }
}

const char *
leafscope_status_reason (LsStatusReason reason)
{
  switch (reason)
    {
    case LS_STATUS_REASON_CLOSE_CLASSES:
      return _("Two classes are about equally likely on this photo.");
    case LS_STATUS_REASON_LOW_CONFIDENCE:
      return _("The model is not confident enough about this photo.");
    case LS_STATUS_REASON_OUT_OF_SCOPE:
      return _("This photo does not look like the bean leaf photos the model was trained on, "
               "so it makes no disease claim about it.");
    case LS_STATUS_REASON_INCOMPLETE:
      return _("The image file is damaged: it ends before the picture does.");
    case LS_STATUS_REASON_TOO_SMALL:
      return _("The photo is too small to judge: the leaf’s details are lost.");
    case LS_STATUS_REASON_TOO_DARK:
      return _("The photo is too dark to judge.");
    case LS_STATUS_REASON_OVEREXPOSED:
      return _("The photo is too bright to judge: most of it is blown out.");
    case LS_STATUS_REASON_NONE:
    default:
      return NULL;
    }
}

const char *
leafscope_status_guidance (LsDiagnosisStatus status)
{
  switch (status)
    {
    case LS_DIAGNOSIS_NOT_A_LEAF:
      return _("For a diagnosis, photograph one bean leaf filling the frame, in daylight and in focus.");
    case LS_DIAGNOSIS_UNUSABLE:
      return _("Use the complete original photo, or take a new one: one bean leaf filling the frame, "
               "in daylight and in focus.");
    case LS_DIAGNOSIS_DIAGNOSED:
    case LS_DIAGNOSIS_UNCERTAIN:
    default:
      return NULL;
    }
}
