// SPDX-License-Identifier: GPL-3.0-or-later
// Q6_K: 6.5625 bits per weight, 16 sub-blocks of 16 with signed 8-bit scales and symmetric 6-bit levels.
#include "quant/Blocks.h"
#include "quant/Half.h"
#include "quant/QuantUtil.h"
#include "quant/ReferenceKernels.h"
#include "quant/ScaleSearch.h"

#include <algorithm>
#include <cmath>

namespace hearth::quant
{

namespace
{
constexpr int kSubBlocks = QK_K / 16;
constexpr float kGroupMaxEps = 1e-15f;

// Levels 0..63 (q + 32) in element order <-> ql/qh, per half of 128 elements (see BlockQ6_K).
void packLevels(const uint8_t *levels, BlockQ6_K &block)
{
    for (int half = 0; half < 2; ++half) {
        const uint8_t *L = levels + 128 * half;
        uint8_t *ql = block.ql + 64 * half;
        uint8_t *qh = block.qh + 32 * half;
        for (int l = 0; l < 32; ++l) {
            ql[l] = uint8_t((L[l] & 0xf) | ((L[l + 64] & 0xf) << 4));
            ql[l + 32] = uint8_t((L[l + 32] & 0xf) | ((L[l + 96] & 0xf) << 4));
            qh[l] = uint8_t((L[l] >> 4) | ((L[l + 32] >> 4) << 2) | ((L[l + 64] >> 4) << 4) | ((L[l + 96] >> 4) << 6));
        }
    }
}

// Signed levels q in -32..31.
void unpackLevels(const BlockQ6_K &block, int8_t *q)
{
    for (int half = 0; half < 2; ++half) {
        int8_t *out = q + 128 * half;
        const uint8_t *ql = block.ql + 64 * half;
        const uint8_t *qh = block.qh + 32 * half;
        for (int l = 0; l < 32; ++l) {
            out[l] = int8_t(((ql[l] & 0xf) | ((qh[l] & 3) << 4)) - 32);
            out[l + 32] = int8_t(((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32);
            out[l + 64] = int8_t(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            out[l + 96] = int8_t(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

// llama.cpp's quantize_row_q6_K_ref (importance == nullptr: error weighted by x^2) and its imatrix variant
// (weighted by the importance itself): a scale search per sub-block, the scales quantized to int8 against
// the largest, then every level recomputed from the stored scales.
BlockQ6_K quantizeBlock(const float *x, const float *importance)
{
    int8_t L[QK_K];
    float scales[kSubBlocks];
    float maxScale = 0;
    float maxAbsScale = 0;
    makeQxQuants16(32, x, L, importance, scales);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        if (std::fabs(scales[ib]) > maxAbsScale) {
            maxAbsScale = std::fabs(scales[ib]);
            maxScale = scales[ib];
        }
    }
    BlockQ6_K block{};
    if (maxAbsScale < kGroupMaxEps) {
        return block; // all zero: d = 0 and every level 0 (q = -32) decodes to 0
    }
    const float iscale = -128.f / maxScale;
    block.d = floatToHalf(1 / iscale);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        block.scales[ib] = int8_t(std::clamp(nearestInt(iscale * scales[ib]), -128, 127));
    }
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        const float d = halfToFloat(block.d) * float(block.scales[ib]);
        if (d == 0) {
            continue;
        }
        for (int l = 0; l < 16; ++l) {
            L[16 * ib + l] = int8_t(std::clamp(nearestInt(x[16 * ib + l] / d), -32, 31) + 32);
        }
    }
    packLevels(reinterpret_cast<const uint8_t *>(L), block);
    return block;
}

void quantize(const float *src, void *dst, int64_t n, const float *importance)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        storeBlock(dst, i, quantizeBlock(src + i * QK_K, importance ? importance + i * QK_K : nullptr));
    }
}
}

void toFloatQ6_K(const void *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const auto block = loadBlock<BlockQ6_K>(src, i);
        int8_t q[QK_K];
        unpackLevels(block, q);
        const float d = halfToFloat(block.d);
        for (int j = 0; j < QK_K; ++j) {
            dst[i * QK_K + j] = d * float(block.scales[j / 16]) * float(q[j]);
        }
    }
}

void fromFloatQ6_K(const float *src, void *dst, int64_t n)
{
    quantize(src, dst, n, nullptr);
}

void fromFloatWeightedQ6_K(const float *src, void *dst, int64_t n, const float *importance)
{
    quantize(src, dst, n, importance);
}

float vecDotQ6_KQ8_K(int64_t n, const void *x, const void *y)
{
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const auto bx = loadBlock<BlockQ6_K>(x, i);
        const auto by = loadBlock<BlockQ8_K>(y, i);
        int8_t q[QK_K];
        unpackLevels(bx, q);
        int sumi = 0;
        for (int ib = 0; ib < kSubBlocks; ++ib) {
            int dot = 0;
            for (int l = 0; l < 16; ++l) {
                dot += int(q[16 * ib + l]) * int(by.qs[16 * ib + l]);
            }
            sumi += int(bx.scales[ib]) * dot;
        }
        sum += halfToFloat(bx.d) * by.d * float(sumi);
    }
    return sum;
}

} // namespace hearth::quant
