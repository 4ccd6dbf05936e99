// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "gguf/GgufValue.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hearth
{

class QuantSource;

// Reads a Hugging Face Llama folder as a GGUF model, the way llama.cpp's convert_hf_to_gguf.py does:
// config.json gives the hyperparameters; model.safetensors (or the shards listed by
// model.safetensors.index.json) the weights, renamed to GGUF names, with the rows of the Q and K projections
// reordered from Hugging Face's rotate-half RoPE layout to GGUF's interleaved pairs; tokenizer.model
// (SentencePiece) or tokenizer.json (byte-level BPE) the vocabulary; tokenizer_config.json the chat template,
// special tokens and BOS/EOS flags.
class HfConverter
{
public:
    using Metadata = std::vector<std::pair<std::string, GgufValue>>;

    // Throws hearth::Error "PATH: problem" for a missing or malformed file.
    static std::unique_ptr<QuantSource> open(const std::string &folder);

    // The tokenizer.* metadata of a folder's tokenizer files alone; vocabSize pads the vocabulary as
    // llama.cpp does ([PAD<n>] tokens) when the model's embedding has more rows than the tokenizer pieces
    // (0: no padding).
    static Metadata tokenizerMetadata(const std::string &folder, uint32_t vocabSize);

    // Row r of a GGUF Q/K projection with `heads` heads of `rows / heads` rows comes from this row of
    // the Hugging Face tensor. hfRowForGgufRow and ggufRowForHfRow are inverses.
    static uint64_t hfRowForGgufRow(uint64_t r, uint64_t rows, uint32_t heads);
    static uint64_t ggufRowForHfRow(uint64_t r, uint64_t rows, uint32_t heads);
};

} // namespace hearth
