// SPDX-License-Identifier: GPL-3.0-or-later
// ConversationStore against a real SQLite file: CRUD, full-text search, schema migration, export and import.
#include "storage/ConversationStore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using hearth::ConversationStore;
using hearth::StoredMessage;

class ConversationStoreTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString dbPath(const QString &name) const
    {
        return m_dir.filePath(name + u".sqlite"_s);
    }

    static StoredMessage message(const QString &role, const QString &content)
    {
        StoredMessage m;
        m.role = role;
        m.content = content;
        return m;
    }

    // A conversation with a user question and an assistant answer; returns its id.
    static qint64 addChat(ConversationStore &store, const QString &title, const QString &question, const QString &answer)
    {
        const qint64 id = store.createConversation(title);
        store.addMessage(id, message(u"user"_s, question));
        StoredMessage reply = message(u"assistant"_s, answer);
        reply.model = u"/models/tiny.gguf"_s;
        reply.promptTokens = 12;
        reply.completionTokens = 34;
        reply.stats = QJsonObject{{u"tokensPerSecond"_s, 42.5}, {u"timeToFirstTokenMs"_s, 17}};
        store.addMessage(id, reply);
        return id;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void createsSchemaWithWal()
    {
        ConversationStore store;
        QVERIFY2(store.open(dbPath(u"fresh"_s)), qPrintable(store.errorString()));
        QCOMPARE(store.schemaVersion(), ConversationStore::SchemaVersion);
        QVERIFY(store.conversations().isEmpty());
        // Independent look at the file: WAL journal, the tables and the full-text index exist.
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
            db.setDatabaseName(dbPath(u"fresh"_s));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"PRAGMA journal_mode"_s) && q.next());
            QCOMPARE(q.value(0).toString(), u"wal"_s);
            QVERIFY(q.exec(u"SELECT name FROM sqlite_master WHERE name = 'messages_fts'"_s) && q.next());
        }
        QSqlDatabase::removeDatabase(u"check"_s);
    }

    void defaultPathIsAppData()
    {
        QVERIFY(ConversationStore::defaultPath().startsWith(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)));
    }

    void crud()
    {
        ConversationStore store;
        QVERIFY(store.open(dbPath(u"crud"_s)));
        const qint64 a = addChat(store, u"First"_s, u"Hello"_s, u"Hi there"_s);
        QTest::qWait(5); // distinct update times
        const qint64 b = addChat(store, u"Second"_s, u"Question"_s, u"Answer"_s);
        QVERIFY(a > 0 && b > 0 && a != b);

        // Most recently updated first, pinned before all.
        QList<hearth::StoredConversation> list = store.conversations();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0].id, b);
        QVERIFY(store.setPinned(a, true));
        list = store.conversations();
        QCOMPARE(list[0].id, a);
        QVERIFY(list[0].pinned);

        QVERIFY(store.renameConversation(a, u"Renamed"_s));
        QVERIFY(store.setSystemPrompt(a, u"Be brief."_s));
        QVERIFY(store.setConversationModel(a, u"/m.gguf"_s));
        const auto c = store.conversation(a);
        QVERIFY(c);
        QCOMPARE(c->title, u"Renamed"_s);
        QCOMPARE(c->systemPrompt, u"Be brief."_s);
        QCOMPARE(c->model, u"/m.gguf"_s);
        QVERIFY(!store.renameConversation(9999, u"x"_s));
        QVERIFY(store.errorString().contains(u"no such conversation"_s));

        QList<StoredMessage> messages = store.messages(a);
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages[0].role, u"user"_s);
        QCOMPARE(messages[1].content, u"Hi there"_s);
        QCOMPARE(messages[1].completionTokens, 34);
        QCOMPARE(messages[1].stats.value(u"tokensPerSecond"_s).toDouble(), 42.5);

        // A streaming reply grows in place.
        messages[1].content = u"Hi there, friend"_s;
        QVERIFY(store.updateMessage(messages[1]));
        QCOMPARE(store.messages(a)[1].content, u"Hi there, friend"_s);

        // Regenerate: drop the reply and everything after it.
        QVERIFY(store.truncateFrom(a, messages[1].id));
        QCOMPARE(store.messages(a).size(), 1);

        QVERIFY(store.deleteConversation(b));
        QVERIFY(!store.conversation(b));
        QVERIFY(store.messages(b).isEmpty());
        QVERIFY(store.search(u"Answer"_s).isEmpty()); // the index forgot the deleted messages
        QVERIFY(!store.deleteConversation(b));

        // Everything is on disk: a second store on the same file sees it.
        ConversationStore again;
        QVERIFY(again.open(dbPath(u"crud"_s)));
        QCOMPARE(again.conversations().size(), 1);
        QCOMPARE(again.conversation(a)->title, u"Renamed"_s);
    }

    void search()
    {
        ConversationStore store;
        QVERIFY(store.open(dbPath(u"search"_s)));
        const qint64 dragons = addChat(store, u"Dragons"_s, u"Tell me about dragons"_s, u"Dragons breathe fire. Dragons fly. Dragons hoard gold."_s);
        const qint64 cooking = addChat(store, u"Cooking"_s, u"How do I bake bread?"_s, u"Knead the dough, let it rise; a dragon fruit is optional."_s);
        addChat(store, u"Weather"_s, u"Will it rain?"_s, u"Probably not."_s);

        // Prefix match, ranked by bm25: the conversation that talks about dragons most comes first.
        const QList<hearth::SearchHit> hits = store.search(u"dragon"_s);
        QCOMPARE(hits.size(), 2);
        QCOMPARE(hits[0].conversationId, dragons);
        QCOMPARE(hits[1].conversationId, cooking);
        QCOMPARE(hits[0].title, u"Dragons"_s);
        QVERIFY2(hits[0].snippet.contains(u"<b>Dragons</b>"_s), qPrintable(hits[0].snippet));
        QVERIFY2(hits[1].snippet.contains(u"<b>dragon</b> fruit"_s), qPrintable(hits[1].snippet));

        // All words must occur; diacritics and case do not matter.
        QCOMPARE(store.search(u"BREAD bake"_s).size(), 1);
        QCOMPARE(store.search(u"bréad"_s).size(), 1);
        QVERIFY(store.search(u"bread rain"_s).isEmpty());
        // FTS syntax is literal text, HTML in a snippet is escaped.
        QVERIFY(store.search(u"\"unbalanced AND ( NEAR"_s).isEmpty());
        QVERIFY(store.errorString().isEmpty());
        const qint64 html = addChat(store, u"Html"_s, u"<script>alert(1)</script> kaboom"_s, u"ok"_s);
        const QList<hearth::SearchHit> htmlHits = store.search(u"kaboom"_s);
        QCOMPARE(htmlHits.size(), 1);
        QCOMPARE(htmlHits[0].conversationId, html);
        QVERIFY2(htmlHits[0].snippet.contains(u"&lt;script&gt;"_s), qPrintable(htmlHits[0].snippet));
        QVERIFY(store.search(u"   "_s).isEmpty());

        // Updated content is re-indexed.
        StoredMessage m = store.messages(cooking)[1];
        m.content = u"Use sourdough."_s;
        QVERIFY(store.updateMessage(m));
        QCOMPARE(store.search(u"dragon"_s).size(), 1);
        QCOMPARE(store.search(u"sourdough"_s).size(), 1);
    }

    // A file written by the first schema (no pinning, no full-text index) is upgraded on open, and what it
    // held becomes searchable.
    void migratesVersion1()
    {
        const QString path = dbPath(u"v1"_s);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"v1"_s);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT NOT NULL, created INTEGER NOT NULL,"
                           " updated INTEGER NOT NULL, model TEXT NOT NULL DEFAULT '', system_prompt TEXT NOT NULL DEFAULT '')"_s));
            QVERIFY(q.exec(u"CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL REFERENCES conversations(id)"
                           " ON DELETE CASCADE, role TEXT NOT NULL, content TEXT NOT NULL, created INTEGER NOT NULL,"
                           " model TEXT NOT NULL DEFAULT '', prompt_tokens INTEGER NOT NULL DEFAULT 0,"
                           " completion_tokens INTEGER NOT NULL DEFAULT 0, stats TEXT NOT NULL DEFAULT '{}')"_s));
            QVERIFY(q.exec(u"INSERT INTO conversations VALUES (7, 'Old chat', 1000, 2000, '', '')"_s));
            QVERIFY(q.exec(u"INSERT INTO messages (conversation_id, role, content, created) VALUES (7, 'user', 'an ancient pterodactyl', 1500)"_s));
            QVERIFY(q.exec(u"PRAGMA user_version = 1"_s));
        }
        QSqlDatabase::removeDatabase(u"v1"_s);

        ConversationStore store;
        QVERIFY2(store.open(path), qPrintable(store.errorString()));
        QCOMPARE(store.schemaVersion(), ConversationStore::SchemaVersion);
        const auto c = store.conversation(7);
        QVERIFY(c);
        QCOMPARE(c->title, u"Old chat"_s);
        QVERIFY(!c->pinned);
        QCOMPARE(c->updated.toMSecsSinceEpoch(), 2000);
        QVERIFY(store.setPinned(7, true));
        const QList<hearth::SearchHit> hits = store.search(u"pterodactyl"_s);
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits[0].conversationId, 7);
    }

    void refusesNewerAndForeignFiles()
    {
        const QString newer = dbPath(u"newer"_s);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"newer"_s);
            db.setDatabaseName(newer);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"PRAGMA user_version = 99"_s));
        }
        QSqlDatabase::removeDatabase(u"newer"_s);
        ConversationStore store;
        QVERIFY(!store.open(newer));
        QVERIFY2(store.errorString().contains(newer) && store.errorString().contains(u"newer Hearth"_s), qPrintable(store.errorString()));

        const QString text = m_dir.filePath(u"notes.txt"_s);
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(4096, 'x'));
        file.close();
        QVERIFY(!store.open(text));
        QVERIFY2(store.errorString().startsWith(text) && store.errorString().contains(u"not a conversation database"_s), qPrintable(store.errorString()));
    }

    void exportImportRoundTrip()
    {
        ConversationStore store;
        QVERIFY(store.open(dbPath(u"export"_s)));
        const qint64 id = addChat(store, u"Trip"_s, u"Write **bold** code:"_s, u"```cpp\nint main() {}\n```"_s);
        QVERIFY(store.setSystemPrompt(id, u"You are terse."_s));
        QVERIFY(store.setPinned(id, true));

        const QString md = store.exportMarkdown(id);
        QVERIFY(md.startsWith(u"# Trip\n"_s));
        QVERIFY(md.contains(u"## You\n\nWrite **bold** code:"_s));
        QVERIFY(md.contains(u"## Assistant\n\n```cpp\nint main() {}\n```"_s));
        QVERIFY(md.contains(u"You are terse."_s));

        const QString jsonFile = m_dir.filePath(u"trip.json"_s);
        QVERIFY2(store.exportToFile(id, jsonFile, u"json"_s), qPrintable(store.errorString()));
        QVERIFY(store.exportToFile(id, m_dir.filePath(u"trip.md"_s), u"md"_s));
        QVERIFY(!store.exportToFile(id, m_dir.filePath(u"no/such/folder/x.json"_s), u"json"_s));
        QVERIFY(store.errorString().contains(u"no/such/folder/x.json"_s));

        // Into another store: the same conversation with new ids.
        ConversationStore other;
        QVERIFY(other.open(dbPath(u"import"_s)));
        const qint64 imported = other.importFile(jsonFile);
        QVERIFY2(imported > 0, qPrintable(other.errorString()));
        const auto original = store.conversation(id);
        auto copy = other.conversation(imported);
        QVERIFY(copy);
        copy->id = original->id;
        QCOMPARE(*copy, *original);
        const QList<StoredMessage> a = store.messages(id);
        QList<StoredMessage> b = other.messages(imported);
        QCOMPARE(b.size(), a.size());
        for (qsizetype i = 0; i < a.size(); ++i) {
            b[i].id = a[i].id;
            b[i].conversationId = a[i].conversationId;
            QCOMPARE(b[i], a[i]);
        }
        QCOMPARE(other.exportMarkdown(imported), md);
        QCOMPARE(other.search(u"terse main"_s).size(), 0); // the system prompt is not a message
        QCOMPARE(other.search(u"bold"_s).size(), 1);

        // Undoing a delete restores the conversation under its old id.
        const QByteArray snapshot = store.exportJson(id);
        QVERIFY(store.deleteConversation(id));
        QCOMPARE(store.importJson(snapshot, u"undo"_s, true), id);
        QCOMPARE(store.messages(id).size(), 2);
        QCOMPARE(store.importJson(snapshot, u"undo"_s, true), 0); // the id is taken now
    }

    void malformedImport_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("problem");
        QTest::newRow("not json") << QByteArray("{\"format\": ") << u"not valid JSON"_s;
        QTest::newRow("array") << QByteArray("[1, 2]") << u"not a Hearth conversation"_s;
        QTest::newRow("other format") << QByteArray(R"({"format": "chatgpt", "version": 1})") << u"not a Hearth conversation"_s;
        QTest::newRow("future version") << QByteArray(R"({"format": "hearth-conversation", "version": 7, "title": "x", "messages": []})")
                                        << u"version 7 is not supported"_s;
        QTest::newRow("no messages") << QByteArray(R"({"format": "hearth-conversation", "version": 1, "title": "x"})") << u"\"messages\" array"_s;
        QTest::newRow("bad role") << QByteArray(R"({"format": "hearth-conversation", "version": 1, "title": "x",
                "messages": [{"role": "user", "content": "fine"}, {"role": "wizard", "content": "boo"}]})")
                                  << u"message 2 needs a \"role\""_s;
        QTest::newRow("content not text") << QByteArray(R"({"format": "hearth-conversation", "version": 1, "title": "x",
                "messages": [{"role": "user", "content": 5}]})")
                                          << u"message 1 needs"_s;
    }

    // A bad file is refused with a message naming it, and leaves nothing behind.
    void malformedImport()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, problem);
        ConversationStore store;
        QVERIFY(store.open(dbPath(u"malformed"_s)));
        const QString file = m_dir.filePath(u"bad.json"_s);
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(json);
        out.close();
        QCOMPARE(store.importFile(file), 0);
        QVERIFY2(store.errorString().startsWith(file + u": "_s), qPrintable(store.errorString()));
        QVERIFY2(store.errorString().contains(problem), qPrintable(store.errorString()));
        QVERIFY(store.conversations().isEmpty());
        QCOMPARE(store.importFile(m_dir.filePath(u"missing.json"_s)), 0);
        QVERIFY(store.errorString().contains(u"missing.json"_s));
    }
};

QTEST_GUILESS_MAIN(ConversationStoreTest)
#include "ConversationStoreTest.moc"
