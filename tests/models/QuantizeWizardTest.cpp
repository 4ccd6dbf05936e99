// SPDX-License-Identifier: GPL-3.0-or-later
// QuantizeWizard: inspect -> choose -> run -> report on a synthetic F32 GGUF, the report checked against the
// files themselves (dequantized with the scalar reference), cancel, refused inputs, output names.
#include "ModelFixtures.h"
#include "QuantizeReportModel.h"
#include "QuantizeWizard.h"

#include "gguf/GgufFile.h"
#include "quant/ReferenceKernels.h"

#include <KLocalizedString>
#include <QAbstractItemModelTester>
#include <QDir>
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

    void refusedInputsSayWhy_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("text") << u"notes.gguf"_s << QByteArray("not a model\n");
        QTest::newRow("empty") << u"empty.gguf"_s << QByteArray();
    }

    void refusedInputsSayWhy()
    {
        QFETCH(QString, fileName);
        QFETCH(QByteArray, bytes);
        QTemporaryDir dir;
        QVERIFY(ModelFixtures::writeBytes(dir.filePath(fileName), bytes));
        QuantizeWizard wizard;
        wizard.setOutputFolder(dir.path());
        QSignalSpy error(&wizard, &QuantizeWizard::errorStringChanged);
        wizard.setSource(dir.filePath(fileName));
        QVERIFY(!error.isEmpty() || error.wait(20000));
        QVERIFY2(wizard.errorString().startsWith(fileName + u": "_s), qPrintable(wizard.errorString()));
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
