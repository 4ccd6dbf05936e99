// SPDX-License-Identifier: GPL-3.0-or-later
// Q4_K: 4.5 bits per weight; ScaleMinSuperBlock has the scale/min scheme it shares with Q5_K.
#include "quant/ReferenceKernels.h"
#include "quant/ScaleMinSuperBlock.h"

#include <algorithm>

namespace hearth::quant
{

namespace
{
struct Q4K {
    using Block = BlockQ4_K;
    static constexpr int nmax = 15;
    static constexpr AffineSearch search{-1.f, 0.1f, 20}; // llama.cpp's quantize_row_q4_K_ref

    // Each 64 elements share 32 bytes: the first 32 in the low nibbles, the next 32 in the high ones.
    static Block pack(const ScaleMinSuperBlock &s)
    {
        Block block;
        block.d = s.d;
        block.dmin = s.dmin;
        std::copy_n(s.scales, K_SCALE_SIZE, block.scales);
        for (int k = 0; k < QK_K / 64; ++k) {
            for (int l = 0; l < 32; ++l) {
                block.qs[32 * k + l] = uint8_t(s.levels[64 * k + l] | (s.levels[64 * k + 32 + l] << 4));
            }
        }
        return block;
    }

    static ScaleMinSuperBlock unpack(const Block &block)
    {
        ScaleMinSuperBlock s;
        s.d = block.d;
        s.dmin = block.dmin;
        std::copy_n(block.scales, K_SCALE_SIZE, s.scales);
        for (int k = 0; k < QK_K / 64; ++k) {
            for (int l = 0; l < 32; ++l) {
                s.levels[64 * k + l] = block.qs[32 * k + l] & 0xf;
                s.levels[64 * k + 32 + l] = block.qs[32 * k + l] >> 4;
            }
        }
        return s;
    }
};
using Kernels = ScaleMinKernels<Q4K>;
}

void toFloatQ4_K(const void *src, float *dst, int64_t n)
{
    Kernels::toFloat(src, dst, n);
}

void fromFloatQ4_K(const float *src, void *dst, int64_t n)
{
    Kernels::fromFloat(src, dst, n, nullptr);
}

void fromFloatWeightedQ4_K(const float *src, void *dst, int64_t n, const float *importance)
{
    Kernels::fromFloat(src, dst, n, importance);
}

float vecDotQ4_KQ8_K(int64_t n, const void *x, const void *y)
{
    return Kernels::vecDot(n, x, y);
}

} // namespace hearth::quant
