// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>
#include <string>
#include <string_view>

// GPT-2's reversible byte-to-character table: byte-level BPE vocabularies spell every byte as a printable
// code point (printable Latin-1 bytes as themselves, the rest as U+0100 onwards), so 'Ġ' stands for a space.
namespace hearth::byteunicode
{

char32_t byteToCodePoint(unsigned char byte);
std::optional<unsigned char> codePointToByte(char32_t codePoint);

// Each byte of `bytes` replaced by its code point, UTF-8 encoded.
std::string encode(std::string_view bytes);
// The inverse for a vocabulary entry: characters outside the table are kept as UTF-8 (added tokens).
std::string decode(std::string_view text);

} // namespace hearth::byteunicode
