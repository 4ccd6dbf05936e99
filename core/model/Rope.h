// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hearth
{

// Rotary position embedding as GGUF Llama models expect it: the converter permuted the Q/K projection rows
// so that the rotated pairs are ADJACENT elements (2i, 2i+1) of each head (ggml's "normal" RoPE mode), with
// theta_i = pos * freqScale * base^(-2i/ropeDim) / freqFactors[i]. Elements of a head past ropeDim are
// left unchanged.
class Rope
{
public:
    // freqFactors: empty, or ropeDim/2 divisors of the frequencies (Llama 3.1's rope_freqs.weight).
    Rope(uint32_t headDim, uint32_t ropeDim, float base, float freqScale, std::span<const float> freqFactors = {});

    // Floats of angles() for one position.
    size_t anglesSize() const
    {
        return 2 * m_frequencies.size();
    }
    // The cosines, then the sines, of position `pos`'s angles: they depend on the position only, so a batch
    // computes them once for all layers and heads.
    void angles(int64_t pos, float *out) const;

    // Rotates `heads` consecutive heads of headDim floats by the angles() of their position.
    void rotate(float *x, uint32_t heads, const float *angles) const;
    // Rotates them to position `pos`.
    void apply(float *x, uint32_t heads, int64_t pos) const;

private:
    uint32_t m_headDim;
    std::vector<double> m_frequencies; // per pair: theta_i / pos
};

} // namespace hearth
