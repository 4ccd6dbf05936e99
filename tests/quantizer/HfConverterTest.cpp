// SPDX-License-Identifier: GPL-3.0-or-later
// Hugging Face folders to GGUF: the Llama 2 SentencePiece model gives llama.cpp's vocabulary, and a folder
// written from stories260K (HfFolderWriter, single file and shards, F32 and F16) converts back to the model.
#include "HfFolderWriter.h"
#include "TestData.h"
#include "tokenizer/VocabSuite.h"

#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "quantizer/HfConverter.h"
#include "quantizer/Quantizer.h"
#include "quantizer/SafetensorsReader.h"
#include "quantizer/SentencePieceModel.h"
#include "tokenizer/Tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
QuantOptions options(QuantTarget target, bool report = true)
{
    QuantOptions o;
    o.target = target;
    o.threads = 2;
    o.report = report;
    return o;
}

const QString modelFile = u"models/stories260K.gguf"_s;
const QString spmFile = u"models/llama2-tokenizer.model"_s;
const QString spmVocabFile = u"models/vocab/ggml-vocab-llama-spm.gguf"_s;
const QString bpeVocabFile = u"models/vocab/ggml-vocab-gpt-2.gguf"_s;

const GgufValue *findKey(const HfConverter::Metadata &metadata, std::string_view key)
{
    const auto it = std::find_if(metadata.begin(), metadata.end(), [key](const auto &entry) {
        return entry.first == key;
    });
    return it == metadata.end() ? nullptr : &it->second;
}

std::vector<float> promptLogits(const std::string &path)
{
    const auto model = LlamaModel::load(path);
    LlamaContext context(*model, {.nCtx = 128, .nThreads = 1, .kvType = GgmlType::F32});
    const auto logits = context.eval(model->tokenizer().encode("The little dog ran to the park and", true));
    return {logits.begin(), logits.end()};
}
}

class HfConverterTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void llama2Tokenizer()
    {
        HEARTH_REQUIRE_SHARED(spmFile);
        HEARTH_REQUIRE_SHARED(spmVocabFile);
        QTemporaryDir dir;
        QVERIFY(QFile::copy(TestData::sharedFile(spmFile), dir.filePath(u"tokenizer.model"_s)));
        const HfConverter::Metadata metadata = HfConverter::tokenizerMetadata(dir.path().toStdString(), 0);
        const auto reference = GgufFile::open(TestData::sharedFile(spmVocabFile).toStdString());

        QCOMPARE(findKey(metadata, "tokenizer.ggml.model")->toString(), reference->requireString("tokenizer.ggml.model"));
        const std::vector<std::string> tokens = findKey(metadata, "tokenizer.ggml.tokens")->toStringList();
        QCOMPARE(tokens.size(), size_t(32000));
        QVERIFY(tokens == reference->require("tokenizer.ggml.tokens").toStringList());
        const std::vector<float> scores = findKey(metadata, "tokenizer.ggml.scores")->toFloatList();
        const std::vector<float> referenceScores = reference->require("tokenizer.ggml.scores").toFloatList();
        QVERIFY(std::equal(scores.begin(), scores.end(), referenceScores.begin(), referenceScores.end(), [](float a, float b) {
            return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
        }));
        QVERIFY(findKey(metadata, "tokenizer.ggml.token_type")->toInt32List() == reference->require("tokenizer.ggml.token_type").toInt32List());
        for (const char *key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id"}) {
            QCOMPARE(findKey(metadata, key)->toUInt64(), reference->requireUInt(key));
        }
    }

    // A tokenizer.json written from GPT-2's GGUF vocabulary converts back to the same tokens, types and merges,
    // and the converted vocabulary passes the suite's own inputs and expected ids.
    void bpeTokenizerJson()
    {
        HEARTH_REQUIRE_SHARED(bpeVocabFile);
        const QString vocabPath = TestData::sharedFile(bpeVocabFile);
        const auto reference = GgufFile::open(vocabPath.toStdString());
        QTemporaryDir dir;
        QVERIFY(HfFolderWriter::writeBpeTokenizer(*reference, dir.path()));
        const HfConverter::Metadata metadata = HfConverter::tokenizerMetadata(dir.path().toStdString(), 0);

        QCOMPARE(findKey(metadata, "tokenizer.ggml.model")->toString(), std::string("gpt2"));
        QCOMPARE(findKey(metadata, "tokenizer.ggml.pre")->toString(), reference->requireString("tokenizer.ggml.pre"));
        const std::vector<std::string> tokens = findKey(metadata, "tokenizer.ggml.tokens")->toStringList();
        QCOMPARE(tokens.size(), size_t(50257));
        QVERIFY(tokens == reference->require("tokenizer.ggml.tokens").toStringList());
        QVERIFY(findKey(metadata, "tokenizer.ggml.token_type")->toInt32List() == reference->require("tokenizer.ggml.token_type").toInt32List());
        QVERIFY(findKey(metadata, "tokenizer.ggml.merges")->toStringList() == reference->require("tokenizer.ggml.merges").toStringList());
        for (const char *key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"}) {
            QCOMPARE(findKey(metadata, key)->toUInt64(), reference->requireUInt(key));
        }

        GgufWriter writer;
        for (const auto &[key, value] : metadata) {
            writer.set(key, value);
        }
        const std::string converted = dir.filePath(u"converted.gguf"_s).toStdString();
        writer.write(converted, {});
        const auto tokenizer = Tokenizer::fromGguf(*GgufFile::open(converted));
        const QByteArrayList inputs = VocabSuite::splitInputs(VocabSuite::readAll(vocabPath + u".inp"_s));
        const QByteArrayList outputs = VocabSuite::readAll(vocabPath + u".out"_s).split('\n');
        QCOMPARE(outputs.size(), inputs.size() + 1);
        for (qsizetype i = 0; i < inputs.size(); ++i) {
            const std::vector<int32_t> ids = tokenizer->encode(inputs[i].toStdString(), false, false);
            QVERIFY2(ids == VocabSuite::parseIds(outputs[i]), inputs[i].constData());
        }
    }

    void sentencePieceRoundTrip()
    {
        SentencePieceModel model;
        model.pieces = {"<unk>", "<s>", "</s>", "\xE2\x96\x81hello", "<0x0A>"};
        model.scores = {0.0f, 0.0f, 0.0f, -1.5f, -1e9f};
        model.types = {2, 3, 3, 1, 6};
        model.unkId = 0;
        model.bosId = 1;
        model.eosId = 2;
        model.padId = -1;
        model.addDummyPrefix = false;
        const SentencePieceModel back = SentencePieceModel::parse(model.serialize(), "test");
        QVERIFY(back.pieces == model.pieces);
        QVERIFY(back.scores == model.scores);
        QVERIFY(back.types == model.types);
        QCOMPARE(back.padId, -1);
        QCOMPARE(back.addDummyPrefix, false);
        // Truncated protobuf: a clear error, not a crash.
        const std::string bytes = model.serialize();
        QVERIFY_THROWS_EXCEPTION(Error, SentencePieceModel::parse(bytes.substr(0, bytes.size() / 2), "half.model"));
    }

    void rowOrderInverse()
    {
        for (const uint32_t heads : {1u, 4u, 8u}) {
            const uint64_t rows = uint64_t(heads) * 16;
            for (uint64_t r = 0; r < rows; ++r) {
                QCOMPARE(HfConverter::ggufRowForHfRow(HfConverter::hfRowForGgufRow(r, rows, heads), rows, heads), r);
            }
        }
        // Head 0 of 8 rows: GGUF rows 0 1 2 3 4 5 6 7 are HF rows 0 4 1 5 2 6 3 7.
        const uint64_t expected[] = {0, 4, 1, 5, 2, 6, 3, 7};
        for (uint64_t r = 0; r < 8; ++r) {
            QCOMPARE(HfConverter::hfRowForGgufRow(r, 8, 1), expected[r]);
        }
    }

    void storiesRoundTrip_data()
    {
        QTest::addColumn<bool>("f16");
        QTest::addColumn<int>("shards");
        QTest::newRow("f32 single") << false << 1;
        QTest::newRow("f32 shards") << false << 3;
        QTest::newRow("f16 single") << true << 1;
    }

    void storiesRoundTrip()
    {
        QFETCH(bool, f16);
        QFETCH(int, shards);
        HEARTH_REQUIRE_SHARED(modelFile);
        const std::string original = TestData::sharedFile(modelFile).toStdString();
        QTemporaryDir dir;
        const QString folder = dir.filePath(u"stories-hf"_s);
        const auto source = GgufFile::open(original);
        QVERIFY(HfFolderWriter::write(*source, folder, {.f16 = f16, .shards = shards}));

        Quantizer quantizer(folder.toStdString());
        QCOMPARE(quantizer.input().kind, QuantInput::Kind::HuggingFace);
        QCOMPARE(quantizer.input().embedding, 64u);
        QCOMPARE(quantizer.input().weightType, f16 ? GgmlType::F16 : GgmlType::F32);
        const std::string output = dir.filePath(u"back.gguf"_s).toStdString();
        quantizer.run(output, options(QuantTarget::F32));

        const auto back = GgufFile::open(output);
        QCOMPARE(back->tensors().size(), source->tensors().size());
        for (const GgufTensorInfo &t : source->tensors()) {
            const GgufTensorInfo *converted = back->findTensor(t.name);
            QVERIFY2(converted, t.name.c_str());
            QVERIFY(converted->ne == t.ne);
            if (!f16) { // F32 through the folder and back: the same bytes
                QVERIFY2(std::equal(t.data, t.data + t.nbytes, converted->data), t.name.c_str());
            }
        }
        for (const char *key : {"tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"}) {
            QVERIFY2(back->require(key) == source->require(key), key);
        }
        for (const char *key : {"llama.embedding_length", "llama.block_count", "llama.feed_forward_length", "llama.attention.head_count",
                                "llama.attention.head_count_kv", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"}) {
            QCOMPARE(back->requireUInt(key), source->requireUInt(key));
        }
        QCOMPARE(back->requireFloat("llama.attention.layer_norm_rms_epsilon"), source->requireFloat("llama.attention.layer_norm_rms_epsilon"));
        QVERIFY(back->find("tokenizer.chat_template"));

        const std::vector<float> expected = promptLogits(original);
        const std::vector<float> actual = promptLogits(output);
        QCOMPARE(actual.size(), expected.size());
        double worst = 0;
        for (size_t i = 0; i < actual.size(); ++i) {
            worst = std::max(worst, double(std::fabs(actual[i] - expected[i])));
        }
        QVERIFY2(worst <= (f16 ? 0.02 : 0.0), qPrintable(u"max logit difference %1"_s.arg(worst)));
    }

    // A query projection stored as one dimension is refused by name: the row permutation of Q and K read its
    // second dimension past the end of the shape (found by fuzz_hf_folder; ASan sees the read).
    void oneDimensionalQueryIsRefused()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        QTemporaryDir dir;
        const QString folder = dir.filePath(u"stories-hf"_s);
        QVERIFY(HfFolderWriter::write(*GgufFile::open(TestData::sharedFile(modelFile).toStdString()), folder, {}));
        const QString path = folder + u"/model.safetensors"_s;
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        file.close();
        quint64 headerBytes = 0;
        std::memcpy(&headerBytes, bytes.constData(), sizeof headerBytes);
        QJsonObject header = QJsonDocument::fromJson(bytes.mid(8, qsizetype(headerBytes))).object();
        const QString name = u"model.layers.0.self_attn.q_proj.weight"_s;
        QJsonObject tensor = header[name].toObject();
        const QJsonArray shape = tensor[u"shape"_s].toArray();
        QCOMPARE(shape.size(), 2);
        tensor[u"shape"_s] = QJsonArray{shape[0].toInteger() * shape[1].toInteger()};
        header[name] = tensor;
        const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
        const quint64 jsonBytes = quint64(json.size());
        QVERIFY(HfFolderWriter::writeFile(path, QByteArray(reinterpret_cast<const char *>(&jsonBytes), 8) + json + bytes.mid(8 + qsizetype(headerBytes))));
        try {
            Quantizer quantizer(folder.toStdString());
            QFAIL("a 1-D query projection was accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("'" + name.toStdString() + "' has an unexpected shape") != std::string::npos, e.what());
        }
    }

    void malformedFolder()
    {
        QTemporaryDir dir;
        QVERIFY_THROWS_EXCEPTION(Error, Quantizer(dir.path().toStdString())); // no config.json
        QVERIFY(HfFolderWriter::writeFile(dir.filePath(u"config.json"_s), "{\"model_type\": \"llama\", \"hidden_size\": 64}"));
        try {
            Quantizer quantizer(dir.path().toStdString());
            QFAIL("an incomplete config was accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("config.json") != std::string::npos, e.what());
        }
        // A safetensors file whose header promises more data than it has.
        QVERIFY(HfFolderWriter::writeFile(dir.filePath(u"model.safetensors"_s), QByteArray("\x10\0\0\0\0\0\0\0{\"a\":", 14)));
        QVERIFY_THROWS_EXCEPTION(Error, SafetensorsReader(dir.filePath(u"model.safetensors"_s).toStdString()));
    }
};

QTEST_GUILESS_MAIN(HfConverterTest)
#include "HfConverterTest.moc"
