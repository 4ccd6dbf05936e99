// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>

namespace hearth
{

class GgufFile;

// The hyperparameters of a Llama-architecture model, read from GGUF metadata and checked for consistency.
struct LlamaConfig {
    uint32_t contextLength = 0; // the training context, the default context size
    uint32_t embedding = 0; // model width
    uint32_t layers = 0;
    uint32_t feedForward = 0;
    uint32_t heads = 0;
    uint32_t kvHeads = 0;
    uint32_t headDim = 0; // embedding / heads
    uint32_t ropeDim = 0; // leading dimensions of each head that RoPE rotates
    uint32_t vocab = 0; // rows of token_embd.weight
    float ropeBase = 10000.0f;
    float ropeFreqScale = 1.0f; // positions are multiplied by this (linear RoPE scaling)
    float rmsEps = 1e-5f;

    uint32_t kvDim() const
    {
        return kvHeads * headDim;
    }

    // Reads general.architecture (must be "llama") and llama.*; the vocabulary size is token_embd.weight's
    // row count. Throws hearth::Error "PATH: problem" for missing keys or values that do not fit together.
    static LlamaConfig fromGguf(const GgufFile &file);
};

} // namespace hearth
