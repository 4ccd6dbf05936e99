// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What Q4_K and Q5_K share: super-blocks of 8 sub-blocks of 32 weights w = d*sc*q - dmin*m with 6-bit
// sc/m. Only the width of q (4 or 5 bits) and its packing differ. Internal to core/quant.

#include "quant/Blocks.h"
#include "quant/QuantUtil.h"
#include "quant/ScaleSearch.h"

#include <cstdint>

namespace hearth::quant
{

// A super-block before its levels are bit-packed.
struct ScaleMinSuperBlock {
    uint16_t d = 0;
    uint16_t dmin = 0;
    uint8_t scales[K_SCALE_SIZE] = {};
    uint8_t levels[QK_K] = {}; // 0..nmax, in element order
};

// Quantizes 256 weights to levels 0..nmax. importance == nullptr: llama.cpp's reference quantizer
// (quantize_row_q4_K_ref / q5_K_ref) with its scale search parameters `search`; otherwise the imatrix
// variant, weighting the error by importance[i] * sqrt(sigma^2 + x[i]^2).
ScaleMinSuperBlock quantizeScaleMinSuperBlock(const float *x, int nmax, AffineSearch search, const float *importance);

void scaleMinToFloat(const ScaleMinSuperBlock &block, float *dst);

// Dot product with a Q8_K super-block: integer sums per sub-block, the mins applied through bsums.
float scaleMinDotQ8_K(const ScaleMinSuperBlock &block, const BlockQ8_K &y);

// The row kernels of a scale/min type. Format provides: Block; nmax (15 or 31); search (the reference
// quantizer's AffineSearch); static Block pack(const ScaleMinSuperBlock &); static ScaleMinSuperBlock
// unpack(const Block &).
template<typename Format>
struct ScaleMinKernels {
    using Block = typename Format::Block;

    static void toFloat(const void *src, float *dst, int64_t n)
    {
        for (int64_t i = 0; i < n / QK_K; ++i) {
            scaleMinToFloat(Format::unpack(loadBlock<Block>(src, i)), dst + i * QK_K);
        }
    }

    // importance == nullptr: the reference quantizer.
    static void fromFloat(const float *src, void *dst, int64_t n, const float *importance)
    {
        for (int64_t i = 0; i < n / QK_K; ++i) {
            const float *importanceOfBlock = importance ? importance + i * QK_K : nullptr;
            const auto block = quantizeScaleMinSuperBlock(src + i * QK_K, Format::nmax, Format::search, importanceOfBlock);
            storeBlock(dst, i, Format::pack(block));
        }
    }

    static float vecDot(int64_t n, const void *x, const void *y)
    {
        float sum = 0;
        for (int64_t i = 0; i < n / QK_K; ++i) {
            sum += scaleMinDotQ8_K(Format::unpack(loadBlock<Block>(x, i)), loadBlock<BlockQ8_K>(y, i));
        }
        return sum;
    }
};

} // namespace hearth::quant
