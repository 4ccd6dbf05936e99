// SPDX-License-Identifier: GPL-3.0-or-later
#include "gguf/GgufFile.h"
#include "model/SyntheticModel.h"
#include "quant/TypeTraits.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
const SyntheticShape &shape(std::string_view name)
{
    const SyntheticShape *s = SyntheticModel::findShape(name);
    Q_ASSERT(s);
    return *s;
}

const SyntheticFormat &format(std::string_view name)
{
    const SyntheticFormat *f = SyntheticModel::findFormat(name);
    Q_ASSERT(f);
    return *f;
}

std::vector<float> dequantize(const GgufTensorInfo &t)
{
    std::vector<float> out(t.elementCount());
    typeTraits(t.type)->toFloat(t.data, out.data(), int64_t(out.size()));
    return out;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
}

class SyntheticModelTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lookups()
    {
        QVERIFY(SyntheticModel::findShape("TinyLlama-1.1B"));
        QVERIFY(!SyntheticModel::findShape("llama-70b"));
        QCOMPARE(SyntheticModel::findFormat("q4_k_m")->name, std::string_view("Q4_K_M"));
        QVERIFY(!SyntheticModel::findFormat("Q3_K"));
        QCOMPARE(SyntheticModel::formats().size(), size_t(10));
    }

    void tinyLlamaShape()
    {
        const SyntheticModel model(shape("tinyllama-1.1b"), format("F16"));
        // TinyLlama-1.1B's published parameter count: 1,100,048,384.
        QCOMPARE(model.parameterCount(), uint64_t(1100048384));
        QCOMPARE(model.tensors().size(), size_t(2 + 22 * 9 + 1));
    }

    // llama.cpp's Q4_K_M for a 22-layer Llama: attn_v and ffn_down are Q6_K in layers 0, 1, 4, 7, 10, 13,
    // 16, 19, 20, 21; output.weight is Q6_K; everything else 2-D is Q4_K.
    void q4kmMix()
    {
        const SyntheticModel model(shape("tinyllama-1.1b"), format("Q4_K_M"));
        const std::set<int> moreBits{0, 1, 4, 7, 10, 13, 16, 19, 20, 21};
        int q6k = 0;
        for (const auto &t : model.tensors()) {
            GgmlType want = GgmlType::Q4_K;
            int layer = -1;
            char role[32] = {};
            if (t.shape.size() == 1) {
                want = GgmlType::F32;
            } else if (t.name == "output.weight") {
                want = GgmlType::Q6_K;
            } else if (std::sscanf(t.name.c_str(), "blk.%d.%31[a-z_]", &layer, role) == 2
                       && (std::string_view(role) == "attn_v" || std::string_view(role) == "ffn_down") && moreBits.count(layer)) {
                want = GgmlType::Q6_K;
            }
            QVERIFY2(t.type == want, t.name.c_str());
            q6k += t.type == GgmlType::Q6_K;
        }
        QCOMPARE(q6k, 21);
    }

    void unfitShapeThrows()
    {
        SyntheticShape odd = shape("tiny");
        odd.feedForward = 704; // ffn_down rows of 704: not a multiple of 256
        QVERIFY_THROWS_EXCEPTION(Error, SyntheticModel(odd, format("Q4_K")));
        QVERIFY_THROWS_EXCEPTION(Error, SyntheticModel(odd, format("Q6_K")));
        SyntheticModel fine(odd, format("Q8_0")); // 704 = 22 blocks of 32
        QCOMPARE(fine.tensors().back().type, GgmlType::Q8_0);
    }

    void writesLoadableModel_data()
    {
        QTest::addColumn<QString>("type");
        for (const SyntheticFormat &f : SyntheticModel::formats()) {
            QTest::newRow(f.name.data()) << QString::fromUtf8(f.name.data(), qsizetype(f.name.size()));
        }
    }

    void writesLoadableModel()
    {
        QFETCH(QString, type);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(u"model.gguf"_s).toStdString();
        const SyntheticShape &tiny = shape("tiny");
        const SyntheticModel model(tiny, format(type.toStdString()), 7);
        model.write(path, 2);

        const auto file = GgufFile::open(path);
        QCOMPARE(file->requireString("general.architecture"), std::string("llama"));
        QCOMPARE(file->requireUInt("llama.embedding_length"), uint64_t(256));
        QCOMPARE(file->requireUInt("llama.block_count"), uint64_t(2));
        QCOMPARE(file->requireUInt("llama.attention.head_count"), uint64_t(8));
        QCOMPARE(file->requireUInt("llama.attention.head_count_kv"), uint64_t(2));
        QCOMPARE(file->requireUInt("llama.feed_forward_length"), uint64_t(768));
        QCOMPARE(file->requireUInt("llama.rope.dimension_count"), uint64_t(32));
        QCOMPARE(file->requireFloat("llama.rope.freq_base"), 10000.0);
        QCOMPARE(float(file->requireFloat("llama.attention.layer_norm_rms_epsilon")), 1e-5f);
        QCOMPARE(file->tensors().size(), model.tensors().size());
        for (const auto &t : model.tensors()) {
            const GgufTensorInfo &info = file->requireTensor(t.name);
            QCOMPARE(info.type, t.type);
            QCOMPARE(info.ne[0], t.shape[0]);
        }

        // Weights: N(0, 0.02); norms: N(1, 0.1). The bounds allow for quantization error (4-bit types
        // add ~8% of the std as noise) and sampling error.
        const auto checkStats = [](const GgufTensorInfo &t, double mean, double std, double stdTolerance) {
            const std::vector<float> v = dequantize(t);
            double sum = 0.0;
            double sumSq = 0.0;
            for (float x : v) {
                sum += x;
                sumSq += double(x) * x;
            }
            const double m = sum / double(v.size());
            const double s = std::sqrt(sumSq / double(v.size()) - m * m);
            QVERIFY2(std::abs(m - mean) < 4.0 * std / std::sqrt(double(v.size())) + 1e-4,
                     qPrintable(u"%1: mean %2"_s.arg(QString::fromStdString(t.name)).arg(m)));
            QVERIFY2(std::abs(s - std) < stdTolerance * std, qPrintable(u"%1: std %2"_s.arg(QString::fromStdString(t.name)).arg(s)));
        };
        checkStats(file->requireTensor("blk.1.ffn_up.weight"), 0.0, 0.02, 0.1);
        checkStats(file->requireTensor("token_embd.weight"), 0.0, 0.02, 0.1);
        checkStats(file->requireTensor("blk.0.attn_norm.weight"), 1.0, 0.1, 0.25);

        const auto tokenizer = Tokenizer::fromGguf(*file);
        QCOMPARE(tokenizer->vocabSize(), 1000);
        QCOMPARE(tokenizer->bos(), 1);
        QCOMPARE(tokenizer->eos(), 2);
        QVERIFY(tokenizer->isEog(2));
        const std::string text = "hello, wörld";
        const std::vector<int32_t> ids = tokenizer->encode(text, true);
        QCOMPARE(ids.front(), 1);
        QCOMPARE(tokenizer->decode(ids), text);
    }

    void deterministic()
    {
        QTemporaryDir dir;
        const SyntheticModel a(shape("tiny"), format("Q4_K_M"), 5);
        const SyntheticModel b(shape("tiny"), format("Q4_K_M"), 6);
        a.write(dir.filePath(u"a1.gguf"_s).toStdString(), 1);
        a.write(dir.filePath(u"a3.gguf"_s).toStdString(), 3);
        b.write(dir.filePath(u"b.gguf"_s).toStdString(), 2);
        const QByteArray a1 = readAll(dir.filePath(u"a1.gguf"_s));
        QVERIFY(!a1.isEmpty());
        QVERIFY(a1 == readAll(dir.filePath(u"a3.gguf"_s)));
        const QByteArray other = readAll(dir.filePath(u"b.gguf"_s));
        QCOMPARE(other.size(), a1.size());
        QVERIFY(other != a1);
    }

    void unwritablePath()
    {
        const SyntheticModel model(shape("tiny"), format("F32"));
        QVERIFY_THROWS_EXCEPTION(Error, model.write("/nonexistent-dir/model.gguf"));
    }
};

QTEST_GUILESS_MAIN(SyntheticModelTest)
#include "SyntheticModelTest.moc"
