// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace hearth
{

struct StoredConversation {
    qint64 id = 0;
    QString title;
    QDateTime created; // UTC
    QDateTime updated; // UTC: the last message or change
    bool pinned = false;
    QString model; // path of the GGUF file the conversation chats with; empty: the loaded model
    QString systemPrompt; // empty: the default from the settings
    bool operator==(const StoredConversation &) const = default;
};

struct StoredMessage {
    qint64 id = 0;
    qint64 conversationId = 0;
    QString role; // "system", "user" or "assistant"
    QString content;
    QDateTime time; // UTC
    QString model; // the model that wrote an assistant message
    int promptTokens = 0;
    int completionTokens = 0;
    QJsonObject stats; // the engine's reply statistics (time to first token, tok/s, context used, ...)
    bool operator==(const StoredMessage &) const = default;
};

struct SearchHit {
    qint64 conversationId = 0;
    qint64 messageId = 0;
    QString title; // the conversation's
    QString snippet; // HTML: the matching words in <b>, everything else escaped
};

// Conversations and their messages in an SQLite file: WAL journal, FTS5 full-text index over message
// content (an external-content table kept in step by triggers), schema versioned with PRAGMA user_version
// and upgraded by a list of migrations on open. Every change runs in a transaction.
//
// Not thread-safe: one store per thread (Qt Sql connections belong to the thread that opened them).
// Errors: the methods return false / nullopt / empty and errorString() says what failed, naming the file.
class ConversationStore
{
public:
    // The schema this build writes; older files are migrated on open, newer ones refused.
    static constexpr int SchemaVersion = 2;

    ConversationStore();
    ~ConversationStore();
    ConversationStore(const ConversationStore &) = delete;
    ConversationStore &operator=(const ConversationStore &) = delete;

    // conversations.sqlite in QStandardPaths::AppDataLocation.
    static QString defaultPath();

    // Opens (creating the file and its folder when missing) and migrates to SchemaVersion.
    bool open(const QString &path);
    bool isOpen() const;
    QString path() const;
    QString errorString() const;
    int schemaVersion() const; // PRAGMA user_version of the open file

    qint64 createConversation(const QString &title, const QString &model = {}, const QString &systemPrompt = {});
    std::optional<StoredConversation> conversation(qint64 id) const;
    // Pinned first, then the most recently updated.
    QList<StoredConversation> conversations() const;
    bool renameConversation(qint64 id, const QString &title);
    bool setPinned(qint64 id, bool pinned);
    bool setConversationModel(qint64 id, const QString &model);
    bool setSystemPrompt(qint64 id, const QString &prompt);
    bool deleteConversation(qint64 id);

    // Appends a message (its id and conversationId are set from the arguments) and touches the conversation.
    qint64 addMessage(qint64 conversationId, const StoredMessage &message);
    // Replaces content, model, token counts and stats of a message (a streaming reply as it grows).
    bool updateMessage(const StoredMessage &message);
    // Deletes message `messageId` and every later one of its conversation (regenerate, edit and resend).
    bool truncateFrom(qint64 conversationId, qint64 messageId);
    QList<StoredMessage> messages(qint64 conversationId) const;

    // Full-text search over message content, best match first (bm25), at most one hit per conversation.
    // Words are matched as prefixes; FTS syntax typed by the user is taken literally.
    QList<SearchHit> search(const QString &text, int limit = 50) const;

    // A conversation as Markdown (title, then one section per message) and as JSON (format "hearth-conversation",
    // version 1: the conversation's fields and its messages).
    QString exportMarkdown(qint64 id) const;
    QByteArray exportJson(qint64 id) const;
    // Writes an export atomically (temporary file, then rename). `format`: "md" or "json".
    bool exportToFile(qint64 id, const QString &fileName, const QString &format);
    // Adds the conversation in `json` (what exportJson() writes) as a new conversation, all or nothing.
    // `source` names the data in error messages (the file name). keepId: restore under the exported id
    // (undoing a delete); fails when that id is taken.
    qint64 importJson(const QByteArray &json, const QString &source, bool keepId = false);
    qint64 importFile(const QString &fileName);

private:
    bool migrate();
    bool fail(const QString &what) const;
    bool touch(qint64 conversationId);

    QString m_connection; // the Qt Sql connection name, unique per store
    QString m_path;
    mutable QString m_error;
};

} // namespace hearth
