/* leafscope-result.c: see the header. */
#include "config.h"

#include "leafscope-result.h"

struct _LeafscopeResult
{
  GObject      parent_instance;
  LsDiagnosis *diagnosis;
  char        *vision_model;
};

G_DEFINE_FINAL_TYPE (LeafscopeResult, leafscope_result, G_TYPE_OBJECT)

static void
leafscope_result_finalize (GObject *object)
{
  LeafscopeResult *self = LEAFSCOPE_RESULT (object);
  g_clear_pointer (&self->diagnosis, ls_diagnosis_free);
  g_free (self->vision_model);
  G_OBJECT_CLASS (leafscope_result_parent_class)->finalize (object);
}

static void
leafscope_result_class_init (LeafscopeResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = leafscope_result_finalize;
}

static void
leafscope_result_init (LeafscopeResult *self)
{
}

LeafscopeResult *
leafscope_result_new (LsDiagnosis *diagnosis, const char *vision_model)
{
  LeafscopeResult *self;

  g_return_val_if_fail (diagnosis != NULL, NULL);
  self = g_object_new (LEAFSCOPE_TYPE_RESULT, NULL);
  self->diagnosis = diagnosis;
  self->vision_model = g_strdup (vision_model);
  return self;
}

const LsDiagnosis *
leafscope_result_get_diagnosis (LeafscopeResult *self)
{
  g_return_val_if_fail (LEAFSCOPE_IS_RESULT (self), NULL);
  return self->diagnosis;
}

LsDiagnosis *
leafscope_result_get_diagnosis_to_explain (LeafscopeResult *self)
{
  g_return_val_if_fail (LEAFSCOPE_IS_RESULT (self), NULL);
  return self->diagnosis;
}

const char *
leafscope_result_get_vision_model (LeafscopeResult *self)
{
  g_return_val_if_fail (LEAFSCOPE_IS_RESULT (self), NULL);
  return self->vision_model;
}
