// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>

namespace hearth
{

// Block layouts of the quantized weight types exactly as GGUF files store them (llama.cpp's on-disk
// format). Every `d`/`dmin` of the 16-bit kind holds raw IEEE half bits: convert with quant/Half.h.
// Blocks inside a mapped file need not be aligned for these structs: kernels memcpy them out.

constexpr int QK4_0 = 32;
constexpr int QK8_0 = 32;
constexpr int QK_K = 256; // elements in a k-quant super-block
constexpr int K_SCALE_SIZE = 12; // packed 6-bit scales and mins of Q4_K/Q5_K

// 32 weights: w = d * (q - 8), q 4 bits. Byte j holds element j (low nibble) and j + 16 (high nibble).
struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[QK4_0 / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// 32 weights: w = d * q.
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[QK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

// 256 weights in 8 sub-blocks of 32: w = d * sc * q - dmin * m, with 6-bit sc/m per sub-block packed in
// `scales` (see unpackScaleMinK4) and 4-bit q. qs byte 32*k + l holds element 64*k + l (low nibble)
// and 64*k + 32 + l (high nibble).
struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// As Q4_K with a fifth bit per weight: bit k of qh[l] is the high bit of element 32*k + l.
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 256 weights in 16 sub-blocks of 16: w = d * scales[s] * (q - 32), q 6 bits split into 4 low bits (ql)
// and 2 high bits (qh). Per half of 128 elements (ql += 64, qh += 32, scales += 8), element l + 32*j
// (l < 32, j < 4) takes the low/high nibble of ql[l + 32*(j&1)] (high for j >= 2) and bits 2j..2j+1 of qh[l].
struct BlockQ6_K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// The activation side of the k-quant dot products: w = d * q, with bsums[i] the sum of qs[16i .. 16i+15]
// so the kernels can apply the Q4_K/Q5_K mins without touching every element.
struct BlockQ8_K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block: j < 4 in the low 6 bits of bytes j
// and j + 4; j >= 4 in the nibbles of byte j + 4 plus the top 2 bits of bytes j - 4 and j.
constexpr void unpackScaleMinK4(int j, const uint8_t *scales, uint8_t &scale, uint8_t &min)
{
    if (j < 4) {
        scale = scales[j] & 63;
        min = scales[j + 4] & 63;
    } else {
        scale = uint8_t((scales[j + 4] & 0xf) | ((scales[j - 4] >> 6) << 4));
        min = uint8_t((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
    }
}

} // namespace hearth
