// SPDX-License-Identifier: GPL-3.0-or-later
// Q8_0: blocks of 32 int8 with one fp16 scale; the activation format of the Q4_0/Q8_0 dot products.
#include "quant/Blocks.h"
#include "quant/Half.h"
#include "quant/QuantUtil.h"
#include "quant/ReferenceKernels.h"

#include <algorithm>
#include <cmath>

namespace hearth::quant
{

void toFloatQ8_0(const void *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n / QK8_0; ++i) {
        const auto block = loadBlock<BlockQ8_0>(src, i);
        const float d = halfToFloat(block.d);
        for (int j = 0; j < QK8_0; ++j) {
            dst[i * QK8_0 + j] = float(block.qs[j]) * d;
        }
    }
}

// llama.cpp's quantize_row_q8_0_ref bit for bit: d = amax / 127 (stored as fp16), q = roundf(x / d)
// computed with the unrounded d. Written without branches so the block loops vectorise: std::max ignores NaN
// as fmax does (amax starts at 0), and rounding is truncation plus a correction by the remainder, which is
// roundf (ties away from zero) for |v| <= 127. NaN inputs give -127, as clampedRound does.
void fromFloatQ8_0(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n / QK8_0; ++i) {
        const float *x = src + i * QK8_0;
        float amax = 0;
        for (int j = 0; j < QK8_0; ++j) {
            amax = std::max(amax, std::fabs(x[j]));
        }
        const float d = amax / 127;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        BlockQ8_0 block;
        block.d = floatToHalf(d);
        for (int j = 0; j < QK8_0; ++j) {
            float v = x[j] * id;
            v = v >= -127.0f ? v : -127.0f;
            v = v <= 127.0f ? v : 127.0f;
            const int truncated = int(v);
            const float rest = v - float(truncated);
            block.qs[j] = int8_t(truncated + int(rest >= 0.5f) - int(rest <= -0.5f));
        }
        storeBlock(dst, i, block);
    }
}

float vecDotQ8_0Q8_0(int64_t n, const void *x, const void *y)
{
    float sum = 0;
    for (int64_t i = 0; i < n / QK8_0; ++i) {
        const auto bx = loadBlock<BlockQ8_0>(x, i);
        const auto by = loadBlock<BlockQ8_0>(y, i);
        int sumi = 0;
        for (int j = 0; j < QK8_0; ++j) {
            sumi += int(bx.qs[j]) * int(by.qs[j]);
        }
        sum += float(sumi) * (halfToFloat(bx.d) * halfToFloat(by.d));
    }
    return sum;
}

} // namespace hearth::quant
