// SPDX-License-Identifier: GPL-3.0-or-later
// ChatController with the real engine and the real model (stories260K): a reply streams into the message
// list and the store, regenerate and edit-and-resend replace what they should, stop ends a reply, and a new
// controller on the same file finds the conversation.
#include "AppSettings.h"
#include "ChatController.h"
#include "ConversationListModel.h"
#include "MessageListModel.h"
#include "TestData.h"
#include "engine/ChatEngine.h"

#include <KLocalizedString>
#include <QAbstractItemModelTester>
#include <QCoroTask>
#include <QFile>
#include <QGuiApplication>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class ChatControllerTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<hearth::ChatEngine> m_engine;

    QString dbPath() const
    {
        return m_dir.filePath(u"chats.sqlite"_s);
    }

    // Waits for the reply in progress; returns its text.
    static QString waitForReply(ChatController &controller)
    {
        QSignalSpy finished(&controller, &ChatController::replyFinished);
        if (!finished.wait(60000)) {
            return u"(timeout)"_s;
        }
        return finished.first().first().toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        KLocalizedString::setApplicationDomain("hearth");
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_settings = std::make_unique<AppSettings>(m_dir.filePath(u"hearthrc"_s));
        m_settings->setTemperature(0.0);
        m_settings->setMaxTokens(40);
        m_engine = std::make_unique<hearth::ChatEngine>();
        const hearth::LoadResult loaded = QCoro::waitFor(m_engine->load(TestData::sharedFile(u"models/stories260K.gguf"_s), {}));
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
    }

    void refusesWithoutModel()
    {
        hearth::ChatEngine idle;
        ChatController controller(m_dir.filePath(u"idle.sqlite"_s), &idle, m_settings.get());
        QVERIFY(!controller.isModelLoaded());
        QVERIFY(!controller.send(u"Hello"_s));
        QVERIFY(controller.errorString().contains(u"No model is loaded"_s));
        QCOMPARE(controller.conversations()->rowCount(), 0);
    }

    void sendStreamsAndSaves()
    {
        ChatController controller(dbPath(), m_engine.get(), m_settings.get());
        QAbstractItemModelTester messagesTester(controller.messages(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester listTester(controller.conversations(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QString streamed;
        connect(m_engine.get(), &hearth::ChatEngine::textGenerated, this, [&streamed](quint64, const QString &delta) {
            streamed += delta;
        });
        QSignalSpy generating(&controller, &ChatController::generatingChanged);

        QVERIFY(controller.send(u"Once upon a time"_s));
        QVERIFY(controller.isGenerating());
        QCOMPARE(controller.title(), u"Once upon a time"_s);
        QCOMPARE(controller.messages()->rowCount(), 2);
        const QString reply = waitForReply(controller);
        QVERIFY2(!reply.isEmpty() && reply != u"(timeout)"_s, qPrintable(controller.errorString()));
        QVERIFY(!controller.isGenerating());
        QCOMPARE(generating.size(), 2);
        disconnect(m_engine.get(), &hearth::ChatEngine::textGenerated, this, nullptr);

        // What streamed into the view is the reply, and it is what the file holds.
        QCOMPARE(streamed, reply);
        const MessageListModel *messages = controller.messages();
        QCOMPARE(messages->data(messages->index(1), MessageListModel::ContentRole).toString(), reply);
        QCOMPARE(messages->data(messages->index(1), MessageListModel::StreamingRole).toBool(), false);
        const QList<hearth::StoredMessage> stored = controller.store()->messages(controller.conversationId());
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[0].content, u"Once upon a time"_s);
        QCOMPARE(stored[1].role, u"assistant"_s);
        QCOMPARE(stored[1].content, reply);
        QCOMPARE(stored[1].model, TestData::sharedFile(u"models/stories260K.gguf"_s));
        QVERIFY(stored[1].completionTokens > 0);
        QVERIFY(stored[1].stats.value(u"contextUsed"_s).toInt() > stored[1].completionTokens);
        QVERIFY2(controller.status().contains(u"tokens/s"_s), qPrintable(controller.status()));
        QVERIFY(controller.trimNotice().isEmpty());

        // Greedy decoding: regenerating gives the same reply, in place of the old one.
        QVERIFY(controller.regenerate());
        QCOMPARE(waitForReply(controller), reply);
        QCOMPARE(controller.store()->messages(controller.conversationId()).size(), 2);

        // Edit and resend: the user's message changes, the old reply goes, a new one comes.
        QVERIFY(controller.editAndResend(stored[0].id, u"Lily and Tom went to the park"_s));
        const QString edited = waitForReply(controller);
        QVERIFY(!edited.isEmpty());
        const QList<hearth::StoredMessage> after = controller.store()->messages(controller.conversationId());
        QCOMPARE(after.size(), 2);
        QCOMPARE(after[0].content, u"Lily and Tom went to the park"_s);
        QCOMPARE(after[1].content, edited);
    }

    void stopEndsTheReply()
    {
        m_settings->setMaxTokens(4000);
        ChatController controller(m_dir.filePath(u"stop.sqlite"_s), m_engine.get(), m_settings.get());
        QVERIFY(controller.send(u"The little dog was sad because"_s));
        QSignalSpy finished(&controller, &ChatController::replyFinished);
        controller.stop();
        QVERIFY(finished.wait(60000));
        QVERIFY(!controller.isGenerating());
        QVERIFY(controller.errorString().isEmpty());
        // Whatever came before the stop is kept; an empty reply is not.
        const QList<hearth::StoredMessage> stored = controller.store()->messages(controller.conversationId());
        QCOMPARE(stored.size(), finished.first().first().toString().isEmpty() ? 1 : 2);
        m_settings->setMaxTokens(40);
    }

    // The model picker records the choice on the conversation and asks for the model; opening a
    // conversation asks for its model when another one is loaded.
    void chooseModelRecordsIt()
    {
        const QString loaded = TestData::sharedFile(u"models/stories260K.gguf"_s);
        const QString other = m_dir.filePath(u"other.gguf"_s);
        QVERIFY(QFile::copy(loaded, other));
        ChatController controller(m_dir.filePath(u"picker.sqlite"_s), m_engine.get(), m_settings.get());
        QSignalSpy requested(&controller, &ChatController::modelRequested);

        // A new chat: nothing to record yet, the loaded model is not requested again.
        controller.chooseModel(loaded);
        QCOMPARE(requested.size(), 0);
        QVERIFY(controller.send(u"Once upon a time"_s));
        QVERIFY(!waitForReply(controller).isEmpty());
        const qint64 first = controller.conversationId();
        QCOMPARE(controller.conversationModel(), loaded);

        // Another model for this conversation: stored at once, and requested.
        controller.chooseModel(other);
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.takeFirst().first().toString(), other);
        QCOMPARE(controller.conversationModel(), other);
        QCOMPARE(controller.store()->conversation(first)->model, other);

        // A second conversation with the loaded model; opening the first again offers its own model.
        controller.newConversation();
        QVERIFY(controller.send(u"Lily and Tom went to the park"_s));
        QVERIFY(!waitForReply(controller).isEmpty());
        const qint64 second = controller.conversationId();
        QCOMPARE(controller.store()->conversation(second)->model, loaded);
        QCOMPARE(requested.size(), 0);
        controller.openConversation(first);
        QCOMPARE(controller.conversationModel(), other);
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.takeFirst().first().toString(), other);
        controller.openConversation(second);
        QCOMPARE(requested.size(), 0);
        // While a reply streams the choice is refused (loading would end the reply).
        QVERIFY(controller.send(u"The little dog was sad because"_s));
        controller.chooseModel(other);
        QCOMPARE(controller.conversationModel(), loaded);
        QVERIFY(!waitForReply(controller).isEmpty());
        QCOMPARE(requested.size(), 0);
    }

    void persistsAcrossControllers()
    {
        ChatController controller(dbPath(), m_engine.get(), m_settings.get());
        QCOMPARE(controller.conversations()->rowCount(), 1);
        controller.conversations()->setFilter(u"park"_s);
        QCOMPARE(controller.conversations()->rowCount(), 1);
        const qint64 id = controller.conversations()->data(controller.conversations()->index(0), ConversationListModel::IdRole).toLongLong();
        controller.openConversation(id);
        QCOMPARE(controller.messages()->rowCount(), 2);
        QVERIFY(controller.status().contains(u"tokens/s"_s));

        // Export and import through the controller, by file URL as the dialogs hand them over.
        const QString file = m_dir.filePath(u"chat.json"_s);
        QVERIFY(controller.exportConversation(QUrl::fromLocalFile(file).toString(), u"json"_s));
        QVERIFY(controller.importConversation(QUrl::fromLocalFile(file).toString()));
        QVERIFY(controller.conversationId() != id);
        QCOMPARE(controller.messages()->rowCount(), 2);
        QVERIFY(!controller.importConversation(m_dir.filePath(u"missing.json"_s)));
        QVERIFY(controller.errorString().contains(u"missing.json"_s));
    }
};

QTEST_MAIN(ChatControllerTest)
#include "ChatControllerTest.moc"
