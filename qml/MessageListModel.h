// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "storage/ConversationStore.h"

#include <QAbstractListModel>
#include <QQmlEngine>

// The messages of the open conversation, oldest first, for the chat view: the Markdown content, its HTML
// rendering (computed when first shown, again when the content or the colour scheme changes) and, for a
// reply, its statistics as one line. The reply being generated grows by appendToLast().
class MessageListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("The chat controller owns the message list")

    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    // Code blocks are coloured for a dark background.
    Q_PROPERTY(bool darkTheme READ darkTheme WRITE setDarkTheme NOTIFY darkThemeChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        MessageRoleRole, // "system", "user" or "assistant"
        ContentRole,
        HtmlRole,
        TimeRole,
        StatsRole,
        StreamingRole,
    };
    Q_ENUM(Roles)

    explicit MessageListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    bool darkTheme() const;
    void setDarkTheme(bool dark);

    void setMessages(const QList<hearth::StoredMessage> &messages);
    void append(const hearth::StoredMessage &message, bool streaming = false);
    // Adds text to the last message (the reply being streamed).
    void appendToLast(const QString &delta);
    // Replaces the last message (the finished reply) and ends its streaming.
    void replaceLast(const hearth::StoredMessage &message);
    void removeLast();
    const QList<hearth::StoredMessage> messages() const;
    Q_INVOKABLE int rowOf(qint64 id) const;

    // "Time to first token 120 ms · 45.3 tokens/s · context 345 of 2048": a reply's stats as the view shows them.
    static QString statsLine(const QJsonObject &stats);

Q_SIGNALS:
    void countChanged();
    void darkThemeChanged();

private:
    struct Row {
        hearth::StoredMessage message;
        bool streaming = false;
        mutable QString html; // empty: not rendered yet
    };

    QList<Row> m_rows;
    bool m_darkTheme = false;
};
