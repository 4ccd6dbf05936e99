// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <optional>

namespace hearth
{

// Overflow-safe arithmetic for sizes and offsets read from untrusted files.
inline std::optional<uint64_t> checkedAdd(uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        return std::nullopt;
    }
    return r;
}

inline std::optional<uint64_t> checkedMul(uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        return std::nullopt;
    }
    return r;
}

// Rounds up to a multiple of `alignment` (> 0); nullopt on overflow.
inline std::optional<uint64_t> checkedAlignUp(uint64_t value, uint64_t alignment)
{
    const uint64_t rest = value % alignment;
    return rest == 0 ? std::optional<uint64_t>(value) : checkedAdd(value, alignment - rest);
}

} // namespace hearth
