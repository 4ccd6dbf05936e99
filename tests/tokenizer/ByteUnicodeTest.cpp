// SPDX-License-Identifier: GPL-3.0-or-later
// GPT-2's byte <-> character table.
#include "tokenizer/ByteUnicode.h"

#include <QTest>

#include <set>

using namespace hearth;

class ByteUnicodeTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Known spellings: 'Ġ' is a space and 'Ċ' a newline in every byte-level BPE vocabulary.
    void knownCharacters_data()
    {
        QTest::addColumn<int>("byte");
        QTest::addColumn<uint>("codePoint");
        QTest::newRow("NUL") << 0x00 << 0x100u;
        QTest::newRow("newline") << 0x0A << 0x10Au;
        QTest::newRow("space") << 0x20 << 0x120u;
        QTest::newRow("A") << 0x41 << 0x41u;
        QTest::newRow("tilde") << 0x7E << 0x7Eu;
        QTest::newRow("DEL") << 0x7F << 0x121u;
        QTest::newRow("NBSP") << 0xA0 << 0x142u;
        QTest::newRow("soft hyphen") << 0xAD << 0x143u;
        QTest::newRow("y diaeresis") << 0xFF << 0xFFu;
    }

    void knownCharacters()
    {
        QFETCH(int, byte);
        QFETCH(uint, codePoint);
        QCOMPARE(uint(byteunicode::byteToCodePoint(static_cast<unsigned char>(byte))), codePoint);
        QCOMPARE(byteunicode::codePointToByte(codePoint), std::optional<unsigned char>(static_cast<unsigned char>(byte)));
    }

    void everyByteRoundTrips()
    {
        std::set<char32_t> seen;
        std::string all;
        for (int b = 0; b < 256; ++b) {
            const char32_t cp = byteunicode::byteToCodePoint(static_cast<unsigned char>(b));
            QVERIFY(seen.insert(cp).second); // a bijection
            all.push_back(char(b));
        }
        QCOMPARE(byteunicode::decode(byteunicode::encode(all)), all);
        QCOMPARE(byteunicode::codePointToByte(0x20), std::nullopt); // a space is spelt 'Ġ'
        QCOMPARE(byteunicode::codePointToByte(0x144), std::nullopt);
        // Characters outside the table (added tokens) are kept.
        QCOMPARE(byteunicode::decode("\xE4\xB8\xAD"), std::string("\xE4\xB8\xAD"));
    }
};

QTEST_GUILESS_MAIN(ByteUnicodeTest)
#include "ByteUnicodeTest.moc"
