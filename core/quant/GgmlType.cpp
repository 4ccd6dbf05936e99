// SPDX-License-Identifier: GPL-3.0-or-later
#include "quant/GgmlType.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace hearth
{

namespace
{
// Block sizes and bytes per block as GGUF files lay them out.
constexpr std::array kLayouts{
    GgmlTypeLayout{GgmlType::F32, "F32", 1, 4},
    GgmlTypeLayout{GgmlType::F16, "F16", 1, 2},
    GgmlTypeLayout{GgmlType::Q4_0, "Q4_0", 32, 18},
    GgmlTypeLayout{GgmlType::Q4_1, "Q4_1", 32, 20},
    GgmlTypeLayout{GgmlType::Q5_0, "Q5_0", 32, 22},
    GgmlTypeLayout{GgmlType::Q5_1, "Q5_1", 32, 24},
    GgmlTypeLayout{GgmlType::Q8_0, "Q8_0", 32, 34},
    GgmlTypeLayout{GgmlType::Q8_1, "Q8_1", 32, 36},
    GgmlTypeLayout{GgmlType::Q2_K, "Q2_K", 256, 84},
    GgmlTypeLayout{GgmlType::Q3_K, "Q3_K", 256, 110},
    GgmlTypeLayout{GgmlType::Q4_K, "Q4_K", 256, 144},
    GgmlTypeLayout{GgmlType::Q5_K, "Q5_K", 256, 176},
    GgmlTypeLayout{GgmlType::Q6_K, "Q6_K", 256, 210},
    GgmlTypeLayout{GgmlType::Q8_K, "Q8_K", 256, 292},
    GgmlTypeLayout{GgmlType::IQ2_XXS, "IQ2_XXS", 256, 66},
    GgmlTypeLayout{GgmlType::IQ2_XS, "IQ2_XS", 256, 74},
    GgmlTypeLayout{GgmlType::IQ3_XXS, "IQ3_XXS", 256, 98},
    GgmlTypeLayout{GgmlType::IQ1_S, "IQ1_S", 256, 50},
    GgmlTypeLayout{GgmlType::IQ4_NL, "IQ4_NL", 32, 18},
    GgmlTypeLayout{GgmlType::IQ3_S, "IQ3_S", 256, 110},
    GgmlTypeLayout{GgmlType::IQ2_S, "IQ2_S", 256, 82},
    GgmlTypeLayout{GgmlType::IQ4_XS, "IQ4_XS", 256, 136},
    GgmlTypeLayout{GgmlType::I8, "I8", 1, 1},
    GgmlTypeLayout{GgmlType::I16, "I16", 1, 2},
    GgmlTypeLayout{GgmlType::I32, "I32", 1, 4},
    GgmlTypeLayout{GgmlType::I64, "I64", 1, 8},
    GgmlTypeLayout{GgmlType::F64, "F64", 1, 8},
    GgmlTypeLayout{GgmlType::IQ1_M, "IQ1_M", 256, 56},
    GgmlTypeLayout{GgmlType::BF16, "BF16", 1, 2},
    GgmlTypeLayout{GgmlType::TQ1_0, "TQ1_0", 256, 54},
    GgmlTypeLayout{GgmlType::TQ2_0, "TQ2_0", 256, 66},
};
}

std::optional<GgmlTypeLayout> ggmlTypeLayout(uint32_t rawType)
{
    const auto it = std::ranges::find(kLayouts, rawType, [](const GgmlTypeLayout &l) { return uint32_t(l.type); });
    if (it == kLayouts.end()) {
        return std::nullopt;
    }
    return *it;
}

GgmlTypeLayout ggmlTypeLayout(GgmlType type)
{
    return *ggmlTypeLayout(uint32_t(type));
}

std::string_view ggmlTypeName(GgmlType type)
{
    return ggmlTypeLayout(type).name;
}

std::optional<GgmlType> ggmlTypeFromName(std::string_view name)
{
    for (const auto &layout : kLayouts) {
        if (std::ranges::equal(layout.name, name, [](char a, char b) {
                return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
            })) {
            return layout.type;
        }
    }
    return std::nullopt;
}

} // namespace hearth
