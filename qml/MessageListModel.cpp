// SPDX-License-Identifier: GPL-3.0-or-later
#include "MessageListModel.h"

#include "MarkdownRenderer.h"

#include <KLocalizedString>

using namespace Qt::StringLiterals;

MessageListModel::MessageListModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case IdRole:
        return row.message.id;
    case MessageRoleRole:
        return row.message.role;
    case Qt::DisplayRole:
    case ContentRole:
        return row.message.content;
    case HtmlRole:
        if (row.html.isEmpty()) {
            row.html = MarkdownRenderer::toHtml(row.message.content, m_darkTheme);
        }
        return row.html;
    case TimeRole:
        return row.message.time;
    case StatsRole:
        return statsLine(row.message.stats);
    case StreamingRole:
        return row.streaming;
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return {
        {IdRole, "messageId"},
        {MessageRoleRole, "role"},
        {ContentRole, "content"},
        {HtmlRole, "html"},
        {TimeRole, "time"},
        {StatsRole, "stats"},
        {StreamingRole, "streaming"},
    };
}

bool MessageListModel::darkTheme() const
{
    return m_darkTheme;
}

void MessageListModel::setDarkTheme(bool dark)
{
    if (m_darkTheme == dark) {
        return;
    }
    m_darkTheme = dark;
    for (Row &row : m_rows) {
        row.html.clear();
    }
    if (!m_rows.isEmpty()) {
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {HtmlRole});
    }
    Q_EMIT darkThemeChanged();
}

void MessageListModel::setMessages(const QList<hearth::StoredMessage> &messages)
{
    const int oldCount = rowCount();
    beginResetModel();
    m_rows.clear();
    for (const hearth::StoredMessage &message : messages) {
        m_rows.append({message, false, {}});
    }
    endResetModel();
    if (oldCount != rowCount()) {
        Q_EMIT countChanged();
    }
}

void MessageListModel::append(const hearth::StoredMessage &message, bool streaming)
{
    beginInsertRows({}, rowCount(), rowCount());
    m_rows.append({message, streaming, {}});
    endInsertRows();
    Q_EMIT countChanged();
}

void MessageListModel::appendToLast(const QString &delta)
{
    if (m_rows.isEmpty() || delta.isEmpty()) {
        return;
    }
    Row &row = m_rows.last();
    row.message.content += delta;
    row.html.clear();
    const QModelIndex last = index(rowCount() - 1);
    Q_EMIT dataChanged(last, last, {ContentRole, HtmlRole, Qt::DisplayRole});
}

void MessageListModel::replaceLast(const hearth::StoredMessage &message)
{
    if (m_rows.isEmpty()) {
        return;
    }
    m_rows.last() = {message, false, {}};
    const QModelIndex last = index(rowCount() - 1);
    Q_EMIT dataChanged(last, last);
}

void MessageListModel::removeLast()
{
    if (m_rows.isEmpty()) {
        return;
    }
    beginRemoveRows({}, rowCount() - 1, rowCount() - 1);
    m_rows.removeLast();
    endRemoveRows();
    Q_EMIT countChanged();
}

const QList<hearth::StoredMessage> MessageListModel::messages() const
{
    QList<hearth::StoredMessage> list;
    for (const Row &row : m_rows) {
        list.append(row.message);
    }
    return list;
}

int MessageListModel::rowOf(qint64 id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).message.id == id) {
            return i;
        }
    }
    return -1;
}

QString MessageListModel::statsLine(const QJsonObject &stats)
{
    if (stats.isEmpty()) {
        return {};
    }
    QStringList parts;
    parts.append(i18nc("@info reply statistics", "First token after %1 ms", qRound(stats.value(u"timeToFirstTokenMs"_s).toDouble())));
    parts.append(i18nc("@info reply statistics", "%1 tokens/s", QString::number(stats.value(u"tokensPerSecond"_s).toDouble(), 'f', 1)));
    parts.append(i18nc("@info reply statistics", "context %1 of %2", stats.value(u"contextUsed"_s).toInt(), stats.value(u"contextSize"_s).toInt()));
    return parts.join(u" · "_s);
}
