// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The scale searches of llama.cpp's k-quant reference quantizers (make_qx_quants, make_qkx2/3_quants,
// make_qp_quants), reimplemented so our files quantize with the same error. Internal to core/quant.

#include <cstdint>

namespace hearth::quant
{

// Symmetric levels: finds scale s and L[i] in [0, 2*nmax) so that x[i] ~= s * (L[i] - nmax), minimising
// the error weighted by `weights` (nullptr: x[i]^2). Tries 19 candidate scales around the one that maps
// the largest magnitude to -nmax and refits each by least squares. Returns s (0 for an all-zero group).
float makeQxQuants(int n, int nmax, const float *x, int8_t *L, const float *weights);

// Search parameters of makeQkxQuants: candidate inverse scales (nmax + rmin + rdelta*i) / (max - min)
// for i = 0..steps.
struct AffineSearch {
    float rmin;
    float rdelta;
    int steps;
};

// makeQxQuants on the 16 groups of 16 of a Q6_K super-block at once (group g: x[16 g ..], L[16 g ..],
// weights[16 g ..] or x^2, scales[g]); bit-identical to calling it per group, with the groups in SIMD lanes.
void makeQxQuants16(int nmax, const float *x, int8_t *L, const float *weights, float *scales);

// Affine levels: finds scale s >= 0 and offset m >= 0 with x[i] ~= s * L[i] - m, L[i] in [0, nmax],
// minimising the `weights`-weighted squared error. Returns s and stores m in *minOut. n <= 32.
float makeQkxQuants(int n, int nmax, const float *x, const float *weights, uint8_t *L, float *minOut,
                    AffineSearch search);

// makeQkxQuants on the 8 groups of 32 of a K-quant super-block at once: group g is x[32 g ..], weights[32 g ..],
// L[32 g ..], scales[g], mins[g]. Each group gets exactly makeQkxQuants' arithmetic in the same order, so the
// results are bit-identical; the groups run side by side, which the compiler turns into SIMD lanes.
void makeQkxQuants8(int nmax, const float *x, const float *weights, uint8_t *L, float *scales, float *mins, AffineSearch search);

// Quantizes non-negative values (sub-block scales or mins) to L[i] in [0, nmax] with one common scale,
// minimising the `weights`-weighted squared error, then improves the levels one at a time. Returns the scale.
float makeQpQuants(int n, int nmax, const float *x, uint8_t *L, const float *weights);

} // namespace hearth::quant
