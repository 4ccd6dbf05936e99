// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tokenizer/Tokenizer.h"

namespace hearth
{

// SentencePiece BPE as llama.cpp runs it (tokenizer.ggml.model = "llama"): spaces become U+2581 (with one in
// front of text that starts the input or follows a special token, if add_space_prefix), the text is cut into
// UTF-8 characters, and adjacent pieces whose concatenation is a token are merged, highest score first (ties:
// leftmost). Pieces that are not tokens fall back to <0xAB> byte tokens.
class SpmTokenizer : public Tokenizer
{
public:
    explicit SpmTokenizer(const VocabData &vocab);

protected:
    void encodeText(std::string_view text, bool afterSpecial, std::vector<int32_t> &out) const override;
    std::string normalPiece(const std::string &text) const override;
};

} // namespace hearth
