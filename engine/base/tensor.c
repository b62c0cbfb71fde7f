/* tensor.c: element sizes and names, scalar F16/BF16 conversions. */
#include "tensor.h"

#include <string.h>

gsize
ls_dtype_size (LsDtype dtype)
{
  switch (dtype)
    {
    case LS_DTYPE_F64:
    case LS_DTYPE_I64:
      return 8;
    case LS_DTYPE_F32:
    case LS_DTYPE_I32:
      return 4;
    case LS_DTYPE_F16:
    case LS_DTYPE_BF16:
    case LS_DTYPE_I16:
      return 2;
    case LS_DTYPE_I8:
    case LS_DTYPE_U8:
    case LS_DTYPE_BOOL:
      return 1;
    case LS_DTYPE_OTHER:
    default:
      return 0;
    }
}

const char *
ls_dtype_to_string (LsDtype dtype)
{
  static const char * const names[] = {
    [LS_DTYPE_F32] = "F32", [LS_DTYPE_F16] = "F16", [LS_DTYPE_BF16] = "BF16",
    [LS_DTYPE_F64] = "F64", [LS_DTYPE_I64] = "I64", [LS_DTYPE_I32] = "I32",
    [LS_DTYPE_I16] = "I16", [LS_DTYPE_I8] = "I8", [LS_DTYPE_U8] = "U8",
    [LS_DTYPE_BOOL] = "BOOL",
  };
  if ((guint) dtype < G_N_ELEMENTS (names) && names[dtype] != NULL)
    return names[dtype];
  return "OTHER";
}

float
ls_f16_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;

  if (exp == 0)
    {
      if (mant == 0)
        bits = sign;
      else
        {
          /* Subnormal: renormalise. */
          exp = 127 - 15 + 1;
          while ((mant & 0x400) == 0)
            {
              mant <<= 1;
              exp--;
            }
          mant &= 0x3ff;
          bits = sign | (exp << 23) | (mant << 13);
        }
    }
  else if (exp == 0x1f)
    bits = sign | 0x7f800000 | (mant << 13);
  else
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);

  float f;
  memcpy (&f, &bits, sizeof f);
  return f;
}

uint16_t
ls_float_to_f16 (float f)
{
  uint32_t x;
  memcpy (&x, &f, sizeof x);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = (int32_t) ((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;

  if (((x >> 23) & 0xff) == 0xff)
    return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f)
    return sign | 0x7c00;
  if (exp <= 0)
    {
      if (exp < -10)
        return sign;
      mant |= 0x800000;
      uint32_t shift = 14 - exp;
      uint32_t half = mant >> shift;
      uint32_t rem = mant & ((1u << shift) - 1);
      uint32_t mid = 1u << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1)))
        half++;
      return sign | half;
    }
  uint32_t half = sign | ((uint32_t) exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    half++; /* may carry into the exponent, which is the correct rounding */
  return half;
}


float
ls_bf16_to_float (uint16_t h)
{
  uint32_t bits = (uint32_t) h << 16;
  float f;
  memcpy (&f, &bits, sizeof f);
  return f;
}

uint16_t
ls_float_to_bf16 (float f)
{
  uint32_t bits;
  memcpy (&bits, &f, sizeof bits);
  if ((bits & 0x7fffffff) > 0x7f800000)
    return (uint16_t) ((bits >> 16) | 0x40);  /* NaN: keep it quiet and a NaN */
  bits += 0x7fff + ((bits >> 16) & 1);        /* nearest even; may carry to infinity */
  return (uint16_t) (bits >> 16);
}
