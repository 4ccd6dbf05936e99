// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The SIMD kernel families. Each ISA's source file is compiled with that ISA's flags only and fills in the
// entries of a copy of the scalar traits table it accelerates; typeTraits() hands out the copy of the path chosen
// at start-up (cpu::activePath()). Kernels not listed stay the scalar reference.

#include "cpu/CpuFeatures.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hearth
{
struct TypeTraits;
}

namespace hearth::quant
{

// Vector operations outside the traits table, dispatched the same way.
struct VectorKernels {
    // y[i] += a * x[i] for n elements, x in F16.
    void (*addScaledF16)(float *y, const void *x, float a, int64_t n);
    // gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i]: the SwiGLU activation.
    void (*swiglu)(float *gate, const float *up, int64_t n);
    // Attention of `heads` query heads that share one KV head (grouped-query attention) over `positions` cached F16
    // key and value rows (`rowBytes` apart, headDim a multiple of 8): out + h * headDim receives the sum over p of
    // softmax_p(scale * dot(query h, key p)) * value p. The
    // queries come in F16, one row of headDim after the other, and the softmax weights are rounded to F16, as
    // llama.cpp's F16 products do. `scratch` has room for attendScratchFloats(positions, headDim, heads) floats. nullptr
    // where the path has none (the caller then uses addScaledF16 per position).
    void (*attendF16)(const void *queries, uint32_t heads, const void *keys, const void *values, size_t rowBytes, uint32_t positions,
                      uint32_t headDim, float scale, float *scratch, float *out) = nullptr;
    // The same for `tokens` consecutive tokens of a prefill batch at once, each with its `heads` query heads: token i
    // sees positions [0, firstVisible + i), and its heads' rows of the result start at out + i * outStride. The queries
    // come token after token. `scratch` has room for attendBatchScratchFloats(firstVisible + tokens - 1, headDim,
    // tokens * heads) floats. nullptr where the path has none (the caller then runs attendF16 per token).
    void (*attendBatchF16)(const void *queries, uint32_t tokens, uint32_t heads, const void *keys, const void *values, size_t rowBytes,
                           uint32_t firstVisible, uint32_t headDim, float scale, float *scratch, float *out, size_t outStride) = nullptr;
};

// Positions of keys or values an attention kernel widens to float at a time: a block of 16 KB (at least 8 rows),
// which stays in L1 while every query head of the group reads it.
inline uint32_t attendBlockRows(uint32_t headDim)
{
    return std::max<uint32_t>(8, 4096 / headDim / 8 * 8);
}

// Room for the widened queries, every head's scores and one block of widened keys or values.
inline size_t attendScratchFloats(uint32_t positions, uint32_t headDim, uint32_t heads)
{
    return size_t(heads) * (headDim + positions) + size_t(attendBlockRows(headDim)) * headDim;
}

// Tokens of a prefill batch that attendBatchF16 takes at once: about 32 queries, two vectors of 16 (a tile of the
// AVX-512 kernel), with at least one token.
inline uint32_t attendBatchTokens(uint32_t heads)
{
    return std::max<uint32_t>(1, 32 / heads);
}

// The queries of attendBatchF16 rounded up to whole vectors of the widest path.
inline size_t attendBatchLanes(uint32_t queries)
{
    return (size_t(queries) + 15) / 16 * 16;
}

// Room for attendBatchF16's transposed queries, scores and results, and one block of widened keys or values.
inline size_t attendBatchScratchFloats(uint32_t positions, uint32_t headDim, uint32_t queries)
{
    return attendBatchLanes(queries) * (2 * size_t(headDim) + positions) + size_t(attendBlockRows(headDim)) * headDim;
}

// The kernels of one path: nullptr for a path this CPU or build does not support.
const VectorKernels *vectorKernels(cpu::Path path);
// Of cpu::activePath().
const VectorKernels &vectorKernels();

#if defined(__x86_64__)
namespace avx2
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
namespace avx512
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
#elif defined(__aarch64__)
namespace neon
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
namespace neon_dotprod
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
#endif

} // namespace hearth::quant
