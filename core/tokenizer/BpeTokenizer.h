// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tokenizer/PreTokenizer.h"
#include "tokenizer/Tokenizer.h"

#include <memory>

namespace hearth
{

// Byte-level BPE (tokenizer.ggml.model = "gpt2"), as llama.cpp runs it: the pre-tokenizer cuts the text into
// words, each word's bytes are spelt with GPT-2's byte characters, and adjacent pieces are merged by the rank
// of their pair in tokenizer.ggml.merges, lowest rank first (ties: leftmost).
class BpeTokenizer : public Tokenizer
{
public:
    explicit BpeTokenizer(const VocabData &vocab);
    ~BpeTokenizer() override;

protected:
    void encodeText(std::string_view text, bool afterSpecial, std::vector<int32_t> &out) const override;
    std::string normalPiece(const std::string &text) const override;

private:
    void encodeWord(const std::string &word, std::vector<int32_t> &out) const;

    std::unique_ptr<PreTokenizer> m_preTokenizer;
    bool m_ignoreMerges = false;
    StringMap m_mergeRanks; // "left right" -> rank
};

} // namespace hearth
