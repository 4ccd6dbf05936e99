// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>

namespace hearth
{

class Tokenizer;

// Turns generated tokens into text as they arrive, holding back a UTF-8 sequence until all its bytes are
// there (byte-fallback and byte-level BPE tokens can split a character), so every push() returns complete
// characters. Control and unknown tokens produce nothing.
class StreamDecoder
{
public:
    explicit StreamDecoder(const Tokenizer &tokenizer);
    std::string push(int32_t id);
    // The held-back bytes of a sequence the stream ended in the middle of (invalid UTF-8), then empty.
    std::string flush();

private:
    const Tokenizer &m_tokenizer;
    std::string m_pending;
};

} // namespace hearth
