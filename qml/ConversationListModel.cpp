// SPDX-License-Identifier: GPL-3.0-or-later
#include "ConversationListModel.h"

#include <KLocalizedString>

using namespace Qt::StringLiterals;

ConversationListModel::ConversationListModel(hearth::ConversationStore *store, QObject *parent)
    : QAbstractListModel(parent)
    , m_store(store)
{
    refresh();
}

int ConversationListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return row.conversation.title;
    case IdRole:
        return row.conversation.id;
    case UpdatedRole:
        return row.conversation.updated;
    case PinnedRole:
        return row.conversation.pinned;
    case SectionRole:
        return m_filter.isEmpty() ? sectionFor(row.conversation.updated, row.conversation.pinned, QDate::currentDate())
                                  : i18nc("@title:group", "Search results");
    case SnippetRole:
        return row.snippet;
    case ModelRole:
        return row.conversation.model;
    default:
        return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {
        {IdRole, "conversationId"},
        {TitleRole, "title"},
        {UpdatedRole, "updated"},
        {PinnedRole, "pinned"},
        {SectionRole, "section"},
        {SnippetRole, "snippet"},
        {ModelRole, "model"},
    };
}

QString ConversationListModel::sectionFor(const QDateTime &updated, bool pinned, const QDate &today)
{
    if (pinned) {
        return i18nc("@title:group conversations", "Pinned");
    }
    const qint64 days = updated.toLocalTime().date().daysTo(today);
    if (days <= 0) {
        return i18nc("@title:group conversations", "Today");
    }
    if (days == 1) {
        return i18nc("@title:group conversations", "Yesterday");
    }
    if (days < 7) {
        return i18nc("@title:group conversations", "This week");
    }
    return i18nc("@title:group conversations", "Older");
}

QString ConversationListModel::filter() const
{
    return m_filter;
}

void ConversationListModel::setFilter(const QString &filter)
{
    const QString trimmed = filter.trimmed();
    if (m_filter == trimmed) {
        return;
    }
    m_filter = trimmed;
    refresh();
    Q_EMIT filterChanged();
}

bool ConversationListModel::canUndoRemove() const
{
    return !m_undo.isEmpty();
}

void ConversationListModel::refresh()
{
    QList<Row> rows;
    if (m_filter.isEmpty()) {
        for (const hearth::StoredConversation &conversation : m_store->conversations()) {
            rows.append({conversation, {}});
        }
    } else {
        for (const hearth::SearchHit &hit : m_store->search(m_filter)) {
            if (const auto conversation = m_store->conversation(hit.conversationId)) {
                rows.append({*conversation, hit.snippet});
            }
        }
    }
    const int oldCount = rowCount();
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    if (oldCount != rowCount()) {
        Q_EMIT countChanged();
    }
}

int ConversationListModel::rowOf(qint64 id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).conversation.id == id) {
            return i;
        }
    }
    return -1;
}

bool ConversationListModel::rename(qint64 id, const QString &title)
{
    const QString trimmed = title.trimmed();
    if (trimmed.isEmpty() || !m_store->renameConversation(id, trimmed)) {
        if (!trimmed.isEmpty()) {
            Q_EMIT errorOccurred(m_store->errorString());
        }
        return false;
    }
    const int row = rowOf(id);
    if (row >= 0) {
        m_rows[row].conversation.title = trimmed;
        Q_EMIT dataChanged(index(row), index(row), {TitleRole, Qt::DisplayRole});
    }
    return true;
}

bool ConversationListModel::setPinned(qint64 id, bool pinned)
{
    if (!m_store->setPinned(id, pinned)) {
        Q_EMIT errorOccurred(m_store->errorString());
        return false;
    }
    refresh(); // pinned conversations move to the top
    return true;
}

bool ConversationListModel::remove(qint64 id)
{
    const QByteArray snapshot = m_store->exportJson(id);
    if (snapshot.isEmpty() || !m_store->deleteConversation(id)) {
        Q_EMIT errorOccurred(m_store->errorString());
        return false;
    }
    const bool hadUndo = canUndoRemove();
    m_undo = snapshot;
    const int row = rowOf(id);
    if (row >= 0) {
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
        Q_EMIT countChanged();
    }
    if (!hadUndo) {
        Q_EMIT canUndoRemoveChanged();
    }
    Q_EMIT removed(id);
    return true;
}

qint64 ConversationListModel::undoRemove()
{
    if (m_undo.isEmpty()) {
        return 0;
    }
    const qint64 id = m_store->importJson(m_undo, i18n("the deleted conversation"), true);
    m_undo.clear();
    Q_EMIT canUndoRemoveChanged();
    if (id == 0) {
        Q_EMIT errorOccurred(m_store->errorString());
        return 0;
    }
    refresh();
    return id;
}
