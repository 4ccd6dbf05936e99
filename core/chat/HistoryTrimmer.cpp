// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/HistoryTrimmer.h"

#include "tokenizer/Tokenizer.h"

#include <algorithm>

namespace hearth
{

namespace
{
struct Turn {
    size_t begin;
    size_t end; // one past the last message
};

// Turns of the non-system messages, in order; system messages belong to none.
std::vector<Turn> splitTurns(std::span<const ChatMessage> messages)
{
    std::vector<Turn> turns;
    for (size_t i = 0; i < messages.size(); ++i) {
        if (messages[i].role == "system") {
            continue;
        }
        if (turns.empty() || messages[i].role == "user") {
            turns.push_back({i, i + 1});
        } else {
            turns.back().end = i + 1;
        }
    }
    return turns;
}

std::string number(size_t n)
{
    return std::to_string(n);
}
}

HistoryTrimmer::HistoryTrimmer(const ChatTemplate &chatTemplate, const Tokenizer &tokenizer)
    : m_template(chatTemplate)
    , m_tokenizer(tokenizer)
{
}

std::vector<int32_t> HistoryTrimmer::tokenize(std::span<const ChatMessage> messages) const
{
    std::vector<int32_t> tokens = m_tokenizer.encodePrompt(m_template.render(messages, true), false);
    // Templates such as Llama 2's write "<s>" themselves; a second BOS would change what the model sees.
    if (m_tokenizer.addBos() && m_tokenizer.bos() >= 0 && (tokens.empty() || tokens.front() != m_tokenizer.bos())) {
        tokens.insert(tokens.begin(), m_tokenizer.bos());
    }
    return tokens;
}

TrimResult HistoryTrimmer::trim(std::span<const ChatMessage> messages, int contextSize, int replyReserve, TrimPolicy policy) const
{
    TrimResult result;
    const int budget = contextSize - replyReserve;
    const std::string limits = "the context has room for " + std::to_string(std::max(budget, 0)) + " (" + std::to_string(contextSize)
        + " tokens minus " + std::to_string(replyReserve) + " kept for the reply)";
    if (budget <= 0) {
        result.error = "The reply reserve of " + std::to_string(replyReserve) + " tokens leaves no room for the conversation in a context of "
            + std::to_string(contextSize) + " tokens.";
        return result;
    }

    const std::vector<Turn> turns = splitTurns(messages);
    // The order in which turns go; the last turn never does.
    std::vector<size_t> dropOrder;
    if (policy != TrimPolicy::StopAtLimit && turns.size() > 1) {
        for (size_t t = 0; t + 1 < turns.size(); ++t) {
            dropOrder.push_back(t);
        }
        if (policy == TrimPolicy::TruncateMiddle) {
            // The first exchange goes last, only when nothing else is left to drop.
            std::rotate(dropOrder.begin(), dropOrder.begin() + 1, dropOrder.end());
        }
    }

    std::vector<ChatMessage> kept;
    std::vector<size_t> dropped;
    const auto tokensWithout = [&](size_t count) {
        std::vector<bool> drop(messages.size(), false);
        for (size_t i = 0; i < count; ++i) {
            for (size_t m = turns[dropOrder[i]].begin; m < turns[dropOrder[i]].end; ++m) {
                drop[m] = true;
            }
        }
        kept.clear();
        dropped.clear();
        for (size_t m = 0; m < messages.size(); ++m) {
            if (drop[m]) {
                dropped.push_back(m);
            } else {
                kept.push_back(messages[m]);
            }
        }
        return tokenize(kept);
    };

    std::vector<int32_t> tokens = tokensWithout(0);
    if (tokens.size() <= size_t(budget)) {
        result.tokens = std::move(tokens);
        return result;
    }
    if (policy == TrimPolicy::StopAtLimit) {
        result.error = "The conversation is " + number(tokens.size()) + " tokens long, and " + limits
            + ". Start a new chat, or let older messages be left out in the settings.";
        return result;
    }
    std::vector<int32_t> least = tokensWithout(dropOrder.size());
    if (least.size() > size_t(budget)) {
        result.error = "The last message is too long: with the system prompt it takes " + number(least.size()) + " tokens, and " + limits + ".";
        return result;
    }
    // The fewest turns to drop, by bisection: every dropped turn shortens the prompt.
    size_t low = 0; // does not fit
    size_t high = dropOrder.size(); // fits
    while (high - low > 1) {
        const size_t middle = low + (high - low) / 2;
        if (tokensWithout(middle).size() <= size_t(budget)) {
            high = middle;
        } else {
            low = middle;
        }
    }
    result.tokens = tokensWithout(high);
    result.dropped = dropped;
    return result;
}

} // namespace hearth
