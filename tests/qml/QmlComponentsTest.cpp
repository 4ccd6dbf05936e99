// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the Qt Quick tests (tst_*.qml) of the chat components. They get the real conversation list on a
// fresh SQLite file through the HearthTest.Fixture singleton. A QML warning ends the run as a failure.
#include "App.h"
#include "ConversationListModel.h"
#include "storage/ConversationStore.h"

#include <KLocalizedQmlContext>
#include <KLocalizedString>
#include <QApplication>
#include <QQmlEngine>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtQml/QQmlExtensionPlugin>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(org_hearthapp_hearthPlugin)

using namespace Qt::StringLiterals;

// What the QML tests start from: a conversation list over a store of their own.
class Fixture : public QObject
{
    Q_OBJECT
    Q_PROPERTY(ConversationListModel *conversations READ conversations CONSTANT)

public:
    Fixture()
    {
        m_store.open(m_dir.filePath(u"chats.sqlite"_s));
        m_conversations = new ConversationListModel(&m_store, this);
    }
    ConversationListModel *conversations() const
    {
        return m_conversations;
    }
    // Adds a conversation with one message; returns its id.
    Q_INVOKABLE qint64 addConversation(const QString &title)
    {
        const qint64 id = m_store.createConversation(title);
        hearth::StoredMessage message;
        message.role = u"user"_s;
        message.content = title;
        m_store.addMessage(id, message);
        m_conversations->refresh();
        return id;
    }
    // The title in the file (empty: no such conversation).
    Q_INVOKABLE QString storedTitle(qint64 id) const
    {
        const auto conversation = m_store.conversation(id);
        return conversation ? conversation->title : QString();
    }

private:
    QTemporaryDir m_dir;
    hearth::ConversationStore m_store;
    ConversationListModel *m_conversations;
};

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        KLocalization::setupLocalizedContext(engine);
        qmlRegisterSingletonInstance("HearthTest", 1, 0, "Fixture", &m_fixture);
        connect(engine, &QQmlEngine::warnings, this, [](const QList<QQmlError> &warnings) {
            for (const QQmlError &warning : warnings) {
                qCritical().noquote() << "QML warning:" << warning.toString();
            }
            qFatal("QML warnings are bugs");
        });
    }

private:
    Fixture m_fixture;
};

int main(int argc, char **argv)
{
    QStandardPaths::setTestModeEnabled(true);
    KLocalizedString::setApplicationDomain("hearth");
    App::setupStyle();
    QApplication app(argc, argv);
    App::setupIconTheme();
    Setup setup;
    return quick_test_main_with_setup(argc, argv, "QmlComponentsTest", QUICK_TEST_SOURCE_DIR, &setup);
}

#include "QmlComponentsTest.moc"
