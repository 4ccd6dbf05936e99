// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenizer/ByteUnicode.h"

#include "tokenizer/Utf8.h"

#include <array>

namespace hearth::byteunicode
{

namespace
{
bool printsAsItself(unsigned char byte)
{
    return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
}

// Bytes that do not print as themselves are numbered from U+0100 in byte order: 68 of them.
constexpr char32_t MappedEnd = 256 + 68;

struct Tables {
    std::array<char32_t, 256> toCodePoint{};
    std::array<std::string, 256> toUtf8;
    std::array<int, MappedEnd> toByte{}; // -1: no byte
};

const Tables &tables()
{
    static const Tables t = [] {
        Tables tables;
        tables.toByte.fill(-1);
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const auto byte = static_cast<unsigned char>(b);
            tables.toCodePoint[byte] = printsAsItself(byte) ? char32_t(byte) : next++;
            utf8::append(tables.toUtf8[byte], tables.toCodePoint[byte]);
            tables.toByte[tables.toCodePoint[byte]] = b;
        }
        return tables;
    }();
    return t;
}
}

char32_t byteToCodePoint(unsigned char byte)
{
    return tables().toCodePoint[byte];
}

std::optional<unsigned char> codePointToByte(char32_t cp)
{
    if (cp >= MappedEnd || tables().toByte[cp] < 0) {
        return std::nullopt;
    }
    return static_cast<unsigned char>(tables().toByte[cp]);
}

std::string encode(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        out += tables().toUtf8[static_cast<unsigned char>(c)];
    }
    return out;
}

std::string decode(std::string_view text)
{
    std::string out;
    for (const char32_t cp : utf8::decode(text)) {
        if (const auto byte = codePointToByte(cp)) {
            out.push_back(static_cast<char>(*byte));
        } else {
            utf8::append(out, cp);
        }
    }
    return out;
}

} // namespace hearth::byteunicode
