// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "storage/ConversationStore.h"

#include <QAbstractListModel>
#include <QQmlEngine>

// The conversations of a store for the sidebar: pinned first, then by the day of their last change, each
// with the section it belongs to (Pinned, Today, Yesterday, This week, Older). With a filter, the full-text
// search hits instead, best first, with an HTML snippet around the matched words.
// Rename, pin and delete go through here so the list and the file stay in step; a delete can be undone
// until the next delete.
class ConversationListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("The chat controller owns the conversation list")

    Q_PROPERTY(QString filter READ filter WRITE setFilter NOTIFY filterChanged)
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool canUndoRemove READ canUndoRemove NOTIFY canUndoRemoveChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        TitleRole,
        UpdatedRole,
        PinnedRole,
        SectionRole,
        SnippetRole,
        ModelRole,
    };
    Q_ENUM(Roles)

    explicit ConversationListModel(hearth::ConversationStore *store, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString filter() const;
    void setFilter(const QString &filter);
    bool canUndoRemove() const;

    // Reads the list again from the store (after a message changed the order).
    Q_INVOKABLE void refresh();
    Q_INVOKABLE int rowOf(qint64 id) const;
    Q_INVOKABLE bool rename(qint64 id, const QString &title);
    Q_INVOKABLE bool setPinned(qint64 id, bool pinned);
    // Deletes the conversation, keeping a copy for undoRemove().
    Q_INVOKABLE bool remove(qint64 id);
    // Brings the last deleted conversation back, under its old id; returns that id (0: nothing to undo).
    Q_INVOKABLE qint64 undoRemove();

    // The section of a conversation changed at `updated` (UTC), seen on `today` (local): for tests.
    static QString sectionFor(const QDateTime &updated, bool pinned, const QDate &today);

Q_SIGNALS:
    void filterChanged();
    void countChanged();
    void canUndoRemoveChanged();
    // The store refused a change: the message names the file and the problem.
    void errorOccurred(const QString &message);
    void removed(qint64 id);

private:
    struct Row {
        hearth::StoredConversation conversation;
        QString snippet;
    };

    hearth::ConversationStore *m_store;
    QList<Row> m_rows;
    QString m_filter;
    QByteArray m_undo; // the last deleted conversation, as exported JSON
};
