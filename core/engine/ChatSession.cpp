// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/ChatSession.h"

#include "gguf/GgufFile.h"
#include "model/LlamaModel.h"
#include "quant/TypeTraits.h"
#include "util/Error.h"

#include <algorithm>
#include <string>

namespace hearth
{

namespace
{
// Prompts are evaluated in batches of this many tokens so that stop() need not wait for a whole long prompt.
constexpr size_t prefillChunk = 256;
// A shorter run of cached tokens matching the prompt after a removed span may be a coincidence (a role
// marker), not the rest of the conversation; shifting it would keep keys computed in another context.
constexpr size_t minShiftTokens = 16;
// Allocator slack, thread stacks, the Qt runtime: what a loaded model costs beyond its own buffers.
constexpr uint64_t processOverhead = 64ull << 20;

size_t commonPrefix(std::span<const int32_t> a, std::span<const int32_t> b)
{
    const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    return size_t(ia - a.begin());
}
}

ChatSession::ChatSession(std::unique_ptr<LlamaModel> model, ContextParams params, const ChatTemplate &chatTemplate)
    : m_model(std::move(model))
    , m_context(*m_model, {contextSize(*m_model, params.nCtx), params.nThreads, params.kvType})
    , m_template(chatTemplate)
    , m_trimmer(m_template, m_model->tokenizer())
{
}

ChatSession::~ChatSession() = default;

int ChatSession::contextSize(const LlamaModel &model, int requested)
{
    const int training = int(std::min<uint32_t>(model.config().contextLength, 1u << 24));
    return requested <= 0 ? training : std::min(requested, training);
}

MemoryEstimate ChatSession::estimate(const LlamaModel &model, ContextParams params)
{
    const LlamaConfig &c = model.config();
    const uint64_t n = uint64_t(contextSize(model, params.nCtx));
    MemoryEstimate e;
    e.weights = model.file().tensorDataBytes();
    e.kvCache = 2 * uint64_t(c.layers) * n * rowBytes(params.kvType, c.kvDim());
    // LlamaContext's buffers: one layer's decoded cache (keys and values) and a batch of 512 rows of
    // activations; the logits.
    const uint64_t batch = std::min<uint64_t>(512, n);
    const uint64_t qDim = uint64_t(c.heads) * c.headDim;
    e.buffers = sizeof(float) * (2 * n * c.kvDim() + batch * (3 * c.embedding + 2 * qDim + 2 * c.kvDim() + 2 * c.feedForward) + c.vocab)
        + processOverhead;
    return e;
}

std::span<const float> ChatSession::prefill(std::span<const int32_t> prompt, PrefillStats &stats, const std::function<bool()> &stopped)
{
    stats = {};
    if (prompt.empty()) {
        throw Error(m_model->path() + ": the prompt is empty");
    }
    if (prompt.size() > size_t(m_context.nCtx())) {
        throw Error(m_model->path() + ": the prompt of " + std::to_string(prompt.size()) + " tokens does not fit into the context of "
                    + std::to_string(m_context.nCtx()) + " tokens");
    }
    // The last token is always evaluated: its logits are the result.
    const size_t limit = prompt.size() - 1;
    size_t keep = std::min(commonPrefix(m_cached, prompt), limit);

    if (m_reuse == CacheReuse::Shift && keep < limit && keep < m_cached.size()) {
        // The longest run of cached tokens, after a removed span, that continues the prompt.
        const std::span<const int32_t> wanted = prompt.subspan(keep, limit - keep);
        size_t bestStart = 0;
        size_t bestLength = 0;
        for (size_t start = keep + 1; start + bestLength < m_cached.size(); ++start) {
            const size_t length = commonPrefix(std::span(m_cached).subspan(start), wanted);
            if (length > bestLength) {
                bestStart = start;
                bestLength = length;
            }
        }
        if (bestLength >= minShiftTokens) {
            m_context.truncate(int(bestStart + bestLength));
            m_context.shift(int(keep), int(bestStart));
            m_cached.resize(bestStart + bestLength);
            m_cached.erase(m_cached.begin() + std::ptrdiff_t(keep), m_cached.begin() + std::ptrdiff_t(bestStart));
            stats.shifted = int(bestLength);
            keep += bestLength;
        }
    }

    m_context.truncate(int(keep));
    m_cached.resize(keep);
    stats.reused = int(keep);
    std::span<const float> logits;
    for (size_t done = keep; done < prompt.size(); done += prefillChunk) {
        if (stopped && stopped()) {
            return {};
        }
        const std::span<const int32_t> batch = prompt.subspan(done, std::min(prefillChunk, prompt.size() - done));
        logits = m_context.eval(batch);
        m_cached.insert(m_cached.end(), batch.begin(), batch.end());
        stats.evaluated += int(batch.size());
    }
    return logits;
}

std::span<const float> ChatSession::next(int32_t token)
{
    const std::span<const float> logits = m_context.eval(std::span(&token, 1));
    m_cached.push_back(token);
    return logits;
}

} // namespace hearth
