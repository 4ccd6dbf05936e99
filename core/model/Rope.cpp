// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/Rope.h"

#include <cmath>

namespace hearth
{

Rope::Rope(uint32_t headDim, uint32_t ropeDim, float base, float freqScale, std::span<const float> freqFactors)
    : m_headDim(headDim)
    , m_frequencies(ropeDim / 2)
{
    for (size_t i = 0; i < m_frequencies.size(); ++i) {
        // In double: at long contexts, pos * frequency loses float precision when computed in float.
        double f = double(freqScale) * std::pow(double(base), -2.0 * double(i) / double(ropeDim));
        if (!freqFactors.empty()) {
            f /= double(freqFactors[i]);
        }
        m_frequencies[i] = f;
    }
}

void Rope::angles(int64_t pos, float *out) const
{
    const size_t pairs = m_frequencies.size();
    for (size_t i = 0; i < pairs; ++i) {
        const double theta = double(pos) * m_frequencies[i];
        out[i] = float(std::cos(theta));
        out[pairs + i] = float(std::sin(theta));
    }
}

void Rope::rotate(float *x, uint32_t heads, const float *angles) const
{
    const size_t pairs = m_frequencies.size();
    const float *c = angles;
    const float *s = angles + pairs;
    for (uint32_t h = 0; h < heads; ++h) {
        float *head = x + size_t(h) * m_headDim;
        for (size_t i = 0; i < pairs; ++i) {
            const float x0 = head[2 * i];
            const float x1 = head[2 * i + 1];
            head[2 * i] = x0 * c[i] - x1 * s[i];
            head[2 * i + 1] = x0 * s[i] + x1 * c[i];
        }
    }
}

void Rope::apply(float *x, uint32_t heads, int64_t pos) const
{
    std::vector<float> cosSin(anglesSize());
    angles(pos, cosSin.data());
    rotate(x, heads, cosSin.data());
}

} // namespace hearth
