// SPDX-License-Identifier: GPL-3.0-or-later
#include "ConversationStore.h"

#include "hearthstorage_logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTimeZone>
#include <QUuid>

#include <array>
#include <initializer_list>

using namespace Qt::StringLiterals;

namespace hearth
{

namespace
{
constexpr auto ExportFormat = "hearth-conversation";
constexpr int ExportVersion = 1;

// migrations[n] brings a file from user_version n to n + 1. Append, never edit: files in the wild were written
// by the earlier steps.
const std::array<std::initializer_list<const char *>, ConversationStore::SchemaVersion> migrations{{
    {
        "CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT NOT NULL, created INTEGER NOT NULL,"
        " updated INTEGER NOT NULL, model TEXT NOT NULL DEFAULT '', system_prompt TEXT NOT NULL DEFAULT '')",
        "CREATE TABLE messages (id INTEGER PRIMARY KEY,"
        " conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
        " role TEXT NOT NULL, content TEXT NOT NULL, created INTEGER NOT NULL, model TEXT NOT NULL DEFAULT '',"
        " prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,"
        " stats TEXT NOT NULL DEFAULT '{}')",
        "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
    },
    {
        // Pinning, and full-text search over what was already written.
        "ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX conversations_by_order ON conversations (pinned DESC, updated DESC)",
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
        " INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END",
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
        " INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN"
        " INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);"
        " INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END",
        "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
    },
}};

qint64 toMs(const QDateTime &time)
{
    return (time.isValid() ? time : QDateTime::currentDateTimeUtc()).toMSecsSinceEpoch();
}

QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::UTC);
}

// The user's words as an FTS5 query: each one a quoted string (so FTS operators are literal text) matched
// as a prefix; all must occur.
QString ftsQuery(const QString &text)
{
    QStringList terms;
    for (const QString &word : text.split(QRegularExpression(u"\\s+"_s), Qt::SkipEmptyParts)) {
        QString quoted = word;
        quoted.replace(u'"', u"\"\""_s);
        terms.append(u'"' + quoted + u"\"*"_s);
    }
    return terms.join(u' ');
}

// FTS5's snippet with control characters as markers, turned into escaped HTML with <b> around matches.
QString snippetHtml(const QString &raw)
{
    return raw.toHtmlEscaped().replace(QChar(2), u"<b>"_s).replace(QChar(3), u"</b>"_s).replace(u'\n', u' ');
}

QString roleHeading(const QString &role)
{
    if (role == u"user"_s) {
        return u"You"_s;
    }
    if (role == u"system"_s) {
        return u"System"_s;
    }
    return u"Assistant"_s;
}
}

ConversationStore::ConversationStore()
    : m_connection(u"hearth-store-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
}

ConversationStore::~ConversationStore()
{
    // An application-wide store may outlive QCoreApplication; SQLite has written everything by then.
    if (QCoreApplication::instance() && QSqlDatabase::contains(m_connection)) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

QString ConversationStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/conversations.sqlite"_s;
}

bool ConversationStore::fail(const QString &what) const
{
    m_error = u"%1: %2"_s.arg(m_path, what);
    qCWarning(HEARTH_STORAGE) << m_error;
    return false;
}

namespace
{
// A query on the store's connection that reports its own failure.
struct Query {
    QSqlQuery q;
    explicit Query(const QString &connection)
        : q(QSqlDatabase::database(connection, false))
    {
    }
    bool run(const QString &sql, std::initializer_list<QVariant> values = {})
    {
        if (!q.prepare(sql)) {
            return false;
        }
        for (const QVariant &value : values) {
            // A null QString binds as SQL NULL; text columns are NOT NULL and mean "none" by ''.
            const bool nullText = value.typeId() == QMetaType::QString && value.toString().isNull();
            q.addBindValue(nullText ? QVariant(u""_s) : value);
        }
        return q.exec();
    }
    QString error() const
    {
        return q.lastError().text();
    }
};

// Commits when told to, rolls back otherwise.
class Transaction
{
public:
    explicit Transaction(const QString &connection)
        : m_db(QSqlDatabase::database(connection, false))
        , m_open(m_db.transaction())
    {
    }
    ~Transaction()
    {
        if (m_open) {
            m_db.rollback();
        }
    }
    bool isOpen() const
    {
        return m_open;
    }
    bool commit()
    {
        m_open = false;
        return m_db.commit();
    }

private:
    QSqlDatabase m_db;
    bool m_open;
};
}

bool ConversationStore::open(const QString &path)
{
    m_path = path;
    m_error.clear();
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        return fail(u"cannot create the folder %1"_s.arg(info.absolutePath()));
    }
    QSqlDatabase db = QSqlDatabase::contains(m_connection) ? QSqlDatabase::database(m_connection, false)
                                                           : QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connection);
    db.close();
    db.setDatabaseName(path);
    if (!db.open()) {
        return fail(db.lastError().text());
    }
    Query q(m_connection);
    // Not a database at all (or a damaged one): the first read fails.
    if (!q.run(u"PRAGMA user_version"_s) || !q.q.next()) {
        const QString why = q.error();
        db.close();
        return fail(u"not a conversation database (%1)"_s.arg(why));
    }
    const int version = q.q.value(0).toInt();
    if (version > SchemaVersion) {
        db.close();
        return fail(u"written by a newer Hearth (schema %1, this one reads up to %2)"_s.arg(version).arg(SchemaVersion));
    }
    if (!q.run(u"PRAGMA journal_mode = WAL"_s) || !q.run(u"PRAGMA foreign_keys = ON"_s)) {
        fail(q.error());
        db.close();
        return false;
    }
    if (!migrate()) {
        db.close();
        return false;
    }
    return true;
}

bool ConversationStore::migrate()
{
    for (int version = schemaVersion(); version < SchemaVersion; ++version) {
        Transaction transaction(m_connection);
        Query q(m_connection);
        for (const char *statement : migrations[size_t(version)]) {
            if (!q.run(QString::fromLatin1(statement))) {
                return fail(u"upgrading the schema to version %1 failed: %2"_s.arg(version + 1).arg(q.error()));
            }
        }
        if (!q.run(u"PRAGMA user_version = %1"_s.arg(version + 1)) || !transaction.commit()) {
            return fail(u"upgrading the schema to version %1 failed: %2"_s.arg(version + 1).arg(q.error()));
        }
        qCInfo(HEARTH_STORAGE) << m_path << "schema upgraded to version" << version + 1;
    }
    return true;
}

bool ConversationStore::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && QSqlDatabase::database(m_connection, false).isOpen();
}

QString ConversationStore::path() const
{
    return m_path;
}

QString ConversationStore::errorString() const
{
    return m_error;
}

int ConversationStore::schemaVersion() const
{
    Query q(m_connection);
    return q.run(u"PRAGMA user_version"_s) && q.q.next() ? q.q.value(0).toInt() : -1;
}

qint64 ConversationStore::createConversation(const QString &title, const QString &model, const QString &systemPrompt)
{
    const qint64 now = toMs({});
    Query q(m_connection);
    if (!q.run(u"INSERT INTO conversations (title, created, updated, model, system_prompt) VALUES (?, ?, ?, ?, ?)"_s,
               {title, now, now, model, systemPrompt})) {
        fail(q.error());
        return 0;
    }
    return q.q.lastInsertId().toLongLong();
}

namespace
{
constexpr auto ConversationColumns = "id, title, created, updated, pinned, model, system_prompt";

StoredConversation readConversation(const QSqlQuery &q)
{
    return {q.value(0).toLongLong(), q.value(1).toString(), fromMs(q.value(2).toLongLong()), fromMs(q.value(3).toLongLong()),
            q.value(4).toBool(),     q.value(5).toString(), q.value(6).toString()};
}
}

std::optional<StoredConversation> ConversationStore::conversation(qint64 id) const
{
    Query q(m_connection);
    if (!q.run(u"SELECT %1 FROM conversations WHERE id = ?"_s.arg(QLatin1StringView(ConversationColumns)), {id})) {
        fail(q.error());
        return std::nullopt;
    }
    if (!q.q.next()) {
        return std::nullopt;
    }
    return readConversation(q.q);
}

QList<StoredConversation> ConversationStore::conversations() const
{
    QList<StoredConversation> result;
    Query q(m_connection);
    if (!q.run(u"SELECT %1 FROM conversations ORDER BY pinned DESC, updated DESC, id DESC"_s.arg(QLatin1StringView(ConversationColumns)))) {
        fail(q.error());
        return result;
    }
    while (q.q.next()) {
        result.append(readConversation(q.q));
    }
    return result;
}

namespace
{
// One UPDATE of one conversation; false when it failed or there is no such conversation.
bool updateConversation(const QString &connection, const QString &sql, std::initializer_list<QVariant> values, QString &error)
{
    Query q(connection);
    if (!q.run(sql, values)) {
        error = q.error();
        return false;
    }
    if (q.q.numRowsAffected() != 1) {
        error = u"no such conversation"_s;
        return false;
    }
    return true;
}
}

bool ConversationStore::renameConversation(qint64 id, const QString &title)
{
    QString error;
    return updateConversation(m_connection, u"UPDATE conversations SET title = ? WHERE id = ?"_s, {title, id}, error) || fail(error);
}

bool ConversationStore::setPinned(qint64 id, bool pinned)
{
    QString error;
    return updateConversation(m_connection, u"UPDATE conversations SET pinned = ? WHERE id = ?"_s, {pinned ? 1 : 0, id}, error) || fail(error);
}

bool ConversationStore::setConversationModel(qint64 id, const QString &model)
{
    QString error;
    return updateConversation(m_connection, u"UPDATE conversations SET model = ? WHERE id = ?"_s, {model, id}, error) || fail(error);
}

bool ConversationStore::setSystemPrompt(qint64 id, const QString &prompt)
{
    QString error;
    return updateConversation(m_connection, u"UPDATE conversations SET system_prompt = ? WHERE id = ?"_s, {prompt, id}, error) || fail(error);
}

bool ConversationStore::touch(qint64 conversationId)
{
    QString error;
    return updateConversation(m_connection, u"UPDATE conversations SET updated = ? WHERE id = ?"_s, {toMs({}), conversationId}, error) || fail(error);
}

bool ConversationStore::deleteConversation(qint64 id)
{
    Transaction transaction(m_connection);
    Query q(m_connection);
    // Messages first and explicitly, so the full-text triggers see every row go.
    if (!transaction.isOpen() || !q.run(u"DELETE FROM messages WHERE conversation_id = ?"_s, {id})
        || !q.run(u"DELETE FROM conversations WHERE id = ?"_s, {id})) {
        return fail(q.error());
    }
    if (q.q.numRowsAffected() != 1) {
        return fail(u"no such conversation"_s);
    }
    return transaction.commit() || fail(u"cannot commit the deletion"_s);
}

qint64 ConversationStore::addMessage(qint64 conversationId, const StoredMessage &message)
{
    Transaction transaction(m_connection);
    Query q(m_connection);
    if (!q.run(u"INSERT INTO messages (conversation_id, role, content, created, model, prompt_tokens, completion_tokens, stats)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"_s,
               {conversationId,
                message.role,
                message.content,
                toMs(message.time),
                message.model,
                message.promptTokens,
                message.completionTokens,
                QString::fromUtf8(QJsonDocument(message.stats).toJson(QJsonDocument::Compact))})) {
        fail(q.error());
        return 0;
    }
    const qint64 id = q.q.lastInsertId().toLongLong();
    if (!touch(conversationId) || !transaction.commit()) {
        return 0;
    }
    return id;
}

bool ConversationStore::updateMessage(const StoredMessage &message)
{
    Transaction transaction(m_connection);
    Query q(m_connection);
    if (!q.run(u"UPDATE messages SET content = ?, model = ?, prompt_tokens = ?, completion_tokens = ?, stats = ? WHERE id = ?"_s,
               {message.content,
                message.model,
                message.promptTokens,
                message.completionTokens,
                QString::fromUtf8(QJsonDocument(message.stats).toJson(QJsonDocument::Compact)),
                message.id})) {
        return fail(q.error());
    }
    if (q.q.numRowsAffected() != 1) {
        return fail(u"no message %1"_s.arg(message.id));
    }
    return touch(message.conversationId) && (transaction.commit() || fail(u"cannot commit the message"_s));
}

bool ConversationStore::truncateFrom(qint64 conversationId, qint64 messageId)
{
    Transaction transaction(m_connection);
    Query q(m_connection);
    if (!q.run(u"DELETE FROM messages WHERE conversation_id = ? AND id >= ?"_s, {conversationId, messageId})) {
        return fail(q.error());
    }
    return touch(conversationId) && (transaction.commit() || fail(u"cannot commit the deletion"_s));
}

QList<StoredMessage> ConversationStore::messages(qint64 conversationId) const
{
    QList<StoredMessage> result;
    Query q(m_connection);
    if (!q.run(u"SELECT id, role, content, created, model, prompt_tokens, completion_tokens, stats FROM messages"
               " WHERE conversation_id = ? ORDER BY id"_s,
               {conversationId})) {
        fail(q.error());
        return result;
    }
    while (q.q.next()) {
        result.append({q.q.value(0).toLongLong(),
                       conversationId,
                       q.q.value(1).toString(),
                       q.q.value(2).toString(),
                       fromMs(q.q.value(3).toLongLong()),
                       q.q.value(4).toString(),
                       q.q.value(5).toInt(),
                       q.q.value(6).toInt(),
                       QJsonDocument::fromJson(q.q.value(7).toString().toUtf8()).object()});
    }
    return result;
}

QList<SearchHit> ConversationStore::search(const QString &text, int limit) const
{
    QList<SearchHit> hits;
    const QString query = ftsQuery(text);
    if (query.isEmpty()) {
        return hits;
    }
    Query q(m_connection);
    // Ranked rows, several per conversation possibly: the first of each conversation is its best.
    if (!q.run(u"SELECT m.conversation_id, m.id, c.title, snippet(messages_fts, 0, char(2), char(3), '…', 12)"
               " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
               " JOIN conversations c ON c.id = m.conversation_id"
               " WHERE messages_fts MATCH ? ORDER BY bm25(messages_fts), m.id DESC"_s,
               {query})) {
        fail(q.error());
        return hits;
    }
    QSet<qint64> seen;
    while (q.q.next() && hits.size() < limit) {
        const qint64 conversationId = q.q.value(0).toLongLong();
        if (seen.contains(conversationId)) {
            continue;
        }
        seen.insert(conversationId);
        hits.append({conversationId, q.q.value(1).toLongLong(), q.q.value(2).toString(), snippetHtml(q.q.value(3).toString())});
    }
    return hits;
}

QString ConversationStore::exportMarkdown(qint64 id) const
{
    const std::optional<StoredConversation> c = conversation(id);
    if (!c) {
        return {};
    }
    QString md = u"# %1\n\n"_s.arg(c->title);
    md += u"_%1_\n\n"_s.arg(c->created.toLocalTime().toString(Qt::ISODate));
    if (!c->systemPrompt.isEmpty()) {
        md += u"> **System prompt:** %1\n\n"_s.arg(c->systemPrompt);
    }
    for (const StoredMessage &m : messages(id)) {
        md += u"## %1\n\n%2\n\n"_s.arg(roleHeading(m.role), m.content.trimmed());
    }
    return md;
}

QByteArray ConversationStore::exportJson(qint64 id) const
{
    const std::optional<StoredConversation> c = conversation(id);
    if (!c) {
        return {};
    }
    QJsonArray list;
    for (const StoredMessage &m : messages(id)) {
        list.append(QJsonObject{
            {u"role"_s, m.role},
            {u"content"_s, m.content},
            {u"time"_s, m.time.toString(Qt::ISODateWithMs)},
            {u"model"_s, m.model},
            {u"promptTokens"_s, m.promptTokens},
            {u"completionTokens"_s, m.completionTokens},
            {u"stats"_s, m.stats},
        });
    }
    const QJsonObject object{
        {u"format"_s, QLatin1StringView(ExportFormat)},
        {u"version"_s, ExportVersion},
        {u"id"_s, c->id},
        {u"title"_s, c->title},
        {u"created"_s, c->created.toString(Qt::ISODateWithMs)},
        {u"updated"_s, c->updated.toString(Qt::ISODateWithMs)},
        {u"pinned"_s, c->pinned},
        {u"model"_s, c->model},
        {u"systemPrompt"_s, c->systemPrompt},
        {u"messages"_s, list},
    };
    return QJsonDocument(object).toJson(QJsonDocument::Indented);
}

bool ConversationStore::exportToFile(qint64 id, const QString &fileName, const QString &format)
{
    const QByteArray data = format == u"md"_s ? exportMarkdown(id).toUtf8() : exportJson(id);
    if (data.isEmpty()) {
        return fail(u"no conversation %1 to export"_s.arg(id));
    }
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        m_error = u"%1: %2"_s.arg(fileName, file.errorString());
        return false;
    }
    return true;
}

qint64 ConversationStore::importJson(const QByteArray &json, const QString &source, bool keepId)
{
    const auto invalid = [&](const QString &why) {
        m_error = u"%1: %2"_s.arg(source, why);
        qCWarning(HEARTH_STORAGE) << m_error;
        return qint64(0);
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return invalid(u"not valid JSON (%1 at byte %2)"_s.arg(parseError.errorString()).arg(parseError.offset));
    }
    const QJsonObject o = doc.object();
    if (!doc.isObject() || o.value(u"format"_s).toString() != QLatin1StringView(ExportFormat)) {
        return invalid(u"not a Hearth conversation (no \"format\": \"%1\")"_s.arg(QLatin1StringView(ExportFormat)));
    }
    if (o.value(u"version"_s).toInt() != ExportVersion) {
        return invalid(u"conversation format version %1 is not supported (this Hearth reads version %2)"_s.arg(o.value(u"version"_s).toInt()).arg(ExportVersion));
    }
    if (!o.value(u"title"_s).isString() || !o.value(u"messages"_s).isArray()) {
        return invalid(u"a conversation needs a \"title\" string and a \"messages\" array"_s);
    }
    const auto time = [](const QJsonValue &value) {
        const QDateTime t = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
        return t.isValid() ? t.toUTC() : QDateTime::currentDateTimeUtc();
    };
    QList<StoredMessage> list;
    const QJsonArray array = o.value(u"messages"_s).toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonObject m = array.at(i).toObject();
        const QString role = m.value(u"role"_s).toString();
        if (!array.at(i).isObject() || !m.value(u"content"_s).isString()
            || (role != u"system"_s && role != u"user"_s && role != u"assistant"_s)) {
            return invalid(u"message %1 needs a \"role\" (system, user or assistant) and a \"content\" string"_s.arg(i + 1));
        }
        list.append({0,
                     0,
                     role,
                     m.value(u"content"_s).toString(),
                     time(m.value(u"time"_s)),
                     m.value(u"model"_s).toString(),
                     m.value(u"promptTokens"_s).toInt(),
                     m.value(u"completionTokens"_s).toInt(),
                     m.value(u"stats"_s).toObject()});
    }

    Transaction transaction(m_connection);
    Query q(m_connection);
    const qint64 wantedId = keepId ? o.value(u"id"_s).toInteger() : 0;
    if (!transaction.isOpen()
        || !q.run(u"INSERT INTO conversations (id, title, created, updated, pinned, model, system_prompt) VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
                  {wantedId > 0 ? QVariant(wantedId) : QVariant(),
                   o.value(u"title"_s).toString(),
                   toMs(time(o.value(u"created"_s))),
                   toMs(time(o.value(u"updated"_s))),
                   o.value(u"pinned"_s).toBool() ? 1 : 0,
                   o.value(u"model"_s).toString(),
                   o.value(u"systemPrompt"_s).toString()})) {
        return invalid(q.error());
    }
    const qint64 id = q.q.lastInsertId().toLongLong();
    for (const StoredMessage &m : std::as_const(list)) {
        if (!q.run(u"INSERT INTO messages (conversation_id, role, content, created, model, prompt_tokens, completion_tokens, stats)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"_s,
                   {id,
                    m.role,
                    m.content,
                    toMs(m.time),
                    m.model,
                    m.promptTokens,
                    m.completionTokens,
                    QString::fromUtf8(QJsonDocument(m.stats).toJson(QJsonDocument::Compact))})) {
            return invalid(q.error());
        }
    }
    if (!transaction.commit()) {
        return invalid(u"cannot commit the import"_s);
    }
    return id;
}

qint64 ConversationStore::importFile(const QString &fileName)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        m_error = u"%1: %2"_s.arg(fileName, file.errorString());
        return 0;
    }
    return importJson(file.readAll(), fileName);
}

} // namespace hearth
