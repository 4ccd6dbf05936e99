// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chat/ChatTemplate.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hearth
{

class Tokenizer;

enum class TrimPolicy {
    RollingWindow, // drop the oldest turns
    TruncateMiddle, // keep the first exchange, drop the turns after it, oldest first
    StopAtLimit, // drop nothing: refuse
};

struct TrimResult {
    std::vector<int32_t> tokens; // the prompt of the kept messages (BOS, generation prompt); empty on error
    std::vector<size_t> dropped; // indexes of the messages left out, ascending
    std::string error; // why nothing fits; empty: tokens is the prompt
};

// Fits a conversation into a token budget: the context size minus the tokens reserved for the reply,
// counted exactly, with the model's tokenizer, on the prompt the template renders.
//
// The unit dropped is a whole turn: a user message and the messages after it up to the next user message
// (an assistant greeting before the first user message is a turn of its own). System messages are never
// dropped, nor is the last turn (the message being answered): when they alone do not fit, trim() fails.
class HistoryTrimmer
{
public:
    // Both must outlive the trimmer.
    HistoryTrimmer(const ChatTemplate &chatTemplate, const Tokenizer &tokenizer);

    // The prompt for `messages` with the generation prompt: message content as plain text, BOS as the
    // tokenizer asks unless the template wrote it.
    std::vector<int32_t> tokenize(std::span<const ChatMessage> messages) const;

    TrimResult trim(std::span<const ChatMessage> messages, int contextSize, int replyReserve, TrimPolicy policy) const;

private:
    const ChatTemplate &m_template;
    const Tokenizer &m_tokenizer;
};

} // namespace hearth
