// SPDX-License-Identifier: GPL-3.0-or-later
#include "quant/TypeTraits.h"

#include "quant/Blocks.h"
#include "quant/ReferenceKernels.h"
#include "util/CheckedMath.h"
#include "util/Error.h"

#include <array>
#include <string>

namespace hearth
{

namespace
{
using namespace quant;

constexpr std::array kTraits{
    TypeTraits{GgmlType::F32, "F32", 1, 4, toFloatF32, fromFloatF32, nullptr, vecDotF32, GgmlType::F32},
    TypeTraits{GgmlType::F16, "F16", 1, 2, toFloatF16, fromFloatF16, nullptr, vecDotF16, GgmlType::F16},
    TypeTraits{GgmlType::BF16, "BF16", 1, 2, toFloatBF16, fromFloatBF16, nullptr, vecDotBF16, GgmlType::BF16},
    TypeTraits{GgmlType::Q4_0, "Q4_0", QK4_0, sizeof(BlockQ4_0), toFloatQ4_0, fromFloatQ4_0, fromFloatWeightedQ4_0,
               vecDotQ4_0Q8_0, GgmlType::Q8_0},
    TypeTraits{GgmlType::Q8_0, "Q8_0", QK8_0, sizeof(BlockQ8_0), toFloatQ8_0, fromFloatQ8_0, nullptr, vecDotQ8_0Q8_0,
               GgmlType::Q8_0},
    TypeTraits{GgmlType::Q8_K, "Q8_K", QK_K, sizeof(BlockQ8_K), toFloatQ8_K, fromFloatQ8_K, nullptr, vecDotQ8_KQ8_K,
               GgmlType::Q8_K},
    TypeTraits{GgmlType::Q4_K, "Q4_K", QK_K, sizeof(BlockQ4_K), toFloatQ4_K, fromFloatQ4_K, fromFloatWeightedQ4_K,
               vecDotQ4_KQ8_K, GgmlType::Q8_K},
    TypeTraits{GgmlType::Q5_K, "Q5_K", QK_K, sizeof(BlockQ5_K), toFloatQ5_K, fromFloatQ5_K, fromFloatWeightedQ5_K,
               vecDotQ5_KQ8_K, GgmlType::Q8_K},
    TypeTraits{GgmlType::Q6_K, "Q6_K", QK_K, sizeof(BlockQ6_K), toFloatQ6_K, fromFloatQ6_K, fromFloatWeightedQ6_K,
               vecDotQ6_KQ8_K, GgmlType::Q8_K},
};
}

const TypeTraits *typeTraits(GgmlType type)
{
    for (const auto &traits : kTraits) {
        if (traits.type == type) {
            return &traits;
        }
    }
    return nullptr;
}

uint64_t rowBytes(GgmlType type, uint64_t n)
{
    const GgmlTypeLayout layout = ggmlTypeLayout(type);
    if (n % layout.blockSize != 0) {
        throw Error(std::string(layout.name) + ": " + std::to_string(n) + " elements are not a multiple of the block size "
                    + std::to_string(layout.blockSize));
    }
    const auto bytes = checkedMul(n / layout.blockSize, layout.blockBytes);
    if (!bytes) {
        throw Error(std::string(layout.name) + ": the size of " + std::to_string(n) + " elements overflows");
    }
    return *bytes;
}

} // namespace hearth
