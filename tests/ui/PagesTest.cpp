// SPDX-License-Identifier: GPL-3.0-or-later
// The chat and settings pages in the real window, offscreen, in the light or (HEARTH_COLOR_SCHEME=dark) dark
// colour scheme: the welcome without a
// model, a chat with a streamed reply (the real model) and Markdown with code, search results, the settings
// bound to AppSettings. Screenshots land in the build tree's screenshots/ folder. Any QML warning fails.
#include "App.h"
#include "AppSettings.h"
#include "ChatController.h"
#include "ConversationListModel.h"
#include "MainWindowHarness.h"
#include "MessageListModel.h"
#include "ModelManager.h"
#include "TestData.h"

#include <KAboutData>
#include <KLocalizedString>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

Q_IMPORT_QML_PLUGIN(org_hearthapp_hearthPlugin)

using namespace Qt::StringLiterals;

class PagesTest : public QObject
{
    Q_OBJECT

private:
    MainWindowHarness m_main;

    QQuickItem *find(const QString &name) const
    {
        // Pages belong to the page pool, not to the window's object tree: search the page shown.
        auto *pageStack = m_main.window->property("pageStack").value<QObject *>();
        auto *page = pageStack ? pageStack->property("currentItem").value<QObject *>() : nullptr;
        return page ? page->findChild<QQuickItem *>(name) : nullptr;
    }

    // How many visible texts in the window contain `part`.
    int visibleTextsContaining(const QString &part, QQuickItem *item = nullptr) const
    {
        item = item ? item : m_main.window->contentItem();
        if (!item->isVisible()) {
            return 0;
        }
        int count = item->property("text").toString().contains(part) ? 1 : 0;
        for (QQuickItem *child : item->childItems()) {
            count += visibleTextsContaining(part, child);
        }
        return count;
    }

    // Saves the window as NAME-SCHEME.png, drawn in the scheme's colours.
    void screenshot(const QString &name)
    {
        QTest::qWait(400);
        m_main.saveScreenshot(TestData::screenshotPath(name + u'-' + scheme()), isDark());
    }

public:
    static bool isDark()
    {
        return qEnvironmentVariable("HEARTH_COLOR_SCHEME") == u"dark"_s;
    }
    static QString scheme()
    {
        return isDark() ? u"dark"_s : u"light"_s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        KLocalizedString::setApplicationDomain("hearth");
        App::setupIconTheme();
        KAboutData::setApplicationData(App::makeAboutData());
        // A clean conversation file for this run.
        for (const QString &suffix : {u""_s, u"-wal"_s, u"-shm"_s}) {
            QFile::remove(hearth::ConversationStore::defaultPath() + suffix);
        }
        AppSettings::instance()->resetToDefaults();

        m_main.open(this, QSize(1200, 780));
    }

    void cleanup()
    {
        m_main.verifyNoWarnings();
    }

    void welcomeWithoutModel()
    {
        m_main.showPage(u"chats"_s);
        QTRY_VERIFY(find(u"welcome"_s) && find(u"welcome"_s)->isVisible());
        QVERIFY(find(u"messageInput"_s) && !find(u"messageInput"_s)->isEnabled());
        screenshot(u"chats-welcome"_s);
    }

    void settingsBoundToAppSettings()
    {
        m_main.showPage(u"settings"_s);
        QTRY_VERIFY(find(u"threads"_s));
        AppSettings::instance()->setThreads(3);
        QTRY_COMPARE(find(u"threads"_s)->property("value").toInt(), 3);
        // And back: the control writes the setting.
        find(u"threads"_s)->setProperty("value", 5);
        QCOMPARE(AppSettings::instance()->threads(), 5);
        AppSettings::instance()->setTemperature(0.3);
        QTRY_COMPARE(find(u"temperature"_s)->property("value").toInt(), 30);
        AppSettings::instance()->resetToDefaults();
        QTRY_COMPARE(find(u"threads"_s)->property("value").toInt(), 0);
        screenshot(u"settings"_s);
    }

    void aboutPage()
    {
        m_main.showPage(u"about"_s);
        // FormCard.AboutPage shows what KAboutData says: the name and the version.
        QTRY_VERIFY(visibleTextsContaining(KAboutData::applicationData().version()) > 0);
        QVERIFY(visibleTextsContaining(KAboutData::applicationData().displayName()) > 0);
        screenshot(u"about"_s);
    }

    void chatWithReply()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        ChatController *chat = ChatController::instance();
        // A conversation with Markdown and code, as if imported.
        const QString markdown = u"Here is a **tiny** program:\n\n```cpp\n#include <cstdio>\nint main() {\n    std::puts(\"Hello, hearth\"); // greet\n    return 0;\n}\n```\n\nIt prints *one* line."_s;
        const qint64 codeId = chat->store()->createConversation(u"C++ hello world"_s);
        hearth::StoredMessage question;
        question.role = u"user"_s;
        question.content = u"Show me hello world in C++"_s;
        chat->store()->addMessage(codeId, question);
        hearth::StoredMessage answer;
        answer.role = u"assistant"_s;
        answer.content = markdown;
        chat->store()->addMessage(codeId, answer);
        chat->conversations()->refresh();

        AppSettings::instance()->setTemperature(0.0);
        ModelManager *manager = ModelManager::instance();
        manager->load(TestData::sharedFile(u"models/stories260K.gguf"_s));
        QTRY_VERIFY_WITH_TIMEOUT(manager->isLoaded(), 30000);
        m_main.showPage(u"chats"_s);
        chat->newConversation();
        QTRY_VERIFY(find(u"welcome"_s) && !find(u"welcome"_s)->isVisible());
        QSignalSpy finished(chat, &ChatController::replyFinished);
        QVERIFY(chat->send(u"Once upon a time"_s));
        QVERIFY(finished.wait(60000));
        QVERIFY(!finished.first().first().toString().isEmpty());
        QTRY_VERIFY(find(u"messageList"_s) && find(u"messageList"_s)->property("count").toInt() == 2);
        // The reply's numbers are shown once, under the reply.
        QTRY_COMPARE(visibleTextsContaining(u"tokens/s"_s), 1);
        // stories260K has no chat template: the page says that it continues the text.
        QVERIFY(find(u"completionNotice"_s) && find(u"completionNotice"_s)->isVisible());
        // The new conversation is the one selected in the list.
        QTRY_COMPARE(find(u"conversationList"_s)->property("currentIndex").toInt(), chat->conversations()->rowOf(chat->conversationId()));
        QVERIFY(chat->conversations()->rowOf(chat->conversationId()) >= 0);
        screenshot(u"chats-reply"_s);

        chat->openConversation(codeId);
        QTRY_VERIFY(find(u"messageList"_s)->property("count").toInt() == 2);
        screenshot(u"chats-code"_s);

        auto *search = find(u"searchField"_s);
        QVERIFY(search);
        search->setProperty("text", u"hello"_s);
        QMetaObject::invokeMethod(search, "accepted");
        QTRY_COMPARE(chat->conversations()->rowCount(), 1);
        screenshot(u"chats-search"_s);
        search->setProperty("text", QString());
        QMetaObject::invokeMethod(search, "accepted");
        QTRY_COMPARE(chat->conversations()->rowCount(), 2);
    }

    // The model picker lists the models folder, loads the chosen model and records it on the conversation;
    // opening a conversation brings its model back.
    void modelPicker()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        ChatController *chat = ChatController::instance();
        ModelManager *manager = ModelManager::instance();
        const QString shared = TestData::sharedFile(u"models/stories260K.gguf"_s);
        QTRY_VERIFY_WITH_TIMEOUT(manager->isLoaded() && manager->modelPath() == shared, 30000);
        chat->conversations()->setFilter({});
        // The conversation chatWithReply() had with the shared model.
        qint64 earlier = 0;
        for (int row = 0; row < chat->conversations()->rowCount(); ++row) {
            const QModelIndex index = chat->conversations()->index(row);
            if (chat->conversations()->data(index, ConversationListModel::ModelRole).toString() == shared) {
                earlier = chat->conversations()->data(index, ConversationListModel::IdRole).toLongLong();
            }
        }
        QVERIFY(earlier != 0);

        QTemporaryDir folder;
        const QString first = folder.filePath(u"tiny-a.gguf"_s);
        const QString second = folder.filePath(u"tiny-b.gguf"_s);
        QVERIFY(QFile::copy(shared, first) && QFile::copy(shared, second));
        AppSettings::instance()->setModelsFolder(folder.path());
        QTRY_COMPARE(manager->models()->rowCount(), 2);

        m_main.showPage(u"chats"_s);
        chat->newConversation();
        QQuickItem *picker = find(u"modelPicker"_s);
        QVERIFY(picker && picker->isVisible());
        // The loaded model is not in the folder: the picker names its file.
        QTRY_COMPARE(picker->property("displayText").toString(), u"stories260K.gguf"_s);
        QCOMPARE(picker->property("currentIndex").toInt(), -1);

        QVERIFY(QMetaObject::invokeMethod(picker, "activated", Q_ARG(int, 1)));
        QTRY_VERIFY_WITH_TIMEOUT(manager->isLoaded() && manager->modelPath() == second, 30000);
        QTRY_COMPARE(picker->property("currentIndex").toInt(), 1);
        QSignalSpy finished(chat, &ChatController::replyFinished);
        QVERIFY(chat->send(u"Once upon a time"_s));
        QVERIFY(finished.wait(60000));
        const qint64 created = chat->conversationId();
        QCOMPARE(chat->store()->conversation(created)->model, second);
        screenshot(u"chats-model-picker"_s);

        // Opening the earlier conversation loads its model again, and the picker shows it.
        chat->openConversation(earlier);
        QTRY_VERIFY_WITH_TIMEOUT(manager->isLoaded() && manager->modelPath() == shared, 30000);
        QTRY_COMPARE(picker->property("displayText").toString(), u"stories260K.gguf"_s);
        chat->openConversation(created);
        QTRY_VERIFY_WITH_TIMEOUT(manager->isLoaded() && manager->modelPath() == second, 30000);
        QTRY_COMPARE(picker->property("currentIndex").toInt(), 1);
        AppSettings::instance()->resetToDefaults();
    }
};

// Breeze Dark's colours as kdeglobals holds them: what Kirigami's desktop theme reads the colour scheme from.
static const char darkScheme[] = R"([Colors:Window]
BackgroundNormal=32,35,38
BackgroundAlternate=41,44,48
ForegroundNormal=252,252,252
ForegroundInactive=161,169,177
DecorationFocus=61,174,233
DecorationHover=61,174,233

[Colors:View]
BackgroundNormal=20,22,24
BackgroundAlternate=29,31,34
ForegroundNormal=252,252,252
ForegroundInactive=161,169,177
DecorationFocus=61,174,233
DecorationHover=61,174,233

[Colors:Button]
BackgroundNormal=41,44,48
BackgroundAlternate=38,40,44
ForegroundNormal=252,252,252
ForegroundInactive=161,169,177
DecorationFocus=61,174,233
DecorationHover=61,174,233

[Colors:Selection]
BackgroundNormal=61,174,233
BackgroundAlternate=30,87,116
ForegroundNormal=252,252,252
ForegroundInactive=161,169,177

[Colors:Tooltip]
BackgroundNormal=41,44,48
ForegroundNormal=252,252,252

[Colors:Header]
BackgroundNormal=41,44,48
BackgroundAlternate=32,35,38
ForegroundNormal=252,252,252
ForegroundInactive=161,169,177

[Colors:Complementary]
BackgroundNormal=42,46,50
ForegroundNormal=252,252,252
)";

int main(int argc, char *argv[])
{
    QStandardPaths::setTestModeEnabled(true);
    // HEARTH_COLOR_SCHEME=dark: Breeze Dark in the test's own kdeglobals; otherwise the default (Breeze).
    const QString kdeglobals = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + u"/kdeglobals"_s;
    QFile::remove(kdeglobals);
    if (PagesTest::isDark()) {
        QDir().mkpath(QFileInfo(kdeglobals).absolutePath());
        QFile file(kdeglobals);
        if (!file.open(QIODevice::WriteOnly) || file.write(darkScheme) != qint64(sizeof(darkScheme) - 1)) {
            return 1;
        }
    }
    App::setupStyle();
    QApplication app(argc, argv);
    PagesTest test;
    return QTest::qExec(&test, argc, argv);
}
#include "PagesTest.moc"
