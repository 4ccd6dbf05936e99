// SPDX-License-Identifier: GPL-3.0-or-later
// ModelListModel: what the Models page lists for real, synthetic, chat and broken GGUF files, scanned off
// the GUI thread, checked by QAbstractItemModelTester.
#include "ModelFixtures.h"
#include "ModelListModel.h"
#include "TestData.h"

#include <KLocalizedString>
#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;

namespace
{
QVariant roleOf(const ModelListModel &model, const QString &fileName, int role)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row);
        if (index.data(ModelListModel::FileNameRole).toString() == fileName) {
            return index.data(role);
        }
    }
    return u"(%1 not listed)"_s.arg(fileName);
}

// A scan may finish before the caller gets here (the worker was quicker than the co_await).
bool waitForScan(ModelListModel &model)
{
    QSignalSpy finished(&model, &ModelListModel::scanFinished);
    return !model.isScanning() || (finished.wait(20000) && !model.isScanning());
}
}

class ModelListModelTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_folder;
    QString m_subfolder;

private Q_SLOTS:
    void initTestCase()
    {
        // The first i18n() initialises KI18n: on this thread, not on a scan worker.
        KLocalizedString::setApplicationDomain("hearth");
        QVERIFY(!i18n("Hearth").isEmpty());
        QVERIFY(m_dir.isValid());
        m_folder = m_dir.filePath(u"models"_s);
        m_subfolder = m_folder + u"/TheBloke"_s;
        QVERIFY(QDir().mkpath(m_subfolder));
        ModelFixtures::writeTiny(m_folder + u"/tiny-f32.gguf"_s, "F32");
        ModelFixtures::writeTiny(m_subfolder + u"/tiny-q8.gguf"_s, "Q8_0");
        ModelFixtures::writeTiny(m_folder + u"/tiny-q4km.gguf"_s, "Q4_K_M");
        QFile llama3(TestData::sharedFile(u"models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"_s));
        if (llama3.open(QIODevice::ReadOnly)) {
            ModelFixtures::writeWithTemplate(m_folder + u"/chat-llama3.gguf"_s, llama3.readAll());
        }
        ModelFixtures::writeWithTemplate(m_folder + u"/chat-unknown.gguf"_s, "{{ messages | tojson }}");
        QVERIFY(ModelFixtures::writeBytes(m_folder + u"/notes.gguf"_s, "These are my notes, not a model.\n"));
        QVERIFY(ModelFixtures::writeTruncated(m_folder + u"/tiny-f32.gguf"_s, m_folder + u"/cut.gguf"_s, 100000));
        // Neither a GGUF name nor a finished file: not listed.
        QVERIFY(ModelFixtures::writeBytes(m_folder + u"/download.gguf.part"_s, "GGUF"));
        QVERIFY(ModelFixtures::writeBytes(m_folder + u"/readme.txt"_s, "hello"));
        if (QFileInfo::exists(TestData::sharedFile(u"models/stories260K.gguf"_s))) {
            QVERIFY(QFile::copy(TestData::sharedFile(u"models/stories260K.gguf"_s), m_folder + u"/stories260K.gguf"_s));
        }
    }

    void emptyUntilFoldersAreSet()
    {
        ModelListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.isScanning());
    }

    void missingFolderIsEmpty()
    {
        ModelListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFolders({m_dir.filePath(u"does-not-exist"_s)});
        QVERIFY(waitForScan(model));
        QCOMPARE(model.rowCount(), 0);
    }

    void listsEveryGgufFile()
    {
        ModelListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy scanning(&model, &ModelListModel::scanningChanged);
        QSignalSpy finished(&model, &ModelListModel::scanFinished);
        model.setFolders({m_folder});
        QVERIFY(waitForScan(model));
        QCOMPARE(scanning.count(), 2);
        QCOMPARE(finished.count(), 1);

        QStringList names;
        for (int row = 0; row < model.rowCount(); ++row) {
            names << model.index(row).data(ModelListModel::FileNameRole).toString();
        }
        QStringList expected{u"tiny-f32.gguf"_s, u"tiny-q8.gguf"_s, u"tiny-q4km.gguf"_s, u"chat-unknown.gguf"_s,
                             u"notes.gguf"_s, u"cut.gguf"_s};
        if (QFileInfo::exists(m_folder + u"/chat-llama3.gguf"_s)) {
            expected << u"chat-llama3.gguf"_s;
        }
        if (QFileInfo::exists(m_folder + u"/stories260K.gguf"_s)) {
            expected << u"stories260K.gguf"_s;
        }
        QCOMPARE(QSet<QString>(names.cbegin(), names.cend()), QSet<QString>(expected.cbegin(), expected.cend()));
        QCOMPARE(model.rowCount(), expected.size());
        // Sorted by name, whatever the folder.
        QStringList sorted = names;
        std::sort(sorted.begin(), sorted.end(), [](const QString &a, const QString &b) {
            return QString::localeAwareCompare(a, b) < 0;
        });
        QCOMPARE(names, sorted);
        QCOMPARE(roleOf(model, u"tiny-q8.gguf"_s, ModelListModel::FolderRole).toString(), QFileInfo(m_subfolder).canonicalFilePath());
    }

    void describesSyntheticModels_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("quantization");
        QTest::newRow("F32") << u"tiny-f32.gguf"_s << u"F32"_s << u"F32"_s;
        QTest::newRow("Q8_0") << u"tiny-q8.gguf"_s << u"Q8_0"_s << u"Q8_0"_s;
        // general.file_type names the mix, which no single tensor type does.
        QTest::newRow("Q4_K_M") << u"tiny-q4km.gguf"_s << u"Q4_K_M"_s << u"Q4_K_M"_s;
    }

    void describesSyntheticModels()
    {
        QFETCH(QString, fileName);
        QFETCH(QString, format);
        QFETCH(QString, quantization);
        ModelListModel model;
        model.setFolders({m_folder});
        QVERIFY(waitForScan(model));

        const auto synthetic = ModelFixtures::tinyModel(format.toLatin1().constData());
        const auto *shape = hearth::SyntheticModel::findShape("tiny");
        QCOMPARE(roleOf(model, fileName, ModelListModel::ErrorRole).toString(), QString());
        QCOMPARE(roleOf(model, fileName, ModelListModel::NameRole).toString(), fileName.chopped(5));
        QCOMPARE(roleOf(model, fileName, ModelListModel::ArchitectureRole).toString(), u"llama"_s);
        QCOMPARE(roleOf(model, fileName, ModelListModel::ParameterCountRole).toLongLong(), qint64(synthetic.parameterCount()));
        QCOMPARE(roleOf(model, fileName, ModelListModel::QuantizationRole).toString(), quantization);
        QCOMPARE(roleOf(model, fileName, ModelListModel::ContextLengthRole).toLongLong(), qint64(shape->context));
        const QString path = (fileName == u"tiny-q8.gguf"_s ? m_subfolder : m_folder) + u'/' + fileName;
        QCOMPARE(roleOf(model, fileName, ModelListModel::PathRole).toString(), QFileInfo(path).canonicalFilePath());
        QCOMPARE(roleOf(model, fileName, ModelListModel::FileSizeRole).toLongLong(), QFileInfo(path).size());
        // The synthetic vocabulary has no chat template: chats use ChatML.
        QCOMPARE(roleOf(model, fileName, ModelListModel::TemplateFamilyRole).toString(), QString());
        QCOMPARE(roleOf(model, fileName, ModelListModel::TemplateTextRole).toString(), u"none (continues text)"_s);
    }

    void describesTheRealModel()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        ModelListModel model;
        model.setFolders({m_folder});
        QVERIFY(waitForScan(model));
        const QString file = u"stories260K.gguf"_s;
        QCOMPARE(roleOf(model, file, ModelListModel::ErrorRole).toString(), QString());
        QCOMPARE(roleOf(model, file, ModelListModel::ArchitectureRole).toString(), u"llama"_s);
        // hearth-cli inspect: 48 tensors, 1171200 bytes of F32 = 292800 parameters; llama.context_length 2048.
        QCOMPARE(roleOf(model, file, ModelListModel::ParameterCountRole).toLongLong(), 292800);
        QCOMPARE(roleOf(model, file, ModelListModel::ParameterTextRole).toString(), u"293K"_s);
        QCOMPARE(roleOf(model, file, ModelListModel::QuantizationRole).toString(), u"F32"_s);
        QCOMPARE(roleOf(model, file, ModelListModel::ContextLengthRole).toLongLong(), 2048);
        QCOMPARE(roleOf(model, file, ModelListModel::FileSizeRole).toLongLong(), 1185376);
        QCOMPARE(roleOf(model, file, ModelListModel::FileSizeTextRole).toString(), u"1.1 MiB"_s);
    }

    void detectsTheChatTemplate()
    {
        ModelListModel model;
        model.setFolders({m_folder});
        QVERIFY(waitForScan(model));
        QCOMPARE(roleOf(model, u"chat-unknown.gguf"_s, ModelListModel::TemplateFamilyRole).toString(), QString());
        QCOMPARE(roleOf(model, u"chat-unknown.gguf"_s, ModelListModel::TemplateTextRole).toString(), u"not recognised (ChatML)"_s);
        QCOMPARE(roleOf(model, u"chat-unknown.gguf"_s, ModelListModel::ContextLengthRole).toLongLong(), 8192);
        HEARTH_REQUIRE_SHARED(u"models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"_s);
        QCOMPARE(roleOf(model, u"chat-llama3.gguf"_s, ModelListModel::TemplateFamilyRole).toString(), u"llama3"_s);
        QCOMPARE(roleOf(model, u"chat-llama3.gguf"_s, ModelListModel::TemplateTextRole).toString(), u"Llama 3"_s);
    }

    void brokenFilesSayWhy_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QString>("problem");
        QTest::newRow("not GGUF") << u"notes.gguf"_s << u"not a GGUF file"_s;
        QTest::newRow("truncated") << u"cut.gguf"_s << u"past the end of the file"_s;
    }

    void brokenFilesSayWhy()
    {
        QFETCH(QString, fileName);
        QFETCH(QString, problem);
        ModelListModel model;
        model.setFolders({m_folder});
        QVERIFY(waitForScan(model));
        const QString error = roleOf(model, fileName, ModelListModel::ErrorRole).toString();
        QVERIFY2(error.startsWith(fileName + u": "_s), qPrintable(error));
        QVERIFY2(error.contains(problem), qPrintable(error));
        // Only the file name, not the full path twice.
        QVERIFY2(!error.contains(m_dir.path()), qPrintable(error));
        QCOMPARE(roleOf(model, fileName, ModelListModel::ArchitectureRole).toString(), QString());
        QCOMPARE(roleOf(model, fileName, ModelListModel::ParameterTextRole).toString(), QString());
    }

    void vocabularyOnlyFileIsNotAModel()
    {
        HEARTH_REQUIRE_SHARED(u"models/vocab/ggml-vocab-llama-spm.gguf"_s);
        QTemporaryDir dir;
        QVERIFY(QFile::copy(TestData::sharedFile(u"models/vocab/ggml-vocab-llama-spm.gguf"_s), dir.filePath(u"vocab.gguf"_s)));
        const ModelFileInfo info = ModelFileInfo::read(dir.filePath(u"vocab.gguf"_s));
        QVERIFY2(info.error.startsWith(u"vocab.gguf: "_s), qPrintable(info.error));
        QVERIFY2(info.error.contains(u"not a model"_s), qPrintable(info.error));
    }

    void foldersListFilesOnce()
    {
        ModelListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFolders({m_subfolder});
        QVERIFY(waitForScan(model));
        QCOMPARE(model.rowCount(), 1);
        // The parent holds the subfolder, and the same folder twice: each file once.
        model.setFolders({m_subfolder, m_folder, m_folder + u"/"_s});
        QVERIFY(waitForScan(model));
        QCOMPARE(model.rowCount(), ModelListModel::scanFolders({m_folder}).size());
        QCOMPARE(model.indexOfPath(m_subfolder + u"/tiny-q8.gguf"_s) >= 0, true);
        QCOMPARE(model.indexOfPath(m_folder + u"/nothing.gguf"_s), -1);
    }

    void newerScanWins()
    {
        ModelListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFolders({m_folder});
        model.setFolders({m_subfolder}); // usually before the first scan finishes
        QVERIFY(waitForScan(model));
        QTest::qWait(200); // a superseded scan's result arrives and is dropped
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0).data(ModelListModel::FileNameRole).toString(), u"tiny-q8.gguf"_s);
    }

    void refreshSeesNewAndDeletedFiles()
    {
        QTemporaryDir dir;
        ModelListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFolders({dir.path()});
        QVERIFY(waitForScan(model));
        QCOMPARE(model.rowCount(), 0);
        QSignalSpy count(&model, &ModelListModel::countChanged);
        QVERIFY(QFile::copy(m_subfolder + u"/tiny-q8.gguf"_s, dir.filePath(u"copy.gguf"_s)));
        model.refresh();
        QVERIFY(waitForScan(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(count.count(), 1);
        QVERIFY(QFile::remove(dir.filePath(u"copy.gguf"_s)));
        model.refresh();
        QVERIFY(waitForScan(model));
        QCOMPARE(model.rowCount(), 0);
    }

    void destroyedDuringScan()
    {
        auto *model = new ModelListModel;
        model->setFolders({m_folder});
        delete model; // the worker's result must not reach the deleted model
        QTest::qWait(500);
    }

    void formatsParameterCounts_data()
    {
        QTest::addColumn<qint64>("count");
        QTest::addColumn<QString>("text");
        QTest::newRow("small") << qint64(999) << u"999"_s;
        QTest::newRow("stories") << qint64(292800) << u"293K"_s;
        QTest::newRow("6.74M") << qint64(6740000) << u"6.7M"_s;
        QTest::newRow("TinyLlama") << qint64(1100048384) << u"1.1B"_s;
        QTest::newRow("7B") << qint64(6738415616) << u"6.7B"_s;
        QTest::newRow("13B") << qint64(13015864320) << u"13B"_s;
        QTest::newRow("whole") << qint64(2000000000) << u"2B"_s;
    }

    void formatsParameterCounts()
    {
        QFETCH(qint64, count);
        QFETCH(QString, text);
        QCOMPARE(ModelFileInfo::formatParameterCount(count), text);
    }
};

QTEST_GUILESS_MAIN(ModelListModelTest)
#include "ModelListModelTest.moc"
