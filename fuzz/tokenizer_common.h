// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "FuzzSupport.h"

#include <fuzzer/FuzzedDataProvider.h>

// The body of the tokenizer targets: the input picks a vocabulary and flags, then either encodes text (ids in
// range; valid UTF-8 without special-token parsing and without U+2581 decodes back to itself) or decodes ids (any id in range).
namespace fuzz
{
inline int tokenizerOneInput(const std::vector<std::unique_ptr<hearth::Tokenizer>> &tokenizers, const uint8_t *data, size_t size)
{
    FuzzedDataProvider in(data, size);
    const hearth::Tokenizer &tok = *tokenizers[in.ConsumeIntegralInRange<size_t>(0, tokenizers.size() - 1)];
    const bool addSpecial = in.ConsumeBool();
    const bool parseSpecial = in.ConsumeBool();
    if (in.ConsumeBool()) {
        const std::string text = in.ConsumeRemainingBytesAsString();
        const std::vector<int32_t> ids = tok.encode(text, addSpecial, parseSpecial);
        for (const int32_t id : ids) {
            require(id >= 0 && id < tok.vocabSize(), "encode gives ids inside the vocabulary");
        }
        const std::string decoded = tok.decode(ids);
        // SentencePiece stores spaces as U+2581, so that character typed in the text decodes as a space.
        if (!parseSpecial && isValidUtf8(text) && text.find("\xE2\x96\x81") == std::string::npos) {
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
