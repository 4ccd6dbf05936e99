// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The scalar reference kernels behind the TypeTraits table, one group per type. Reach them through
// typeTraits(); this header exists for the table and for tests of individual kernels.
// Element counts are multiples of the type's block size; no pointer needs any alignment.

#include <cstdint>

namespace hearth::quant
{

void toFloatF32(const void *src, float *dst, int64_t n);
void fromFloatF32(const float *src, void *dst, int64_t n);
float vecDotF32(int64_t n, const void *x, const void *y);

void toFloatF16(const void *src, float *dst, int64_t n);
void fromFloatF16(const float *src, void *dst, int64_t n);
float vecDotF16(int64_t n, const void *x, const void *y);

void toFloatBF16(const void *src, float *dst, int64_t n);
void fromFloatBF16(const float *src, void *dst, int64_t n);
float vecDotBF16(int64_t n, const void *x, const void *y);

void toFloatQ4_0(const void *src, float *dst, int64_t n);
void fromFloatQ4_0(const float *src, void *dst, int64_t n);
void fromFloatWeightedQ4_0(const float *src, void *dst, int64_t n, const float *importance);
float vecDotQ4_0Q8_0(int64_t n, const void *x, const void *y);

void toFloatQ8_0(const void *src, float *dst, int64_t n);
void fromFloatQ8_0(const float *src, void *dst, int64_t n);
float vecDotQ8_0Q8_0(int64_t n, const void *x, const void *y);

void toFloatQ8_K(const void *src, float *dst, int64_t n);
void fromFloatQ8_K(const float *src, void *dst, int64_t n);
float vecDotQ8_KQ8_K(int64_t n, const void *x, const void *y);

void toFloatQ4_K(const void *src, float *dst, int64_t n);
void fromFloatQ4_K(const float *src, void *dst, int64_t n);
void fromFloatWeightedQ4_K(const float *src, void *dst, int64_t n, const float *importance);
float vecDotQ4_KQ8_K(int64_t n, const void *x, const void *y);

void toFloatQ5_K(const void *src, float *dst, int64_t n);
void fromFloatQ5_K(const float *src, void *dst, int64_t n);
void fromFloatWeightedQ5_K(const float *src, void *dst, int64_t n, const float *importance);
float vecDotQ5_KQ8_K(int64_t n, const void *x, const void *y);

void toFloatQ6_K(const void *src, float *dst, int64_t n);
void fromFloatQ6_K(const float *src, void *dst, int64_t n);
void fromFloatWeightedQ6_K(const float *src, void *dst, int64_t n, const float *importance);
float vecDotQ6_KQ8_K(int64_t n, const void *x, const void *y);

} // namespace hearth::quant
