// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cpu/CpuFeatures.h"
#include "quant/GgmlType.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hearth
{

// What the engine can do with one weight type: the scalar reference kernels every optimised kernel is
// tested against. All element counts are multiples of blockSize; pointers need no particular alignment.
struct TypeTraits {
    GgmlType type;
    std::string_view name;
    uint32_t blockSize;
    uint32_t blockBytes;
    // Decodes n elements.
    void (*toFloat)(const void *src, float *dst, int64_t n);
    // Reference quantization (llama.cpp's quantize_row_*_ref algorithms).
    void (*fromFloat)(const float *src, void *dst, int64_t n);
    // Quantization minimising the error weighted by per-element importance (the imatrix), llama.cpp's
    // quantize_*_impl algorithms. Call it once per row: `src` is one row of n elements and `importance` has n
    // entries, one per column (the same vector for every row); Q4_0 uses the whole row's mean square.
    // nullptr where the type has no weighted form (llama.cpp ignores an imatrix for Q8_0 too).
    void (*fromFloatWeighted)(const float *src, void *dst, int64_t n, const float *importance);
    // Dot product of n elements: x of this type, y of vecDotType.
    float (*vecDot)(int64_t n, const void *x, const void *y);
    GgmlType vecDotType;

    // The entries below, vecDot and toFloat are per CPU path (cpu::Path): typeTraits() gives the table of the
    // path chosen at start-up, with SIMD kernels where the path has them and the scalar reference elsewhere.

    // Quantizes activations to this type (as some weight type's vecDotType): the same bytes as fromFloat
    // (NaN inputs aside), faster.
    void (*quantizeRow)(const float *src, void *dst, int64_t n) = nullptr;
    // Prefill: many weight rows times many activation rows, register-blocked; nullptr where the path has none.
    // out[t * outStride + r] = vecDot(n, x + r * xStride, y + t * yStride) for r < rows, t < tokens.
    // y holds the tokens' vecDotType rows, or where packGemmInput is set, what it made of them: a layout of the
    // gemm's own, gemmInputBytes(n) per token, made once per token and product (WeightMatrix::multiplyAll).
    void (*gemm)(int64_t n, const void *x, size_t xStride, size_t rows, const void *y, size_t yStride, size_t tokens,
                 float *out, size_t outStride) = nullptr;
    size_t (*gemmInputBytes)(int64_t n) = nullptr;
    void (*packGemmInput)(const void *y, void *packed, int64_t n) = nullptr;
};

// The table of cpu::activePath(); nullptr for types the engine cannot compute with.
const TypeTraits *typeTraits(GgmlType type);
// The table of one path (tests and benchmarks compare them); nullptr also for a path this CPU cannot run.
const TypeTraits *typeTraits(GgmlType type, cpu::Path path);

// Bytes of n elements of `type`; throws hearth::Error when n is not a multiple of the block size.
uint64_t rowBytes(GgmlType type, uint64_t n);

} // namespace hearth
