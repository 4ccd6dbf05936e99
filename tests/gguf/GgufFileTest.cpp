// SPDX-License-Identifier: GPL-3.0-or-later
// GgufFile: the real model and vocabularies, every kind of malformed file, every truncation.
#include "GgufBytes.h"
#include "TestData.h"

#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "util/Error.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
QByteArray toByteArray(const GgufBytes &b)
{
    return QByteArray(reinterpret_cast<const char *>(b.bytes().data()), qsizetype(b.size()));
}

// A file with one tensor "t" of the given shape, type and offset, followed by `dataBytes` of data.
GgufBytes oneTensorFile(const std::vector<uint64_t> &ne, uint32_t type, uint64_t offset, size_t dataBytes)
{
    GgufBytes b;
    b.header(1, 0).tensor("t", ne, type, offset).padTo(32).zeros(dataBytes);
    return b;
}

std::string messageOf(const QByteArray &bytes, const std::string &name)
{
    try {
        GgufFile::fromMemory(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()), name);
    } catch (const Error &e) {
        return e.what();
    }
    return {};
}

// A small file with metadata of every kind and two tensors, written by GgufWriter.
QByteArray smallValidFile(const QString &dir)
{
    GgufWriter writer;
    writer.set("general.architecture", GgufValue::string("llama"));
    writer.set("u8", GgufValue::uint8(200));
    writer.set("i16", GgufValue::int16(-3));
    writer.set("f64", GgufValue::float64(0.25));
    writer.set("flag", GgufValue::boolean(true));
    writer.set("tokens", GgufValue::stringArray({"<s>", "a", "bc"}));
    writer.set("nested", GgufValue::array(GgufValueType::Array, {GgufValue::int32Array({1, 2}), GgufValue::float32Array({})}));
    writer.addTensor("a", GgmlType::F32, {4, 2});
    writer.addTensor("b", GgmlType::Q8_0, {32});
    const std::vector<uint8_t> a(writer.tensorBytes(0), 1);
    const std::vector<uint8_t> b(writer.tensorBytes(1), 2);
    const std::string path = QString(dir + u"/small.gguf"_s).toStdString();
    writer.write(path, {a, b});
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return file.readAll();
}
}

class GgufFileTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void storiesModel()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const auto path = TestData::sharedFile(u"models/stories260K.gguf"_s).toStdString();
        const auto file = GgufFile::open(path);
        QCOMPARE(file->version(), 3u);
        QCOMPARE(file->alignment(), 32u);
        QCOMPARE(file->fileSize(), 1185376u);
        // The directory ends at byte 14152; the data section starts at the next multiple of 32.
        QCOMPARE(file->dataOffset(), 14176u);
        QCOMPARE(file->metadata().size(), size_t(19));
        QCOMPARE(file->metadata().front().first, "tokenizer.ggml.tokens");
        QCOMPARE(file->requireString("general.architecture"), "llama");
        QCOMPARE(file->requireUInt("llama.embedding_length"), 64u);
        QCOMPARE(file->requireUInt("llama.block_count"), 5u);
        QCOMPARE(file->requireUInt("llama.attention.head_count"), 8u);
        QCOMPARE(file->requireUInt("llama.attention.head_count_kv"), 4u);
        QCOMPARE(file->requireUInt("llama.feed_forward_length"), 172u);
        QCOMPARE(file->requireUInt("tokenizer.ggml.padding_token_id"), 4294967295u);
        QCOMPARE(float(file->requireFloat("llama.attention.layer_norm_rms_epsilon")), 1e-5f);
        QCOMPARE(file->getUInt("llama.no_such_key", 7), 7u);
        QVERIFY(!file->find("llama.no_such_key"));

        const GgufValue *tokens = file->find("tokenizer.ggml.tokens");
        QVERIFY(tokens);
        QCOMPARE(tokens->arrayType(), GgufValueType::String);
        QCOMPARE(tokens->size(), size_t(512));
        QCOMPARE(tokens->at(1).toString(), "<s>");
        QCOMPARE(tokens->at(3).toString(), "<0x00>");
        QCOMPARE(file->find("tokenizer.ggml.token_type")->toInt32List().at(0), 2);
        QCOMPARE(file->find("tokenizer.ggml.scores")->toFloatList().size(), size_t(512));

        QCOMPARE(file->tensors().size(), size_t(48));
        const auto &embedding = file->requireTensor("token_embd.weight");
        QCOMPARE(embedding.type, GgmlType::F32);
        QCOMPARE(embedding.nDims, 2u);
        QCOMPARE(embedding.rowLength(), 64u);
        QCOMPARE(embedding.rowCount(), 512u);
        QCOMPARE(embedding.nbytes, 64u * 512u * 4u);
        QCOMPARE(embedding.offset, 0u);
        const auto &down = file->requireTensor("blk.4.ffn_down.weight");
        QCOMPARE(down.ne, (std::array<uint64_t, 4>{172, 64, 1, 1}));
        QCOMPARE(down.offset, 1082880u);
        const auto &norm = file->requireTensor("blk.4.ffn_norm.weight");
        QCOMPARE(norm.nDims, 1u);
        QCOMPARE(norm.elementCount(), 64u);
        // The last tensor ends exactly at the end of the file, and the data is the mapping itself.
        QCOMPARE(file->dataOffset() + norm.offset + norm.nbytes, file->fileSize());
        QCOMPARE(file->tensorDataBytes(), file->fileSize() - file->dataOffset());
        float weight;
        std::memcpy(&weight, norm.data, sizeof weight);
        QVERIFY(std::isfinite(weight) && weight != 0.0f);
        QCOMPARE(file->findTensor("missing"), nullptr);
    }

    void typedGetterErrors()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const auto path = TestData::sharedFile(u"models/stories260K.gguf"_s).toStdString();
        const auto file = GgufFile::open(path);
        const auto expectError = [&](auto &&call, const std::string &expected) {
            try {
                call();
            } catch (const Error &e) {
                const std::string message = e.what();
                QVERIFY2(message == path + ": " + expected, message.c_str());
                return;
            }
            QFAIL(("no error, expected: " + expected).c_str());
        };
        expectError([&] { file->requireString("llama.block_count"); }, "metadata key 'llama.block_count' has type uint32, expected string");
        expectError([&] { file->requireUInt("general.name"); }, "metadata key 'general.name' has type string, expected an unsigned integer");
        expectError([&] { file->requireFloat("tokenizer.ggml.tokens"); },
                    "metadata key 'tokenizer.ggml.tokens' has type array of string, expected a number");
        expectError([&] { file->getBool("general.name", false); }, "metadata key 'general.name' has type string, expected bool");
        expectError([&] { file->getUInt("general.name", 1); }, "metadata key 'general.name' has type string, expected an unsigned integer");
        expectError([&] { file->requireUInt("llama.missing"); }, "metadata key 'llama.missing' is missing");
        expectError([&] { file->requireTensor("output.bias"); }, "tensor 'output.bias' is missing");
    }

    void vocabularies_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(TestData::sharedFile(u"models/vocab"_s));
        const auto names = dir.entryList({u"*.gguf"_s}, QDir::Files, QDir::Name);
        if (names.isEmpty()) {
            QTest::newRow("missing") << QString();
        }
        for (const auto &name : names) {
            QTest::newRow(qPrintable(name)) << dir.filePath(name);
        }
    }

    // Every vocabulary file parses, and the parallel token arrays agree in length.
    void vocabularies()
    {
        QFETCH(QString, path);
        if (path.isEmpty()) {
            QSKIP("shared test data not found: models/vocab (set HEARTH_SHARED_DIR)");
        }
        const auto file = GgufFile::open(path.toStdString());
        const GgufValue &tokens = file->require("tokenizer.ggml.tokens");
        QVERIFY(tokens.size() > 1000);
        for (const char *key : {"tokenizer.ggml.scores", "tokenizer.ggml.token_type"}) {
            if (const GgufValue *parallel = file->find(key)) {
                QCOMPARE(parallel->size(), tokens.size());
            }
        }
        QVERIFY(file->tensors().empty());
        QVERIFY(!file->requireString("tokenizer.ggml.model").empty());
    }

    void llamaSpmVocabulary()
    {
        HEARTH_REQUIRE_SHARED(u"models/vocab/ggml-vocab-llama-spm.gguf"_s);
        const auto path = TestData::sharedFile(u"models/vocab/ggml-vocab-llama-spm.gguf"_s).toStdString();
        const auto file = GgufFile::open(path);
        const auto tokens = file->require("tokenizer.ggml.tokens").toStringList();
        QCOMPARE(tokens.size(), size_t(32000));
        QCOMPARE(tokens[3], "<0x00>");
        QCOMPARE(file->requireUInt("llama.vocab_size"), 32000u);
        QCOMPARE(file->getBool("tokenizer.ggml.add_bos_token", false), true);
        QCOMPARE(file->getBool("tokenizer.ggml.add_eos_token", true), false);
        // Vocabulary files have no tensors and (unlike model files) no padding after the directory.
        QCOMPARE(file->dataOffset() > file->fileSize(), true);
    }

    // 150k strings (a Qwen-size vocabulary) written and read back.
    void largeVocabularyRoundTrip()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::vector<std::string> tokens;
        tokens.reserve(150000);
        for (int i = 0; i < 150000; ++i) {
            tokens.push_back("token_" + std::to_string(i * 7919));
        }
        GgufWriter writer;
        writer.set("tokenizer.ggml.tokens", GgufValue::stringArray(tokens));
        writer.set("tokenizer.ggml.token_type", GgufValue::int32Array(std::vector<int32_t>(tokens.size(), 1)));
        const std::string path = dir.filePath(u"vocab.gguf"_s).toStdString();
        writer.write(path, {});

        const auto file = GgufFile::open(path);
        const GgufValue &read = file->require("tokenizer.ggml.tokens");
        QCOMPARE(read.size(), tokens.size());
        QCOMPARE(read.at(149999).toString(), tokens.back());
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char *name, const GgufBytes &b, const QString &expected) {
            QTest::newRow(name) << toByteArray(b) << expected;
        };
        constexpr uint32_t F32 = 0, Q8_0 = 8;
        constexpr uint64_t huge = std::numeric_limits<uint64_t>::max();

        row("empty file", GgufBytes(), u"not a GGUF file (only 0 bytes long)"_s);
        row("wrong magic", GgufBytes().raw("GGML", 4).u32(3).u64(0).u64(0), u"not a GGUF file (wrong magic bytes)"_s);
        row("version 1", GgufBytes().header(0, 0, 1), u"GGUF version 1 is not supported"_s);
        row("version 4", GgufBytes().header(0, 0, 4), u"unsupported GGUF version 4 (only versions 2 and 3)"_s);
        row("big-endian", GgufBytes().header(0, 0, 0x03000000), u"big-endian GGUF files are not supported"_s);
        row("absurd metadata count", GgufBytes().header(0, huge), u"claims 18446744073709551615 metadata entries, more than the file can hold"_s);
        row("absurd tensor count", GgufBytes().header(uint64_t(1) << 30, 0), u"claims 1073741824 tensors, more than the file can hold"_s);
        row("absurd key length", GgufBytes().header(0, 1).u64(huge).zeros(8),
            u"the key of metadata entry 0 claims a length of 18446744073709551615 bytes"_s);
        row("empty key", GgufBytes().header(0, 1).kvU32("", 1), u"the key of metadata entry 0 is empty"_s);
        row("invalid UTF-8 key", GgufBytes().header(0, 1).kvU32("bad\xC3(", 1), u"the key of metadata entry 0 is not valid UTF-8"_s);
        row("overlong UTF-8 key", GgufBytes().header(0, 1).kvU32("a\xC0\xAF", 1), u"is not valid UTF-8"_s);
        row("duplicate key", GgufBytes().header(0, 2).kvU32("a.b", 1).kvU32("a.b", 2), u"metadata key 'a.b' appears twice"_s);
        row("unknown value type", GgufBytes().header(0, 1).str("k").u32(13).u32(0), u"the value type of metadata key 'k' is unknown value type 13"_s);
        row("absurd string length", GgufBytes().header(0, 1).str("k").u32(8).u64(1000).raw("abc", 3),
            u"metadata key 'k' claims a length of 1000 bytes, more than the 3 bytes left in the file"_s);
        row("bool out of range", GgufBytes().header(0, 1).str("k").u32(7).u8(2), u"metadata key 'k' holds a bool of value 2 (must be 0 or 1)"_s);
        row("absurd array count", GgufBytes().header(0, 1).str("k").u32(9).u32(4).u64(uint64_t(1) << 40).zeros(64),
            u"metadata key 'k' claims 1099511627776 array items, more than the 64 bytes left in the file can hold"_s);
        row("absurd string array count", GgufBytes().header(0, 1).str("k").u32(9).u32(8).u64(9).zeros(64),
            u"metadata key 'k' claims 9 array items"_s);
        row("unknown array element type", GgufBytes().header(0, 1).str("k").u32(9).u32(99).u64(1).zeros(8),
            u"the element type of metadata key 'k' is unknown value type 99"_s);
        {
            GgufBytes deep;
            deep.header(0, 1).str("k").u32(9);
            for (int i = 0; i < 20; ++i) {
                deep.u32(9).u64(1);
            }
            deep.u32(4).u64(0);
            row("arrays nested too deep", deep, u"metadata key 'k' nests arrays deeper than 16 levels"_s);
        }
        row("alignment zero", GgufBytes().header(0, 1).kvU32("general.alignment", 0), u"general.alignment is 0, not a power of two"_s);
        row("alignment 48", GgufBytes().header(0, 1).kvU32("general.alignment", 48), u"general.alignment is 48, not a power of two"_s);
        row("alignment negative", GgufBytes().header(0, 1).str("general.alignment").u32(5).i32(-32),
            u"general.alignment is -32, not a power of two"_s);
        row("alignment a string", GgufBytes().header(0, 1).str("general.alignment").u32(8).str("32"),
            u"metadata key 'general.alignment' has type string, expected an integer"_s);
        row("alignment past the end", GgufBytes().header(1, 1).str("general.alignment").u32(10).u64(uint64_t(1) << 62).tensor("t", {8}, F32, 0),
            u"truncated: the tensor data section would start past the end of the file"_s);
        row("empty tensor name", GgufBytes().header(1, 0).tensor("", {8}, F32, 0).padTo(32).zeros(32),
            u"the name of tensor 0 is empty"_s);
        row("invalid UTF-8 tensor name", GgufBytes().header(1, 0).tensor("\xFF", {8}, F32, 0).padTo(32).zeros(32),
            u"the name of tensor 0 is not valid UTF-8"_s);
        row("zero dimensions", oneTensorFile({}, F32, 0, 32), u"tensor 't' has 0 dimensions (1 to 4 are supported)"_s);
        row("five dimensions", oneTensorFile({1, 1, 1, 1, 1}, F32, 0, 32), u"tensor 't' has 5 dimensions (1 to 4 are supported)"_s);
        row("zero-size dimension", oneTensorFile({8, 0}, F32, 0, 32), u"tensor 't' has dimension 1 of size 0"_s);
        row("dimension above INT64_MAX", oneTensorFile({8, uint64_t(1) << 63}, F32, 0, 32),
            u"tensor 't' has dimension 1 of absurd size 9223372036854775808"_s);
        row("element count overflow", oneTensorFile({uint64_t(1) << 32, uint64_t(1) << 32}, F32, 0, 32),
            u"tensor 't' has shape [4294967296, 4294967296] whose element count overflows"_s);
        row("unknown tensor type", oneTensorFile({8}, 4, 0, 32), u"tensor 't' has unknown type 4"_s);
        row("row not a multiple of the block", oneTensorFile({33}, Q8_0, 0, 64),
            u"tensor 't' has row length 33, not a multiple of Q8_0's block size 32"_s);
        row("duplicate tensor", GgufBytes().header(2, 0).tensor("t", {8}, F32, 0).tensor("t", {8}, F32, 32).padTo(32).zeros(64),
            u"tensor 't' appears twice"_s);
        row("misaligned tensor", oneTensorFile({8}, F32, 16, 64), u"tensor 't' has data offset 16, not a multiple of the alignment 32"_s);
        row("tensor past the end", oneTensorFile({8}, F32, 0, 31), u"tensor 't' (32 bytes at data offset 0) extends past the end of the file"_s);
        row("tensor offset overflow", oneTensorFile({8}, F32, huge - 31, 32),
            u"tensor 't' (32 bytes at data offset 18446744073709551584) extends past the end of the file"_s);
        row("overlapping tensors", GgufBytes().header(2, 0).tensor("a", {16}, F32, 0).tensor("b", {8}, F32, 32).padTo(32).zeros(64),
            u"the data of tensors 'a' and 'b' overlap"_s);
        row("truncated header", GgufBytes().raw("GGUF", 4).u32(3).u64(0), u"truncated: the file ends at byte 16 inside the metadata count"_s);
        row("truncated tensor shape", GgufBytes().header(1, 0).str("tensor_with_a_long_name").u32(2).u64(8),
            u"truncated: the file ends at byte 67 inside the shape of tensor 'tensor_with_a_long_name'"_s);
    }

    void malformed()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        const std::string message = messageOf(bytes, "bad.gguf");
        QVERIFY2(!message.empty(), "no error");
        QVERIFY2(message.starts_with("bad.gguf: "), message.c_str());
        QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
    }

    // Sanity of the malformed corpus: its building blocks make a valid file when not broken.
    void validTinyFiles()
    {
        const auto one = oneTensorFile({8}, 0, 0, 32);
        const auto file = GgufFile::fromMemory(one.bytes().data(), one.size(), "one.gguf");
        QCOMPARE(file->requireTensor("t").nbytes, 32u);
        QCOMPARE(file->requireTensor("t").data, one.bytes().data() + 64);
        const auto two = GgufBytes().header(2, 0).tensor("a", {8}, 0, 32).tensor("b", {8}, 0, 0).padTo(32).zeros(64);
        QCOMPARE(GgufFile::fromMemory(two.bytes().data(), two.size(), "two.gguf")->tensors().size(), size_t(2));
        const auto v2 = GgufBytes().header(0, 1, 2).kvU32("general.alignment", 64);
        QCOMPARE(GgufFile::fromMemory(v2.bytes().data(), v2.size(), "v2.gguf")->alignment(), 64u);
    }

    // Every prefix of a valid file that cuts into its header or tensor data is rejected with a clear error,
    // never a crash. Only the padding after the last tensor is optional (llama.cpp does not need it either).
    void everyTruncation()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray full = smallValidFile(dir.path());
        QVERIFY(full.size() > 300);
        const auto *data = reinterpret_cast<const uint8_t *>(full.constData());
        const auto complete = GgufFile::fromMemory(data, size_t(full.size()), "small.gguf");
        QCOMPARE(complete->tensors().size(), size_t(2));
        const auto &last = complete->requireTensor("b");
        const auto dataEnd = qsizetype(complete->dataOffset() + last.offset + last.nbytes);
        QVERIFY(dataEnd < full.size());
        for (qsizetype length = 0; length < full.size(); ++length) {
            // A copy of exactly `length` bytes, so ASan catches any read past the end.
            const std::vector<uint8_t> prefix(data, data + length);
            try {
                GgufFile::fromMemory(prefix.data(), prefix.size(), "small.gguf");
                QVERIFY2(length >= dataEnd, qPrintable(u"a prefix of %1 of %2 bytes was accepted"_s.arg(length).arg(full.size())));
            } catch (const Error &e) {
                QVERIFY2(length < dataEnd, e.what());
                QVERIFY2(std::string_view(e.what()).starts_with("small.gguf: "), e.what());
            }
        }
    }

    // Every byte of the header and directory replaced by a few telling values: the reader either accepts the
    // file, with every tensor inside the buffer, or throws hearth::Error (not bad_alloc, not a crash).
    void everyByteMutation()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray full = smallValidFile(dir.path());
        const auto original = GgufFile::fromMemory(reinterpret_cast<const uint8_t *>(full.constData()), size_t(full.size()), "m.gguf");
        int accepted = 0;
        int rejected = 0;
        for (uint64_t position = 0; position < original->dataOffset(); ++position) {
            for (const uint8_t replacement : {uint8_t(0x00), uint8_t(0xff), uint8_t(0x80), uint8_t(full[qsizetype(position)] + 1)}) {
                std::vector<uint8_t> bytes(full.begin(), full.end());
                bytes[position] = replacement;
                try {
                    const auto file = GgufFile::fromMemory(bytes.data(), bytes.size(), "m.gguf");
                    for (const auto &t : file->tensors()) {
                        QVERIFY(t.data >= bytes.data() && t.data + t.nbytes <= bytes.data() + bytes.size());
                    }
                    ++accepted;
                } catch (const Error &e) {
                    QVERIFY2(std::string_view(e.what()).starts_with("m.gguf: "), e.what());
                    ++rejected;
                }
            }
        }
        qInfo("%d mutations accepted, %d rejected", accepted, rejected);
        QVERIFY(rejected > 0 && accepted > 0);
    }
};

QTEST_GUILESS_MAIN(GgufFileTest)
#include "GgufFileTest.moc"
