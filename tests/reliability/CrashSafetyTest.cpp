// SPDX-License-Identifier: GPL-3.0-or-later
// SIGKILL at random moments: a process writing conversations and streaming replies into a ConversationStore
// is killed 50 times; after each kill the database passes PRAGMA integrity_check and holds everything the
// writer reported as committed (at most the reply in flight is incomplete). A GGUF writer (the quantizer's
// output path) killed mid-write leaves no file at the target path, only its uniquely named temporary file,
// which the next writer removes.
#include "DatabaseCheck.h"
#include "storage/ConversationStore.h"
#include "util/TemporaryFiles.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <sys/file.h>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
// Starts the helper and kills it (SIGKILL) once it has printed `lines` lines; returns them.
QList<QByteArray> runAndKill(const QString &command, const QString &path, int lines)
{
    QProcess process;
    process.start(QStringLiteral(HEARTH_RELIABILITY_HELPER), {command, path});
    if (!process.waitForStarted()) {
        return {};
    }
    QList<QByteArray> out;
    while (out.size() < lines && process.state() == QProcess::Running) {
        if (process.canReadLine()) {
            out.append(process.readLine().trimmed());
        } else {
            process.waitForReadyRead(30000);
        }
    }
    process.kill();
    process.waitForFinished(30000);
    while (process.canReadLine()) {
        out.append(process.readLine().trimmed()); // printed before the kill landed
    }
    return out;
}
}

class CrashSafetyTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void databaseSurvivesKills()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"conversations.sqlite"_s);
        QRandomGenerator random(9); // fixed: the same kill points every run
        QSet<qint64> interrupted; // conversations whose reply was being written at a kill
        qint64 completeReplies = 0;
        for (int round = 0; round < 50; ++round) {
            const QList<QByteArray> lines = runAndKill(u"store-writer"_s, path, 1 + int(random.bounded(120)));
            QVERIFY2(!lines.isEmpty(), "the writer printed nothing");

            QCOMPARE(integrityCheck(path), u"ok"_s);
            ConversationStore store;
            QVERIFY2(store.open(path), qPrintable(store.errorString()));
            // Everything reported is there: each conversation, the reply at least as long as last reported.
            qint64 replyId = 0;
            qint64 replyLength = 0;
            for (const QByteArray &line : lines) {
                const QList<QByteArray> fields = line.split(' ');
                if (fields[0] == "conversation") {
                    QVERIFY(store.conversation(fields[1].toLongLong()).has_value());
                } else if (fields[0] == "reply") {
                    replyId = fields[1].toLongLong();
                    replyLength = fields[2].toLongLong();
                }
            }
            // Every conversation has its question and a complete reply, except the ones being written at a kill:
            // those may have lost their reply, or their question if the kill came right after the conversation
            // was created.
            qint64 newest = 0;
            for (const StoredConversation &c : store.conversations()) {
                newest = std::max(newest, c.id);
            }
            interrupted.insert(newest);
            for (const StoredConversation &c : store.conversations()) {
                const QList<StoredMessage> messages = store.messages(c.id);
                if (messages.isEmpty()) {
                    QVERIFY2(interrupted.contains(c.id), "a conversation not being written lost its question");
                    continue;
                }
                QCOMPARE(messages[0].role, u"user"_s);
                if (messages.size() == 2 && messages[1].id == replyId) {
                    QVERIFY(messages[1].content.size() >= replyLength);
                }
                if (!interrupted.contains(c.id)) {
                    QCOMPARE(messages.size(), 2);
                    QCOMPARE(messages[1].completionTokens, 40);
                    ++completeReplies;
                }
            }
        }
        qInfo("%lld complete replies checked after 50 kills", static_cast<long long>(completeReplies));
        QVERIFY(completeReplies > 0);
    }

    void killedGgufWriterLeavesNoPartialFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"model.gguf"_s);
        for (const int lines : {1, 20, 40}) {
            const QList<QByteArray> out = runAndKill(u"gguf-writer"_s, path, lines);
            QVERIFY(!out.contains("committed"));
            QVERIFY2(!QFile::exists(path), "a partial model file at the target path");
            // Only the killed writer's temporary file is left (the next writer removed the one before).
            const QStringList left = QDir(dir.path()).entryList(QDir::Files);
            QCOMPARE(left.size(), 1);
            QVERIFY2(left[0].startsWith(u"model.gguf.tmp-"_s), qPrintable(left[0]));
            QVERIFY(TemporaryFiles::isTemporaryName(left[0].toStdString()));
        }
    }

    // Temporaries whose writer is gone are removed by the next writer (or the app's model scan), those of a
    // live writer are not, nor other files that look a little like them.
    void staleTemporariesAreRemoved()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"model.gguf"_s);
        QProcess writer;
        writer.start(QStringLiteral(HEARTH_RELIABILITY_HELPER), {u"gguf-writer"_s, path});
        QVERIFY(writer.waitForStarted());
        while (!writer.canReadLine()) {
            QVERIFY(writer.waitForReadyRead(30000));
        }
        const QString live = QDir(dir.path()).entryList(QDir::Files).value(0);
        QVERIFY2(TemporaryFiles::isTemporaryName(live.toStdString()), qPrintable(live));
        QVERIFY(live.startsWith(u"model.gguf.tmp-%1-"_s.arg(writer.processId())));

        const QStringList others{u"notes.tmp-1-abc"_s, u"model.gguf.tmp-12-abcdef.keep"_s, u"model.gguf.tmp-x-abcdef"_s,
                                 u"model.gguf.tmp--abcdef"_s, u"model.gguf"_s};
        for (const QString &name : others) {
            QFile file(dir.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
        }
        QVERIFY(TemporaryFiles::removeStale(dir.path().toStdString()).empty()); // the writer is alive
        QVERIFY(QFile::exists(dir.filePath(live)));

        const qint64 pid = writer.processId();
        writer.kill();
        QVERIFY(writer.waitForFinished(30000));
        // Another stale one of the same (now gone) process, and one still locked by a live descriptor here
        // although its name says the writer is gone (a writer on another machine sharing the folder).
        const QString stale = u"other.gguf.tmp-%1-abc123"_s.arg(pid);
        QVERIFY(QFile(dir.filePath(stale)).open(QIODevice::WriteOnly));
        QFile locked(dir.filePath(u"locked.gguf.tmp-%1-abc123"_s.arg(pid)));
        QVERIFY(locked.open(QIODevice::WriteOnly));
        QVERIFY(::flock(locked.handle(), LOCK_EX | LOCK_NB) == 0);

        std::vector<std::string> removed = TemporaryFiles::removeStale(dir.path().toStdString());
        std::sort(removed.begin(), removed.end());
        QCOMPARE(removed.size(), size_t(2));
        QCOMPARE(QString::fromStdString(removed[0]), dir.filePath(live));
        QCOMPARE(QString::fromStdString(removed[1]), dir.filePath(stale));
        QStringList expected = others;
        expected.append(QFileInfo(locked.fileName()).fileName());
        expected.sort();
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files, QDir::Name), expected);
    }
};

QTEST_GUILESS_MAIN(CrashSafetyTest)
#include "CrashSafetyTest.moc"
