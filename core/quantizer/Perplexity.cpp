// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/Perplexity.h"

#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

namespace hearth
{

namespace
{
// log softmax, in double for the sums over 32000 logits.
void logSoftmax(std::span<const float> logits, std::vector<double> &out)
{
    const double max = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (const float v : logits) {
        sum += std::exp(double(v) - max);
    }
    const double logSum = max + std::log(sum);
    out.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) {
        out[i] = double(logits[i]) - logSum;
    }
}
}

PerplexityResult measurePerplexity(const LlamaModel &model, std::span<const int32_t> tokens, const PerplexityOptions &options,
                                   const LlamaModel *base, const std::function<void(int, int)> &progress, const std::atomic_bool *cancel)
{
    const int n = options.contextSize;
    if (n < 4) {
        throw Error("perplexity: the context size must be at least 4 tokens");
    }
    int chunks = int(tokens.size() / size_t(n));
    if (options.maxChunks > 0) {
        chunks = std::min(chunks, options.maxChunks);
    }
    if (chunks == 0) {
        throw Error("perplexity: the text has " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of " + std::to_string(n));
    }
    if (base && base->config().vocab != model.config().vocab) {
        throw Error(base->path() + ": the vocabulary (" + std::to_string(base->config().vocab) + " tokens) differs from " + model.path() + "'s ("
                    + std::to_string(model.config().vocab) + ")");
    }
    const ContextParams params{.nCtx = n, .nThreads = options.threads, .kvType = GgmlType::F16};
    LlamaContext context(model, params);
    std::unique_ptr<LlamaContext> baseContext = base ? std::make_unique<LlamaContext>(*base, params) : nullptr;
    const Tokenizer &tokenizer = model.tokenizer();
    const std::optional<int32_t> bos = tokenizer.addBos() && tokenizer.bos() >= 0 ? std::optional(tokenizer.bos()) : std::nullopt;

    double sumLoss = 0;
    double sumLoss2 = 0;
    double sumBaseLoss = 0;
    double sumKl = 0;
    double maxKl = 0;
    uint64_t sameTop = 0;
    uint64_t scored = 0;
    std::vector<double> logProbs;
    std::vector<double> baseLogProbs;
    for (int c = 0; c < chunks; ++c) {
        if (progress) {
            progress(c, chunks);
        }
        std::vector<int32_t> chunk(tokens.begin() + ptrdiff_t(c) * n, tokens.begin() + ptrdiff_t(c + 1) * n);
        if (bos) {
            chunk[0] = *bos;
        }
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            throw Error(model.path() + ": perplexity cancelled");
        }
        // The chunk as one batch (the prefill path), with the logits of every position; the last token is
        // never a prediction's input.
        context.truncate(0);
        const std::span<const int32_t> input(chunk.data(), size_t(n) - 1);
        const std::span<const float> all = context.evalAll(input);
        std::span<const float> baseAll;
        if (baseContext) {
            baseContext->truncate(0);
            baseAll = baseContext->evalAll(input);
        }
        const size_t vocab = model.config().vocab;
        for (int j = n / 2; j + 1 < n; ++j) {
            const auto logits = all.subspan(size_t(j) * vocab, vocab);
            logSoftmax(logits, logProbs);
            const int32_t next = chunk[size_t(j) + 1];
            const double loss = -logProbs[size_t(next)];
            sumLoss += loss;
            sumLoss2 += loss * loss;
            ++scored;
            if (baseContext) {
                const auto baseLogits = baseAll.subspan(size_t(j) * vocab, vocab);
                logSoftmax(baseLogits, baseLogProbs);
                sumBaseLoss += -baseLogProbs[size_t(next)];
                double kl = 0;
                for (size_t v = 0; v < logProbs.size(); ++v) {
                    kl += std::exp(baseLogProbs[v]) * (baseLogProbs[v] - logProbs[v]);
                }
                kl = std::max(kl, 0.0); // rounding can make a zero divergence slightly negative
                sumKl += kl;
                maxKl = std::max(maxKl, kl);
                const auto top = std::max_element(logits.begin(), logits.end()) - logits.begin();
                const auto baseTop = std::max_element(baseLogits.begin(), baseLogits.end()) - baseLogits.begin();
                sameTop += top == baseTop ? 1 : 0;
            }
        }
    }
    if (progress) {
        progress(chunks, chunks);
    }
    PerplexityResult result;
    result.chunks = chunks;
    result.scoredTokens = scored;
    const double mean = sumLoss / double(scored);
    result.perplexity = std::exp(mean);
    const double variance = std::max(0.0, sumLoss2 / double(scored) - mean * mean);
    result.perplexityError = result.perplexity * std::sqrt(variance / double(std::max<uint64_t>(scored - 1, 1)));
    if (baseContext) {
        result.basePerplexity = std::exp(sumBaseLoss / double(scored));
        result.meanKl = sumKl / double(scored);
        result.maxKl = maxKl;
        result.sameTopToken = double(sameTop) / double(scored);
    }
    return result;
}

} // namespace hearth
