// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/KvCache.h"
#include "model/Rope.h"
#include "quant/GgmlType.h"
#include "util/ThreadPool.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace hearth
{

class LlamaModel;

struct ContextParams {
    int nCtx = 0; // 0: the model's training context
    int nThreads = 0; // 0: one per hardware thread
    GgmlType kvType = GgmlType::F16; // F32, F16 or Q8_0
};

// One sequence being evaluated by a model: the KV cache of the positions seen so far, the thread pool and
// the work buffers, all allocated once in the constructor. Not thread-safe; the model must outlive it.
class LlamaContext
{
public:
    // Throws hearth::Error for invalid parameters or a KV cache that cannot be allocated.
    LlamaContext(const LlamaModel &model, ContextParams params);

    // Evaluates tokens at positions position() ... position() + size - 1 (a prompt as one batch, or one
    // generated token) and advances position(). Returns the logits of the LAST token, nVocab floats, valid
    // until the next call. Throws hearth::Error, changing nothing, for no tokens, an id outside the
    // vocabulary or tokens that do not fit into the context.
    std::span<const float> eval(std::span<const int32_t> tokens);
    // The same, returning the logits of EVERY token: tokens.size() rows of nVocab floats (perplexity scores
    // each position of a chunk from one batch).
    std::span<const float> evalAll(std::span<const int32_t> tokens);

    int position() const
    {
        return int(m_position);
    }
    int nCtx() const
    {
        return int(m_cache.size());
    }
    // Forgets the positions from `position` on, so the next eval() continues there (reusing a common prefix).
    // Throws hearth::Error unless 0 <= position <= position().
    void truncate(int position);
    // Forgets the positions [begin, end) and moves the later ones down by end - begin, re-rotating their keys
    // for the new positions (RoPE rotates by an angle proportional to the position, so one rotation by the
    // distance moved does it). Much cheaper than evaluating the later tokens again, but not identical: their
    // keys and values still reflect what they attended to in the removed span. Throws hearth::Error unless
    // 0 <= begin <= end <= position().
    void shift(int begin, int end);
    const KvCache &cache() const
    {
        return m_cache;
    }

    const LlamaModel &model() const
    {
        return m_model;
    }
    GgmlType kvType() const
    {
        return m_cache.type();
    }
    unsigned threads() const
    {
        return m_pool.size();
    }

    // Sees the input of every weight matrix product of the layers (the importance matrix collects these): the
    // weight's GGUF tensor name and nTokens rows of `columns` floats. Unset (the default) costs nothing.
    using ActivationObserver = std::function<void(const std::string &tensor, const float *x, size_t nTokens, size_t columns)>;
    void setActivationObserver(ActivationObserver observer)
    {
        m_observer = std::move(observer);
    }

private:
    void check(std::span<const int32_t> tokens) const;
    // allLogits: n rows of logits there; nullptr: the last token's into m_logits.
    void evalBatch(const int32_t *tokens, uint32_t n, float *allLogits = nullptr);
    void attention(uint32_t layer, uint32_t n);

    const LlamaModel &m_model;
    KvCache m_cache;
    Rope m_rope;
    ThreadPool m_pool;
    uint32_t m_position = 0;
    uint32_t m_maxBatch;

    // Work buffers, m_maxBatch rows each.
    std::vector<float> m_x; // the residual stream
    std::vector<float> m_norm;
    std::vector<float> m_q;
    std::vector<float> m_k;
    std::vector<float> m_v;
    std::vector<float> m_attn;
    std::vector<float> m_proj;
    std::vector<float> m_gate;
    std::vector<float> m_up;
    std::vector<float> m_ropeAngles; // Rope::angles() of each token of the batch
    std::vector<float> m_cachedKeys; // the decoded cache of one layer, nCtx rows
    std::vector<float> m_cachedValues;
    std::vector<uint8_t> m_quantized;
    std::vector<float> m_logits;
    std::vector<float> m_allLogits; // of evalAll()
    ActivationObserver m_observer;
};

} // namespace hearth
