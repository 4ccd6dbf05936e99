// SPDX-License-Identifier: GPL-3.0-or-later
// QuantizeWizard: inspect -> choose -> run -> report on a synthetic F32 GGUF, the report checked against the
// files themselves (dequantized with the scalar reference), cancel (before the first tensor and in the middle),
// refused inputs, output names; perplexity before and after, checked against each model measured alone.
#include "ModelFixtures.h"
#include "QuantizeReportModel.h"
#include "QuantizeWizard.h"

#include "TestData.h"
#include "gguf/GgufFile.h"
#include "model/LlamaModel.h"
#include "quant/ReferenceKernels.h"
#include "quantizer/HfFolderWriter.h"
#include "quantizer/Perplexity.h"
#include "tokenizer/Tokenizer.h"

#include <KLocalizedString>
#include <QAbstractItemModelTester>
#include <QDir>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace Qt::StringLiterals;

namespace
{
bool waitForStep(QuantizeWizard &wizard, QuantizeWizard::Step step)
{
    QDeadlineTimer deadline(60000);
    while (wizard.step() != step && !deadline.hasExpired()) {
        QTest::qWait(10);
    }
    return wizard.step() == step;
}

bool waitForInspection(QuantizeWizard &wizard)
{
    QDeadlineTimer deadline(20000);
    QTest::qWait(0);
    while (wizard.isInspecting() && !deadline.hasExpired()) {
        QTest::qWait(10);
    }
    return !wizard.isInspecting();
}

QStringList entries(const QString &folder)
{
    return QDir(folder).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
}

// Inspects `input`, quantizes it to `target` in `folder` and waits for the report.
bool quantize(QuantizeWizard &wizard, const QString &input, const QString &folder, const QString &target)
{
    wizard.setOutputFolder(folder);
    wizard.setSource(input);
    if (!waitForInspection(wizard) || wizard.step() != QuantizeWizard::Step::Target) {
        return false;
    }
    wizard.setTarget(target);
    wizard.start();
    return waitForStep(wizard, QuantizeWizard::Step::Report);
}

// hearth-cli perplexity's measurement of one model alone on the sample text: the truth the wizard's
// side-by-side numbers are checked against.
hearth::PerplexityResult alone(const QString &model, const QByteArray &text)
{
    const auto m = hearth::LlamaModel::load(model.toStdString());
    const auto tokens = m->tokenizer().encode(std::string_view(text.constData(), size_t(text.size())), false);
    return hearth::measurePerplexity(*m, tokens, {.contextSize = 128});
}

QByteArray sampleText()
{
    QFile file(QuantizeWizard::sampleTextPath());
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool closeTo(double a, double b)
{
    return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}
}

class QuantizeWizardTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_input;

private Q_SLOTS:
    void initTestCase()
    {
        // The first i18n() initialises KI18n: on this thread, not on a worker.
        KLocalizedString::setApplicationDomain("hearth");
        QVERIFY(!i18n("Hearth").isEmpty());
        QVERIFY(m_dir.isValid());
        m_input = m_dir.filePath(u"tiny-f32.gguf"_s);
        ModelFixtures::writeTiny(m_input, "F32");
    }

    void quantizesToQ8_0()
    {
        QTemporaryDir out;
        QuantizeWizard wizard;
        QAbstractItemModelTester tester(wizard.report(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        wizard.setOutputFolder(out.path());
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Source);

        QSignalSpy input(&wizard, &QuantizeWizard::inputChanged);
        wizard.setSource(QUrl::fromLocalFile(m_input).toString());
        QVERIFY(wizard.isInspecting());
        QVERIFY(!input.isEmpty() || input.wait(20000));
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Target);
        QCOMPARE(wizard.errorString(), QString());
        QCOMPARE(wizard.sourcePath(), m_input);

        const auto synthetic = ModelFixtures::tinyModel("F32");
        const QVariantMap in = wizard.input();
        QCOMPARE(in.value(u"kind"_s).toString(), u"gguf"_s);
        QCOMPARE(in.value(u"architecture"_s).toString(), u"llama"_s);
        QCOMPARE(in.value(u"parameterCount"_s).toLongLong(), qint64(synthetic.parameterCount()));
        QCOMPARE(in.value(u"layers"_s).toInt(), 2);
        QCOMPARE(in.value(u"embedding"_s).toInt(), 256);
        QCOMPARE(in.value(u"weightType"_s).toString(), u"F32"_s);
        QCOMPARE(in.value(u"tensorCount"_s).toInt(), int(synthetic.tensors().size()));

        // Every target, most precise first, each with a size; Q8_0 stores 32 weights in 34 bytes.
        QStringList names;
        qint64 q8Bytes = 0;
        for (const QVariant &target : wizard.targets()) {
            const QVariantMap map = target.toMap();
            names << map.value(u"name"_s).toString();
            QVERIFY(map.value(u"expectedBytes"_s).toLongLong() > 0);
            if (names.last() == u"Q8_0"_s) {
                q8Bytes = map.value(u"expectedBytes"_s).toLongLong();
            }
        }
        QVERIFY(names.contains(u"Q8_0"_s) && names.contains(u"Q4_K_M"_s));
        QCOMPARE(names.first(), u"F32"_s);
        qint64 q8Expected = 0;
        for (const auto &tensor : synthetic.tensors()) {
            uint64_t n = 1;
            for (const uint64_t d : tensor.shape) {
                n *= d;
            }
            q8Expected += qint64(tensor.shape.size() >= 2 ? n / 32 * 34 : n * 4);
        }
        QCOMPARE(q8Bytes, q8Expected);

        wizard.setTarget(u"q8_0"_s); // any case
        QCOMPARE(wizard.target(), u"Q8_0"_s);
        QCOMPARE(wizard.outputPath(), out.filePath(u"tiny-Q8_0.gguf"_s));
        wizard.setTarget(u"Q9_9"_s); // not a target: ignored
        QCOMPARE(wizard.target(), u"Q8_0"_s);

        QSignalSpy finished(&wizard, &QuantizeWizard::finished);
        QSignalSpy progress(&wizard, &QuantizeWizard::progressChanged);
        wizard.start();
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Running);
        QVERIFY(!finished.isEmpty() || finished.wait(60000));
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Report);
        QCOMPARE(finished.first().first().toString(), out.filePath(u"tiny-Q8_0.gguf"_s));
        QVERIFY(progress.count() >= 2);
        QCOMPARE(wizard.progress(), 1.0);
        QCOMPARE(entries(out.path()), QStringList{u"tiny-Q8_0.gguf"_s}); // no temporary file left

        // The output: every 2-D weight Q8_0, the norms F32.
        const auto source = hearth::GgufFile::open(m_input.toStdString());
        const auto output = hearth::GgufFile::open(out.filePath(u"tiny-Q8_0.gguf"_s).toStdString());
        QCOMPARE(output->tensors().size(), source->tensors().size());
        for (const auto &tensor : output->tensors()) {
            QCOMPARE(tensor.type, tensor.nDims >= 2 ? hearth::GgmlType::Q8_0 : hearth::GgmlType::F32);
        }
        const QVariantMap summary = wizard.summary();
        QCOMPARE(summary.value(u"target"_s).toString(), u"Q8_0"_s);
        QCOMPARE(summary.value(u"outputBytes"_s).toLongLong(), QFileInfo(out.filePath(u"tiny-Q8_0.gguf"_s)).size());
        QCOMPARE(summary.value(u"inputBytes"_s).toLongLong(), qint64(source->tensorDataBytes()));

        // The table: one row per tensor, and its RMSE is what dequantizing the file gives.
        QuantizeReportModel *report = wizard.report();
        QCOMPARE(report->rowCount(), int(source->tensors().size()));
        int checked = 0;
        for (int row = 0; row < report->rowCount(); ++row) {
            const QModelIndex index = report->index(row);
            const std::string name = index.data(QuantizeReportModel::NameRole).toString().toStdString();
            const auto &q = output->requireTensor(name);
            if (q.type != hearth::GgmlType::Q8_0) {
                QCOMPARE(index.data(QuantizeReportModel::RmseRole).toDouble(), 0.0);
                continue;
            }
            const auto &f = source->requireTensor(name);
            std::vector<float> restored(f.elementCount());
            hearth::quant::toFloatQ8_0(q.data, restored.data(), int64_t(restored.size()));
            const auto *original = reinterpret_cast<const float *>(f.data);
            double squared = 0;
            for (size_t i = 0; i < restored.size(); ++i) {
                squared += double(original[i] - restored[i]) * double(original[i] - restored[i]);
            }
            const double rmse = std::sqrt(squared / double(restored.size()));
            const double reported = index.data(QuantizeReportModel::RmseRole).toDouble();
            QVERIFY2(std::abs(reported - rmse) <= 1e-6 * rmse, qPrintable(u"%1: %2 vs %3"_s.arg(QString::fromStdString(name)).arg(reported).arg(rmse)));
            QVERIFY(rmse > 0);
            QCOMPARE(index.data(QuantizeReportModel::TypeRole).toString(), u"Q8_0"_s);
            QCOMPARE(index.data(QuantizeReportModel::SourceTypeRole).toString(), u"F32"_s);
            ++checked;
        }
        QVERIFY(checked >= 14); // 7 matrices per layer, 2 layers, plus embeddings

        // The chart: one bar per layer, element-weighted over the layer's tensors.
        const QVariantList layers = wizard.layerErrors();
        QCOMPARE(layers.size(), 2);
        for (int layer = 0; layer < 2; ++layer) {
            const QVariantMap map = layers.at(layer).toMap();
            QCOMPARE(map.value(u"layer"_s).toInt(), layer);
            double weighted = 0, elements = 0;
            for (int row = 0; row < report->rowCount(); ++row) {
                const QModelIndex index = report->index(row);
                if (index.data(QuantizeReportModel::LayerRole).toInt() == layer) {
                    const double n = index.data(QuantizeReportModel::ElementsRole).toDouble();
                    weighted += index.data(QuantizeReportModel::MeanRelErrorRole).toDouble() * n;
                    elements += n;
                }
            }
            QVERIFY(elements > 0);
            QCOMPARE(map.value(u"meanRelError"_s).toDouble(), weighted / elements);
            QVERIFY(map.value(u"meanRelError"_s).toDouble() > 0);
            QVERIFY(map.value(u"meanRelError"_s).toDouble() <= wizard.maxLayerRelError());
        }

        // Another type on the same input does not overwrite the first result.
        wizard.chooseAnotherTarget();
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Target);
        QCOMPARE(wizard.outputPath(), out.filePath(u"tiny-Q8_0-2.gguf"_s));
    }

    void cancelWritesNothing()
    {
        QTemporaryDir out;
        QuantizeWizard wizard;
        wizard.setOutputFolder(out.path());
        wizard.setSource(m_input);
        QVERIFY(waitForInspection(wizard));
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Target);
        wizard.setTarget(u"Q4_K_M"_s);
        QSignalSpy finished(&wizard, &QuantizeWizard::finished);
        wizard.start();
        wizard.cancel(); // before the worker reaches the first tensor
        QVERIFY(waitForStep(wizard, QuantizeWizard::Step::Target));
        QCOMPARE(finished.count(), 0);
        QCOMPARE(wizard.errorString(), QString());
        QCOMPARE(entries(out.path()), QStringList());
    }

    // Held between two tensors by the progress hook, then cancelled: the temporary file beside the output is gone
    // too.
    void cancelInTheMiddleLeavesNothing()
    {
        QTemporaryDir out;
        QuantizeWizard wizard;
        wizard.setOutputFolder(out.path());
        wizard.setSource(m_input);
        QVERIFY(waitForInspection(wizard));
        QSemaphore reached;
        QSemaphore release;
        wizard.setProgressHook([&](const hearth::QuantProgress &p) {
            if (p.tensorIndex == 6) {
                reached.release();
                release.acquire();
            }
        });
        const auto unblock = qScopeGuard([&] {
            release.release();
        });
        QSignalSpy finished(&wizard, &QuantizeWizard::finished);
        wizard.start();
        QVERIFY(reached.tryAcquire(1, 60000));
        QTRY_COMPARE(wizard.tensorIndex(), 6);
        QVERIFY(wizard.bytesDone() > 0 && wizard.bytesDone() < wizard.bytesTotal());
        const QStringList during = entries(out.path());
        QCOMPARE(during.size(), 1); // the temporary file being written
        QVERIFY2(!during.contains(QFileInfo(wizard.outputPath()).fileName()), qPrintable(during.join(u' ')));
        wizard.cancel();
        release.release();
        QVERIFY(waitForStep(wizard, QuantizeWizard::Step::Target));
        QCOMPARE(finished.count(), 0);
        QCOMPARE(wizard.errorString(), QString());
        QCOMPARE(entries(out.path()), QStringList());
    }

    // Before and after on the sample text, each equal to the model measured alone; F32 loses nothing.
    void perplexityBeforeAndAfter_data()
    {
        QTest::addColumn<QString>("target");
        QTest::newRow("F32") << u"F32"_s;
        QTest::newRow("Q4_0") << u"Q4_0"_s;
    }

    void perplexityBeforeAndAfter()
    {
        QFETCH(QString, target);
        const QByteArray text = sampleText();
        QVERIFY(text.size() > 2000);
        QTemporaryDir out;
        QuantizeWizard wizard;
        wizard.setMeasurePerplexity(true);
        QCOMPARE(wizard.perplexityText(), QString());
        int chunkCount = 0;
        connect(&wizard, &QuantizeWizard::progressChanged, this, [&] {
            if (wizard.isMeasuring() && wizard.step() == QuantizeWizard::Step::Running) {
                chunkCount = std::max(chunkCount, wizard.chunkCount());
            }
        });
        QVERIFY(quantize(wizard, m_input, out.path(), target));
        QVERIFY(!wizard.isMeasuring());
        const QString output = out.filePath(u"tiny-%1.gguf"_s.arg(target));
        QCOMPARE(entries(out.path()), QStringList{QFileInfo(output).fileName()});

        const QVariantMap p = wizard.perplexity();
        QVERIFY2(!p.contains(u"error"_s), qPrintable(p.value(u"error"_s).toString()));
        QCOMPARE(p.value(u"text"_s).toString(), wizard.perplexityTextName());
        const hearth::PerplexityResult before = alone(m_input, text);
        const hearth::PerplexityResult after = alone(output, text);
        QVERIFY2(closeTo(p.value(u"before"_s).toDouble(), before.perplexity), qPrintable(u"%1 vs %2"_s.arg(p.value(u"before"_s).toDouble()).arg(before.perplexity)));
        QVERIFY2(closeTo(p.value(u"after"_s).toDouble(), after.perplexity), qPrintable(u"%1 vs %2"_s.arg(p.value(u"after"_s).toDouble()).arg(after.perplexity)));
        QVERIFY(closeTo(p.value(u"change"_s).toDouble(), after.perplexity / before.perplexity - 1.0));
        QCOMPARE(p.value(u"chunks"_s).toInt(), before.chunks);
        QCOMPARE(p.value(u"tokens"_s).toLongLong(), qint64(before.scoredTokens));
        QCOMPARE(chunkCount, before.chunks);
        if (target == u"F32"_s) {
            QCOMPARE(p.value(u"after"_s).toDouble(), p.value(u"before"_s).toDouble());
            QCOMPARE(p.value(u"meanKl"_s).toDouble(), 0.0);
            QCOMPARE(p.value(u"sameTopToken"_s).toDouble(), 1.0);
        } else {
            QVERIFY(p.value(u"after"_s).toDouble() != p.value(u"before"_s).toDouble());
            QVERIFY(p.value(u"meanKl"_s).toDouble() > 0);
            QVERIFY(p.value(u"maxKl"_s).toDouble() >= p.value(u"meanKl"_s).toDouble());
        }
    }

    // The real model: 4 bits cost it measurably, and the KL divergence says so.
    void perplexityOfStories260K()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const QString input = TestData::sharedFile(u"models/stories260K.gguf"_s);
        QTemporaryDir out;
        QuantizeWizard wizard;
        wizard.setMeasurePerplexity(true);
        QVERIFY(quantize(wizard, input, out.path(), u"Q4_0"_s));
        const QVariantMap p = wizard.perplexity();
        QVERIFY2(!p.contains(u"error"_s), qPrintable(p.value(u"error"_s).toString()));
        const hearth::PerplexityResult before = alone(input, sampleText());
        QVERIFY(closeTo(p.value(u"before"_s).toDouble(), before.perplexity));
        // A model trained on children's stories finds the sample (simple prose) fairly predictable.
        QVERIFY2(before.perplexity > 1.0 && before.perplexity < 100.0, qPrintable(QString::number(before.perplexity)));
        QVERIFY(p.value(u"meanKl"_s).toDouble() > 0);
        QVERIFY(p.value(u"sameTopToken"_s).toDouble() < 1.0);
        qInfo("stories260K Q4_0 on the sample: perplexity %.3f -> %.3f (%+.2f %%), mean KL %.5f", p.value(u"before"_s).toDouble(),
              p.value(u"after"_s).toDouble(), 100 * p.value(u"change"_s).toDouble(), p.value(u"meanKl"_s).toDouble());
    }

    // A Hugging Face folder cannot be run as it is: only the result is measured. Converted to F32 it is the
    // model the folder was written from, so its perplexity is that model's.
    void perplexityOfHuggingFaceFolderIsAfterOnly()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const QString original = TestData::sharedFile(u"models/stories260K.gguf"_s);
        QTemporaryDir dir;
        const QString folder = dir.filePath(u"stories-hf"_s);
        QVERIFY(HfFolderWriter::write(*hearth::GgufFile::open(original.toStdString()), folder, {}));
        QTemporaryDir out;
        QuantizeWizard wizard;
        wizard.setMeasurePerplexity(true);
        QVERIFY(quantize(wizard, folder, out.path(), u"F32"_s));
        const QVariantMap p = wizard.perplexity();
        QVERIFY2(!p.contains(u"error"_s), qPrintable(p.value(u"error"_s).toString()));
        QVERIFY(!p.contains(u"before"_s) && !p.contains(u"meanKl"_s));
        const hearth::PerplexityResult truth = alone(original, sampleText());
        QVERIFY2(closeTo(p.value(u"after"_s).toDouble(), truth.perplexity), qPrintable(u"%1 vs %2"_s.arg(p.value(u"after"_s).toDouble()).arg(truth.perplexity)));
        QVERIFY(p.value(u"afterError"_s).toDouble() > 0);
    }

    // A text the user picked that cannot be measured on: the result is still there, the report says why.
    void perplexityTextProblemsSayWhy_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        QTest::newRow("too short") << u"short.txt"_s << QByteArray("Once upon a time.") << u"too short"_s;
        QTest::newRow("missing") << u"gone.txt"_s << QByteArray() << u"No such file"_s;
    }

    void perplexityTextProblemsSayWhy()
    {
        QFETCH(QString, fileName);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        QTemporaryDir out;
        QTemporaryDir texts;
        if (!bytes.isEmpty()) {
            QVERIFY(ModelFixtures::writeBytes(texts.filePath(fileName), bytes));
        }
        QuantizeWizard wizard;
        wizard.setMeasurePerplexity(true);
        wizard.setPerplexityText(QUrl::fromLocalFile(texts.filePath(fileName)).toString());
        QCOMPARE(wizard.perplexityText(), texts.filePath(fileName));
        QCOMPARE(wizard.perplexityTextName(), fileName);
        QVERIFY(quantize(wizard, m_input, out.path(), u"Q8_0"_s));
        QVERIFY(QFileInfo::exists(out.filePath(u"tiny-Q8_0.gguf"_s)));
        const QString error = wizard.perplexity().value(u"error"_s).toString();
        QVERIFY2(error.startsWith(fileName + u": "_s) && error.contains(problem, Qt::CaseInsensitive), qPrintable(error));
        QVERIFY(!wizard.perplexity().contains(u"after"_s));
    }

    // Cancel while measuring skips the measurement only: the quantized file is complete and kept.
    void cancelWhileMeasuringSkipsIt()
    {
        QTemporaryDir out;
        QuantizeWizard wizard;
        wizard.setMeasurePerplexity(true);
        connect(&wizard, &QuantizeWizard::progressChanged, this, [&] {
            if (wizard.isMeasuring()) {
                wizard.cancel();
            }
        });
        QSignalSpy finished(&wizard, &QuantizeWizard::finished);
        QVERIFY(quantize(wizard, m_input, out.path(), u"Q8_0"_s));
        QCOMPARE(finished.count(), 1);
        QVERIFY(wizard.perplexity().value(u"skipped"_s).toBool());
        QVERIFY(!wizard.perplexity().contains(u"after"_s));
        QCOMPARE(entries(out.path()), QStringList{u"tiny-Q8_0.gguf"_s});
        QVERIFY(hearth::GgufFile::open(out.filePath(u"tiny-Q8_0.gguf"_s).toStdString()));
    }

    // What people drop by mistake: each refused with the name of what was dropped and the problem.
    void refusedInputsSayWhy_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QByteArray>("bytes"); // "folder": an empty folder; "truncated": half of a real model
        QTest::addColumn<QString>("problem");
        QTest::newRow("text as gguf") << u"notes.gguf"_s << QByteArray("not a model\n") << u"not a GGUF file"_s;
        QTest::newRow("text file") << u"notes.txt"_s << QByteArray("meeting notes\n") << u"not a GGUF file"_s;
        QTest::newRow("empty file") << u"empty.gguf"_s << QByteArray() << QString();
        QTest::newRow("truncated") << u"half.gguf"_s << QByteArray("truncated") << u"past the end of the file"_s;
        QTest::newRow("empty folder") << u"empty-folder"_s << QByteArray("folder") << u"not a Hugging Face model folder (it has no config.json)"_s;
    }

    void refusedInputsSayWhy()
    {
        QFETCH(QString, fileName);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        if (bytes == "folder") {
            QVERIFY(QDir(dir.path()).mkdir(fileName));
        } else if (bytes == "truncated") {
            QVERIFY(ModelFixtures::writeTruncated(m_input, dir.filePath(fileName), QFileInfo(m_input).size() / 2));
        } else {
            QVERIFY(ModelFixtures::writeBytes(dir.filePath(fileName), bytes));
        }
        QuantizeWizard wizard;
        wizard.setOutputFolder(dir.path());
        QSignalSpy error(&wizard, &QuantizeWizard::errorStringChanged);
        wizard.setSource(dir.filePath(fileName));
        QVERIFY(!error.isEmpty() || error.wait(20000));
        QVERIFY2(wizard.errorString().startsWith(fileName + u": "_s), qPrintable(wizard.errorString()));
        QVERIFY2(wizard.errorString().contains(problem, Qt::CaseInsensitive), qPrintable(wizard.errorString()));
        QVERIFY2(!wizard.errorString().contains(dir.path()), qPrintable(wizard.errorString()));
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Source);
        QVERIFY(wizard.input().isEmpty());
    }

    void missingSourceSaysWhy()
    {
        QuantizeWizard wizard;
        QSignalSpy error(&wizard, &QuantizeWizard::errorStringChanged);
        wizard.setSource(m_dir.filePath(u"gone.gguf"_s));
        QVERIFY(!error.isEmpty() || error.wait(20000));
        QVERIFY2(wizard.errorString().contains(u"gone.gguf"_s), qPrintable(wizard.errorString()));
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Source);
    }

    void resetForgetsEverything()
    {
        QuantizeWizard wizard;
        wizard.setOutputFolder(m_dir.path());
        wizard.setSource(m_input);
        QVERIFY(waitForInspection(wizard));
        QVERIFY(!wizard.outputPath().isEmpty());
        wizard.reset();
        QCOMPARE(wizard.step(), QuantizeWizard::Step::Source);
        QVERIFY(wizard.input().isEmpty());
        QVERIFY(wizard.targets().isEmpty());
        QCOMPARE(wizard.outputPath(), QString());
        QCOMPARE(wizard.report()->rowCount(), 0);
    }

    void layerOf_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("layer");
        QTest::newRow("q") << u"blk.0.attn_q.weight"_s << 0;
        QTest::newRow("12") << u"blk.12.ffn_down.weight"_s << 12;
        QTest::newRow("embedding") << u"token_embd.weight"_s << -1;
        QTest::newRow("output") << u"output.weight"_s << -1;
        QTest::newRow("no number") << u"blk.x.attn_q.weight"_s << -1;
        QTest::newRow("no dot") << u"blk.3"_s << -1;
    }

    void layerOf()
    {
        QFETCH(QString, name);
        QFETCH(int, layer);
        QCOMPARE(QuantizeReportModel::layerOf(name.toStdString()), layer);
    }
};

QTEST_GUILESS_MAIN(QuantizeWizardTest)
#include "QuantizeWizardTest.moc"
