// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ConversationListModel.h"
#include "MessageListModel.h"
#include "storage/ConversationStore.h"

#include <QCoroTask>
#include <QObject>
#include <QPointer>
#include <QQmlEngine>

#include <memory>

class AppSettings;

namespace hearth
{
class ChatEngine;
struct ChatReply;
}

// The chat page's brain: the open conversation, its messages, and the reply being generated.
// It keeps the conversation store (SQLite), sends the conversation to the engine with the settings'
// generation parameters, streams the reply into the message list and saves it: when it ends, and every few
// seconds while it grows, so a killed app loses at most the last moments of the reply in flight.
class ChatController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON

    Q_PROPERTY(ConversationListModel *conversations READ conversations CONSTANT)
    Q_PROPERTY(MessageListModel *messages READ messages CONSTANT)
    Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY conversationChanged)
    Q_PROPERTY(QString title READ title NOTIFY conversationChanged)
    // The conversation's own system prompt; empty: the settings' default.
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY conversationChanged)
    // The model file the conversation chats with (set by its first reply); empty for a new one.
    Q_PROPERTY(QString conversationModel READ conversationModel NOTIFY conversationChanged)
    Q_PROPERTY(bool generating READ isGenerating NOTIFY generatingChanged)
    Q_PROPERTY(bool modelLoaded READ isModelLoaded NOTIFY modelLoadedChanged)
    // The last reply's numbers: time to first token, tokens per second, context used of total.
    Q_PROPERTY(QString status READ status NOTIFY statusChanged)
    // Set when history trimming left messages out of the last reply's prompt; empty otherwise.
    Q_PROPERTY(QString trimNotice READ trimNotice NOTIFY statusChanged)
    // The last problem (engine error, store error, import refused); empty when none.
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)

public:
    // Conversations in the SQLite file `databasePath`; replies from `engine` with `settings`.
    ChatController(const QString &databasePath, hearth::ChatEngine *engine, AppSettings *settings, QObject *parent = nullptr);
    ~ChatController() override;

    // The application's controller: ConversationStore::defaultPath(), the model manager's engine.
    static ChatController *instance();
    static ChatController *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    hearth::ConversationStore *store() const;
    ConversationListModel *conversations() const;
    MessageListModel *messages() const;
    qint64 conversationId() const;
    QString title() const;
    QString systemPrompt() const;
    void setSystemPrompt(const QString &prompt);
    QString conversationModel() const;
    bool isGenerating() const;
    bool isModelLoaded() const;
    QString status() const;
    QString trimNotice() const;
    QString errorString() const;

    // Starts an empty conversation (stored with its first message) and shows it.
    Q_INVOKABLE void newConversation();
    Q_INVOKABLE void openConversation(qint64 id);
    // Adds the user's message and generates the reply; false (with errorString) when it cannot.
    Q_INVOKABLE bool send(const QString &text);
    // The model picker: records `path` as the open conversation's model (a new one records it with its first
    // message) and asks for it to be loaded (modelRequested) unless it is the engine's model already.
    Q_INVOKABLE void chooseModel(const QString &path);
    // Ends the reply in progress within a token; what was generated stays.
    Q_INVOKABLE void stop();
    // Replaces the last reply with a new one.
    Q_INVOKABLE bool regenerate();
    // Replaces the user message `messageId` with `text`, drops everything after it and generates again.
    Q_INVOKABLE bool editAndResend(qint64 messageId, const QString &text);
    Q_INVOKABLE void copyToClipboard(const QString &text) const;
    // Writes the open conversation to a file (path or file:// URL) as "md" or "json"; false with errorString.
    Q_INVOKABLE bool exportConversation(const QString &fileOrUrl, const QString &format);
    // Adds a conversation from an exported JSON file and opens it; false with errorString naming the file.
    Q_INVOKABLE bool importConversation(const QString &fileOrUrl);

Q_SIGNALS:
    void conversationChanged();
    void generatingChanged();
    void modelLoadedChanged();
    void statusChanged();
    void errorStringChanged();
    // The open conversation chats with a model file that is not the loaded one (opened, or chosen with
    // chooseModel()): the page asks the model manager to load it.
    void modelRequested(const QString &path);
    // A reply ended (the test driver and the view's scroll follow this).
    void replyFinished(const QString &text);

private:
    QCoro::Task<> generateReply();
    void finishReply(const hearth::ChatReply &reply);
    void setError(const QString &message);
    void setGenerating(bool generating);
    void saveStreamingReply();
    void reloadConversation();

    std::unique_ptr<hearth::ConversationStore> m_store;
    QPointer<hearth::ChatEngine> m_engine;
    AppSettings *m_settings;
    ConversationListModel *m_conversations;
    MessageListModel *m_messages;
    std::optional<hearth::StoredConversation> m_conversation;
    quint64 m_requestId = 0;
    bool m_generating = false;
    hearth::StoredMessage m_reply; // the reply being streamed (its id once stored)
    qint64 m_lastSaveMs = 0;
    QString m_status;
    QString m_trimNotice;
    QString m_error;
};
