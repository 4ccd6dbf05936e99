// SPDX-License-Identifier: GPL-3.0-or-later
// ModelManager: loading the real model with progress and a RAM estimate, unloading, failures, the settings it
// loads with, importing files into the models folder, and deleting only inside the model folders.
#include "AppSettings.h"
#include "ModelFixtures.h"
#include "ModelListModel.h"
#include "ModelManager.h"
#include "TestData.h"

#include <KLocalizedString>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
const QString stories = u"models/stories260K.gguf"_s;

// A scan may finish before the caller gets here (the worker was quicker than the co_await).
bool waitForScan(ModelListModel *model)
{
    QSignalSpy finished(model, &ModelListModel::scanFinished);
    return !model->isScanning() || finished.wait(20000);
}
}

class ModelManagerTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_models;
    std::unique_ptr<AppSettings> m_settings;

private Q_SLOTS:
    void initTestCase()
    {
        // The first i18n() initialises KI18n: on this thread, not on a scan worker.
        KLocalizedString::setApplicationDomain("hearth");
        QVERIFY(!i18n("Hearth").isEmpty());
    }

    void init()
    {
        QVERIFY(m_dir.isValid());
        m_models = m_dir.filePath(u"models"_s);
        QDir(m_models).removeRecursively();
        QVERIFY(QDir().mkpath(m_models));
        QFile::remove(m_dir.filePath(u"hearthrc"_s));
        m_settings = std::make_unique<AppSettings>(m_dir.filePath(u"hearthrc"_s));
        m_settings->setModelsFolder(m_models);
    }

    void loadsAndUnloadsTheRealModel()
    {
        HEARTH_REQUIRE_SHARED(stories);
        const QString path = m_models + u"/stories260K.gguf"_s;
        QVERIFY(QFile::copy(TestData::sharedFile(stories), path));
        ModelManager manager(m_settings.get());
        QCOMPARE(manager.state(), ModelManager::State::Unloaded);

        QList<double> progress;
        connect(&manager, &ModelManager::loadProgressChanged, this, [&] {
            progress << manager.loadProgress();
        });
        QSignalSpy loaded(&manager, &ModelManager::modelLoaded);
        manager.load(QUrl::fromLocalFile(path).toString());
        QCOMPARE(manager.state(), ModelManager::State::Loading);
        QVERIFY(manager.isBusy());
        QCOMPARE(manager.modelPath(), path);
        QVERIFY(!loaded.isEmpty() || loaded.wait(30000));
        QCOMPARE(loaded.first().first().toString(), path);
        QCOMPARE(manager.state(), ModelManager::State::Loaded);
        QVERIFY(manager.isLoaded());
        QVERIFY(manager.engine()->isLoaded());
        QCOMPARE(manager.errorString(), QString());

        // Progress only grows, stays in 0..1 and ends at 1.
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last(), 1.0);
        for (qsizetype i = 1; i < progress.size(); ++i) {
            QVERIFY(progress[i] >= 0.0 && progress[i] <= 1.0);
            QVERIFY2(progress[i] >= progress[i - 1], qPrintable(u"%1 after %2"_s.arg(progress[i]).arg(progress[i - 1])));
        }

        // The estimate covers the weights (all of the file's tensor data: 1171200 bytes, hearth-cli inspect)
        // and the KV cache: 5 layers x 2048 positions x 4 KV heads x 8 dims x K and V x 2 bytes (F16) = 1310720.
        const hearth::ModelInfo info = manager.modelInfo();
        QCOMPARE(info.contextSize, 2048);
        QCOMPARE(info.weightBytes, 1171200);
        QCOMPARE(info.kvCacheBytes, 5 * 2048 * 4 * 8 * 2 * 2);
        QVERIFY2(manager.ramEstimate() >= 1171200 + 1310720, qPrintable(QString::number(manager.ramEstimate())));
        QVERIFY2(manager.ramEstimate() < 256 * 1024 * 1024, qPrintable(QString::number(manager.ramEstimate())));
        QCOMPARE(manager.ramEstimate(), info.estimatedBytes);
        QCOMPARE(m_settings->lastModel(), path);

        QSignalSpy unloaded(&manager, &ModelManager::modelUnloaded);
        manager.unload();
        QCOMPARE(unloaded.count(), 1);
        QCOMPARE(manager.state(), ModelManager::State::Unloaded);
        QCOMPARE(manager.modelPath(), QString());
        QCOMPARE(manager.ramEstimate(), 0);
        QCOMPARE(manager.loadProgress(), 0.0);
        QTRY_VERIFY_WITH_TIMEOUT(!manager.engine()->isLoaded(), 10000);
        QCOMPARE(m_settings->lastModel(), QString()); // unloaded on purpose: not loaded at the next start
    }

    void loadsWithTheSettings()
    {
        HEARTH_REQUIRE_SHARED(stories);
        m_settings->setThreads(1);
        m_settings->setContextSize(256);
        m_settings->setKvCacheType(AppSettings::KvCacheType::F32);
        ModelManager manager(m_settings.get());
        const hearth::LoadParams params = manager.loadParams();
        QCOMPARE(params.threads, 1);
        QCOMPARE(params.contextSize, 256);
        QCOMPARE(params.kvType, u"f32"_s);

        QSignalSpy loaded(&manager, &ModelManager::modelLoaded);
        manager.load(TestData::sharedFile(stories));
        QVERIFY(!loaded.isEmpty() || loaded.wait(30000));
        QCOMPARE(manager.modelInfo().contextSize, 256);
        QCOMPARE(manager.modelInfo().kvCacheBytes, 5 * 256 * 4 * 8 * 2 * 4);
    }

    void failedLoadSaysWhy()
    {
        HEARTH_REQUIRE_SHARED(stories);
        const QString path = m_models + u"/cut.gguf"_s;
        QVERIFY(ModelFixtures::writeTruncated(TestData::sharedFile(stories), path, 500000));
        ModelManager manager(m_settings.get());
        QSignalSpy failed(&manager, &ModelManager::loadFailed);
        manager.load(path);
        QVERIFY(!failed.isEmpty() || failed.wait(30000));
        QCOMPARE(manager.state(), ModelManager::State::Failed);
        QVERIFY2(manager.errorString().contains(u"cut.gguf"_s), qPrintable(manager.errorString()));
        QCOMPARE(failed.first().first().toString(), manager.errorString());
        QCOMPARE(manager.modelPath(), QString());
        QVERIFY(!manager.isLoaded());
    }

    // load() of another model while one loads: only the newest counts.
    void newerLoadWins()
    {
        HEARTH_REQUIRE_SHARED(stories);
        const QString tiny = m_models + u"/tiny.gguf"_s;
        ModelFixtures::writeTiny(tiny, "Q8_0");
        ModelManager manager(m_settings.get());
        QSignalSpy loaded(&manager, &ModelManager::modelLoaded);
        manager.load(TestData::sharedFile(stories));
        manager.load(tiny);
        QTRY_COMPARE_WITH_TIMEOUT(manager.state(), ModelManager::State::Loaded, 30000);
        QTest::qWait(200);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(manager.modelPath(), tiny);
    }

    void foldersComeFromTheSettings()
    {
        QTemporaryDir extra;
        ModelFixtures::writeTiny(extra.filePath(u"elsewhere.gguf"_s), "Q8_0");
        ModelManager manager(m_settings.get());
        QCOMPARE(manager.modelsFolder(), m_models);
        QCOMPARE(manager.folders(), QStringList{m_models});
        QSignalSpy folders(&manager, &ModelManager::foldersChanged);
        manager.addFolder(QUrl::fromLocalFile(extra.path()).toString());
        QCOMPARE(folders.count(), 1);
        QCOMPARE(m_settings->extraModelFolders(), QStringList{extra.path()});
        QCOMPARE(manager.folders(), (QStringList{m_models, extra.path()}));
        QVERIFY(waitForScan(manager.models()));
        QVERIFY(manager.models()->indexOfPath(extra.filePath(u"elsewhere.gguf"_s)) >= 0);
        manager.addFolder(m_dir.filePath(u"no-such-folder"_s)); // ignored
        QCOMPARE(manager.folders().size(), 2);
        manager.removeFolder(extra.path());
        QCOMPARE(manager.folders(), QStringList{m_models});
        QVERIFY(waitForScan(manager.models()));
        QCOMPARE(manager.models()->indexOfPath(extra.filePath(u"elsewhere.gguf"_s)), -1);
    }

    void importCopiesIntoTheModelsFolder()
    {
        QTemporaryDir outside;
        const QString source = outside.filePath(u"mine.gguf"_s);
        ModelFixtures::writeTiny(source, "Q8_0");
        ModelManager manager(m_settings.get());
        QSignalSpy finished(&manager, &ModelManager::importFinished);
        QSignalSpy scanned(manager.models(), &ModelListModel::scanFinished);
        manager.importModels({QUrl::fromLocalFile(source).toString()});
        QCOMPARE(manager.importing(), u"mine.gguf"_s);
        QVERIFY(!finished.isEmpty() || finished.wait(20000));
        QCOMPARE(finished.first().first().toString(), m_models + u"/mine.gguf"_s);
        QCOMPARE(manager.importing(), QString());
        QFile a(source), b(m_models + u"/mine.gguf"_s);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QVERIFY(a.readAll() == b.readAll());
        QVERIFY(QFileInfo::exists(source)); // a copy: the original stays
        QTRY_VERIFY_WITH_TIMEOUT(manager.models()->indexOfPath(m_models + u"/mine.gguf"_s) >= 0, 20000);

        // The same name again is refused rather than overwritten.
        QSignalSpy failed(&manager, &ModelManager::importFailed);
        manager.importModels({source});
        QVERIFY(!failed.isEmpty() || failed.wait(20000));
        QVERIFY2(failed.first().first().toString().contains(u"already has a file of that name"_s), qPrintable(failed.first().first().toString()));
    }

    void importRefusesBrokenFiles_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        QTest::newRow("not GGUF") << QByteArray("just some text\n") << u"not a GGUF file"_s;
        QTest::newRow("empty") << QByteArray() << u"not a GGUF file"_s;
    }

    void importRefusesBrokenFiles()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        QTemporaryDir outside;
        QVERIFY(ModelFixtures::writeBytes(outside.filePath(u"broken.gguf"_s), bytes));
        ModelManager manager(m_settings.get());
        QSignalSpy failed(&manager, &ModelManager::importFailed);
        manager.importModels({outside.filePath(u"broken.gguf"_s)});
        QVERIFY(!failed.isEmpty() || failed.wait(20000));
        const QString message = failed.first().first().toString();
        QVERIFY2(message.startsWith(u"broken.gguf: "_s) && message.contains(problem), qPrintable(message));
        // Nothing written, not even a temporary file.
        QCOMPARE(QDir(m_models).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
    }

    void importRefusesTruncatedModel()
    {
        QTemporaryDir outside;
        const QString whole = outside.filePath(u"whole.gguf"_s);
        ModelFixtures::writeTiny(whole, "F32");
        QVERIFY(ModelFixtures::writeTruncated(whole, outside.filePath(u"half.gguf"_s), QFileInfo(whole).size() / 2));
        ModelManager manager(m_settings.get());
        QSignalSpy failed(&manager, &ModelManager::importFailed);
        manager.importModels({outside.filePath(u"half.gguf"_s)});
        QVERIFY(!failed.isEmpty() || failed.wait(20000));
        const QString message = failed.first().first().toString();
        QVERIFY2(message.startsWith(u"half.gguf: "_s) && message.contains(u"past the end of the file"_s), qPrintable(message));
        QCOMPARE(QDir(m_models).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
    }

    void deletesOnlyInsideTheFolders()
    {
        QTemporaryDir outside;
        const QString foreign = outside.filePath(u"foreign.gguf"_s);
        ModelFixtures::writeTiny(foreign, "Q8_0");
        // A link inside the models folder to a file outside it: deleting must not follow it out.
        QVERIFY(QFile::link(foreign, m_models + u"/link.gguf"_s));
        const QString own = m_models + u"/own.gguf"_s;
        QVERIFY(QFile::copy(foreign, own));

        ModelManager manager(m_settings.get());
        QVERIFY(!manager.isInModelFolders(foreign));
        QVERIFY(!manager.isInModelFolders(m_models + u"/link.gguf"_s));
        QVERIFY(!manager.isInModelFolders(m_models + u"/../models-other/x.gguf"_s));
        QVERIFY(manager.isInModelFolders(own));

        QString error = manager.removeModel(foreign);
        QVERIFY2(error.contains(u"not in a models folder"_s), qPrintable(error));
        QVERIFY(QFileInfo::exists(foreign));
        error = manager.removeModel(m_models + u"/link.gguf"_s);
        QVERIFY(!error.isEmpty());
        QVERIFY(QFileInfo::exists(foreign));

        QCOMPARE(manager.removeModel(QUrl::fromLocalFile(own).toString()), QString());
        QVERIFY(!QFileInfo::exists(own));
        QVERIFY(waitForScan(manager.models()));
        QCOMPARE(manager.models()->indexOfPath(own), -1);
    }

    void deletingTheLoadedModelUnloadsIt()
    {
        HEARTH_REQUIRE_SHARED(stories);
        const QString path = m_models + u"/stories260K.gguf"_s;
        QVERIFY(QFile::copy(TestData::sharedFile(stories), path));
        ModelManager manager(m_settings.get());
        QSignalSpy loaded(&manager, &ModelManager::modelLoaded);
        manager.load(path);
        QVERIFY(!loaded.isEmpty() || loaded.wait(30000));
        QSignalSpy unloaded(&manager, &ModelManager::modelUnloaded);
        QCOMPARE(manager.removeModel(path), QString());
        QCOMPARE(unloaded.count(), 1);
        QCOMPARE(manager.state(), ModelManager::State::Unloaded);
        QVERIFY(!QFileInfo::exists(path));
    }
};

QTEST_GUILESS_MAIN(ModelManagerTest)
#include "ModelManagerTest.moc"
