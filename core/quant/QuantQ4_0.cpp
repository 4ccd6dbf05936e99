// SPDX-License-Identifier: GPL-3.0-or-later
// Q4_0: blocks of 32 weights w = d * (q - 8) with 4-bit q.
#include "quant/Blocks.h"
#include "quant/Half.h"
#include "quant/QuantUtil.h"
#include "quant/ReferenceKernels.h"
#include "quant/ScaleSearch.h"

#include <cmath>

namespace hearth::quant
{

namespace
{
// Levels 0..15 in element order -> the block's nibble layout (element j low, j + 16 high).
void packNibbles(const uint8_t *levels, BlockQ4_0 &block)
{
    for (int j = 0; j < QK4_0 / 2; ++j) {
        block.qs[j] = uint8_t(levels[j] | (levels[j + QK4_0 / 2] << 4));
    }
}
}

void toFloatQ4_0(const void *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n / QK4_0; ++i) {
        const auto block = loadBlock<BlockQ4_0>(src, i);
        const float d = halfToFloat(block.d);
        float *y = dst + i * QK4_0;
        for (int j = 0; j < QK4_0 / 2; ++j) {
            y[j] = float((block.qs[j] & 0xf) - 8) * d;
            y[j + QK4_0 / 2] = float((block.qs[j] >> 4) - 8) * d;
        }
    }
}

// llama.cpp's quantize_row_q4_0_ref: the value of largest magnitude maps to level 0 (q - 8 = -8), so its
// sign decides which end of the asymmetric range [-8, 7] gets the extra level.
void fromFloatQ4_0(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n / QK4_0; ++i) {
        const float *x = src + i * QK4_0;
        float amax = 0;
        float max = 0;
        for (int j = 0; j < QK4_0; ++j) {
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        uint8_t levels[QK4_0];
        for (int j = 0; j < QK4_0; ++j) {
            levels[j] = uint8_t(clampedTrunc(x[j] * id + 8.5f, 0, 15));
        }
        BlockQ4_0 block;
        block.d = floatToHalf(d);
        packNibbles(levels, block);
        storeBlock(dst, i, block);
    }
}

// llama.cpp's imatrix variant: a least-squares scale search weighted by importance * sqrt(sigma^2 + x^2),
// with sigma^2 the row's mean square.
void fromFloatWeightedQ4_0(const float *src, void *dst, int64_t n, const float *importance)
{
    float sumX2 = 0;
    for (int64_t j = 0; j < n; ++j) {
        sumX2 += src[j] * src[j];
    }
    const float sigma2 = sumX2 / float(n);
    for (int64_t i = 0; i < n / QK4_0; ++i) {
        const float *x = src + i * QK4_0;
        const float *importanceOfBlock = importance + i * QK4_0;
        float weights[QK4_0];
        for (int j = 0; j < QK4_0; ++j) {
            weights[j] = importanceOfBlock[j] * std::sqrt(sigma2 + x[j] * x[j]);
        }
        int8_t levels[QK4_0];
        const float d = makeQxQuants(QK4_0, 8, x, levels, weights);
        BlockQ4_0 block;
        block.d = floatToHalf(d);
        packNibbles(reinterpret_cast<const uint8_t *>(levels), block);
        storeBlock(dst, i, block);
    }
}

float vecDotQ4_0Q8_0(int64_t n, const void *x, const void *y)
{
    float sum = 0;
    for (int64_t i = 0; i < n / QK4_0; ++i) {
        const auto bx = loadBlock<BlockQ4_0>(x, i);
        const auto by = loadBlock<BlockQ8_0>(y, i);
        int sumi = 0;
        for (int j = 0; j < QK4_0 / 2; ++j) {
            sumi += ((bx.qs[j] & 0xf) - 8) * int(by.qs[j]);
            sumi += ((bx.qs[j] >> 4) - 8) * int(by.qs[j + QK4_0 / 2]);
        }
        sum += float(sumi) * (halfToFloat(bx.d) * halfToFloat(by.d));
    }
    return sum;
}

} // namespace hearth::quant
