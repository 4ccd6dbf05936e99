// SPDX-License-Identifier: GPL-3.0-or-later
// Quantizer on real models: stories260K to every target (loads, logits and greedy output close to F32's,
// report equal to an independent recomputation), the llama.cpp type mix checked against SyntheticModel's,
// Q8_0 bytes equal to the reference kernel's, cancel, progress, full disk, input untouched.
#include "FileSizeLimit.h"
#include "TestData.h"

#include "gguf/GgufFile.h"
#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "model/SyntheticModel.h"
#include "quant/Half.h"
#include "quant/ReferenceKernels.h"
#include "quant/TypeTraits.h"
#include "quantizer/QuantPermutation.h"
#include "quantizer/QuantTypeMix.h"
#include "quantizer/Quantizer.h"
#include "tokenizer/Tokenizer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace hearth;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(hearth::QuantTarget)

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
constexpr int kGreedyTokens = 24;

struct Run {
    std::vector<float> logits; // after the prompt
    std::vector<int32_t> greedy;
};

Run evaluate(const std::string &path)
{
    const auto model = LlamaModel::load(path);
    LlamaContext context(*model, {.nCtx = 256, .nThreads = 1, .kvType = GgmlType::F32});
    const std::vector<int32_t> prompt = model->tokenizer().encode("Once upon a time, there was a little", true);
    auto logits = context.eval(prompt);
    Run run{{logits.begin(), logits.end()}, {}};
    for (int i = 0; i < kGreedyTokens; ++i) {
        const auto next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
        run.greedy.push_back(next);
        logits = context.eval(std::span(&next, 1));
    }
    return run;
}

std::vector<float> decode(const GgufTensorInfo &t)
{
    std::vector<float> values(t.elementCount());
    typeTraits(t.type)->toFloat(t.data, values.data(), int64_t(values.size()));
    return values;
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result();
}
}

class QuantizerTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_input;
    Run m_reference;

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        QVERIFY(m_dir.isValid());
        m_input = TestData::sharedFile(modelFile).toStdString();
        m_reference = evaluate(m_input);
    }

    void inputDescription()
    {
        const Quantizer quantizer(m_input);
        const QuantInput &in = quantizer.input();
        QCOMPARE(in.kind, QuantInput::Kind::Gguf);
        QCOMPARE(in.architecture, "llama");
        QCOMPARE(in.embedding, 64u);
        QCOMPARE(in.feedForward, 172u);
        QCOMPARE(in.heads, 8u);
        QCOMPARE(in.kvHeads, 4u);
        QCOMPARE(in.vocab, 512u);
        QCOMPARE(in.weightType, GgmlType::F32);
        const auto file = GgufFile::open(m_input);
        QCOMPARE(in.tensorCount, uint32_t(file->tensors().size()));
        QCOMPARE(in.sizeBytes, file->tensorDataBytes());
        QCOMPARE(quantizer.expectedOutputBytes(QuantTarget::F32), file->tensorDataBytes());
    }

    void quantizeStories_data()
    {
        QTest::addColumn<QuantTarget>("target");
        QTest::addColumn<double>("logitTolerance"); // max |logit - F32 logit|
        QTest::addColumn<int>("greedyMatch"); // leading greedy tokens equal to F32's
        QTest::newRow("F32") << QuantTarget::F32 << 0.0 << kGreedyTokens;
        QTest::newRow("F16") << QuantTarget::F16 << 0.01 << kGreedyTokens;
        QTest::newRow("BF16") << QuantTarget::BF16 << 0.1 << kGreedyTokens;
        QTest::newRow("Q8_K") << QuantTarget::Q8_K << 0.5 << kGreedyTokens;
        QTest::newRow("Q8_0") << QuantTarget::Q8_0 << 0.5 << kGreedyTokens;
        QTest::newRow("Q6_K") << QuantTarget::Q6_K << 0.5 << kGreedyTokens;
        QTest::newRow("Q5_K_M") << QuantTarget::Q5_K_M << 0.5 << kGreedyTokens;
        QTest::newRow("Q4_K_M") << QuantTarget::Q4_K_M << 5.0 << 12;
        QTest::newRow("Q4_0") << QuantTarget::Q4_0 << 5.0 << 12;
    }

    void quantizeStories()
    {
        QFETCH(QuantTarget, target);
        QFETCH(double, logitTolerance);
        QFETCH(int, greedyMatch);
        const std::string output = m_dir.filePath(u"stories-"_s + QString::fromUtf8(quantTargetName(target).data())).toStdString() + ".gguf";
        const std::string reportPath = output + ".json";

        Quantizer quantizer(m_input);
        const std::vector<QuantTensorPlan> plan = quantizer.plan(target);
        const QuantReport report = quantizer.run(output, options(target));
        QFile json(QString::fromStdString(reportPath));
        QVERIFY(json.open(QIODevice::WriteOnly));
        json.write(QByteArray::fromStdString(report.toJson()));
        json.close();

        // The file holds what the plan promised; 1-D tensors stay F32; rows that do not fit fall back.
        const auto in = GgufFile::open(m_input);
        const auto out = GgufFile::open(output);
        QCOMPARE(out->tensors().size(), in->tensors().size());
        QCOMPARE(out->tensorDataBytes(), quantizer.expectedOutputBytes(target));
        QCOMPARE(report.outputBytes, out->fileSize());
        QCOMPARE(report.tensors.size(), plan.size());
        const GgmlType base = quantTargetBaseType(target);
        for (size_t i = 0; i < plan.size(); ++i) {
            const GgufTensorInfo &t = out->tensors()[i];
            QCOMPARE(t.name, plan[i].name);
            QCOMPARE(t.type, plan[i].type);
            if (t.nDims == 1) {
                QCOMPARE(t.type, GgmlType::F32);
            }
            if (t.rowLength() == 172 && target != QuantTarget::F32 && target != QuantTarget::BF16) {
                QCOMPARE(t.type, GgmlType::F16); // no block size divides 172
            }
            if (t.nDims == 1 || t.rowLength() % ggmlTypeLayout(base).blockSize == 0) {
                QVERIFY(!plan[i].fallback);
            }
            if (plan[i].fallback) { // to a type that fits, never below the target's bits
                QCOMPARE(t.rowLength() % ggmlTypeLayout(t.type).blockSize, 0u);
                QVERIFY(t.type == GgmlType::Q4_0 || t.type == GgmlType::Q8_0 || t.type == GgmlType::F16);
            }
            if (t.rowLength() == 172 && t.type != base) {
                QVERIFY(plan[i].fallback);
            }
        }
        if (const auto fileType = quantTargetFileType(target)) {
            QCOMPARE(out->requireUInt("general.file_type"), uint64_t(*fileType));
        }
        QCOMPARE(out->requireString("general.architecture"), "llama");

        // The report against an independent recomputation from the two files.
        double squared = 0;
        double relative = 0;
        uint64_t relativeCount = 0;
        uint64_t count = 0;
        double maxAbs = 0;
        for (size_t i = 0; i < plan.size(); ++i) {
            const std::vector<float> x = decode(in->tensors()[i]);
            const std::vector<float> q = decode(out->tensors()[i]);
            double tSquared = 0;
            double tRelative = 0;
            uint64_t tRelativeCount = 0;
            double tMax = 0;
            for (size_t k = 0; k < x.size(); ++k) {
                const double d = std::fabs(double(x[k]) - double(q[k]));
                tSquared += d * d;
                tMax = std::max(tMax, d);
                if (std::fabs(x[k]) > 1e-10) {
                    tRelative += d / std::fabs(double(x[k]));
                    ++tRelativeCount;
                }
            }
            const QuantTensorReport &r = report.tensors[i];
            QCOMPARE(r.name, plan[i].name);
            QCOMPARE(r.elements, uint64_t(x.size()));
            QVERIFY2(std::fabs(r.rmse - std::sqrt(tSquared / double(x.size()))) <= 1e-9 + 1e-6 * r.rmse, r.name.c_str());
            QVERIFY2(std::fabs(r.maxAbsError - tMax) <= 1e-6 * tMax, r.name.c_str());
            QVERIFY2(std::fabs(r.meanRelError - (tRelativeCount ? tRelative / double(tRelativeCount) : 0.0)) <= 1e-9 + 1e-6 * r.meanRelError,
                     r.name.c_str());
            QCOMPARE(r.warning, r.maxAbsError > 1e-2 || r.meanRelError > 0.01);
            squared += tSquared;
            relative += tRelative;
            relativeCount += tRelativeCount;
            count += x.size();
            maxAbs = std::max(maxAbs, tMax);
        }
        QVERIFY(std::fabs(report.rmse - std::sqrt(squared / double(count))) <= 1e-9 + 1e-6 * report.rmse);
        QVERIFY(std::fabs(report.maxAbsError - maxAbs) <= 1e-6 * maxAbs);
        QVERIFY(std::fabs(report.meanRelError - relative / double(relativeCount)) <= 1e-9 + 1e-6 * report.meanRelError);
        if (target == QuantTarget::F32) {
            QCOMPARE(report.maxAbsError, 0.0);
        } else {
            QVERIFY(report.rmse > 0);
        }
        const QJsonObject parsed = QJsonDocument::fromJson(QByteArray::fromStdString(report.toJson())).object();
        QCOMPARE(parsed.value(u"target"_s).toString(), QString::fromUtf8(quantTargetName(target).data()));
        QCOMPARE(parsed.value(u"tensors"_s).toArray().size(), qsizetype(plan.size()));
        QCOMPARE(parsed.value(u"total"_s).toObject().value(u"rmse"_s).toDouble(), report.rmse);
        QVERIFY(report.toTable().find("total") != std::string::npos);

        // The model still works: logits and greedy continuation close to the unquantized model's.
        const Run run = evaluate(output);
        double worst = 0;
        for (size_t i = 0; i < run.logits.size(); ++i) {
            worst = std::max(worst, double(std::fabs(run.logits[i] - m_reference.logits[i])));
        }
        const auto same = std::mismatch(run.greedy.begin(), run.greedy.end(), m_reference.greedy.begin()).first - run.greedy.begin();
        qInfo("%s: max logit difference %.4g, %d of %d greedy tokens as F32's, report rmse %.3g", quantTargetName(target).data(), worst,
              int(same), kGreedyTokens, report.rmse);
        QVERIFY2(worst <= logitTolerance, qPrintable(u"max logit difference %1"_s.arg(worst)));
        QVERIFY(same >= greedyMatch);
    }

    // The branch-free F16 row decoder (the scalar reference the quantizer reads F16 models with) gives halfToFloat's bits for all inputs.
    void f16DecodeExhaustive()
    {
        std::vector<uint16_t> all(65536);
        for (size_t i = 0; i < all.size(); ++i) {
            all[i] = uint16_t(i);
        }
        std::vector<float> decoded(all.size());
        quant::toFloatF16(all.data(), decoded.data(), int64_t(all.size()));
        for (size_t i = 0; i < all.size(); ++i) {
            QVERIFY2(std::bit_cast<uint32_t>(decoded[i]) == std::bit_cast<uint32_t>(halfToFloat(uint16_t(i))),
                     qPrintable(u"half %1: %2, expected %3"_s.arg(i, 4, 16).arg(std::bit_cast<uint32_t>(decoded[i]), 8, 16)
                                    .arg(std::bit_cast<uint32_t>(halfToFloat(uint16_t(i))), 8, 16)));
        }
    }

    // Q8_0 output is the reference algorithm's bytes (QuantGoldenTest pins those to llama.cpp's).
    void q8_0BitIdentical()
    {
        const std::string output = m_dir.filePath(u"q8.gguf"_s).toStdString();
        Quantizer(m_input).run(output, options(QuantTarget::Q8_0, false));
        const auto in = GgufFile::open(m_input);
        const auto out = GgufFile::open(output);
        int checked = 0;
        for (size_t i = 0; i < out->tensors().size(); ++i) {
            const GgufTensorInfo &t = out->tensors()[i];
            if (t.type != GgmlType::Q8_0) {
                continue;
            }
            const std::vector<float> x = decode(in->tensors()[i]);
            std::vector<uint8_t> expected(t.nbytes);
            typeTraits(GgmlType::Q8_0)->fromFloat(x.data(), expected.data(), int64_t(x.size()));
            QVERIFY2(std::equal(expected.begin(), expected.end(), t.data), t.name.c_str());
            ++checked;
        }
        QVERIFY(checked >= 10);
    }

    // The _M mixes follow llama.cpp's rules: SyntheticModel's Q4_K_M format is an independent implementation.
    void typeMixMatchesSyntheticQ4KM()
    {
        const SyntheticShape *shape = SyntheticModel::findShape("tiny");
        const std::string f32 = m_dir.filePath(u"tiny-f32.gguf"_s).toStdString();
        SyntheticModel(*shape, *SyntheticModel::findFormat("F32")).write(f32, 2);
        const SyntheticModel mixed(*shape, *SyntheticModel::findFormat("Q4_K_M"));
        const std::vector<QuantTensorPlan> plan = Quantizer(f32).plan(QuantTarget::Q4_K_M);
        QCOMPARE(plan.size(), mixed.tensors().size());
        for (size_t i = 0; i < plan.size(); ++i) {
            QCOMPARE(plan[i].name, mixed.tensors()[i].name);
            QCOMPARE(plan[i].type, mixed.tensors()[i].type);
            QVERIFY(!plan[i].fallback);
        }
    }

    void typeMixTinyLlama_data()
    {
        QTest::addColumn<QuantTarget>("target");
        QTest::addColumn<QString>("name");
        QTest::addColumn<GgmlType>("type");
        // TinyLlama-1.1B (22 layers, 2048 wide) as llama.cpp's llama-quantize lays it out.
        QTest::newRow("Q4_K_M token_embd") << QuantTarget::Q4_K_M << u"token_embd.weight"_s << GgmlType::Q4_K;
        QTest::newRow("Q4_K_M output") << QuantTarget::Q4_K_M << u"output.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q4_K_M attn_v 0") << QuantTarget::Q4_K_M << u"blk.0.attn_v.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q4_K_M attn_v 2") << QuantTarget::Q4_K_M << u"blk.2.attn_v.weight"_s << GgmlType::Q4_K;
        QTest::newRow("Q4_K_M attn_v 4") << QuantTarget::Q4_K_M << u"blk.4.attn_v.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q4_K_M ffn_down 16") << QuantTarget::Q4_K_M << u"blk.16.ffn_down.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q4_K_M ffn_down 17") << QuantTarget::Q4_K_M << u"blk.17.ffn_down.weight"_s << GgmlType::Q4_K;
        QTest::newRow("Q4_K_M ffn_down 19") << QuantTarget::Q4_K_M << u"blk.19.ffn_down.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q4_K_M attn_q 0") << QuantTarget::Q4_K_M << u"blk.0.attn_q.weight"_s << GgmlType::Q4_K;
        QTest::newRow("Q5_K_M attn_v 21") << QuantTarget::Q5_K_M << u"blk.21.attn_v.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q5_K_M ffn_up 21") << QuantTarget::Q5_K_M << u"blk.21.ffn_up.weight"_s << GgmlType::Q5_K;
        QTest::newRow("Q4_0 output") << QuantTarget::Q4_0 << u"output.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q8_0 output") << QuantTarget::Q8_0 << u"output.weight"_s << GgmlType::Q8_0;
        QTest::newRow("Q6_K ffn_gate") << QuantTarget::Q6_K << u"blk.3.ffn_gate.weight"_s << GgmlType::Q6_K;
        QTest::newRow("Q8_K output") << QuantTarget::Q8_K << u"output.weight"_s << GgmlType::Q8_K;
        QTest::newRow("F16 output") << QuantTarget::F16 << u"output.weight"_s << GgmlType::F16;
    }

    void typeMixTinyLlama()
    {
        QFETCH(QuantTarget, target);
        QFETCH(QString, name);
        QFETCH(GgmlType, type);
        const QuantTypeChoice choice = chooseQuantType(target, name.toStdString(), 2, 2048, {.layers = 22, .hasOutput = true});
        QCOMPARE(choice.type, type);
        QVERIFY(!choice.fallback);
    }

    void fallbackChain_data()
    {
        QTest::addColumn<QuantTarget>("target");
        QTest::addColumn<qulonglong>("rowLength");
        QTest::addColumn<GgmlType>("type");
        QTest::newRow("Q4_K_M 64") << QuantTarget::Q4_K_M << 64ull << GgmlType::Q4_0;
        QTest::newRow("Q5_K_M 64") << QuantTarget::Q5_K_M << 64ull << GgmlType::Q8_0;
        QTest::newRow("Q6_K 96") << QuantTarget::Q6_K << 96ull << GgmlType::Q8_0;
        QTest::newRow("Q8_K 64") << QuantTarget::Q8_K << 64ull << GgmlType::Q8_0;
        QTest::newRow("Q4_0 172") << QuantTarget::Q4_0 << 172ull << GgmlType::F16;
        QTest::newRow("Q4_K_M 172") << QuantTarget::Q4_K_M << 172ull << GgmlType::F16;
        QTest::newRow("BF16 172") << QuantTarget::BF16 << 172ull << GgmlType::BF16;
    }

    void fallbackChain()
    {
        QFETCH(QuantTarget, target);
        QFETCH(qulonglong, rowLength);
        QFETCH(GgmlType, type);
        const QuantTypeChoice choice = chooseQuantType(target, "blk.0.ffn_up.weight", 2, rowLength, {.layers = 2, .hasOutput = true});
        QCOMPARE(choice.type, type);
        QCOMPARE(choice.fallback, type != quantTargetBaseType(target));
    }

    // Every permutation keeps the model's function (up to float summation order): the ffn ones move only the
    // feed-forward tensors, the residual ones every matrix (all of them change); the report has the error
    // without them.
    void permutationKeepsFunction_data()
    {
        QTest::addColumn<QString>("strategy");
        for (const std::string_view name : QuantPermutation::names().subspan(1)) {
            QTest::newRow(std::string(name).c_str()) << QString::fromUtf8(name.data(), qsizetype(name.size()));
        }
    }

    void permutationKeepsFunction()
    {
        QFETCH(QString, strategy);
        const std::string output = m_dir.filePath(u"permuted-"_s + strategy + u".gguf"_s).toStdString();
        QuantOptions o = options(QuantTarget::F32);
        o.permutation = strategy.toStdString();
        const QuantReport report = Quantizer(m_input).run(output, o);
        QVERIFY(report.unpermuted);
        QCOMPARE(report.rmse, 0.0); // F32: lossless either way
        const bool residual = !strategy.startsWith(u"ffn-"_s);
        const auto in = GgufFile::open(m_input);
        const auto out = GgufFile::open(output);
        int changed = 0;
        for (size_t i = 0; i < in->tensors().size(); ++i) {
            const GgufTensorInfo &a = in->tensors()[i];
            const bool same = std::equal(a.data, a.data + a.nbytes, out->tensors()[i].data);
            const bool ffn = a.name.find(".ffn_gate.") != std::string::npos || a.name.find(".ffn_up.") != std::string::npos
                || a.name.find(".ffn_down.") != std::string::npos;
            if (residual && a.nDims == 2) {
                QVERIFY2(!same, a.name.c_str());
            } else if (!residual && !ffn) {
                QVERIFY2(same, a.name.c_str());
            }
            changed += same ? 0 : 1;
        }
        QVERIFY(changed >= 15); // at least gate, up and down of all 5 layers
        const Run run = evaluate(output);
        for (size_t i = 0; i < run.logits.size(); ++i) {
            QVERIFY(std::fabs(run.logits[i] - m_reference.logits[i]) <= 1e-4f);
        }
        QVERIFY(run.greedy == m_reference.greedy);
        QVERIFY_THROWS_EXCEPTION(Error, [&] {
            QuantOptions bad = options(QuantTarget::F32);
            bad.permutation = "qr";
            Quantizer(m_input).run(output + ".bad", bad);
        }());
    }

    void progressAndInputUntouched()
    {
        const QString copy = m_dir.filePath(u"input-copy.gguf"_s);
        QVERIFY(QFile::copy(QString::fromStdString(m_input), copy));
        const QByteArray before = fileHash(copy);
        std::vector<QuantProgress> seen;
        const std::string output = m_dir.filePath(u"progress.gguf"_s).toStdString();
        Quantizer(copy.toStdString()).run(output, options(QuantTarget::Q8_0), [&](const QuantProgress &p) {
            seen.push_back(p);
        });
        QCOMPARE(fileHash(copy), before);
        const auto file = GgufFile::open(m_input);
        QCOMPARE(seen.size(), file->tensors().size() + 1);
        for (size_t i = 0; i < seen.size(); ++i) {
            QCOMPARE(seen[i].tensorIndex, i);
            QCOMPARE(seen[i].tensorCount, file->tensors().size());
            QVERIFY(i == 0 || seen[i].bytesDone > seen[i - 1].bytesDone);
        }
        QCOMPARE(seen.back().bytesDone, file->tensorDataBytes());
        QCOMPARE(seen.back().bytesTotal, file->tensorDataBytes());
        // Refuses to overwrite its input.
        QVERIFY_THROWS_EXCEPTION(Error, Quantizer(copy.toStdString()).run(copy.toStdString(), options(QuantTarget::Q8_0)));
        QCOMPARE(fileHash(copy), before);
    }

    void cancel()
    {
        QTemporaryDir dir;
        const std::string output = dir.filePath(u"cancelled.gguf"_s).toStdString();
        std::atomic_bool cancel{false};
        bool threw = false;
        try {
            Quantizer(m_input).run(output, options(QuantTarget::Q4_K_M), [&](const QuantProgress &p) {
                if (p.tensorIndex == 3) {
                    cancel = true;
                }
            }, &cancel);
        } catch (const QuantCancelled &e) {
            threw = true;
            QVERIFY(std::string(e.what()).find(output) != std::string::npos);
        }
        QVERIFY(threw);
        QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty()); // no output, no temporary file
    }

    // A write that fails part-way (here: the file size limit, as a full disk would) is reported naming the
    // output file, and leaves nothing behind.
    void writeFailure()
    {
        QTemporaryDir dir;
        const std::string output = dir.filePath(u"full.gguf"_s).toStdString();
        std::string message;
        {
            const FileSizeLimit full(200 * 1024);
            QVERIFY(full.active());
            try {
                Quantizer(m_input).run(output, options(QuantTarget::F32));
            } catch (const Error &e) {
                message = e.what();
            }
        }
        QVERIFY2(message.find(output) != std::string::npos, message.c_str());
        QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
    }

    void badInput()
    {
        QTemporaryDir dir;
        const QString notGguf = dir.filePath(u"notgguf.gguf"_s);
        QFile file(notGguf);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is not a model");
        file.close();
        QVERIFY_THROWS_EXCEPTION(Error, Quantizer(notGguf.toStdString()));
        // Already quantized: requantizing is refused with a message naming the tensor.
        const std::string q8 = dir.filePath(u"q8.gguf"_s).toStdString();
        Quantizer(m_input).run(q8, options(QuantTarget::Q8_0, false));
        try {
            Quantizer quantizer(q8);
            QFAIL("a Q8_0 model was accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("Q8_0") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(QuantizerTest)
#include "QuantizerTest.moc"
