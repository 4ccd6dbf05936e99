// SPDX-License-Identifier: GPL-3.0-or-later
// Models whose metadata or weights lie: absurd sizes and head counts, heads that do not divide the width, a
// vocabulary that disagrees with the tensors, tensors that disagree with the configuration, NaN and Inf weights.
// Each variant is the synthetic "tiny" model rewritten with one thing changed; loading it must throw
// hearth::Error naming the file and the problem.
#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "model/LlamaModel.h"
#include "model/SyntheticModel.h"
#include "util/Error.h"

#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <cstring>
#include <functional>
#include <limits>
#include <map>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
struct Variant {
    // Metadata to set (replacing the value) or, with nullopt, to remove.
    std::map<std::string, std::optional<GgufValue>> metadata;
    // Changes the bytes of one tensor.
    std::string tensor;
    std::function<void(std::vector<uint8_t> &)> editTensor;
};

void rewrite(const GgufFile &source, const std::string &target, const Variant &variant)
{
    GgufWriter writer;
    for (const auto &[key, value] : source.metadata()) {
        const auto change = variant.metadata.find(key);
        if (change == variant.metadata.end()) {
            writer.set(key, value);
        } else if (change->second) {
            writer.set(key, *change->second);
        }
    }
    for (const auto &[key, value] : variant.metadata) {
        if (value && !source.find(key)) {
            writer.set(key, *value);
        }
    }
    std::vector<std::vector<uint8_t>> data;
    for (const GgufTensorInfo &t : source.tensors()) {
        writer.addTensor(t.name, t.type, std::vector<uint64_t>(t.ne.begin(), t.ne.begin() + t.nDims));
        data.emplace_back(t.data, t.data + t.nbytes);
        if (t.name == variant.tensor) {
            variant.editTensor(data.back());
        }
    }
    writer.write(target, std::vector<std::span<const uint8_t>>(data.begin(), data.end()));
}

void putFloat(std::vector<uint8_t> &bytes, size_t index, float value)
{
    std::memcpy(bytes.data() + index * sizeof(float), &value, sizeof value);
}

// Q8_0 blocks: an fp16 scale, then 32 int8 quants. An all-ones exponent makes the scale Inf or NaN.
void putQ8Scale(std::vector<uint8_t> &bytes, size_t block, uint16_t halfBits)
{
    std::memcpy(bytes.data() + block * 34, &halfBits, sizeof halfBits);
}
}

Q_DECLARE_METATYPE(Variant)

class HostileModelTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<GgufFile> m_source;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const std::string path = m_dir.filePath(u"tiny.gguf"_s).toStdString();
        SyntheticModel(*SyntheticModel::findShape("tiny"), *SyntheticModel::findFormat("Q8_0")).write(path);
        m_source = GgufFile::open(path);
        LlamaModel::load(path); // the unchanged model loads
    }

    void refused_data()
    {
        QTest::addColumn<Variant>("variant");
        QTest::addColumn<QString>("expected");
        const auto set = [](const std::string &key, GgufValue value) {
            Variant v;
            v.metadata.emplace(key, std::move(value));
            return v;
        };
        const auto u32 = [&](const std::string &key, uint32_t value) {
            return set(key, GgufValue::uint32(value));
        };
        const auto tensor = [](const std::string &name, std::function<void(std::vector<uint8_t> &)> edit) {
            Variant v;
            v.tensor = name;
            v.editTensor = std::move(edit);
            return v;
        };
        constexpr float nan = std::numeric_limits<float>::quiet_NaN();
        constexpr float inf = std::numeric_limits<float>::infinity();

        QTest::newRow("absurd context") << set("llama.context_length", GgufValue::uint64(uint64_t(1) << 40))
                                        << u"llama.context_length is 1099511627776, expected 1 to 16777216"_s;
        QTest::newRow("zero context") << u32("llama.context_length", 0) << u"llama.context_length is 0"_s;
        QTest::newRow("zero heads") << u32("llama.attention.head_count", 0) << u"llama.attention.head_count is 0, expected 1 to"_s;
        QTest::newRow("absurd heads") << u32("llama.attention.head_count", 1u << 30)
                                      << u"llama.attention.head_count is 1073741824, expected 1 to 1048576"_s;
        QTest::newRow("absurd layers") << u32("llama.block_count", 100000) << u"llama.block_count is 100000, expected 1 to 4096"_s;
        QTest::newRow("absurd width") << set("llama.embedding_length", GgufValue::uint64(~uint64_t(0)))
                                      << u"llama.embedding_length is 18446744073709551615"_s;
        QTest::newRow("negative width") << set("llama.embedding_length", GgufValue::int32(-256))
                                        << u"metadata key 'llama.embedding_length'"_s;
        QTest::newRow("heads do not divide the width")
            << u32("llama.attention.head_count", 7) << u"llama.attention.head_count (7) does not divide llama.embedding_length (256)"_s;
        QTest::newRow("kv heads do not divide heads")
            << u32("llama.attention.head_count_kv", 3) << u"llama.attention.head_count_kv (3) does not divide llama.attention.head_count (8)"_s;
        QTest::newRow("more kv heads than heads")
            << u32("llama.attention.head_count_kv", 16) << u"llama.attention.head_count_kv (16) does not divide"_s;
        QTest::newRow("odd rope dimension") << u32("llama.rope.dimension_count", 7) << u"llama.rope.dimension_count is 7"_s;
        QTest::newRow("NaN rope base") << set("llama.rope.freq_base", GgufValue::float32(nan)) << u"llama.rope.freq_base is nan"_s;
        QTest::newRow("infinite epsilon") << set("llama.attention.layer_norm_rms_epsilon", GgufValue::float32(inf))
                                          << u"llama.attention.layer_norm_rms_epsilon is inf"_s;
        QTest::newRow("vocab_size disagrees with token_embd")
            << u32("llama.vocab_size", 999) << u"llama.vocab_size (999) differs from the rows of token_embd.weight (1000)"_s;
        {
            std::vector<std::string> tokens;
            for (size_t i = 0; i < 999; ++i) {
                tokens.push_back(i < 3 ? std::array{"<unk>", "<s>", "</s>"}[i] : "t" + std::to_string(i));
            }
            Variant v = set("tokenizer.ggml.tokens", GgufValue::stringArray(tokens));
            v.metadata.emplace("tokenizer.ggml.scores", std::nullopt);
            v.metadata.emplace("tokenizer.ggml.token_type", std::nullopt);
            QTest::newRow("vocabulary disagrees with token_embd")
                << v << u"the vocabulary has 999 tokens but token_embd.weight has 1000 rows"_s;
        }
        QTest::newRow("width disagrees with the tensors")
            << u32("llama.embedding_length", 512) << u"tensor 'token_embd.weight' has shape [256, 1000], expected [512, 1000]"_s;
        QTest::newRow("feed-forward disagrees with the tensors")
            << u32("llama.feed_forward_length", 1024) << u"tensor 'blk.0.ffn_gate.weight' has shape [256, 768], expected [256, 1024]"_s;
        QTest::newRow("kv heads disagree with the tensors")
            << u32("llama.attention.head_count_kv", 4) << u"tensor 'blk.0.attn_k.weight' has shape [256, 64], expected [256, 128]"_s;
        QTest::newRow("more layers than tensors") << u32("llama.block_count", 3) << u"tensor 'blk.2.attn_norm.weight' is missing"_s;
        QTest::newRow("NaN in a norm") << tensor("output_norm.weight", [&](auto &b) { putFloat(b, 17, nan); })
                                       << u"tensor 'output_norm.weight' contains a value that is not a finite number"_s;
        QTest::newRow("Inf in a norm") << tensor("blk.1.ffn_norm.weight", [&](auto &b) { putFloat(b, 0, -inf); })
                                       << u"tensor 'blk.1.ffn_norm.weight' contains a value that is not a finite number"_s;
        // Row 3 of a 256-wide Q8_0 matrix starts at block 24.
        QTest::newRow("Inf scale in a quantized matrix") << tensor("blk.1.attn_k.weight", [&](auto &b) { putQ8Scale(b, 24, 0x7C00); })
                                                         << u"tensor 'blk.1.attn_k.weight' contains a value that is not a finite number (row 3)"_s;
        QTest::newRow("NaN scale in the embedding") << tensor("token_embd.weight", [&](auto &b) { putQ8Scale(b, 8 * 999 + 7, 0x7E00); })
                                                    << u"tensor 'token_embd.weight' contains a value that is not a finite number (row 999)"_s;
    }

    void refused()
    {
        QFETCH(Variant, variant);
        QFETCH(QString, expected);
        const std::string path = m_dir.filePath(u"hostile.gguf"_s).toStdString();
        rewrite(*m_source, path, variant);
        try {
            LlamaModel::load(path);
            QFAIL("the model was loaded");
        } catch (const Error &e) {
            const std::string_view message = e.what();
            QVERIFY2(message.starts_with(path + ": "), e.what());
            QVERIFY2(message.find(expected.toStdString()) != std::string_view::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(HostileModelTest)
#include "HostileModelTest.moc"
