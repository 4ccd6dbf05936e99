// SPDX-License-Identifier: GPL-3.0-or-later
#include "quant/ScaleMinSuperBlock.h"

#include "quant/Half.h"
#include "quant/QuantUtil.h"

#include <algorithm>
#include <cmath>

namespace hearth::quant
{

namespace
{
constexpr int kSubBlocks = QK_K / 32;
constexpr int kSixBitMax = 63;

// Inverse of unpackScaleMinK4: sub-blocks 0..3 keep their 6 bits in bytes j and j + 4; sub-blocks 4..7
// put their low nibbles in byte j + 4 and their top 2 bits into the spare top bits of bytes j - 4 and j.
void packScaleMinK4(const uint8_t *scale, const uint8_t *min, uint8_t *packed)
{
    std::fill_n(packed, K_SCALE_SIZE, uint8_t(0));
    for (int j = 0; j < kSubBlocks; ++j) {
        if (j < 4) {
            packed[j] |= scale[j];
            packed[j + 4] |= min[j];
        } else {
            packed[j + 4] = uint8_t((scale[j] & 0xf) | ((min[j] & 0xf) << 4));
            packed[j - 4] |= uint8_t((scale[j] >> 4) << 6);
            packed[j] |= uint8_t((min[j] >> 4) << 6);
        }
    }
}

struct SubBlockScale {
    float d;
    float m;
};

SubBlockScale subBlockScale(const ScaleMinSuperBlock &block, int j)
{
    uint8_t sc = 0;
    uint8_t m = 0;
    unpackScaleMinK4(j, block.scales, sc, m);
    return {halfToFloat(block.d) * float(sc), halfToFloat(block.dmin) * float(m)};
}
}

ScaleMinSuperBlock quantizeScaleMinSuperBlock(const float *x, int nmax, AffineSearch search, const float *importance)
{
    ScaleMinSuperBlock out;
    float scales[kSubBlocks];
    float mins[kSubBlocks];
    uint8_t scaleLevels[kSubBlocks];
    uint8_t minLevels[kSubBlocks];
    float weights[QK_K];
    float superScale = 0;
    float superMin = 0;

    if (importance == nullptr) {
        // Weights favour large values; every sub-block gets its own scale and min, which are then
        // quantized linearly against the largest of each.
        for (int j = 0; j < kSubBlocks; ++j) {
            const float *xs = x + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; ++l) {
                sumX2 += xs[l] * xs[l];
            }
            const float avX = std::sqrt(sumX2 / 32);
            for (int l = 0; l < 32; ++l) {
                weights[32 * j + l] = avX + std::fabs(xs[l]);
            }
        }
        makeQkxQuants8(nmax, x, weights, out.levels, scales, mins, search);
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < kSubBlocks; ++j) {
            maxScale = std::max(maxScale, scales[j]);
            maxMin = std::max(maxMin, mins[j]);
        }
        const float invScale = maxScale > 0 ? float(kSixBitMax) / maxScale : 0.f;
        const float invMin = maxMin > 0 ? float(kSixBitMax) / maxMin : 0.f;
        for (int j = 0; j < kSubBlocks; ++j) {
            scaleLevels[j] = uint8_t(std::clamp(nearestInt(invScale * scales[j]), 0, kSixBitMax));
            minLevels[j] = uint8_t(std::clamp(nearestInt(invMin * mins[j]), 0, kSixBitMax));
        }
        superScale = maxScale / float(kSixBitMax);
        superMin = maxMin / float(kSixBitMax);
    } else {
        float sumX2 = 0;
        for (int l = 0; l < QK_K; ++l) {
            sumX2 += x[l] * x[l];
        }
        const float sigma2 = 2 * sumX2 / QK_K;
        float subBlockWeight[kSubBlocks];
        for (int j = 0; j < kSubBlocks; ++j) {
            const float *xs = x + 32 * j;
            float sumW = 0;
            for (int l = 0; l < 32; ++l) {
                weights[32 * j + l] = importance[32 * j + l] * std::sqrt(sigma2 + xs[l] * xs[l]);
                sumW += weights[32 * j + l];
            }
            subBlockWeight[j] = sumW;
        }
        makeQkxQuants8(nmax, x, weights, out.levels, scales, mins, {-0.9f, 0.05f, 36});
        // The 6-bit scales and mins get their own importance-weighted searches.
        superScale = makeQpQuants(kSubBlocks, kSixBitMax, scales, scaleLevels, subBlockWeight);
        superMin = makeQpQuants(kSubBlocks, kSixBitMax, mins, minLevels, subBlockWeight);
    }

    packScaleMinK4(scaleLevels, minLevels, out.scales);
    out.d = floatToHalf(superScale);
    out.dmin = floatToHalf(superMin);

    // Requantize against the scales as stored (6-bit, fp16) so rounding errors there are compensated.
    for (int j = 0; j < kSubBlocks; ++j) {
        const auto [d, m] = subBlockScale(out, j);
        if (d == 0) {
            continue;
        }
        for (int l = 0; l < 32; ++l) {
            out.levels[32 * j + l] = uint8_t(std::clamp(nearestInt((x[32 * j + l] + m) / d), 0, nmax));
        }
    }
    return out;
}

void scaleMinToFloat(const ScaleMinSuperBlock &block, float *dst)
{
    for (int j = 0; j < kSubBlocks; ++j) {
        const auto [d, m] = subBlockScale(block, j);
        for (int l = 0; l < 32; ++l) {
            dst[32 * j + l] = d * float(block.levels[32 * j + l]) - m;
        }
    }
}

float scaleMinDotQ8_K(const ScaleMinSuperBlock &block, const BlockQ8_K &y)
{
    int sumLevels = 0;
    int sumMins = 0;
    for (int j = 0; j < kSubBlocks; ++j) {
        uint8_t sc = 0;
        uint8_t m = 0;
        unpackScaleMinK4(j, block.scales, sc, m);
        int dot = 0;
        for (int l = 0; l < 32; ++l) {
            dot += int(block.levels[32 * j + l]) * int(y.qs[32 * j + l]);
        }
        sumLevels += int(sc) * dot;
        sumMins += int(m) * (int(y.bsums[2 * j]) + int(y.bsums[2 * j + 1]));
    }
    return y.d * halfToFloat(block.d) * float(sumLevels) - y.d * halfToFloat(block.dmin) * float(sumMins);
}

} // namespace hearth::quant
