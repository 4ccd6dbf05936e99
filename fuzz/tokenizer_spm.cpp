// SPDX-License-Identifier: GPL-3.0-or-later
// SentencePiece encode and decode on the real Llama 2 / Phi-3 vocabularies (a small built-in one without ../shared).
#include "tokenizer_common.h"

namespace
{
const std::vector<std::unique_ptr<hearth::Tokenizer>> &tokenizers()
{
    static const auto list = fuzz::loadVocabularies({"llama-spm", "phi-3"}, fuzz::builtInSpmVocab());
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
