// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace hearth
{

class LlamaModel;

struct PerplexityOptions {
    int contextSize = 128; // tokens per chunk
    int maxChunks = 0; // 0: all the text gives
    int threads = 0;
};

struct PerplexityResult {
    int chunks = 0;
    uint64_t scoredTokens = 0;
    double perplexity = 0;
    double perplexityError = 0; // standard error, from the spread of the per-token losses
    // With a base model: its perplexity on the same tokens, the mean and max KL divergence
    // KL(base || model) per scored token, and how often both predict the same top token.
    std::optional<double> basePerplexity;
    std::optional<double> meanKl;
    std::optional<double> maxKl;
    std::optional<double> sameTopToken; // fraction 0..1
};

// llama.cpp's chunked perplexity: the tokens are cut into chunks of contextSize, each evaluated from an
// empty context (its first token replaced by BOS when the model adds one), and only the second half of each
// chunk is scored, so every scored token has at least half a context before it. `base` (same vocabulary)
// runs alongside for the KL divergence. Throws hearth::Error when the text is shorter than one chunk or the
// vocabularies differ; setting *cancel stops after the current chunk with hearth::Error.
PerplexityResult measurePerplexity(const LlamaModel &model, std::span<const int32_t> tokens, const PerplexityOptions &options,
                                   const LlamaModel *base = nullptr, const std::function<void(int chunk, int chunks)> &progress = {},
                                   const std::atomic_bool *cancel = nullptr);

} // namespace hearth
