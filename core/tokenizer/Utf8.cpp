// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenizer/Utf8.h"

namespace hearth::utf8
{

size_t sequenceLength(unsigned char lead)
{
    if (lead < 0xC0) {
        return 1;
    }
    if (lead < 0xE0) {
        return 2;
    }
    return lead < 0xF0 ? 3 : 4;
}

namespace
{
constexpr char32_t Replacement = 0xFFFD;

bool isContinuation(unsigned char byte)
{
    return (byte & 0xC0) == 0x80;
}

// Length of the sequence a lead byte starts; 0 when it cannot start one (continuation bytes, 0xF8..0xFF).
size_t leadLength(unsigned char lead)
{
    if (lead < 0x80) {
        return 1;
    }
    if (lead < 0xC0) {
        return 0;
    }
    if (lead < 0xE0) {
        return 2;
    }
    if (lead < 0xF0) {
        return 3;
    }
    return lead < 0xF8 ? 4 : 0;
}
}

std::u32string decode(std::string_view text)
{
    std::u32string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const size_t length = leadLength(lead);
        if (length == 1) {
            out.push_back(lead);
            ++i;
            continue;
        }
        bool complete = length != 0 && i + length <= text.size();
        for (size_t k = 1; complete && k < length; ++k) {
            complete = isContinuation(static_cast<unsigned char>(text[i + k]));
        }
        if (!complete) {
            out.push_back(Replacement);
            ++i;
            continue;
        }
        char32_t cp = lead & (0x7F >> length);
        for (size_t k = 1; k < length; ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        }
        const bool scalar = cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        out.push_back(scalar ? cp : Replacement);
        i += length;
    }
    return out;
}

void append(std::string &out, char32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | ((cp >> 18) & 0x07)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

size_t incompleteTailLength(std::string_view text)
{
    // A sequence is at most 4 bytes, so only a lead byte among the last 3 can still be waiting.
    const size_t lookBack = text.size() < 3 ? text.size() : 3;
    for (size_t back = 1; back <= lookBack; ++back) {
        const auto byte = static_cast<unsigned char>(text[text.size() - back]);
        if (isContinuation(byte)) {
            continue;
        }
        const size_t length = leadLength(byte);
        return length > back ? back : 0;
    }
    return 0;
}

} // namespace hearth::utf8
