// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chat/ChatTemplate.h"
#include "chat/HistoryTrimmer.h"
#include "model/LlamaContext.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace hearth
{

class LlamaModel;

// What to do with the cached tokens after a span that trimming removed from the middle of the prompt. Shift
// is the default: it keeps the first token of turn N as cheap as the new tokens alone (stories260K, 1000
// cached tokens: 16 ms to shift against 1.1 s to evaluate again), at the price of an approximation.
enum class CacheReuse {
    Shift, // move them down and re-rotate their keys (LlamaContext::shift)
    Recompute, // evaluate them again
};

struct PrefillStats {
    int reused = 0; // prompt tokens taken from the cache (common prefix + shifted)
    int shifted = 0; // of those, tokens moved down by a shift
    int evaluated = 0; // prompt tokens evaluated
};

// RAM a model needs in a context: the weights (mapped, paged in on use), the KV cache and the work buffers.
struct MemoryEstimate {
    uint64_t weights = 0;
    uint64_t kvCache = 0;
    uint64_t buffers = 0; // work buffers and a margin for the allocator and the rest of the process
    uint64_t total() const
    {
        return weights + kvCache + buffers;
    }
};

// The synchronous core of a chat engine: one model, one context and the token sequence its KV cache holds.
// Not thread-safe; ChatEngine runs it on its worker thread.
class ChatSession
{
public:
    // Throws hearth::Error when the context cannot be created.
    ChatSession(std::unique_ptr<LlamaModel> model, ContextParams params, const ChatTemplate &chatTemplate);
    ~ChatSession();

    static MemoryEstimate estimate(const LlamaModel &model, ContextParams params);
    // The context size `requested` gives for this model (0: the training context; capped at it).
    static int contextSize(const LlamaModel &model, int requested);

    const LlamaModel &model() const
    {
        return *m_model;
    }
    const LlamaContext &context() const
    {
        return m_context;
    }
    const ChatTemplate &chatTemplate() const
    {
        return m_template;
    }
    const HistoryTrimmer &trimmer() const
    {
        return m_trimmer;
    }
    // The tokens whose keys and values the cache holds, position by position.
    const std::vector<int32_t> &cachedTokens() const
    {
        return m_cached;
    }
    void setCacheReuse(CacheReuse reuse)
    {
        m_reuse = reuse;
    }

    // Brings the cache to hold exactly `prompt`, evaluating only what it does not hold yet: the tokens after
    // the longest common prefix, or, when the cache holds the rest of the prompt after a removed span, after
    // that (CacheReuse::Shift). At least the last prompt token is evaluated, for its logits, which are
    // returned (valid until the next call). `stopped` is asked between batches; when it says yes, returns
    // empty logits with the cache holding a prefix of the prompt. Throws hearth::Error for a prompt that is
    // empty or longer than the context.
    std::span<const float> prefill(std::span<const int32_t> prompt, PrefillStats &stats, const std::function<bool()> &stopped = {});
    // Evaluates one more token (a generated one) after the cache's tokens.
    std::span<const float> next(int32_t token);

private:
    std::unique_ptr<LlamaModel> m_model;
    LlamaContext m_context;
    ChatTemplate m_template;
    HistoryTrimmer m_trimmer;
    std::vector<int32_t> m_cached;
    CacheReuse m_reuse = CacheReuse::Shift;
};

} // namespace hearth
