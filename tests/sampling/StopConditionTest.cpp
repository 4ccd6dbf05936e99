// SPDX-License-Identifier: GPL-3.0-or-later
#include "sampling/StopCondition.h"

#include <QTest>

using namespace hearth;

class StopConditionTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void endOfGenerationReleasesHeldText()
    {
        StopCondition stop([](int32_t t) { return t == 2; }, {"\nUser:"});
        auto r = stop.push(10, "Bye\nUs");
        QCOMPARE(r.text, std::string("Bye"));
        QVERIFY(!r.stopped);
        r = stop.push(2, "");
        QCOMPARE(r.text, std::string("\nUs"));
        QVERIFY(r.stopped);
        r = stop.push(11, "more");
        QCOMPARE(r.text, std::string());
        QVERIFY(r.stopped);
    }

    void stopString()
    {
        StopCondition stop([](int32_t t) { return t == 2; }, {"</answer>"});
        QCOMPARE(stop.push(5, "42</ans").text, std::string("42"));
        const auto r = stop.push(6, "wer> tail");
        QCOMPARE(r.text, std::string());
        QVERIFY(r.stopped);
        QVERIFY(stop.push(2, "").stopped);
        QCOMPARE(stop.finish(), std::string());

        stop.reset();
        QCOMPARE(stop.push(5, "x</a").text, std::string("x"));
        QCOMPARE(stop.finish(), std::string("</a")); // length limit reached: the held text is real text
    }

    void noPredicate()
    {
        StopCondition stop({}, {});
        const auto r = stop.push(2, "text");
        QCOMPARE(r.text, std::string("text"));
        QVERIFY(!r.stopped);
    }
};

QTEST_GUILESS_MAIN(StopConditionTest)
#include "StopConditionTest.moc"
