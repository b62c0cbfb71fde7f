/* tensor.h: the element types of weights and activations, and the scalar
 * conversions between them.  The lowest layer of the engine: it includes
 * only GLib, so that the kernels, the file formats and the models can all
 * share these types without depending on each other. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Every element type a checkpoint may hold (safetensors' names). */
typedef enum {
  LS_DTYPE_F32,
  LS_DTYPE_F16,
  LS_DTYPE_BF16,
  LS_DTYPE_F64,
  LS_DTYPE_I64,
  LS_DTYPE_I32,
  LS_DTYPE_I16,
  LS_DTYPE_I8,
  LS_DTYPE_U8,
  LS_DTYPE_BOOL,
  LS_DTYPE_OTHER, /* known to safetensors, unsupported here: loads, cannot be used */
} LsDtype;

/* Bytes per element; 0 for LS_DTYPE_OTHER. */
gsize        ls_dtype_size      (LsDtype dtype);
/* "F32", "F16", ...; "OTHER" for anything else. */
const char  *ls_dtype_to_string (LsDtype dtype);

/* The activation functions of the transformer blocks (config.json's
 * "hidden_act" / "activation_function"). */
typedef enum {
  LS_ACTIVATION_GELU,              /* exact, erf */
  LS_ACTIVATION_GELU_NEW,          /* tanh approximation (GPT-2) */
  LS_ACTIVATION_GELU_PYTORCH_TANH, /* same formula as gelu_new */
  LS_ACTIVATION_GELU_FAST,
  LS_ACTIVATION_QUICK_GELU,
  LS_ACTIVATION_RELU,
} LsActivation;

/* IEEE half to float: exact (every half is a float). */
float    ls_f16_to_float  (uint16_t h);
/* Float to IEEE half, rounded to nearest even (overflow to infinity). */
uint16_t ls_float_to_f16  (float    f);
/* bfloat16 to float: exact (a shift). */
float    ls_bf16_to_float (uint16_t h);
/* Float to bfloat16, rounded to nearest even; NaN stays NaN. */
uint16_t ls_float_to_bf16 (float    f);

G_END_DECLS
