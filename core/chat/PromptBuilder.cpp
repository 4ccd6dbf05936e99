// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/PromptBuilder.h"

#include <cstdint>
#include <optional>

namespace hearth
{

namespace
{
struct Decoded {
    char32_t codePoint;
    size_t length;
};

// The UTF-8 sequence starting at text[pos], nullopt when it is not valid (overlong, surrogate, truncated).
std::optional<Decoded> decodeAt(std::string_view text, size_t pos)
{
    const auto byte = [&](size_t i) {
        return static_cast<uint8_t>(text[i]);
    };
    const uint8_t lead = byte(pos);
    size_t length = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
        return Decoded{lead, 1};
    } else if ((lead & 0xE0) == 0xC0) {
        length = 2;
        cp = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        cp = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        cp = lead & 0x07u;
    } else {
        return std::nullopt;
    }
    if (pos + length > text.size()) {
        return std::nullopt;
    }
    for (size_t i = 1; i < length; ++i) {
        if ((byte(pos + i) & 0xC0) != 0x80) {
            return std::nullopt;
        }
        cp = (cp << 6) | (byte(pos + i) & 0x3Fu);
    }
    static constexpr char32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < minimum[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return std::nullopt;
    }
    return Decoded{cp, length};
}

// Start of the UTF-8 sequence that ends at text[end - 1], or nullopt when the bytes there are not one.
std::optional<Decoded> decodeBefore(std::string_view text, size_t end)
{
    for (size_t length = 1; length <= 4 && length <= end; ++length) {
        const auto decoded = decodeAt(text, end - length);
        if (decoded && decoded->length == length) {
            return decoded;
        }
    }
    return std::nullopt;
}
}

bool isPythonSpace(char32_t c)
{
    // CPython's _PyUnicode_IsWhitespace table (bidirectional types WS, B, S and the Zs category).
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string_view pythonStrip(std::string_view text)
{
    size_t begin = 0;
    while (begin < text.size()) {
        const auto decoded = decodeAt(text, begin);
        if (!decoded || !isPythonSpace(decoded->codePoint)) {
            break;
        }
        begin += decoded->length;
    }
    size_t end = text.size();
    while (end > begin) {
        const auto decoded = decodeBefore(text, end);
        if (!decoded || !isPythonSpace(decoded->codePoint)) {
            break;
        }
        end -= decoded->length;
    }
    return text.substr(begin, end - begin);
}

void PromptBuilder::trusted(std::string_view text)
{
    add(text, true);
}

void PromptBuilder::untrusted(std::string_view text)
{
    add(text, false);
}

void PromptBuilder::append(const PromptBuilder &other)
{
    for (const PromptSegment &segment : other.m_segments) {
        add(segment.text, segment.trusted);
    }
}

void PromptBuilder::add(std::string_view text, bool trusted)
{
    if (text.empty()) {
        return;
    }
    if (!m_segments.empty() && m_segments.back().trusted == trusted) {
        m_segments.back().text += text;
    } else {
        m_segments.push_back({std::string(text), trusted});
    }
}

void PromptBuilder::strip()
{
    // Segments hold whole code points, so stripping segment by segment equals stripping the joined string.
    while (!m_segments.empty()) {
        std::string &text = m_segments.front().text;
        const std::string_view kept = pythonStrip(text);
        const size_t leading = static_cast<size_t>(kept.data() - text.data());
        text.erase(0, leading);
        if (!text.empty()) {
            break;
        }
        m_segments.erase(m_segments.begin());
    }
    while (!m_segments.empty()) {
        std::string &text = m_segments.back().text;
        const std::string_view kept = pythonStrip(text);
        if (!kept.empty()) {
            text.resize(static_cast<size_t>(kept.data() - text.data()) + kept.size());
            break;
        }
        m_segments.pop_back();
    }
}

} // namespace hearth
