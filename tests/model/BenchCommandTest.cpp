// SPDX-License-Identifier: GPL-3.0-or-later
// `hearth-bench`, run as a process on the tiny synthetic shape: what it measures and reports, not how fast.
#include "CommandRun.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
CommandResult runBench(const QString &syntheticDir, const QStringList &args)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"HEARTH_SYNTHETIC_DIR"_s, syntheticDir);
    return runCommand(QStringLiteral(HEARTH_BENCH_PATH), args, environment);
}
}

class BenchCommandTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Several depths: one tg result each, in the order given, measured in the same repetitions.
    void jsonReportsEachDepth()
    {
        QTemporaryDir dir;
        const CommandResult r = runBench(dir.path(), {u"--synthetic"_s, u"tiny"_s, u"--type"_s, u"Q8_0"_s, u"-p"_s, u"8"_s, u"-n"_s, u"4"_s, u"-d"_s,
                                                u"0,16"_s, u"-t"_s, u"2"_s, u"-r"_s, u"2"_s, u"--json"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(QFileInfo::exists(dir.filePath(u"tiny-Q8_0.gguf"_s))); // built once, cached
        QJsonParseError error;
        const QJsonObject json = QJsonDocument::fromJson(r.outBytes, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(r.out));
        QCOMPARE(json[u"threads"_s].toInt(), 2);
        QCOMPARE(json[u"params"_s].toInteger(), 2020608); // the tiny shape's (SynthCommandTest)
        QCOMPARE(json[u"pp"_s][u"tokens"_s].toInt(), 8);
        QVERIFY(json[u"pp"_s][u"median"_s].toDouble() > 0);
        const QJsonArray tg = json[u"tg"_s].toArray();
        QCOMPARE(tg.size(), 2);
        QCOMPARE(tg[0][u"depth"_s].toInt(), 0);
        QCOMPARE(tg[1][u"depth"_s].toInt(), 16);
        for (const QJsonValue &test : tg) {
            QCOMPARE(test[u"tokens"_s].toInt(), 4);
            QVERIFY(test[u"median"_s].toDouble() > 0);
        }
        QVERIFY(json[u"read_bandwidth"_s].toDouble() > 0);
        QVERIFY(json[u"hand_over_s"_s].toDouble() > 0);
    }

    // The table has a row per depth and each later depth's speed relative to the first.
    void tableComparesDepths()
    {
        QTemporaryDir dir;
        const CommandResult r = runBench(dir.path(), {u"--synthetic"_s, u"tiny"_s, u"-p"_s, u"0"_s, u"-n"_s, u"4"_s, u"-d"_s, u"0,8"_s, u"-r"_s, u"1"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(u"| tg4 |"_s) && r.out.contains(u"| tg4 @ d8 |"_s), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression(u"tg4 @ d8: \\d+% of tg4 \\(medians\\)"_s)), qPrintable(r.out));
        QVERIFY(!r.out.contains(u"pp0"_s));
    }

    void rejectsBadDepths_data()
    {
        QTest::addColumn<QString>("depths");
        QTest::newRow("not a number") << u"0,x"_s;
        QTest::newRow("negative") << u"-5"_s;
        QTest::newRow("empty item") << u"0,,8"_s;
        QTest::newRow("too deep") << u"70000"_s;
    }

    void rejectsBadDepths()
    {
        QFETCH(QString, depths);
        QTemporaryDir dir;
        const CommandResult r = runBench(dir.path(), {u"--synthetic"_s, u"tiny"_s, u"-d"_s, depths});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(u"-d must be a comma-separated list of depths"_s), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(dir.filePath(u"tiny-Q8_0.gguf"_s))); // refused before any work
    }
};

QTEST_GUILESS_MAIN(BenchCommandTest)
#include "BenchCommandTest.moc"
