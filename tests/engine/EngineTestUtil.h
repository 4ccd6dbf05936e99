// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

// Independent truth for the engine tests: plain greedy decoding with a fresh LlamaContext.
namespace EngineTestUtil
{
inline const char *modelFile = "models/stories260K.gguf";

inline int32_t argmax(std::span<const float> logits)
{
    return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Greedy continuation of `prompt`: up to `count` tokens, ending before an end-of-generation token.
inline std::vector<int32_t> greedy(const hearth::LlamaModel &model, const std::vector<int32_t> &prompt, int count, hearth::GgmlType kvType)
{
    hearth::LlamaContext context(model, {0, 1, kvType});
    std::span<const float> logits = context.eval(prompt);
    std::vector<int32_t> out;
    while (int(out.size()) < count) {
        const int32_t id = argmax(logits);
        if (model.tokenizer().isEog(id)) {
            break;
        }
        out.push_back(id);
        logits = context.eval(std::span(&out.back(), 1));
    }
    return out;
}

inline size_t commonPrefix(const std::vector<int32_t> &a, const std::vector<int32_t> &b)
{
    return size_t(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}
}
