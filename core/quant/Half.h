// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <bit>
#include <cstdint>

namespace hearth
{

// IEEE 754 binary16 and bfloat16 <-> binary32, bit-exact and portable: these are the scalar references
// the SIMD converters are tested against, and they decode weights on CPUs without F16C.

constexpr float halfToFloat(uint16_t h)
{
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0x1f) { // Inf or NaN: keep the payload
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    }
    if (exponent != 0) {
        return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
    }
    if (mantissa == 0) {
        return std::bit_cast<float>(sign);
    }
    // Subnormal half: normalise into a float exponent.
    int e = -1;
    do {
        ++e;
        mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    return std::bit_cast<float>(sign | uint32_t(112 - e) << 23 | ((mantissa & 0x3ffu) << 13));
}

// Round to nearest, ties to even; overflow gives Inf, NaN stays NaN (quiet).
constexpr uint16_t floatToHalf(float f)
{
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    const uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) {
        return uint16_t(sign | 0x7e00u | ((absx >> 13) & 0x3ffu));
    }
    if (absx >= 0x477ff000u) { // rounds to >= 65520: Inf
        return uint16_t(sign | 0x7c00u);
    }
    if (absx < 0x38800000u) { // below the smallest normal half (2^-14): subnormal or zero
        if (absx < 0x33000000u) { // < 2^-25 rounds to zero
            return sign;
        }
        const uint32_t exponent = absx >> 23;
        const uint32_t mantissa = (absx & 0x7fffffu) | 0x800000u;
        const uint32_t shift = 126u - exponent; // 14..24
        uint32_t half = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1u);
        const uint32_t halfway = 1u << (shift - 1u);
        if (rest > halfway || (rest == halfway && (half & 1u))) {
            ++half;
        }
        return uint16_t(sign | half);
    }
    uint32_t half = ((absx >> 13) - (112u << 10));
    const uint32_t rest = absx & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) {
        ++half; // may carry into the exponent, which is the correct rounding
    }
    return uint16_t(sign | half);
}

constexpr float bf16ToFloat(uint16_t b)
{
    return std::bit_cast<float>(uint32_t(b) << 16);
}

// Round to nearest, ties to even; NaN stays NaN (quiet), as llama.cpp's and PyTorch's conversions do.
constexpr uint16_t floatToBf16(float f)
{
    const uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) {
        return uint16_t((x >> 16) | 0x40u);
    }
    return uint16_t((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

} // namespace hearth
