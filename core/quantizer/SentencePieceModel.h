// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth
{

// The parts of a SentencePiece model file (tokenizer.model, a protobuf ModelProto) that a GGUF vocabulary
// holds: the pieces with their scores and types (GGUF's token types use SentencePiece's numbers: 1 normal,
// 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte), the special ids and the dummy prefix flag.
struct SentencePieceModel {
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::vector<int32_t> types;
    int32_t unkId = 0;
    int32_t bosId = 1;
    int32_t eosId = 2;
    int32_t padId = -1;
    bool addDummyPrefix = true;

    // Throw hearth::Error "NAME: problem" for malformed protobuf or a model without pieces.
    static SentencePieceModel load(const std::string &path);
    static SentencePieceModel parse(const std::string &bytes, const std::string &name);
    // A ModelProto with the same fields (the tests write Hugging Face folders with it).
    std::string serialize() const;
};

} // namespace hearth
