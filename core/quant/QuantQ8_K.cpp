// SPDX-License-Identifier: GPL-3.0-or-later
// Q8_K: super-blocks of 256 int8 with a float scale and per-16 sums; the activation format of the k-quant
// dot products.
#include "quant/Blocks.h"
#include "quant/QuantUtil.h"
#include "quant/ReferenceKernels.h"

#include <cmath>

namespace hearth::quant
{

void toFloatQ8_K(const void *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const auto block = loadBlock<BlockQ8_K>(src, i);
        for (int j = 0; j < QK_K; ++j) {
            dst[i * QK_K + j] = block.d * float(block.qs[j]);
        }
    }
}

// llama.cpp's quantize_row_q8_K_ref: the value of largest magnitude maps to -127 or 127, levels round to
// nearest (ties to even) and d is kept in full float precision.
void fromFloatQ8_K(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float *x = src + i * QK_K;
        float amax = 0;
        float max = 0;
        for (int j = 0; j < QK_K; ++j) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        BlockQ8_K block{};
        if (amax != 0) {
            const float iscale = -127.f / max;
            for (int j = 0; j < QK_K; ++j) {
                block.qs[j] = int8_t(std::clamp(nearestInt(iscale * x[j]), -128, 127));
            }
            for (int g = 0; g < QK_K / 16; ++g) {
                int sum = 0;
                for (int l = 0; l < 16; ++l) {
                    sum += block.qs[16 * g + l];
                }
                block.bsums[g] = int16_t(sum);
            }
            block.d = 1 / iscale;
        }
        storeBlock(dst, i, block);
    }
}

float vecDotQ8_KQ8_K(int64_t n, const void *x, const void *y)
{
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const auto bx = loadBlock<BlockQ8_K>(x, i);
        const auto by = loadBlock<BlockQ8_K>(y, i);
        int sumi = 0;
        for (int j = 0; j < QK_K; ++j) {
            sumi += int(bx.qs[j]) * int(by.qs[j]);
        }
        sum += bx.d * by.d * float(sumi);
    }
    return sum;
}

} // namespace hearth::quant
