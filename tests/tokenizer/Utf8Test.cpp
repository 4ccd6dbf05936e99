// SPDX-License-Identifier: GPL-3.0-or-later
// UTF-8 decoding with replacement, and the detection of a sequence cut off at the end.
#include "tokenizer/Utf8.h"

#include <QTest>

using namespace hearth;

class Utf8Test : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decode_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QList<uint>>("codePoints");
        const uint r = 0xFFFD;
        QTest::newRow("empty") << QByteArray() << QList<uint>{};
        QTest::newRow("ascii") << QByteArray("a b") << QList<uint>{'a', ' ', 'b'};
        QTest::newRow("2/3/4 bytes") << QByteArray("\xC3\xA9\xE2\x82\xAC\xF0\x9F\xA6\x99") << QList<uint>{0xE9, 0x20AC, 0x1F999};
        QTest::newRow("lone continuation") << QByteArray("\x80" "a") << QList<uint>{r, 'a'};
        QTest::newRow("truncated at end") << QByteArray("a\xE2\x82") << QList<uint>{'a', r, r};
        QTest::newRow("bad continuation") << QByteArray("\xC3(") << QList<uint>{r, '('};
        QTest::newRow("0xF8..0xFF") << QByteArray("\xF8\xFF") << QList<uint>{r, r};
        QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << QList<uint>{r};
        QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << QList<uint>{r};
        QTest::newRow("max") << QByteArray("\xF4\x8F\xBF\xBF") << QList<uint>{0x10FFFF};
    }

    void decode()
    {
        QFETCH(QByteArray, input);
        QFETCH(QList<uint>, codePoints);
        const std::u32string decoded = utf8::decode(std::string_view(input.constData(), size_t(input.size())));
        QCOMPARE(QList<uint>(decoded.begin(), decoded.end()), codePoints);
    }

    // Encoding every scalar value and decoding it back is the identity; the encoding agrees with Qt's.
    void appendRoundTrips()
    {
        for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            std::string bytes;
            utf8::append(bytes, cp);
            QCOMPARE(utf8::decode(bytes), std::u32string(1, cp));
            if (cp % 997 == 0) {
                QCOMPARE(QByteArray::fromStdString(bytes), QString::fromUcs4(&cp, 1).toUtf8());
            }
        }
    }

    void incompleteTailLength_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("tail");
        QTest::newRow("empty") << QByteArray() << 0;
        QTest::newRow("ascii") << QByteArray("abc") << 0;
        QTest::newRow("complete 4") << QByteArray("\xF0\x9F\xA6\x99") << 0;
        QTest::newRow("1 of 2") << QByteArray("a\xC3") << 1;
        QTest::newRow("1 of 3") << QByteArray("\xE2") << 1;
        QTest::newRow("2 of 3") << QByteArray("a\xE2\x82") << 2;
        QTest::newRow("3 of 4") << QByteArray("\xF0\x9F\xA6") << 3;
        QTest::newRow("stray continuation") << QByteArray("a\x80") << 0;
        QTest::newRow("invalid lead") << QByteArray("\xFF") << 0;
        QTest::newRow("too many continuations") << QByteArray("\xC3\xA9\xA9") << 0;
    }

    void incompleteTailLength()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, tail);
        QCOMPARE(utf8::incompleteTailLength(std::string_view(input.constData(), size_t(input.size()))), size_t(tail));
    }
};

QTEST_GUILESS_MAIN(Utf8Test)
#include "Utf8Test.moc"
