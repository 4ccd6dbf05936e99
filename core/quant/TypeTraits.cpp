// SPDX-License-Identifier: GPL-3.0-or-later
#include "quant/TypeTraits.h"

#include "quant/Blocks.h"
#include "quant/Half.h"
#include "quant/ReferenceKernels.h"
#include "quant/kernels/Kernels.h"
#include "util/CheckedMath.h"
#include "util/Error.h"

#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>
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

namespace
{
using Table = std::array<TypeTraits, kTraits.size()>;

void addScaledF16(float *y, const void *x, float a, int64_t n)
{
    const auto *h = static_cast<const uint8_t *>(x);
    for (int64_t i = 0; i < n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, h + 2 * i, 2);
        y[i] += a * halfToFloat(bits);
    }
}

void swiglu(float *gate, const float *up, int64_t n)
{
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

struct PathKernels {
    Table table = kTraits;
    VectorKernels vector{addScaledF16, swiglu};
};

PathKernels build(cpu::Path path)
{
    PathKernels k;
    for (TypeTraits &t : k.table) {
        t.quantizeRow = t.fromFloat;
    }
#if defined(__x86_64__)
    if (path == cpu::Path::Avx2) {
        avx2::install(k.table, k.vector);
    } else if (path == cpu::Path::Avx512) {
        avx512::install(k.table, k.vector);
    }
#elif defined(__aarch64__)
    if (path == cpu::Path::Neon) {
        neon::install(k.table, k.vector);
    } else if (path == cpu::Path::NeonDotprod) {
        neon_dotprod::install(k.table, k.vector);
    }
#else
    (void)path;
#endif
    return k;
}

// Built once, for every path this CPU supports (tests compare them); indexed by cpu::Path.
const PathKernels *kernelsOf(cpu::Path path)
{
    static const std::vector<std::optional<PathKernels>> all = [] {
        std::vector<std::optional<PathKernels>> v(std::size(cpu::kAllPaths));
        for (const cpu::Path p : cpu::supportedPaths()) {
            v[size_t(p)] = build(p);
        }
        return v;
    }();
    const auto &k = all[size_t(path)];
    return k ? &*k : nullptr;
}
}

const TypeTraits *typeTraits(GgmlType type, cpu::Path path)
{
    const PathKernels *k = kernelsOf(path);
    if (!k) {
        return nullptr;
    }
    for (const auto &traits : k->table) {
        if (traits.type == type) {
            return &traits;
        }
    }
    return nullptr;
}

const TypeTraits *typeTraits(GgmlType type)
{
    static const cpu::Path path = cpu::activePath();
    return typeTraits(type, path);
}

namespace quant
{
const VectorKernels *vectorKernels(cpu::Path path)
{
    const PathKernels *k = kernelsOf(path);
    return k ? &k->vector : nullptr;
}

const VectorKernels &vectorKernels()
{
    static const VectorKernels &active = *vectorKernels(cpu::activePath());
    return active;
}
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
