// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenizer/StreamDecoder.h"

#include "tokenizer/Tokenizer.h"
#include "tokenizer/Utf8.h"

#include <utility>

namespace hearth
{

StreamDecoder::StreamDecoder(const Tokenizer &tokenizer)
    : m_tokenizer(tokenizer)
{
}

std::string StreamDecoder::push(int32_t id)
{
    if (m_tokenizer.isHidden(id)) {
        return {};
    }
    m_pending += m_tokenizer.tokenToPiece(id);
    const size_t ready = m_pending.size() - utf8::incompleteTailLength(m_pending);
    std::string out = m_pending.substr(0, ready);
    m_pending.erase(0, ready);
    return out;
}

std::string StreamDecoder::flush()
{
    return std::exchange(m_pending, {});
}

} // namespace hearth
