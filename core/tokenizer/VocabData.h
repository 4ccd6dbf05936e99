// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth
{

// tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

// Everything a Tokenizer is built from, as GGUF stores it under tokenizer.ggml.*. Tokenizer::fromGguf fills
// it from a file; tests build small ones by hand. Absent optional keys keep the model type's defaults.
struct VocabData {
    std::string source; // the file, for error messages
    std::string model; // "llama" (SentencePiece) or "gpt2" (byte-level BPE)
    std::string pre; // pre-tokenizer name, BPE only
    std::string name; // general.name: a few models need per-model token attributes
    std::vector<std::string> tokens;
    std::vector<float> scores; // empty (all 0) or at least one per token
    std::vector<int32_t> types; // empty (all Normal) or at least one TokenType per token
    std::vector<std::string> merges; // BPE: "left right", in rank order
    // Token ids as stored (uint32); out-of-range ids (such as 0xFFFFFFFF for "none") are ignored.
    std::optional<uint64_t> bos, eos, eot, eom, unk;
    std::optional<bool> addBos, addEos, addSpacePrefix;
};

} // namespace hearth
