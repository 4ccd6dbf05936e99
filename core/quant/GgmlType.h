// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth
{

// Tensor element types with the numeric ids GGUF files use (ggml's type enumeration, a file-format fact).
enum class GgmlType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
};

// Layout facts for every type a GGUF file may name, so the reader can validate sizes even of types the
// engine cannot compute with. `blockSize` values are packed into `blockBytes` bytes.
struct GgmlTypeLayout {
    GgmlType type;
    std::string_view name;
    uint32_t blockSize;
    uint32_t blockBytes;
};

// nullopt for an id no GGUF type has.
std::optional<GgmlTypeLayout> ggmlTypeLayout(uint32_t rawType);
GgmlTypeLayout ggmlTypeLayout(GgmlType type);
std::string_view ggmlTypeName(GgmlType type);
// Case-insensitive lookup by name ("q8_0", "Q4_K", "bf16").
std::optional<GgmlType> ggmlTypeFromName(std::string_view name);

} // namespace hearth
