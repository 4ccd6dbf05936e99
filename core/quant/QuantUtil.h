// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the scalar reference kernels; not part of the public quant API.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace hearth::quant
{

// Round to nearest, ties to even, with the bit trick llama.cpp's k-quants use (adding 1.5 * 2^23 leaves the
// rounded integer in the low mantissa bits), so our quantizers pick the same levels. Exact for
// |v| <= 2^22; larger or non-finite inputs give an unspecified (but defined) value that callers clamp.
inline int nearestInt(float v)
{
    const float shifted = v + 12582912.f;
    return int(std::bit_cast<uint32_t>(shifted) & 0x007fffffu) - 0x00400000;
}

// Float -> int conversions that are defined for every input (NaN gives lo): clamp first, then convert.
inline int clampedTrunc(float v, int lo, int hi)
{
    if (!(v >= float(lo))) {
        return lo;
    }
    return v >= float(hi) ? hi : int(v);
}

inline int clampedRound(float v, int lo, int hi) // ties away from zero, as roundf
{
    return clampedTrunc(std::round(v), lo, hi);
}

// Blocks inside mapped files or caller buffers may be unaligned for the block structs: copy them.
template<typename Block>
inline Block loadBlock(const void *base, int64_t index)
{
    static_assert(std::is_trivially_copyable_v<Block>);
    Block block;
    std::memcpy(&block, static_cast<const unsigned char *>(base) + index * int64_t(sizeof(Block)), sizeof(Block));
    return block;
}

template<typename Block>
inline void storeBlock(void *base, int64_t index, const Block &block)
{
    std::memcpy(static_cast<unsigned char *>(base) + index * int64_t(sizeof(Block)), &block, sizeof(Block));
}

} // namespace hearth::quant
