// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/Ops.h"

#include <cmath>
#include <limits>

namespace hearth::ops
{

// Sums are accumulated in double, as ggml does, so results track llama.cpp's closely.

void rmsNorm(const float *x, const float *weight, float *out, size_t n, float eps)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += double(x[i]) * double(x[i]);
    }
    const float scale = 1.0f / std::sqrt(float(sum / double(n)) + eps);
    for (size_t i = 0; i < n; ++i) {
        out[i] = x[i] * scale * weight[i];
    }
}

void softmax(float *x, size_t n)
{
    float max = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < n; ++i) {
        max = std::fmax(max, x[i]);
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += double(x[i]);
    }
    const float inv = float(1.0 / sum);
    for (size_t i = 0; i < n; ++i) {
        x[i] *= inv;
    }
}

void addScaled(float *y, const float *x, float a, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        y[i] += a * x[i];
    }
}

} // namespace hearth::ops
