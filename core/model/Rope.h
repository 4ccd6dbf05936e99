// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

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

    // Rotates `heads` consecutive heads of headDim floats, all at position `pos`.
    void apply(float *x, uint32_t heads, int64_t pos) const;

private:
    uint32_t m_headDim;
    std::vector<double> m_frequencies; // per pair: theta_i / pos
};

} // namespace hearth
