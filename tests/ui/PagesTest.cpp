// SPDX-License-Identifier: GPL-3.0-or-later
// The chat and settings pages in the real window, offscreen, in light and dark colours: the welcome without a
// model, a chat with a streamed reply (the real model) and Markdown with code, search results, the settings
// bound to AppSettings. Screenshots land in the build tree's screenshots/ folder. Any QML warning fails.
#include "App.h"
#include "AppSettings.h"
#include "ChatController.h"
#include "ConversationListModel.h"
#include "MessageListModel.h"
#include "ModelManager.h"
#include "TestData.h"
#include "WindowCapture.h"

#include <KAboutData>
#include <KLocalizedQmlContext>
#include <KLocalizedString>
#include <QApplication>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include <memory>

Q_IMPORT_QML_PLUGIN(org_hearthapp_hearthPlugin)

using namespace Qt::StringLiterals;

class PagesTest : public QObject
{
    Q_OBJECT

private:
    QQmlApplicationEngine *m_engine = nullptr;
    QQuickWindow *m_window = nullptr;
    std::unique_ptr<QSignalSpy> m_warnings;
    QPalette m_light;

    QQuickItem *find(const QString &name) const
    {
        return m_window->contentItem()->findChild<QQuickItem *>(name);
    }

    void showPage(const QString &name)
    {
        bool found = false;
        QVERIFY(QMetaObject::invokeMethod(m_window, "showPage", Q_RETURN_ARG(bool, found), Q_ARG(QString, name)));
        QVERIFY(found);
    }

    // Breeze Dark's colours, as the palette a dark colour scheme gives the application.
    static QPalette darkPalette()
    {
        QPalette p;
        const QColor window(0x20, 0x23, 0x26), base(0x14, 0x16, 0x18), text(0xfc, 0xfc, 0xfc), button(0x29, 0x2c, 0x30);
        const QColor highlight(0x3d, 0xae, 0xe9), disabled(0x6e, 0x71, 0x75);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, QColor(0x1d, 0x1f, 0x22));
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::Button, button);
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::Highlight, highlight);
        p.setColor(QPalette::HighlightedText, text);
        p.setColor(QPalette::ToolTipBase, window);
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::PlaceholderText, QColor(0xa1, 0xa9, 0xb1));
        p.setColor(QPalette::Link, QColor(0x1d, 0x99, 0xf3));
        p.setColor(QPalette::Mid, QColor(0x1c, 0x1e, 0x20));
        p.setColor(QPalette::Dark, QColor(0x10, 0x11, 0x12));
        p.setColor(QPalette::Light, QColor(0x40, 0x43, 0x47));
        p.setColor(QPalette::Disabled, QPalette::Text, disabled);
        p.setColor(QPalette::Disabled, QPalette::WindowText, disabled);
        p.setColor(QPalette::Disabled, QPalette::ButtonText, disabled);
        return p;
    }

    // Saves the window in both colour schemes as NAME-light.png and NAME-dark.png and checks each is a drawn
    // window whose background matches the scheme.
    void screenshots(const QString &name)
    {
        for (const bool dark : {false, true}) {
            QApplication::setPalette(dark ? darkPalette() : m_light);
            QTest::qWait(400);
            const QString path = TestData::screenshotPath(name + (dark ? u"-dark"_s : u"-light"_s));
            const QString error = WindowCapture::save(m_window, path);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            const QImage image(path);
            QVERIFY(!image.isNull());
            // The bottom right corner is page background: dark in the dark scheme, light in the light one.
            const QColor corner = image.pixelColor(image.width() - 3, image.height() - 3);
            QVERIFY2(dark ? corner.lightnessF() < 0.35 : corner.lightnessF() > 0.65,
                     qPrintable(u"%1: background %2"_s.arg(path, corner.name())));
        }
        QApplication::setPalette(m_light);
        QTest::qWait(200);
    }

private Q_SLOTS:
    void initTestCase()
    {
        KLocalizedString::setApplicationDomain("hearth");
        App::setupIconTheme();
        KAboutData::setApplicationData(App::makeAboutData());
        m_light = QApplication::palette();
        // A clean conversation file for this run.
        QFile::remove(hearth::ConversationStore::defaultPath());
        AppSettings::instance()->resetToDefaults();

        m_engine = new QQmlApplicationEngine(this);
        KLocalization::setupLocalizedContext(m_engine);
        m_warnings = std::make_unique<QSignalSpy>(m_engine, &QQmlEngine::warnings);
        m_engine->loadFromModule("org.hearthapp.hearth", "Main");
        QCOMPARE(m_engine->rootObjects().size(), 1);
        m_window = qobject_cast<QQuickWindow *>(m_engine->rootObjects().constFirst());
        QVERIFY(m_window);
        m_window->resize(1200, 780);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
    }

    void cleanup()
    {
        const QString first = m_warnings->isEmpty() ? QString() : m_warnings->first().first().toString();
        QVERIFY2(m_warnings->isEmpty(), qPrintable(first));
    }

    void welcomeWithoutModel()
    {
        showPage(u"chats"_s);
        QTRY_VERIFY(find(u"welcome"_s));
        QTRY_VERIFY(find(u"welcome"_s)->isVisible());
        QVERIFY(!find(u"messageInput"_s)->isEnabled());
        screenshots(u"chats-welcome"_s);
    }

    void settingsBoundToAppSettings()
    {
        showPage(u"settings"_s);
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
        screenshots(u"settings"_s);
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
        showPage(u"chats"_s);
        chat->newConversation();
        QTRY_VERIFY(!find(u"welcome"_s)->isVisible());
        QSignalSpy finished(chat, &ChatController::replyFinished);
        QVERIFY(chat->send(u"Once upon a time"_s));
        QVERIFY(finished.wait(60000));
        QVERIFY(!finished.first().first().toString().isEmpty());
        QTRY_COMPARE(find(u"messageList"_s)->property("count").toInt(), 2);
        QTRY_VERIFY(find(u"statusLine"_s)->isVisible());
        screenshots(u"chats-reply"_s);

        chat->openConversation(codeId);
        QTRY_COMPARE(find(u"messageList"_s)->property("count").toInt(), 2);
        screenshots(u"chats-code"_s);

        auto *search = find(u"searchField"_s);
        QVERIFY(search);
        search->setProperty("text", u"hello"_s);
        QMetaObject::invokeMethod(search, "accepted");
        QTRY_COMPARE(chat->conversations()->rowCount(), 1);
        screenshots(u"chats-search"_s);
        search->setProperty("text", QString());
        QMetaObject::invokeMethod(search, "accepted");
        QTRY_COMPARE(chat->conversations()->rowCount(), 2);
    }
};

int main(int argc, char *argv[])
{
    QStandardPaths::setTestModeEnabled(true);
    App::setupStyle();
    QApplication app(argc, argv);
    PagesTest test;
    return QTest::qExec(&test, argc, argv);
}
#include "PagesTest.moc"
