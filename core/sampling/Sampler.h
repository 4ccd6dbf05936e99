// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace hearth
{

// llama.cpp's meaning for every field, including the values that switch a stage off.
struct SamplingParams {
    float temperature = 0.8f; // <= 0: greedy (the most likely token after the penalties)
    int topK = 40; // <= 0: off
    float topP = 0.95f; // >= 1: off
    float minP = 0.05f; // <= 0: off
    float repeatPenalty = 1.1f; // 1: off
    int repeatLastN = 64; // 0: off, < 0: every token accepted since reset()
    uint64_t seed = 0; // 0: a random seed (see Sampler::seed())
};

// Picks the next token from a model's logits with llama.cpp's default chain:
// repetition penalty -> top-k -> top-p -> min-p -> temperature -> weighted random draw.
// Top-p and min-p judge probabilities at temperature 1, as in llama.cpp; the temperature then reshapes
// only the tokens that survived. At least one token always survives every stage.
class Sampler
{
public:
    explicit Sampler(SamplingParams params);

    // Throws hearth::Error for empty logits. NaN logits count as -infinity.
    int32_t sample(std::span<const float> logits);
    // Records a token of the context (prompt or generated) for the repetition penalty.
    void accept(int32_t token);
    // Forgets the history; the random sequence continues (a new Sampler restarts it).
    void reset();

    // The repetition penalty stage on its own, in place: every distinct token of the last repeatLastN
    // accepted ones has its logit divided by the penalty when positive, multiplied by it otherwise.
    void applyPenalties(std::span<float> logits) const;

    const SamplingParams &params() const
    {
        return m_params;
    }
    // The seed in use: SamplingParams::seed, or the random one drawn for seed 0 (to reproduce a run).
    uint64_t seed() const
    {
        return m_seed;
    }

private:
    struct Candidate {
        int32_t id;
        float logit;
    };

    double nextUniform(); // [0, 1)

    SamplingParams m_params;
    uint64_t m_seed;
    std::mt19937_64 m_rng;
    std::vector<int32_t> m_history; // at most repeatLastN tokens when repeatLastN > 0
    // Scratch buffers kept between calls so sampling a large vocabulary does not allocate.
    std::vector<float> m_logits;
    std::vector<Candidate> m_candidates;
    std::vector<double> m_weights;
};

} // namespace hearth
