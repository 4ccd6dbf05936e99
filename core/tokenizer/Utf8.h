// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// UTF-8 helpers for the tokenizers. Text from users and models may be invalid UTF-8; nothing here throws.
namespace hearth::utf8
{

// Length of the sequence a lead byte announces, 1 for ASCII and for bytes that cannot start a sequence.
// This is how SentencePiece (and llama.cpp) cut text into characters, valid or not.
size_t sequenceLength(unsigned char lead);

// Code points of `text`; every byte that does not start a complete, valid sequence becomes one U+FFFD, as do
// encoded surrogates and values above U+10FFFF (so the result is always valid Unicode).
std::u32string decode(std::string_view text);

void append(std::string &out, char32_t codePoint);

// Bytes at the end of `text` that begin a multi-byte sequence whose remaining bytes have not arrived yet
// (0 when the text ends on a complete character or on bytes that can never become valid).
size_t incompleteTailLength(std::string_view text);

} // namespace hearth::utf8
