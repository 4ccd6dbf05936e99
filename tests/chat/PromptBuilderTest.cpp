// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/PromptBuilder.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <set>

using namespace Qt::StringLiterals;
using hearth::PromptBuilder;
using hearth::PromptSegment;

class PromptBuilderTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // isPythonSpace() against every code point Python's str.isspace() accepts (golden/python-whitespace.json).
    void whitespaceMatchesPython()
    {
        QFile file(QStringLiteral(HEARTH_CHAT_TEST_DIR "/golden/python-whitespace.json"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        std::set<char32_t> python;
        for (const QJsonValue &value : QJsonDocument::fromJson(file.readAll()).array()) {
            python.insert(static_cast<char32_t>(value.toInt()));
        }
        QVERIFY(python.size() > 20);
        for (char32_t c = 0; c <= 0x10FFFF; ++c) {
            if (hearth::isPythonSpace(c) != python.contains(c)) {
                QFAIL(qPrintable(u"U+%1: isPythonSpace disagrees with Python"_s.arg(static_cast<uint>(c), 4, 16, QLatin1Char('0'))));
            }
        }
    }

    void strip_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("blank") << QByteArray(" \t\n\r ") << QByteArray();
        QTest::newRow("ascii") << QByteArray("  a b \n") << QByteArray("a b");
        QTest::newRow("nbsp and ideographic space") << QByteArray("\xc2\xa0x\xe3\x80\x80") << QByteArray("x");
        QTest::newRow("inner spaces kept") << QByteArray("\xe2\x80\x83x y\xe2\x80\x83") << QByteArray("x y");
        QTest::newRow("zero width space is not whitespace") << QByteArray("\xe2\x80\x8bx") << QByteArray("\xe2\x80\x8bx");
        QTest::newRow("invalid byte stops") << QByteArray(" \xff ") << QByteArray("\xff");
        QTest::newRow("truncated sequence kept") << QByteArray("x \xe3\x80") << QByteArray("x \xe3\x80");
        QTest::newRow("overlong space kept") << QByteArray("\xc0\xa0x") << QByteArray("\xc0\xa0x");
    }
    void strip()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QCOMPARE(QByteArray::fromStdString(std::string(hearth::pythonStrip(input.toStdString()))), expected);
    }

    void mergesAndDropsEmpty()
    {
        PromptBuilder builder;
        builder.trusted("<a>");
        builder.trusted("");
        builder.trusted("<b>");
        builder.untrusted("x");
        builder.untrusted("y");
        builder.trusted("<c>");
        const std::vector<PromptSegment> expected{{"<a><b>", true}, {"xy", false}, {"<c>", true}};
        QVERIFY(builder.segments() == expected);
    }

    // Stripping a composed text removes whitespace across segments, as Python strips the joined string.
    void stripAcrossSegments()
    {
        PromptBuilder builder;
        builder.untrusted("  ");
        builder.trusted("\n<s>");
        builder.untrusted(" mid ");
        builder.trusted(" \n");
        builder.untrusted("\t ");
        builder.strip();
        const std::vector<PromptSegment> expected{{"<s>", true}, {" mid", false}};
        QVERIFY(builder.segments() == expected);

        PromptBuilder blank;
        blank.untrusted(" ");
        blank.trusted("\n");
        blank.strip();
        QVERIFY(blank.segments().empty());
    }
};

QTEST_GUILESS_MAIN(PromptBuilderTest)
#include "PromptBuilderTest.moc"
