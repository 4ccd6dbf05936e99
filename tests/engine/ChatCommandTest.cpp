// SPDX-License-Identifier: GPL-3.0-or-later
// hearth-cli chat: a conversation through ChatEngine on stdin/stdout.
#include "TestData.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

class ChatCommandTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Two turns: the second evaluates only what the first did not leave in the cache.
    void twoTurns()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        QProcess process;
        process.start(QStringLiteral(HEARTH_CLI_PATH),
                      {u"chat"_s, u"-m"_s, TestData::sharedFile(u"models/stories260K.gguf"_s), u"--family"_s, u"zephyr"_s, u"--temp"_s, u"0"_s, u"-n"_s, u"16"_s});
        QVERIFY(process.waitForStarted());
        process.write("Once upon a time\nWhat did the cat do?\n\n");
        process.closeWriteChannel();
        QVERIFY(process.waitForFinished(60000));
        const QString errors = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitCode(), 0);
        QVERIFY2(errors.contains(u"template zephyr"_s), qPrintable(errors));
        static const QRegularExpression stats(u"\\[(\\d+) prompt tokens, (\\d+) evaluated \\(0 shifted\\), 16 new"_s);
        QList<QRegularExpressionMatch> turns;
        for (QRegularExpressionMatchIterator it = stats.globalMatch(errors); it.hasNext();) {
            turns.append(it.next());
        }
        QCOMPARE(turns.size(), 2);
        QCOMPARE(turns[0].captured(1), turns[0].captured(2)); // the first turn evaluates its whole prompt
        QVERIFY(turns[1].captured(2).toInt() < turns[1].captured(1).toInt() - turns[0].captured(1).toInt() + 16);
        QVERIFY(!process.readAllStandardOutput().trimmed().isEmpty());
    }

    void missingModel()
    {
        QProcess process;
        process.start(QStringLiteral(HEARTH_CLI_PATH), {u"chat"_s, u"-m"_s, u"/nonexistent/model.gguf"_s});
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 1);
        QVERIFY(process.readAllStandardError().contains("/nonexistent/model.gguf"));
    }
};

QTEST_GUILESS_MAIN(ChatCommandTest)
#include "ChatCommandTest.moc"
