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

#include <utility>

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
    // Several depths: one pp and one tg result each, in the order given, measured in the same repetitions.
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
        for (const auto &[kind, tokens] : {std::pair(u"pp"_s, 8), std::pair(u"tg"_s, 4)}) {
            const QJsonArray tests = json[kind].toArray();
            QCOMPARE(tests.size(), 2);
            QCOMPARE(tests[0][u"depth"_s].toInt(), 0);
            QCOMPARE(tests[1][u"depth"_s].toInt(), 16);
            for (const QJsonValue &test : tests) {
                QCOMPARE(test[u"tokens"_s].toInt(), tokens);
                QVERIFY(test[u"median"_s].toDouble() > 0);
            }
        }
        QVERIFY(json[u"read_bandwidth"_s].toDouble() > 0);
        QVERIFY(json[u"hand_over_s"_s].toDouble() > 0);
    }

    // The table has a row per test and depth, and each later depth's speed relative to the first; a test of 0
    // tokens is left out.
    void tableComparesDepths_data()
    {
        QTest::addColumn<int>("prompt");
        QTest::addColumn<int>("generate");
        QTest::newRow("tg only") << 0 << 4;
        QTest::newRow("pp only") << 6 << 0;
        QTest::newRow("both") << 6 << 4;
    }

    void tableComparesDepths()
    {
        QFETCH(int, prompt);
        QFETCH(int, generate);
        QTemporaryDir dir;
        const CommandResult r = runBench(dir.path(), {u"--synthetic"_s, u"tiny"_s, u"-p"_s, QString::number(prompt), u"-n"_s,
                                                      QString::number(generate), u"-d"_s, u"0,8"_s, u"-r"_s, u"1"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        for (const auto &[kind, tokens] : {std::pair(u"pp"_s, prompt), std::pair(u"tg"_s, generate)}) {
            const QString test = kind + QString::number(tokens);
            const bool rows = r.out.contains(u"| %1 |"_s.arg(test)) && r.out.contains(u"| %1 @ d8 |"_s.arg(test));
            const bool relative = r.out.contains(QRegularExpression(u"%1 @ d8: \\d+% of %1 \\(medians\\)"_s.arg(test)));
            QVERIFY2(rows == (tokens > 0) && relative == (tokens > 0), qPrintable(test + u"\n"_s + r.out));
        }
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
