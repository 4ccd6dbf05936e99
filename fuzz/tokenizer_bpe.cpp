// SPDX-License-Identifier: GPL-3.0-or-later
// Byte-level BPE encode and decode on real vocabularies with different pre-tokenizers (GPT-2, Falcon, DeepSeek
// LLM and Coder, StarCoder); a small built-in one without ../shared.
#include "tokenizer/ByteUnicode.h"
#include "tokenizer_common.h"

namespace
{
hearth::VocabData builtIn()
{
    hearth::VocabData v;
    v.source = "built-in byte-level BPE vocabulary";
    v.model = "gpt2";
    v.pre = "default";
    for (int b = 0; b < 256; ++b) {
        std::string text;
        hearth::utf8::append(text, hearth::byteunicode::byteToCodePoint(static_cast<unsigned char>(b)));
        v.tokens.push_back(text);
    }
    v.tokens.insert(v.tokens.end(), {"he", "ll", "hell", "\xC4\xA0" "w", "<|endoftext|>"});
    v.merges = {"h e", "l l", "he ll", "\xC4\xA0 w"};
    v.types.assign(v.tokens.size(), int32_t(hearth::TokenType::Normal));
    v.types.back() = int32_t(hearth::TokenType::Control);
    v.eos = v.tokens.size() - 1;
    return v;
}

const std::vector<std::unique_ptr<hearth::Tokenizer>> &tokenizers()
{
    static const auto list = fuzz::loadVocabularies({"gpt-2", "falcon", "deepseek-llm", "deepseek-coder", "starcoder"}, builtIn());
    return list;
}
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    tokenizers();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz::tokenizerOneInput(tokenizers(), data, size);
}
