// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "FuzzSupport.h"

#include <fuzzer/FuzzedDataProvider.h>

// The body of the tokenizer targets: the input picks a vocabulary and flags, then either encodes text (ids in
// range; valid UTF-8 encoded to ordinary tokens decodes back to itself) or decodes ids (any id in range).
namespace fuzz
{
// Whether every ASCII character survives encode and decode. Some vocabularies lack the byte tokens of a few
// control characters (Falcon's has no \x0b), which are then dropped, as llama.cpp and Hugging Face drop them.
inline bool spellsAllAscii(const hearth::Tokenizer &tok)
{
    for (int c = 1; c < 128; ++c) {
        const std::string text(1, char(c));
        if (tok.decode(tok.encode(text, false, false)) != text) {
            return false;
        }
    }
    return true;
}

inline int tokenizerOneInput(const std::vector<std::unique_ptr<hearth::Tokenizer>> &tokenizers, const uint8_t *data, size_t size)
{
    static const std::vector<bool> lossless = [&] {
        std::vector<bool> result;
        for (const auto &tok : tokenizers) {
            result.push_back(spellsAllAscii(*tok));
        }
        return result;
    }();
    FuzzedDataProvider in(data, size);
    const size_t which = in.ConsumeIntegralInRange<size_t>(0, tokenizers.size() - 1);
    const hearth::Tokenizer &tok = *tokenizers[which];
    const bool addSpecial = in.ConsumeBool();
    const bool parseSpecial = in.ConsumeBool();
    if (in.ConsumeBool()) {
        const std::string text = in.ConsumeRemainingBytesAsString();
        const std::vector<int32_t> ids = tok.encode(text, addSpecial, parseSpecial);
        bool plain = true; // user-defined tokens are matched even in plain text; SentencePiece puts a space after them
        for (const int32_t id : ids) {
            require(id >= 0 && id < tok.vocabSize(), "encode gives ids inside the vocabulary");
            const hearth::TokenType type = tok.tokenType(id);
            plain = plain && (type == hearth::TokenType::Normal || type == hearth::TokenType::Byte || (addSpecial && tok.isControl(id)));
        }
        const std::string decoded = tok.decode(ids);
        // SentencePiece stores spaces as U+2581, so that character typed in the text decodes as a space.
        if (lossless[which] && plain && !parseSpecial && isValidUtf8(text) && text.find("\xE2\x96\x81") == std::string::npos) {
            require(decoded == text, "decode(encode(text)) == text for valid UTF-8");
        }
    } else {
        std::vector<int32_t> ids;
        while (in.remaining_bytes() > 0) {
            ids.push_back(in.ConsumeIntegralInRange<int32_t>(0, tok.vocabSize() - 1));
        }
        std::string pieces;
        for (const int32_t id : ids) {
            pieces += tok.tokenToPiece(id);
        }
        const std::string decoded = tok.decode(ids);
        require(decoded.size() <= pieces.size(), "decode gives at most the pieces' bytes");
    }
    return 0;
}
}
