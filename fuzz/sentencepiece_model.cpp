// SPDX-License-Identifier: GPL-3.0-or-later
// Any bytes as a SentencePiece tokenizer.model (protobuf ModelProto), as the quantizer reads it from a Hugging
// Face folder: SentencePieceModel::parse accepts them, with one score and one type per piece, or throws
// hearth::Error. An accepted model survives serialize() and parse() unchanged (scores bit for bit).
#include "FuzzSupport.h"

#include "quantizer/SentencePieceModel.h"

#include <bit>

namespace
{
bool sameBits(const std::vector<float> &a, const std::vector<float> &b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i])) {
            return false;
        }
    }
    return true;
}
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hearth::SentencePieceModel model;
    try {
        model = hearth::SentencePieceModel::parse(std::string(reinterpret_cast<const char *>(data), size), "fuzz.model");
    } catch (const hearth::Error &) {
        return 0;
    }
    fuzz::require(!model.pieces.empty(), "an accepted model has pieces");
    fuzz::require(model.scores.size() == model.pieces.size() && model.types.size() == model.pieces.size(),
                  "one score and one type per piece");
    hearth::SentencePieceModel again;
    try {
        again = hearth::SentencePieceModel::parse(model.serialize(), "fuzz.model (serialized)");
    } catch (const hearth::Error &e) {
        std::fprintf(stderr, "%s\n", e.what());
        fuzz::violated("a serialized model parses");
    }
    fuzz::require(again.pieces == model.pieces && again.types == model.types && sameBits(again.scores, model.scores),
                  "the pieces survive the round trip");
    fuzz::require(again.unkId == model.unkId && again.bosId == model.bosId && again.eosId == model.eosId
                      && again.padId == model.padId && again.addDummyPrefix == model.addDummyPrefix,
                  "the special ids survive the round trip");
    return 0;
}
