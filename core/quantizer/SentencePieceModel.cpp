// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/SentencePieceModel.h"

#include "util/Error.h"
#include "util/MappedFile.h"

#include <bit>
#include <cstring>

namespace hearth
{

namespace
{
// Field numbers of sentencepiece_model.proto.
constexpr uint32_t kModelPieces = 1;
constexpr uint32_t kModelTrainerSpec = 2;
constexpr uint32_t kModelNormalizerSpec = 3;
constexpr uint32_t kPiecePiece = 1;
constexpr uint32_t kPieceScore = 2;
constexpr uint32_t kPieceType = 3;
constexpr uint32_t kTrainerUnkId = 40;
constexpr uint32_t kTrainerBosId = 41;
constexpr uint32_t kTrainerEosId = 42;
constexpr uint32_t kTrainerPadId = 43;
constexpr uint32_t kNormalizerAddDummyPrefix = 3;

enum WireType : uint32_t { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };

// One protobuf message, read field by field.
class ProtoReader
{
public:
    ProtoReader(const char *data, size_t size, const std::string &name)
        : m_data(data)
        , m_size(size)
        , m_name(name)
    {
    }

    bool next()
    {
        if (m_pos == m_size) {
            return false;
        }
        const uint64_t key = varint();
        m_field = uint32_t(key >> 3);
        m_wire = uint32_t(key & 7);
        return true;
    }
    uint32_t field() const
    {
        return m_field;
    }
    uint32_t wire() const
    {
        return m_wire;
    }

    uint64_t varint()
    {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            const auto byte = uint8_t(m_data[m_pos++]);
            value |= uint64_t(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                return value;
            }
        }
        fail("varint longer than 10 bytes");
    }
    std::string_view bytes()
    {
        const uint64_t length = varint();
        need(length);
        const std::string_view view(m_data + m_pos, size_t(length));
        m_pos += size_t(length);
        return view;
    }
    float fixed32Float()
    {
        need(4);
        uint32_t bits = 0;
        std::memcpy(&bits, m_data + m_pos, 4);
        m_pos += 4;
        return std::bit_cast<float>(bits);
    }
    int32_t int32()
    {
        expect(Varint);
        return int32_t(uint32_t(varint())); // negative int32 values are sign-extended to 64 bits
    }
    void skip()
    {
        switch (m_wire) {
        case Varint:
            varint();
            return;
        case Fixed64:
            need(8);
            m_pos += 8;
            return;
        case Bytes:
            bytes();
            return;
        case Fixed32:
            need(4);
            m_pos += 4;
            return;
        default:
            fail("unsupported wire type " + std::to_string(m_wire) + " (field " + std::to_string(m_field) + ")");
        }
    }
    void expect(uint32_t wire)
    {
        if (m_wire != wire) {
            fail("field " + std::to_string(m_field) + " has wire type " + std::to_string(m_wire) + ", expected " + std::to_string(wire));
        }
    }

private:
    void need(uint64_t n)
    {
        if (n > m_size - m_pos) {
            fail("truncated at byte " + std::to_string(m_pos));
        }
    }
    [[noreturn]] void fail(const std::string &problem) const
    {
        throw Error(m_name + ": not a SentencePiece model (" + problem + ")");
    }

    const char *m_data;
    size_t m_size;
    const std::string &m_name;
    size_t m_pos = 0;
    uint32_t m_field = 0;
    uint32_t m_wire = 0;
};

void putVarint(std::string &out, uint64_t v)
{
    while (v >= 0x80) {
        out += char(uint8_t(v) | 0x80);
        v >>= 7;
    }
    out += char(v);
}

void putKey(std::string &out, uint32_t field, WireType wire)
{
    putVarint(out, (uint64_t(field) << 3) | wire);
}

void putBytes(std::string &out, uint32_t field, std::string_view bytes)
{
    putKey(out, field, Bytes);
    putVarint(out, bytes.size());
    out += bytes;
}

void putInt32(std::string &out, uint32_t field, int32_t v)
{
    putKey(out, field, Varint);
    putVarint(out, uint64_t(int64_t(v)));
}
}

SentencePieceModel SentencePieceModel::parse(const std::string &bytes, const std::string &name)
{
    SentencePieceModel model;
    ProtoReader message(bytes.data(), bytes.size(), name);
    while (message.next()) {
        if (message.field() == kModelPieces) {
            message.expect(Bytes);
            const std::string_view pieceBytes = message.bytes();
            ProtoReader piece(pieceBytes.data(), pieceBytes.size(), name);
            std::string text;
            float score = 0;
            int32_t type = 1; // NORMAL, the proto default
            while (piece.next()) {
                if (piece.field() == kPiecePiece) {
                    piece.expect(Bytes);
                    text = piece.bytes();
                } else if (piece.field() == kPieceScore) {
                    piece.expect(Fixed32);
                    score = piece.fixed32Float();
                } else if (piece.field() == kPieceType) {
                    type = piece.int32();
                } else {
                    piece.skip();
                }
            }
            model.pieces.push_back(std::move(text));
            model.scores.push_back(score);
            model.types.push_back(type);
        } else if (message.field() == kModelTrainerSpec || message.field() == kModelNormalizerSpec) {
            message.expect(Bytes);
            const bool trainer = message.field() == kModelTrainerSpec;
            const std::string_view specBytes = message.bytes();
            ProtoReader spec(specBytes.data(), specBytes.size(), name);
            while (spec.next()) {
                if (trainer && spec.field() == kTrainerUnkId) {
                    model.unkId = spec.int32();
                } else if (trainer && spec.field() == kTrainerBosId) {
                    model.bosId = spec.int32();
                } else if (trainer && spec.field() == kTrainerEosId) {
                    model.eosId = spec.int32();
                } else if (trainer && spec.field() == kTrainerPadId) {
                    model.padId = spec.int32();
                } else if (!trainer && spec.field() == kNormalizerAddDummyPrefix) {
                    model.addDummyPrefix = spec.int32() != 0;
                } else {
                    spec.skip();
                }
            }
        } else {
            message.skip();
        }
    }
    if (model.pieces.empty()) {
        throw Error(name + ": not a SentencePiece model (no pieces)");
    }
    return model;
}

SentencePieceModel SentencePieceModel::load(const std::string &path)
{
    const MappedFile file(path);
    return parse(std::string(reinterpret_cast<const char *>(file.data()), file.size()), path);
}

std::string SentencePieceModel::serialize() const
{
    std::string out;
    for (size_t i = 0; i < pieces.size(); ++i) {
        std::string piece;
        putBytes(piece, kPiecePiece, pieces[i]);
        putKey(piece, kPieceScore, Fixed32);
        const uint32_t bits = std::bit_cast<uint32_t>(scores[i]);
        piece.append(reinterpret_cast<const char *>(&bits), 4);
        putInt32(piece, kPieceType, types[i]);
        putBytes(out, kModelPieces, piece);
    }
    std::string trainer;
    putInt32(trainer, kTrainerUnkId, unkId);
    putInt32(trainer, kTrainerBosId, bosId);
    putInt32(trainer, kTrainerEosId, eosId);
    putInt32(trainer, kTrainerPadId, padId);
    putBytes(out, kModelTrainerSpec, trainer);
    std::string normalizer;
    putInt32(normalizer, kNormalizerAddDummyPrefix, addDummyPrefix ? 1 : 0);
    putBytes(out, kModelNormalizerSpec, normalizer);
    return out;
}

} // namespace hearth
