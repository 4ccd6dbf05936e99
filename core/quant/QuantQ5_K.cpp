// SPDX-License-Identifier: GPL-3.0-or-later
// Q5_K: 5.5 bits per weight; ScaleMinSuperBlock has the scale/min scheme it shares with Q4_K.
#include "quant/ReferenceKernels.h"
#include "quant/ScaleMinSuperBlock.h"

#include <algorithm>

namespace hearth::quant
{

namespace
{
struct Q5K {
    using Block = BlockQ5_K;
    static constexpr int nmax = 31;
    static constexpr AffineSearch search{-0.5f, 0.1f, 15}; // llama.cpp's quantize_row_q5_K_ref

    // The low 4 bits are laid out as in Q4_K; bit 2k of qh[l] is the fifth bit of element 64k + l and
    // bit 2k + 1 that of element 64k + 32 + l.
    static Block pack(const ScaleMinSuperBlock &s)
    {
        Block block;
        block.d = s.d;
        block.dmin = s.dmin;
        std::copy_n(s.scales, K_SCALE_SIZE, block.scales);
        std::fill_n(block.qh, QK_K / 8, uint8_t(0));
        for (int k = 0; k < QK_K / 64; ++k) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t lo = s.levels[64 * k + l];
                const uint8_t hi = s.levels[64 * k + 32 + l];
                block.qs[32 * k + l] = uint8_t((lo & 0xf) | ((hi & 0xf) << 4));
                block.qh[l] |= uint8_t(((lo >> 4) << (2 * k)) | ((hi >> 4) << (2 * k + 1)));
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
                const uint8_t q = block.qs[32 * k + l];
                const uint8_t h = block.qh[l];
                s.levels[64 * k + l] = uint8_t((q & 0xf) | (((h >> (2 * k)) & 1) << 4));
                s.levels[64 * k + 32 + l] = uint8_t((q >> 4) | (((h >> (2 * k + 1)) & 1) << 4));
            }
        }
        return s;
    }
};
using Kernels = ScaleMinKernels<Q5K>;
}

void toFloatQ5_K(const void *src, float *dst, int64_t n)
{
    Kernels::toFloat(src, dst, n);
}

void fromFloatQ5_K(const float *src, void *dst, int64_t n)
{
    Kernels::fromFloat(src, dst, n, nullptr);
}

void fromFloatWeightedQ5_K(const float *src, void *dst, int64_t n, const float *importance)
{
    Kernels::fromFloat(src, dst, n, importance);
}

float vecDotQ5_KQ8_K(int64_t n, const void *x, const void *y)
{
    return Kernels::vecDot(n, x, y);
}

} // namespace hearth::quant
