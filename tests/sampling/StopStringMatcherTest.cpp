// SPDX-License-Identifier: GPL-3.0-or-later
#include "sampling/StopStringMatcher.h"

#include <QTest>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
struct Outcome {
    std::string shown;
    bool stopped = false;
};

// Feeds the chunks and checks, after every one, that the text shown so far never contains the beginning
// of a stop string that later completes (shown text cannot be taken back).
Outcome run(const std::vector<std::string> &stops, const std::vector<std::string> &chunks)
{
    StopStringMatcher matcher(stops);
    Outcome outcome;
    for (const std::string &chunk : chunks) {
        const auto result = matcher.feed(chunk);
        outcome.shown += result.text;
        if (result.stopped) {
            outcome.stopped = true;
            break;
        }
    }
    if (!outcome.stopped) {
        outcome.shown += matcher.flush();
    }
    return outcome;
}
}

class StopStringMatcherTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void heldBackUntilDecided()
    {
        StopStringMatcher matcher({"\nUser:"});
        auto r = matcher.feed("Hello\nUs");
        QCOMPARE(r.text, std::string("Hello"));
        QVERIFY(!r.stopped);
        r = matcher.feed("e");
        QCOMPARE(r.text, std::string());
        QVERIFY(!r.stopped);
        r = matcher.feed("r: more");
        QCOMPARE(r.text, std::string());
        QVERIFY(r.stopped);
        QVERIFY(matcher.stopped());
        r = matcher.feed("ignored");
        QCOMPARE(r.text, std::string());
        QVERIFY(r.stopped);

        matcher.reset();
        r = matcher.feed("A\nUs");
        QCOMPARE(r.text, std::string("A"));
        r = matcher.feed("ually");
        QCOMPARE(r.text, std::string("\nUsually"));
        QVERIFY(!r.stopped);
        r = matcher.feed("\n");
        QCOMPARE(r.text, std::string());
        QCOMPARE(matcher.flush(), std::string("\n")); // the stream ended: not a stop string after all
    }

    void everySplit_data()
    {
        QTest::addColumn<QStringList>("stops");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("shown");
        QTest::addColumn<bool>("stopped");

        QTest::newRow("no stop") << QStringList{u"###"_s} << u"a # b ## c"_s << u"a # b ## c"_s << false;
        QTest::newRow("stop in the middle") << QStringList{u"###"_s} << u"a ## b ### c"_s << u"a ## b "_s << true;
        QTest::newRow("stop at the end") << QStringList{u"</s>"_s} << u"text</s>"_s << u"text"_s << true;
        QTest::newRow("stop at the start") << QStringList{u"</s>"_s} << u"</s>text"_s << QString() << true;
        QTest::newRow("overlapping prefix") << QStringList{u"aab"_s} << u"xaaab"_s << u"xa"_s << true;
        QTest::newRow("first to complete") << QStringList{u"cd"_s, u"bcde"_s} << u"abcdef"_s << u"ab"_s << true;
        QTest::newRow("longest of those ending together") << QStringList{u"de"_s, u"bcde"_s} << u"abcdef"_s << u"a"_s << true;
        QTest::newRow("one inside another") << QStringList{u"long stop"_s, u"stop"_s} << u"a long stop"_s << u"a "_s << true;
        QTest::newRow("unfinished at the end") << QStringList{u"\nUser:"_s} << u"bye\nUse"_s << u"bye\nUse"_s << false;
        QTest::newRow("UTF-8") << QStringList{u"—»"_s} << u"«ça—va»—» fin"_s << u"«ça—va»"_s << true;
        QTest::newRow("empty stop ignored") << QStringList{QString(), u"z"_s} << u"abc"_s << u"abc"_s << false;
    }

    // Every way of cutting the text into three chunks (at byte boundaries, even inside a character) must
    // give the same result as the whole text at once.
    void everySplit()
    {
        QFETCH(QStringList, stops);
        QFETCH(QString, text);
        QFETCH(QString, shown);
        QFETCH(bool, stopped);

        std::vector<std::string> stopStrings;
        for (const QString &s : stops) {
            stopStrings.push_back(s.toStdString());
        }
        const std::string bytes = text.toStdString();
        for (size_t a = 0; a <= bytes.size(); ++a) {
            for (size_t b = a; b <= bytes.size(); ++b) {
                const Outcome o = run(stopStrings, {bytes.substr(0, a), bytes.substr(a, b - a), bytes.substr(b)});
                QCOMPARE(QString::fromStdString(o.shown), shown);
                QCOMPARE(o.stopped, stopped);
            }
        }
    }

    void heldTextIsShortest()
    {
        // Only the part that can still begin a stop string is held: "ab" of "xab" for "abc", not "xab".
        StopStringMatcher matcher({"abc", "zzzz"});
        QCOMPARE(matcher.feed("xab").text, std::string("x"));
        QCOMPARE(matcher.feed("x").text, std::string("abx"));
    }
};

QTEST_GUILESS_MAIN(StopStringMatcherTest)
#include "StopStringMatcherTest.moc"
