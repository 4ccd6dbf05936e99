// SPDX-License-Identifier: GPL-3.0-or-later
// The Models and Quantize pages in the real window, offscreen, light and dark: the welcome, a wrong file dropped,
// the list with a loaded model, and the end-to-end wizard runs: drop a small F32 GGUF, choose Q8_0 with
// perplexity, run (held in the middle for the screenshot), read the report, find the result under Models; drop a
// Hugging Face folder made from stories260K and find its conversion under Models; wrong things dropped on the
// wizard. Screenshots land in the build tree's screenshots/. Any QML warning fails.
#include "App.h"
#include "AppSettings.h"
#include "ColorSchemes.h"
#include "MainWindowHarness.h"
#include "ModelFixtures.h"
#include "ModelListModel.h"
#include "ModelManager.h"
#include "QuantizeWizard.h"
#include "TestData.h"
#include "gguf/GgufFile.h"
#include "quantizer/HfFolderWriter.h"

#include <KAboutData>
#include <KLocalizedString>
#include <QApplication>
#include <QDropEvent>
#include <QMimeData>
#include <QQuickItem>
#include <QQuickWindow>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include <functional>

Q_IMPORT_QML_PLUGIN(org_hearthapp_hearthPlugin)

using namespace Qt::StringLiterals;

class ModelsPageTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_models;
    MainWindowHarness m_main;
    QPalette m_light;

    // Items inside list delegates are not QObject children of the view: walk the item tree too.
    static QQuickItem *findItem(QQuickItem *root, const QString &name)
    {
        if (!root) {
            return nullptr;
        }
        if (root->objectName() == name && root->isVisible()) {
            return root;
        }
        const auto children = root->childItems();
        for (QQuickItem *child : children) {
            if (QQuickItem *found = findItem(child, name)) {
                return found;
            }
        }
        return nullptr;
    }

    QQuickItem *find(const QString &name) const
    {
        // Pages belong to the page pool, not to the window's item tree: search the object tree first.
        const auto all = m_main.window->findChildren<QQuickItem *>(name);
        for (QQuickItem *item : all) {
            if (item->isVisible()) {
                return item;
            }
        }
        return findItem(m_main.window->contentItem(), name);
    }

    QuantizeWizard *wizard() const
    {
        QObject *page = m_main.window->findChild<QObject *>(u"quantizePage"_s);
        if (!page) {
            page = findItem(m_main.window->contentItem(), u"quantizePage"_s);
        }
        return page ? qobject_cast<QuantizeWizard *>(page->property("wizard").value<QObject *>()) : nullptr;
    }

    void showPage(const QString &name)
    {
        m_main.showPage(name);
        QTest::qWait(300); // page transition
    }

    // What a file manager does when a file is dropped on the window's centre.
    void dropFile(const QString &path)
    {
        auto *mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(path)});
        const QPointF centre(m_main.window->width() / 2.0, m_main.window->height() / 2.0);
        QDragEnterEvent enter(centre.toPoint(), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(m_main.window, &enter);
        QDragMoveEvent move(centre.toPoint(), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(m_main.window, &move);
        QDropEvent drop(centre, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(m_main.window, &drop);
        delete mime;
    }

    void click(const QString &name)
    {
        QQuickItem *item = find(name);
        QVERIFY2(item, qPrintable(name));
        const QPointF centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
        QTest::mouseClick(m_main.window, Qt::LeftButton, {}, centre.toPoint());
    }

    void capture(const QString &name, bool dark)
    {
        m_main.saveScreenshot(TestData::screenshotPath(name + (dark ? u"-dark"_s : u"-light"_s)), dark);
    }

    void setDark(bool dark)
    {
        ColorSchemes::apply(dark, m_light, m_dir.path());
        QTest::qWait(400);
    }

    void screenshots(const QString &name)
    {
        for (const bool dark : {false, true}) {
            setDark(dark);
            capture(name, dark);
        }
        setDark(false);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        KLocalizedString::setApplicationDomain("hearth");
        App::setupIconTheme();
        KAboutData::setApplicationData(App::makeAboutData());
        m_light = QApplication::palette();
        AppSettings::instance()->resetToDefaults();
        m_models = m_dir.filePath(u"models"_s);
        AppSettings::instance()->setModelsFolder(m_models);

        ColorSchemes::apply(false, m_light, m_dir.path()); // not whatever kdeglobals says

        m_main.open(this, QSize(1100, 720));
    }

    void cleanup()
    {
        m_main.verifyNoWarnings();
    }

    void cleanupTestCase()
    {
        ModelManager::instance()->unload();
    }

    void welcomeWithoutModels()
    {
        showPage(u"models"_s);
        QTRY_VERIFY(!ModelManager::instance()->models()->isScanning());
        QCOMPARE(ModelManager::instance()->models()->rowCount(), 0);
        QTRY_VERIFY(find(u"modelsWelcome"_s));
        screenshots(u"models-welcome"_s);
    }

    void wrongFileDroppedSaysWhy()
    {
        QTemporaryDir outside;
        const QString notes = outside.filePath(u"notes.gguf"_s);
        QVERIFY(ModelFixtures::writeBytes(notes, "meeting notes, not a model\n"));
        dropFile(notes);
        QTRY_VERIFY(find(u"modelsMessage"_s));
        const QString text = find(u"modelsMessage"_s)->property("text").toString();
        QVERIFY2(text.startsWith(u"notes.gguf: "_s) && text.contains(u"not a GGUF file"_s), qPrintable(text));
        QVERIFY(!QFileInfo::exists(m_models + u"/notes.gguf"_s));
        screenshots(u"models-drop-error"_s);
    }

    void listsAndLoadsModels()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        QVERIFY(QDir().mkpath(m_models));
        QVERIFY(QFile::copy(TestData::sharedFile(u"models/stories260K.gguf"_s), m_models + u"/stories260K.gguf"_s));
        ModelFixtures::writeTiny(m_models + u"/tiny-random-Q4_K_M.gguf"_s, "Q4_K_M");
        QVERIFY(ModelFixtures::writeTruncated(m_models + u"/stories260K.gguf"_s, m_models + u"/half-downloaded.gguf"_s, 600000));
        ModelManager *manager = ModelManager::instance();
        manager->refresh();
        QTRY_COMPARE(manager->models()->rowCount(), 3);
        QTRY_VERIFY(find(u"model-stories260K"_s));
        QVERIFY(find(u"modelError"_s)); // the truncated file says why it cannot be used

        QSignalSpy loaded(manager, &ModelManager::modelLoaded);
        QQuickItem *row = find(u"model-stories260K"_s);
        QQuickItem *button = findItem(row, u"loadButton"_s);
        QVERIFY(button);
        const QPointF centre = button->mapToScene(QPointF(button->width() / 2, button->height() / 2));
        QTest::mouseClick(m_main.window, Qt::LeftButton, {}, centre.toPoint());
        QVERIFY(!loaded.isEmpty() || loaded.wait(30000));
        QCOMPARE(manager->modelPath(), m_models + u"/stories260K.gguf"_s);
        QTRY_VERIFY(findItem(find(u"model-stories260K"_s), u"ramEstimate"_s));
        screenshots(u"models-list"_s);
    }

    // The end-to-end run: a small F32 GGUF dropped on the wizard, quantized to Q8_0, shown under Models.
    void quantizeWizardEndToEnd()
    {
        QTemporaryDir outside;
        const QString input = outside.filePath(u"tiny-f32.gguf"_s);
        ModelFixtures::writeTiny(input, "F32");
        showPage(u"quantize"_s);
        QuantizeWizard *w = wizard();
        QVERIFY(w);
        QCOMPARE(w->step(), QuantizeWizard::Step::Source);
        QCOMPARE(w->outputFolder(), m_models);
        screenshots(u"quantize-1-drop"_s);

        dropFile(input);
        QTRY_COMPARE_WITH_TIMEOUT(w->step(), QuantizeWizard::Step::Target, 20000);
        QCOMPARE(w->sourcePath(), input);
        QTRY_VERIFY(find(u"target-Q6_K"_s));
        QTest::qWait(300); // layout
        click(u"target-Q6_K"_s);
        QCOMPARE(w->target(), u"Q6_K"_s);
        click(u"target-Q8_0"_s);
        QCOMPARE(w->target(), u"Q8_0"_s);
        QCOMPARE(w->outputPath(), m_models + u"/tiny-Q8_0.gguf"_s);
        QTest::qWait(200);
        screenshots(u"quantize-2-choose"_s);

        click(u"measurePerplexity"_s);
        QVERIFY(w->measurePerplexity());

        // The run is held between two tensors (the worker waits in the progress hook) for the running step's
        // screenshots.
        QSemaphore reached;
        QSemaphore release;
        w->setProgressHook([&](const hearth::QuantProgress &p) {
            if (p.tensorIndex == 10) {
                reached.release();
                release.acquire();
            }
        });
        const auto unblock = qScopeGuard([&] {
            release.release();
            w->setProgressHook({});
        });
        QSignalSpy finished(w, &QuantizeWizard::finished);
        click(u"startButton"_s);
        QVERIFY(reached.tryAcquire(1, 60000));
        QTRY_COMPARE(w->tensorIndex(), 10);
        QCOMPARE(w->step(), QuantizeWizard::Step::Running);
        QVERIFY(w->progress() > 0.2 && w->progress() < 0.8);
        QQuickItem *bar = find(u"quantizeProgress"_s);
        QVERIFY(bar);
        QCOMPARE(bar->property("value").toDouble(), w->progress());
        QVERIFY(bar->width() > 100);
        QVERIFY(find(u"runningBytes"_s));
        const QString tensor = find(u"runningTensor"_s)->property("text").toString();
        QVERIFY2(tensor.startsWith(u"Tensor 11 of 21: "_s), qPrintable(tensor));
        QTest::qWait(300);
        screenshots(u"quantize-3-running"_s);
        release.release();
        QVERIFY(!finished.isEmpty() || finished.wait(120000));
        QCOMPARE(w->step(), QuantizeWizard::Step::Report);
        const QString output = m_models + u"/tiny-Q8_0.gguf"_s;
        QVERIFY(QFileInfo::exists(output));
        QTRY_VERIFY(find(u"layerErrorChart"_s));
        // Perplexity before and after on the sample text, with the KL divergence.
        QVERIFY(w->perplexity().contains(u"before"_s));
        QVERIFY(find(u"perplexityBefore"_s) && find(u"perplexityAfter"_s) && find(u"perplexityKl"_s));
        QVERIFY(!find(u"perplexityError"_s));
        QTest::qWait(300);
        screenshots(u"quantize-4-report"_s);

        // The result is listed under Models, described as Q8_0.
        click(u"showModelsButton"_s);
        QTRY_COMPARE(m_main.window->property("pageStack").value<QObject *>()->property("currentItem").value<QObject *>()->objectName(), u"modelsPage"_s);
        ModelListModel *models = ModelManager::instance()->models();
        QTRY_VERIFY_WITH_TIMEOUT(models->indexOfPath(output) >= 0, 20000);
        const QModelIndex index = models->index(models->indexOfPath(output));
        QCOMPARE(index.data(ModelListModel::QuantizationRole).toString(), u"Q8_0"_s);
        QCOMPARE(index.data(ModelListModel::ErrorRole).toString(), QString());
        QTRY_VERIFY(find(u"model-tiny-Q8_0"_s));
        QTest::qWait(300);
        screenshots(u"models-after-quantize"_s);
    }

    // A Hugging Face folder (written from stories260K) dropped on the wizard: recognised, described, converted and
    // quantized, listed under Models.
    void quantizeHuggingFaceFolder()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const auto gguf = hearth::GgufFile::open(TestData::sharedFile(u"models/stories260K.gguf"_s).toStdString());
        QTemporaryDir outside;
        const QString folder = outside.filePath(u"stories260K-hf"_s);
        QVERIFY(HfFolderWriter::write(*gguf, folder, {}));
        showPage(u"quantize"_s);
        QuantizeWizard *w = wizard();
        QVERIFY(w);
        w->reset();
        w->setMeasurePerplexity(false);

        dropFile(folder);
        QTRY_COMPARE_WITH_TIMEOUT(w->step(), QuantizeWizard::Step::Target, 20000);
        QCOMPARE(w->sourcePath(), folder);
        QCOMPARE(w->input().value(u"kind"_s).toString(), u"huggingface"_s);
        qint64 parameters = 0;
        for (const auto &tensor : gguf->tensors()) {
            parameters += qint64(tensor.elementCount());
        }
        QCOMPARE(w->input().value(u"parameterCount"_s).toLongLong(), parameters);
        QCOMPARE(w->input().value(u"layers"_s).toInt(), 5);
        QTRY_VERIFY(find(u"inputKind"_s));
        QVERIFY(find(u"inputKind"_s)->property("text").toString().contains(u"Hugging Face"_s));
        QCOMPARE(w->outputPath(), m_models + u"/stories260K-hf-Q8_0.gguf"_s);
        QTest::qWait(300);
        screenshots(u"quantize-hf-target"_s);

        QSignalSpy finished(w, &QuantizeWizard::finished);
        click(u"startButton"_s);
        QVERIFY(!finished.isEmpty() || finished.wait(120000));
        QCOMPARE(w->step(), QuantizeWizard::Step::Report);
        const QString output = m_models + u"/stories260K-hf-Q8_0.gguf"_s;
        ModelListModel *models = ModelManager::instance()->models();
        QTRY_VERIFY_WITH_TIMEOUT(models->indexOfPath(output) >= 0, 20000);
        const QModelIndex index = models->index(models->indexOfPath(output));
        QCOMPARE(index.data(ModelListModel::QuantizationRole).toString(), u"Q8_0"_s);
        QCOMPARE(index.data(ModelListModel::ErrorRole).toString(), QString());
        QCOMPARE(index.data(ModelListModel::ParameterCountRole).toLongLong(), parameters);
    }

    // What people drop on the wizard by mistake: refused, with the name of what was dropped and the problem.
    void wrongDropOnWizardSaysWhy_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("problem");
        QTest::newRow("text") << u"notes.txt"_s << u"not a GGUF file"_s;
        QTest::newRow("truncated") << u"half.gguf"_s << u"past the end of the file"_s;
        QTest::newRow("empty folder") << u"empty-folder"_s << u"no config.json"_s;
    }

    void wrongDropOnWizardSaysWhy()
    {
        QFETCH(QString, name);
        QFETCH(QString, problem);
        QTemporaryDir outside;
        const QString path = outside.filePath(name);
        if (name == u"notes.txt"_s) {
            QVERIFY(ModelFixtures::writeBytes(path, "shopping list: bread, milk\n"));
        } else if (name == u"half.gguf"_s) {
            const QString whole = outside.filePath(u"whole.gguf"_s);
            ModelFixtures::writeTiny(whole, "F32");
            QVERIFY(ModelFixtures::writeTruncated(whole, path, QFileInfo(whole).size() / 2));
        } else {
            QVERIFY(QDir(outside.path()).mkdir(name));
        }
        showPage(u"quantize"_s);
        QuantizeWizard *w = wizard();
        QVERIFY(w);
        w->reset();
        dropFile(path);
        QTRY_VERIFY_WITH_TIMEOUT(find(u"quantizeError"_s), 20000);
        QCOMPARE(w->step(), QuantizeWizard::Step::Source);
        const QString text = find(u"quantizeError"_s)->property("text").toString();
        QVERIFY2(text.startsWith(name + u": "_s) && text.contains(problem, Qt::CaseInsensitive) && !text.contains(outside.path()), qPrintable(text));
        QTest::qWait(300);
        screenshots(u"quantize-drop-error-"_s + QString::fromUtf8(QTest::currentDataTag()).replace(u' ', u'-'));
        w->reset();
    }
};

int main(int argc, char *argv[])
{
    QStandardPaths::setTestModeEnabled(true);
    App::setupStyle();
    QApplication app(argc, argv);
    ModelsPageTest test;
    return QTest::qExec(&test, argc, argv);
}
#include "ModelsPageTest.moc"
