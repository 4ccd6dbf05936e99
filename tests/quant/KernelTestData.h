// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The inputs and tolerances of the kernel tests, shared by KernelTest (Qt Test, every path of this machine)
// and neon/NeonKernelTest (a plain program cross-compiled for aarch64): without Qt on purpose.

#include "quant/Blocks.h"
#include "quant/Half.h"
#include "quant/TypeTraits.h"
#include "quant/kernels/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth::kerneltest
{

inline std::vector<float> gaussian(size_t n, uint32_t seed, float sd = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sd);
    std::vector<float> v(n);
    for (float &x : v) {
        x = dist(rng);
    }
    return v;
}

inline void putHalf(uint8_t *p, float v)
{
    const uint16_t h = floatToHalf(v);
    std::memcpy(p, &h, 2);
}

// n elements of `type` with every bit of the levels and packed scales random (all bit patterns are valid
// levels), and the float scales set to sane random values: covers level and scale extremes that a quantizer
// rarely produces (Q8_0 -128, Q6_K 0 and 63, 6-bit scales of 63).
inline std::vector<uint8_t> randomWeights(GgmlType type, int64_t n, uint32_t seed)
{
    const TypeTraits *ref = typeTraits(type, cpu::Path::Scalar);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> scale(0.001f, 0.05f);
    if (ref->blockSize == 1) {
        std::vector<uint8_t> out(rowBytes(type, uint64_t(n)));
        const auto values = gaussian(size_t(n), seed);
        ref->fromFloat(values.data(), out.data(), n);
        return out;
    }
    std::vector<uint8_t> out(rowBytes(type, uint64_t(n)));
    std::uniform_int_distribution<int> byte(0, 255);
    for (uint8_t &b : out) {
        b = uint8_t(byte(rng));
    }
    for (int64_t i = 0; i < n / ref->blockSize; ++i) {
        uint8_t *block = out.data() + i * ref->blockBytes;
        switch (type) {
        case GgmlType::Q4_0:
        case GgmlType::Q8_0:
            putHalf(block, scale(rng));
            break;
        case GgmlType::Q8_K: {
            const float d = scale(rng);
            std::memcpy(block, &d, 4);
            break;
        }
        case GgmlType::Q4_K:
        case GgmlType::Q5_K:
            putHalf(block, scale(rng));
            putHalf(block + 2, scale(rng));
            break;
        case GgmlType::Q6_K:
            putHalf(block + offsetof(BlockQ6_K, d), scale(rng));
            break;
        default:
            throw std::invalid_argument("no random layout for this type");
        }
    }
    return out;
}

// Values that round exactly half-way when quantized: 127 fixes Q8_0's d (and Q8_K's scale) at 1, so
// every x + 0.5 is a tie (roundf and round-to-even differ there).
inline std::vector<float> withTies(size_t n)
{
    auto v = gaussian(n, 99, 20.0f);
    for (size_t b = 0; b + 32 <= n; b += 64) {
        v[b] = -127.0f;
        for (size_t j = 1; j < 32; ++j) {
            v[b + j] = float(int(j) - 16) + 0.5f;
        }
    }
    return v;
}

// The weight types with a dot product, and the element counts each is tested at: an odd number of blocks
// and, for the float types, a tail shorter than a vector; then a single block.
inline constexpr GgmlType kDotTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q8_0,
                                         GgmlType::Q8_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

inline std::vector<int64_t> dotLengths(GgmlType type)
{
    const int64_t block = typeTraits(type, cpu::Path::Scalar)->blockSize;
    return block == 1 ? std::vector<int64_t>{803, 5} : std::vector<int64_t>{25 * block, block};
}

// The integer parts of the quantized dot products are exact on every path; only the order in which the float
// per-block (or per-element) terms are summed differs. Each order's rounding error is at most
// (terms) * eps * sum|x_i y_i|: below 1e-5 of that sum for these sizes, 1e-4 leaves room.
inline bool dotWithinTolerance(const TypeTraits &ref, const void *x, const void *y, int64_t n, float actual, float expected)
{
    const TypeTraits *dotRef = typeTraits(ref.vecDotType, cpu::Path::Scalar);
    std::vector<float> xf(static_cast<size_t>(n));
    std::vector<float> yf(static_cast<size_t>(n));
    ref.toFloat(x, xf.data(), n);
    dotRef->toFloat(y, yf.data(), n);
    double magnitude = 0;
    for (size_t i = 0; i < xf.size(); ++i) {
        magnitude += std::fabs(double(xf[i]) * double(yf[i]));
    }
    return std::fabs(double(actual) - double(expected)) <= 1e-4 * magnitude + 1e-6;
}

// A row of `type` weights and a row of its activation type quantised by the scalar reference, with a copy of the
// weights one byte off alignment: blocks in a GGUF file need not be aligned.
struct DotCase {
    std::vector<uint8_t> x;
    std::vector<uint8_t> y;
    std::vector<uint8_t> shifted;

    const uint8_t *unalignedX() const
    {
        return shifted.data() + 1;
    }
};

inline DotCase dotCase(GgmlType type, int64_t n, uint32_t seed)
{
    const TypeTraits *ref = typeTraits(type, cpu::Path::Scalar);
    DotCase c{randomWeights(type, n, seed), std::vector<uint8_t>(rowBytes(ref->vecDotType, uint64_t(n))), {}};
    typeTraits(ref->vecDotType, cpu::Path::Scalar)->fromFloat(gaussian(size_t(n), seed + 50).data(), c.y.data(), n);
    c.shifted.resize(c.x.size() + 1);
    std::memcpy(c.shifted.data() + 1, c.x.data(), c.x.size());
    return c;
}

// A register-blocked product run on odd sizes (every edge tile shape is used) into a slice of a wider output
// matrix, whose other columns must stay -1. Each (row, token) must be within dotWithinTolerance of the scalar
// reference's vecDot: a gemm may apply the scales in another order than the same path's vecDot (the AVX-512
// prefill converts and scales each block's integer sum on its own).
struct GemmCase {
    // 24 runs of 32: one and a half of the AVX-512 prefill's groups of 16. F16 is also run 5 longer, for the tail
    // that no vector covers.
    static constexpr int64_t kLength = 3 * QK_K;
    int64_t n;
    static constexpr size_t rows = 11;
    static constexpr size_t tokens = 7;
    static constexpr size_t outStride = rows + 3;
    size_t xStride;
    size_t yStride;
    std::vector<uint8_t> x;
    std::vector<uint8_t> y;
    std::vector<float> out;

    float actual(size_t row, size_t token) const
    {
        return out[token * outStride + row];
    }
    const uint8_t *row(size_t r) const
    {
        return x.data() + r * xStride;
    }
    const uint8_t *token(size_t t) const
    {
        return y.data() + t * yStride;
    }
    bool matchesReference(const TypeTraits &ref, size_t r, size_t t) const
    {
        return dotWithinTolerance(ref, row(r), token(t), n, actual(r, t), ref.vecDot(n, row(r), token(t)));
    }
};

inline GemmCase gemmCase(GgmlType type, const TypeTraits &fast, const TypeTraits &dot, int64_t n = GemmCase::kLength)
{
    GemmCase c{n, rowBytes(type, uint64_t(n)), rowBytes(fast.vecDotType, uint64_t(n)), {}, {}, {}};
    for (size_t r = 0; r < GemmCase::rows; ++r) {
        const auto row = randomWeights(type, n, uint32_t(r + 1));
        c.x.insert(c.x.end(), row.begin(), row.end());
    }
    c.y.resize(GemmCase::tokens * c.yStride);
    for (size_t t = 0; t < GemmCase::tokens; ++t) {
        dot.quantizeRow(gaussian(size_t(n), uint32_t(100 + t)).data(), c.y.data() + t * c.yStride, n);
    }
    c.out.assign(GemmCase::tokens * GemmCase::outStride, -1.0f);
    if (!fast.packGemmInput) {
        fast.gemm(n, c.x.data(), c.xStride, GemmCase::rows, c.y.data(), c.yStride, GemmCase::tokens, c.out.data(),
                  GemmCase::outStride);
        return c;
    }
    // The gemm reads a layout of its own, made per token from the quantized rows.
    const size_t packedStride = fast.gemmInputBytes(n);
    std::vector<uint8_t> packed(GemmCase::tokens * packedStride + 64);
    uint8_t *base = packed.data() + (64 - reinterpret_cast<uintptr_t>(packed.data()) % 64) % 64;
    for (size_t t = 0; t < GemmCase::tokens; ++t) {
        fast.packGemmInput(c.y.data() + t * c.yStride, base + t * packedStride, n);
    }
    fast.gemm(n, c.x.data(), c.xStride, GemmCase::rows, base, packedStride, GemmCase::tokens, c.out.data(), GemmCase::outStride);
    return c;
}

// addScaledF16 against the two-step scalar helper: one fused multiply-add is within one rounding of it.
inline bool fmaWithinTolerance(float actual, float expected)
{
    return std::fabs(actual - expected) <= 1e-6f * std::fabs(expected) + 1e-7f;
}

// VectorKernels::swiglu's inputs and its definition in double: gates spread over where silu bends (sd 6), exact
// zeros and gates far enough out that exp(-g) under- or overflows a float, over a length with a vector tail.
struct SwigluCase {
    std::vector<float> gate;
    std::vector<float> up;
    std::vector<double> expected;
};

inline SwigluCase swigluCase()
{
    SwigluCase c{gaussian(1003, 11, 6.0f), gaussian(1003, 12), {}};
    const float edges[] = {0.0f, -0.0f, 1e-20f, -1e-20f, 30.0f, -30.0f, 88.5f, -88.5f, 100.0f, -100.0f};
    std::copy(std::begin(edges), std::end(edges), c.gate.begin() + 100);
    for (size_t i = 0; i < c.gate.size(); ++i) {
        const double g = c.gate[i];
        c.expected.push_back(g / (1.0 + std::exp(-g)) * double(c.up[i]));
    }
    return c;
}

// A few roundings of float (the kernels' exp is within 2 ulp); below 1e-30 the result is as good as 0 (a kernel
// may stop exp at the smallest normal float, the scalar formula's exp overflows to infinity).
inline bool swigluWithinTolerance(float actual, double expected)
{
    return std::fabs(double(actual) - expected) <= 1e-6 * std::fabs(expected) + 1e-30;
}

// A group of query heads' attention over one KV head's F16 keys and values, and VectorKernels::attendF16's
// definition of it: per head, softmax in double over the F16 dot products, the weights rounded to F16. Rounding the
// weights to F16 can move one by an F16 ulp where a kernel's exp differs from std::exp in the last bits, hence
// `bound`, relative to sum |w v|. With several tokens (attendBatchF16), each has its own heads' queries, and token i
// of `tokens` sees the first positions - tokens + 1 + i positions (causal).
struct AttendCase {
    uint32_t heads;
    uint32_t tokens;
    size_t rowElements; // a head's slice of a wider cache row
    std::vector<uint16_t> queries; // tokens * heads rows of headDim
    std::vector<uint16_t> keys;
    std::vector<uint16_t> values;
    float scale;
    std::vector<double> expected; // tokens * heads rows of headDim
    std::vector<double> bound;
};

// One position (weight 1), fewer and more than a vector of scores, heads of one and of several 64-column chunks,
// one query head and groups of several: positions, head size, query heads.
inline constexpr int kAttendShapes[][3] = {{1, 64, 1}, {7, 8, 3}, {33, 24, 2}, {300, 128, 1}, {1029, 72, 4}, {100, 64, 8}};

inline AttendCase attendCase(int positions, int headDim, int heads, int tokens = 1)
{
    const size_t dim = size_t(headDim);
    const size_t rows = size_t(heads) * size_t(tokens);
    const auto toHalf = [](const std::vector<float> &v) {
        std::vector<uint16_t> h(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
            h[i] = floatToHalf(v[i]);
        }
        return h;
    };
    AttendCase c{uint32_t(heads), uint32_t(tokens), dim + 16, toHalf(gaussian(dim * rows, 5, 2.0f)), {}, {}, 1.0f / std::sqrt(float(headDim)), {}, {}};
    c.keys = toHalf(gaussian(size_t(positions) * c.rowElements, 6));
    c.values = toHalf(gaussian(size_t(positions) * c.rowElements, 7));
    c.expected.assign(dim * rows, 0.0);
    c.bound.assign(dim * rows, 1e-6);
    for (size_t h = 0; h < rows; ++h) {
        std::vector<double> weights(size_t(positions - tokens + 1) + h / size_t(heads));
        double max = -INFINITY;
        for (size_t p = 0; p < weights.size(); ++p) {
            double dot = 0;
            for (size_t i = 0; i < dim; ++i) {
                dot += double(halfToFloat(c.queries[h * dim + i])) * double(halfToFloat(c.keys[p * c.rowElements + i]));
            }
            weights[p] = dot * c.scale;
            max = std::max(max, weights[p]);
        }
        double sum = 0;
        for (double &w : weights) {
            w = std::exp(w - max);
            sum += w;
        }
        for (size_t p = 0; p < weights.size(); ++p) {
            const float w = halfToFloat(floatToHalf(float(weights[p] / sum)));
            for (size_t i = 0; i < dim; ++i) {
                const double v = halfToFloat(c.values[p * c.rowElements + i]);
                c.expected[h * dim + i] += double(w) * v;
                c.bound[h * dim + i] += 2e-3 * std::fabs(double(w) * v);
            }
        }
    }
    return c;
}

// Runs a kernel on the case through `call(scratch, out)`; the output starts at -1 so that an unwritten column
// shows. Throws when the kernel wrote past the `room` floats of scratch it promises (a guard of sentinels follows).
template<typename Call>
std::vector<float> runWithScratch(const char *name, size_t room, size_t outFloats, const Call &call)
{
    constexpr size_t guard = 64;
    constexpr float sentinel = 12345.0f;
    std::vector<float> scratch(room + guard, sentinel);
    std::vector<float> out(outFloats, -1.0f);
    call(scratch.data(), out.data());
    if (std::any_of(scratch.begin() + ptrdiff_t(room), scratch.end(), [](float v) { return v != sentinel; })) {
        throw std::runtime_error(std::string(name) + " wrote past its scratch room");
    }
    return out;
}

// Runs a path's attendF16 on a case of one token.
template<typename Attend>
std::vector<float> attend(Attend attendF16, const AttendCase &c, int positions, int headDim)
{
    const size_t room = quant::attendScratchFloats(uint32_t(positions), uint32_t(headDim), c.heads);
    return runWithScratch("attendF16", room, size_t(headDim) * c.heads, [&](float *scratch, float *out) {
        attendF16(c.queries.data(), c.heads, c.keys.data(), c.values.data(), c.rowElements * 2, uint32_t(positions), uint32_t(headDim), c.scale,
                  scratch, out);
    });
}

// attendBatchF16's cases: positions, head size, query heads, tokens. A batch alone in the context and after earlier
// positions; 32 queries (two AVX-512 vectors), fewer (lanes left over), an odd number of vectors, one head and a
// group of 8; heads of one and of several tiles of columns; positions past one block of keys and not a whole tile.
inline constexpr int kAttendBatchShapes[][4] = {{1, 64, 1, 1},   {5, 8, 3, 5},    {33, 24, 2, 16}, {300, 128, 1, 33},
                                                {1029, 72, 4, 8}, {100, 64, 8, 4}, {4, 64, 8, 4},   {70, 16, 6, 5}};

// Runs a path's attendBatchF16 on the case, its tokens' results `outStride` apart, and returns the first value that
// is not the definition's (or a row between the tokens' that is no longer -1), or an empty string.
template<typename Attend>
std::string attendBatchMismatch(Attend attendBatchF16, const AttendCase &c, int positions, int headDim)
{
    const size_t rowFloats = size_t(c.heads) * size_t(headDim);
    const size_t outStride = rowFloats + 5;
    const size_t room = quant::attendBatchScratchFloats(uint32_t(positions), uint32_t(headDim), c.tokens * c.heads);
    const std::vector<float> out = runWithScratch("attendBatchF16", room, outStride * c.tokens, [&](float *scratch, float *result) {
        attendBatchF16(c.queries.data(), c.tokens, c.heads, c.keys.data(), c.values.data(), c.rowElements * 2, uint32_t(positions) - c.tokens + 1,
                       uint32_t(headDim), c.scale, scratch, result, outStride);
    });
    for (size_t t = 0; t < c.tokens; ++t) {
        for (size_t i = 0; i < outStride; ++i) {
            const double actual = out[t * outStride + i];
            const size_t e = t * rowFloats + i;
            if (i >= rowFloats ? actual != -1.0 : !(std::fabs(actual - c.expected[e]) <= c.bound[e])) { // NaN fails too
                return "token " + std::to_string(t) + " column " + std::to_string(i) + ": " + std::to_string(actual) + " vs "
                    + (i >= rowFloats ? std::string("-1 (between the rows)") : std::to_string(c.expected[e]));
            }
        }
    }
    return {};
}

} // namespace hearth::kerneltest
