// SPDX-License-Identifier: GPL-3.0-or-later
#include "gguf/GgufFormat.h"

#include "util/CheckedMath.h"

#include <limits>

namespace hearth::gguf
{

bool isValidUtf8(std::string_view s)
{
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t length;
        uint32_t codePoint;
        if ((c & 0xE0) == 0xC0) {
            length = 2;
            codePoint = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            codePoint = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            codePoint = c & 0x07;
        } else {
            return false;
        }
        if (s.size() - i < length) {
            return false;
        }
        for (size_t k = 1; k < length; ++k) {
            const auto cont = static_cast<unsigned char>(s[i + k]);
            if ((cont & 0xC0) != 0x80) {
                return false;
            }
            codePoint = (codePoint << 6) | (cont & 0x3F);
        }
        constexpr uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (codePoint < minimum[length] || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

std::string nameProblem(std::string_view name)
{
    if (name.empty()) {
        return "is empty";
    }
    if (!isValidUtf8(name)) {
        return "is not valid UTF-8";
    }
    return {};
}

std::string tensorShapeProblem(const GgmlTypeLayout &layout, std::span<const uint64_t> ne, uint64_t &nbytes)
{
    if (ne.empty() || ne.size() > kMaxDims) {
        return "has " + std::to_string(ne.size()) + " dimensions (1 to " + std::to_string(kMaxDims) + " are supported)";
    }
    uint64_t elements = 1;
    for (size_t i = 0; i < ne.size(); ++i) {
        if (ne[i] == 0) {
            return "has dimension " + std::to_string(i) + " of size 0";
        }
        if (ne[i] > uint64_t(std::numeric_limits<int64_t>::max())) {
            return "has dimension " + std::to_string(i) + " of absurd size " + std::to_string(ne[i]);
        }
        const auto product = checkedMul(elements, ne[i]);
        if (!product || *product > uint64_t(std::numeric_limits<int64_t>::max())) {
            return "has shape " + shapeString(ne) + " whose element count overflows";
        }
        elements = *product;
    }
    if (ne[0] % layout.blockSize != 0) {
        return "has row length " + std::to_string(ne[0]) + ", not a multiple of " + std::string(layout.name)
            + "'s block size " + std::to_string(layout.blockSize);
    }
    const auto bytes = checkedMul(elements / layout.blockSize, layout.blockBytes);
    if (!bytes) {
        return "has shape " + shapeString(ne) + " whose byte size overflows";
    }
    nbytes = *bytes;
    return {};
}

std::string shapeString(std::span<const uint64_t> ne)
{
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) {
        if (i > 0) {
            s += ", ";
        }
        s += std::to_string(ne[i]);
    }
    s += ']';
    return s;
}

} // namespace hearth::gguf
