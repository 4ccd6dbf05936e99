// SPDX-License-Identifier: GPL-3.0-or-later
// The importance matrix: computed by our engine on stories260K (one entry checked against activations
// recomputed by hand), saved and loaded in llama.cpp's layout, and used by the quantizer to lower the
// importance-weighted error.
#include "TestData.h"

#include "gguf/GgufFile.h"
#include "model/LlamaModel.h"
#include "quant/TypeTraits.h"
#include "quantizer/ImportanceMatrix.h"
#include "quantizer/Quantizer.h"
#include "tokenizer/Tokenizer.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
const QString modelFile = u"models/stories260K.gguf"_s;
const char *kText = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her dog. "
                    "One day, she saw a big red ball under a tree. She ran to get it and her dog ran with her. They played all day.";
constexpr int kContext = 16;

std::vector<float> decode(const GgufTensorInfo &t)
{
    std::vector<float> values(t.elementCount());
    typeTraits(t.type)->toFloat(t.data, values.data(), int64_t(values.size()));
    return values;
}
}

class ImportanceMatrixTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<LlamaModel> m_model;
    std::vector<int32_t> m_tokens;

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        m_model = LlamaModel::load(TestData::sharedFile(modelFile).toStdString());
        m_tokens = m_model->tokenizer().encode(kText, false);
        QVERIFY(m_tokens.size() >= 2 * kContext);
    }

    void computeMatchesHandRecomputation()
    {
        const ImportanceMatrix matrix = ImportanceMatrix::compute(*m_model, m_tokens, kContext, 2, 1);
        QCOMPARE(matrix.size(), size_t(5 * 7)); // q k v output gate up down per layer
        QCOMPARE(matrix.importance("blk.4.ffn_down.weight").size(), size_t(172));
        QCOMPARE(matrix.importance("blk.0.attn_output.weight").size(), size_t(64));
        QVERIFY(matrix.importance("token_embd.weight").empty());

        // Layer 0's Q projection sees rmsNorm(embedding) * attn_norm, for every token of both chunks (BOS first).
        const LlamaConfig &c = m_model->config();
        std::vector<double> expected(c.embedding, 0.0);
        std::vector<float> x(c.embedding);
        for (int chunk = 0; chunk < 2; ++chunk) {
            for (int i = 0; i < kContext; ++i) {
                const int32_t token = i == 0 ? m_model->tokenizer().bos() : m_tokens[size_t(chunk * kContext + i)];
                m_model->tokenEmbedding().row(uint64_t(token), x.data());
                double sumSquares = 0;
                for (const float v : x) {
                    sumSquares += double(v) * v;
                }
                const double scale = 1.0 / std::sqrt(sumSquares / c.embedding + double(c.rmsEps));
                for (uint32_t k = 0; k < c.embedding; ++k) {
                    const double y = double(x[k]) * scale * m_model->layers()[0].attnNorm[k];
                    expected[k] += y * y / (2 * kContext);
                }
            }
        }
        const std::vector<float> actual = matrix.importance("blk.0.attn_q.weight");
        for (uint32_t k = 0; k < c.embedding; ++k) {
            QVERIFY2(std::fabs(actual[k] - expected[k]) <= 1e-4 * expected[k] + 1e-9, qPrintable(u"column %1"_s.arg(k)));
        }
        QVERIFY(matrix.importance("blk.0.attn_k.weight") == actual);
    }

    void saveLoadRoundTrip()
    {
        ImportanceMatrix matrix = ImportanceMatrix::compute(*m_model, m_tokens, kContext, 2, 1);
        matrix.setDataset("test.txt", 2);
        QTemporaryDir dir;
        const std::string path = dir.filePath(u"m.imatrix"_s).toStdString();
        matrix.save(path);
        const ImportanceMatrix loaded = ImportanceMatrix::load(path);
        QCOMPARE(loaded.names(), matrix.names());
        for (const std::string &name : matrix.names()) {
            const auto a = matrix.importance(name);
            const auto b = loaded.importance(name);
            QCOMPARE(a.size(), b.size());
            for (size_t i = 0; i < a.size(); ++i) {
                QVERIFY(std::fabs(a[i] - b[i]) <= 1e-6f * std::fabs(a[i]));
            }
        }
        // Truncated: a clear error naming the file.
        QFile file(QString::fromStdString(path));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.resize(file.size() / 2));
        file.close();
        try {
            ImportanceMatrix::load(path);
            QFAIL("a truncated importance matrix was accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
        }
    }

    // With the importance matrix, the weighted quantizers lower the error the matrix says matters.
    void lowersWeightedError()
    {
        QTemporaryDir dir;
        const std::string imatrixPath = dir.filePath(u"m.imatrix"_s).toStdString();
        ImportanceMatrix::compute(*m_model, m_tokens, kContext, 2, 1).save(imatrixPath);
        const ImportanceMatrix matrix = ImportanceMatrix::load(imatrixPath);
        const std::string input = TestData::sharedFile(modelFile).toStdString();
        const auto quantize = [&](const std::string &name, const std::string &imatrix) {
            QuantOptions options;
            options.target = QuantTarget::Q4_0;
            options.threads = 2;
            options.imatrixPath = imatrix;
            const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
            Quantizer(input).run(path, options);
            return GgufFile::open(path);
        };
        const auto plain = quantize("plain.gguf", {});
        const auto weighted = quantize("weighted.gguf", imatrixPath);
        QVERIFY(weighted->find("quantize.imatrix.file"));
        const auto original = GgufFile::open(input);
        int better = 0;
        int compared = 0;
        for (size_t t = 0; t < original->tensors().size(); ++t) {
            const GgufTensorInfo &info = original->tensors()[t];
            const std::vector<float> importance = matrix.importance(info.name);
            if (importance.empty() || weighted->tensors()[t].type != GgmlType::Q4_0) {
                continue;
            }
            const auto x = decode(info);
            const auto p = decode(plain->tensors()[t]);
            const auto w = decode(weighted->tensors()[t]);
            double plainError = 0;
            double weightedError = 0;
            for (size_t i = 0; i < x.size(); ++i) {
                const double imp = importance[i % info.rowLength()];
                plainError += imp * (x[i] - p[i]) * (x[i] - p[i]);
                weightedError += imp * (x[i] - w[i]) * (x[i] - w[i]);
            }
            ++compared;
            better += weightedError < plainError ? 1 : 0;
        }
        qInfo("importance-weighted error lower in %d of %d Q4_0 tensors", better, compared);
        QVERIFY(compared >= 20);
        QVERIFY(better >= compared * 9 / 10);
    }
};

QTEST_GUILESS_MAIN(ImportanceMatrixTest)
#include "ImportanceMatrixTest.moc"
