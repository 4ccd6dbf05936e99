// SPDX-License-Identifier: GPL-3.0-or-later
// LlamaModel::load(): stories260K copied through GgufWriter with one thing broken at a time must fail with a
// message naming the file and the problem; tied embeddings must work.
#include "TestData.h"

#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "util/Error.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>
#include <span>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
const QString modelFile = u"models/stories260K.gguf"_s;

// An editable copy of a GGUF file: metadata and tensors (data still pointing into the source file, or into
// `owned` for replaced tensors).
struct ModelCopy {
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> shape;
        std::span<const uint8_t> data;
    };
    std::vector<std::pair<std::string, GgufValue>> metadata;
    std::vector<Tensor> tensors;
    std::vector<std::vector<uint8_t>> owned;

    explicit ModelCopy(const GgufFile &file)
        : metadata(file.metadata())
    {
        for (const GgufTensorInfo &t : file.tensors()) {
            tensors.push_back({t.name, t.type, std::vector<uint64_t>(t.ne.begin(), t.ne.begin() + t.nDims), std::span(t.data, t.nbytes)});
        }
    }

    void set(const std::string &key, GgufValue value)
    {
        for (auto &[k, v] : metadata) {
            if (k == key) {
                v = std::move(value);
                return;
            }
        }
        metadata.emplace_back(key, std::move(value));
    }
    void removeKey(const std::string &key)
    {
        std::erase_if(metadata, [&](const auto &entry) {
            return entry.first == key;
        });
    }
    void removeTensor(const std::string &name)
    {
        std::erase_if(tensors, [&](const Tensor &t) {
            return t.name == name;
        });
    }
    // Replaces a tensor by one of another type and shape, filled with zero bytes.
    void replaceTensor(const std::string &name, GgmlType type, std::vector<uint64_t> shape, uint64_t bytes)
    {
        for (Tensor &t : tensors) {
            if (t.name == name) {
                owned.emplace_back(bytes);
                t = {name, type, std::move(shape), owned.back()};
            }
        }
    }
    Tensor &tensor(const std::string &name)
    {
        for (Tensor &t : tensors) {
            if (t.name == name) {
                return t;
            }
        }
        throw std::logic_error("no tensor " + name);
    }

    void write(const std::string &path) const
    {
        GgufWriter writer;
        for (const auto &[key, value] : metadata) {
            writer.set(key, value);
        }
        std::vector<std::span<const uint8_t>> data;
        for (const Tensor &t : tensors) {
            writer.addTensor(t.name, t.type, t.shape);
            data.push_back(t.data);
        }
        writer.write(path, data);
    }
};

using Change = std::function<void(ModelCopy &)>;
}

class LlamaModelTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<GgufFile> m_source;
    QTemporaryDir m_dir;

    std::string variant(const QString &name, const Change &change)
    {
        ModelCopy copy(*m_source);
        change(copy);
        const std::string path = m_dir.filePath(name + u".gguf"_s).toStdString();
        copy.write(path);
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        QVERIFY(m_dir.isValid());
        m_source = GgufFile::open(TestData::sharedFile(modelFile).toStdString());
    }

    void unchangedCopyLoads()
    {
        const auto model = LlamaModel::load(variant(u"copy"_s, [](ModelCopy &) { }));
        QCOMPARE(model->config().layers, 5u);
        QCOMPARE(model->layers().size(), size_t(5));
        QCOMPARE(model->output().rows(), uint64_t(512));
    }

    void malformed_data()
    {
        QTest::addColumn<Change>("change");
        QTest::addColumn<QString>("message");
        QTest::newRow("not llama") << Change([](ModelCopy &m) {
            m.set("general.architecture", GgufValue::string("gpt2"));
        }) << u"general.architecture is 'gpt2', only 'llama' is supported"_s;
        QTest::newRow("heads do not divide the width") << Change([](ModelCopy &m) {
            m.set("llama.attention.head_count", GgufValue::uint32(7));
        }) << u"llama.attention.head_count (7) does not divide llama.embedding_length (64)"_s;
        QTest::newRow("kv heads do not divide heads") << Change([](ModelCopy &m) {
            m.set("llama.attention.head_count_kv", GgufValue::uint32(3));
        }) << u"llama.attention.head_count_kv (3) does not divide llama.attention.head_count (8)"_s;
        QTest::newRow("zero layers") << Change([](ModelCopy &m) {
            m.set("llama.block_count", GgufValue::uint32(0));
        }) << u"llama.block_count is 0"_s;
        QTest::newRow("width missing") << Change([](ModelCopy &m) {
            m.removeKey("llama.embedding_length");
        }) << u"metadata key 'llama.embedding_length' is missing"_s;
        QTest::newRow("odd rope dimension") << Change([](ModelCopy &m) {
            m.set("llama.rope.dimension_count", GgufValue::uint32(7));
        }) << u"llama.rope.dimension_count is 7"_s;
        QTest::newRow("rope wider than a head") << Change([](ModelCopy &m) {
            m.set("llama.rope.dimension_count", GgufValue::uint32(16));
        }) << u"llama.rope.dimension_count is 16"_s;
        QTest::newRow("unknown rope scaling") << Change([](ModelCopy &m) {
            m.set("llama.rope.scaling.type", GgufValue::string("yarn"));
        }) << u"llama.rope.scaling.type 'yarn' is not supported"_s;
        QTest::newRow("missing tensor") << Change([](ModelCopy &m) {
            m.removeTensor("blk.3.ffn_up.weight");
        }) << u"tensor 'blk.3.ffn_up.weight' is missing"_s;
        QTest::newRow("wrong shape") << Change([](ModelCopy &m) {
            m.replaceTensor("blk.0.attn_k.weight", GgmlType::F32, {64, 64}, 64 * 64 * 4);
        }) << u"tensor 'blk.0.attn_k.weight' has shape [64, 64], expected [64, 32]"_s;
        QTest::newRow("feed-forward mismatch") << Change([](ModelCopy &m) {
            m.set("llama.feed_forward_length", GgufValue::uint32(160));
        }) << u"tensor 'blk.0.ffn_gate.weight' has shape [64, 172], expected [64, 160]"_s;
        QTest::newRow("3-D weight") << Change([](ModelCopy &m) {
            m.replaceTensor("blk.1.attn_q.weight", GgmlType::F32, {64, 32, 2}, 64 * 64 * 4);
        }) << u"tensor 'blk.1.attn_q.weight' has shape [64, 32, 2], expected [64, 64]"_s;
        QTest::newRow("norm is a matrix") << Change([](ModelCopy &m) {
            m.replaceTensor("output_norm.weight", GgmlType::F32, {64, 1, 1, 1}, 64 * 4);
        }) << u"tensor 'output_norm.weight' has shape [64, 1, 1, 1], expected [64]"_s;
        QTest::newRow("vocabulary size") << Change([](ModelCopy &m) {
            m.replaceTensor("token_embd.weight", GgmlType::F32, {64, 500}, 64 * 500 * 4);
        }) << u"the vocabulary has 512 tokens but token_embd.weight has 500 rows"_s;
        QTest::newRow("type without kernels") << Change([](ModelCopy &m) {
            m.replaceTensor("blk.2.attn_v.weight", GgmlType::I32, {64, 32}, 64 * 32 * 4);
        }) << u"tensor 'blk.2.attn_v.weight' has type I32, which this engine cannot compute with"_s;
    }

    void malformed()
    {
        QFETCH(Change, change);
        QFETCH(QString, message);
        const std::string path = variant(QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-'), change);
        QString actual;
        try {
            LlamaModel::load(path);
        } catch (const Error &e) {
            actual = QString::fromStdString(e.what());
        }
        QVERIFY2(actual.startsWith(QString::fromStdString(path) + u": "_s), qPrintable(actual));
        QVERIFY2(actual.contains(message), qPrintable(actual));
    }

    // Without output.weight the embedding is the output projection: same logits as a file whose
    // output.weight is a copy of token_embd.weight (stories260K's own output.weight is such a copy, so a
    // zeroed output.weight shows that a present one is used).
    void tiedEmbeddings()
    {
        const auto tied = LlamaModel::load(variant(u"tied"_s, [](ModelCopy &m) {
            m.removeTensor("output.weight");
        }));
        const auto copied = LlamaModel::load(variant(u"copied"_s, [](ModelCopy &m) {
            m.tensor("output.weight").data = m.tensor("token_embd.weight").data;
        }));
        const auto zeroed = LlamaModel::load(variant(u"zeroed"_s, [](ModelCopy &m) {
            m.replaceTensor("output.weight", GgmlType::F32, {64, 512}, 64 * 512 * 4);
        }));
        const std::vector<int32_t> prompt{1, 403, 407, 261, 378};
        const auto logits = [&](const LlamaModel &model) {
            LlamaContext context(model, {.nCtx = 16});
            const auto span = context.eval(prompt);
            return std::vector<float>(span.begin(), span.end());
        };
        const std::vector<float> tiedLogits = logits(*tied);
        QCOMPARE(tiedLogits, logits(*copied));
        QCOMPARE(logits(*zeroed), std::vector<float>(512, 0.0f));
        QVERIFY(std::any_of(tiedLogits.begin(), tiedLogits.end(), [](float v) {
            return v != 0.0f;
        }));
    }
};

QTEST_GUILESS_MAIN(LlamaModelTest)
#include "LlamaModelTest.moc"
