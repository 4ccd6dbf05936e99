// SPDX-License-Identifier: GPL-3.0-or-later
// F32, F16 and BF16: plain element arrays. The dot products accumulate in double, as ggml's scalar ones do.
#include "quant/Half.h"
#include "quant/ReferenceKernels.h"

#include <bit>
#include <cstring>

namespace hearth::quant
{

namespace
{
template<typename T>
T loadElement(const void *base, int64_t i)
{
    T value;
    std::memcpy(&value, static_cast<const unsigned char *>(base) + i * int64_t(sizeof(T)), sizeof(T));
    return value;
}

template<typename T>
void storeElement(void *base, int64_t i, T value)
{
    std::memcpy(static_cast<unsigned char *>(base) + i * int64_t(sizeof(T)), &value, sizeof(T));
}

// One converter pair per 16-bit format; the loops are shared.
template<float (*decode)(uint16_t)>
void toFloat16Bit(const void *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n; ++i) {
        dst[i] = decode(loadElement<uint16_t>(src, i));
    }
}

// halfToFloat without branches (the same bits for every input), so decoding a row vectorises: F16 models
// are decoded whole when quantized.
float halfToFloatBranchless(uint16_t h)
{
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t magnitude = uint32_t(h & 0x7fffu) << 13; // exponent and mantissa at their float positions
    const uint32_t exponent = magnitude & 0x0f800000u;
    const uint32_t normal = magnitude + 0x38000000u; // exponent rebiased by 127 - 15
    const uint32_t infOrNan = normal + 0x38000000u; // exponent 31 becomes 255
    // Subnormal: read the mantissa as a normal number of exponent 2^-14 and subtract that implicit one.
    const float subnormal = std::bit_cast<float>(normal + 0x00800000u) - std::bit_cast<float>(0x38800000u);
    uint32_t bits = exponent == 0x0f800000u ? infOrNan : normal;
    bits = exponent == 0 ? std::bit_cast<uint32_t>(subnormal) : bits;
    return std::bit_cast<float>(bits | sign);
}

template<uint16_t (*encode)(float)>
void fromFloat16Bit(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n; ++i) {
        storeElement<uint16_t>(dst, i, encode(src[i]));
    }
}

template<float (*decode)(uint16_t)>
float vecDot16Bit(int64_t n, const void *x, const void *y)
{
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
        sum += double(decode(loadElement<uint16_t>(x, i)) * decode(loadElement<uint16_t>(y, i)));
    }
    return float(sum);
}
}

void toFloatF32(const void *src, float *dst, int64_t n)
{
    std::memcpy(dst, src, size_t(n) * sizeof(float));
}

void fromFloatF32(const float *src, void *dst, int64_t n)
{
    std::memcpy(dst, src, size_t(n) * sizeof(float));
}

float vecDotF32(int64_t n, const void *x, const void *y)
{
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
        sum += double(loadElement<float>(x, i) * loadElement<float>(y, i));
    }
    return float(sum);
}

void toFloatF16(const void *src, float *dst, int64_t n)
{
    toFloat16Bit<halfToFloatBranchless>(src, dst, n);
}

void fromFloatF16(const float *src, void *dst, int64_t n)
{
    fromFloat16Bit<floatToHalf>(src, dst, n);
}

float vecDotF16(int64_t n, const void *x, const void *y)
{
    return vecDot16Bit<halfToFloat>(n, x, y);
}

void toFloatBF16(const void *src, float *dst, int64_t n)
{
    toFloat16Bit<bf16ToFloat>(src, dst, n);
}

void fromFloatBF16(const float *src, void *dst, int64_t n)
{
    fromFloat16Bit<floatToBf16>(src, dst, n);
}

float vecDotBF16(int64_t n, const void *x, const void *y)
{
    return vecDot16Bit<bf16ToFloat>(n, x, y);
}

} // namespace hearth::quant
