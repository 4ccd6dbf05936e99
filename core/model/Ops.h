// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>

namespace hearth::ops
{

// out = x / sqrt(mean(x^2) + eps) * weight, over n elements (out may be x).
void rmsNorm(const float *x, const float *weight, float *out, size_t n, float eps);

// x = softmax(x) in place; -infinity entries get probability 0, at least one entry must be finite.
void softmax(float *x, size_t n);

// y += a * x
void addScaled(float *y, const float *x, float a, size_t n);

} // namespace hearth::ops
