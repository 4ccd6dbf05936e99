// SPDX-License-Identifier: GPL-3.0-or-later
// The scalar half/bfloat16 converters against the compiler's own _Float16 and __bf16 conversions.
#include "quant/Half.h"

#include <QTest>

#include <bit>
#include <cmath>
#include <random>

using namespace hearth;

class HalfTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void halfToFloatMatchesCompilerForEveryValue()
    {
        for (uint32_t h = 0; h <= 0xffff; ++h) {
            const float expected = float(std::bit_cast<_Float16>(uint16_t(h)));
            const float actual = halfToFloat(uint16_t(h));
            if (std::isnan(expected)) {
                QVERIFY2(std::isnan(actual), qPrintable(QString::number(h, 16)));
            } else {
                QCOMPARE(std::bit_cast<uint32_t>(actual), std::bit_cast<uint32_t>(expected));
            }
        }
    }

    void halfRoundTripsExactly()
    {
        for (uint32_t h = 0; h <= 0xffff; ++h) {
            const float f = halfToFloat(uint16_t(h));
            if (!std::isnan(f)) {
                QCOMPARE(floatToHalf(f), uint16_t(h));
            }
        }
    }

    void floatToHalfRoundsLikeCompiler_data()
    {
        QTest::addColumn<uint32_t>("seed");
        QTest::newRow("seed 1") << 1u;
        QTest::newRow("seed 2") << 2u;
    }

    void floatToHalfRoundsLikeCompiler()
    {
        QFETCH(uint32_t, seed);
        std::mt19937 rng(seed);
        // Random bit patterns cover every exponent, subnormals, overflow, ties and NaNs.
        for (int i = 0; i < 2'000'000; ++i) {
            const float f = std::bit_cast<float>(uint32_t(rng()));
            const uint16_t expected = std::bit_cast<uint16_t>(_Float16(f));
            const uint16_t actual = floatToHalf(f);
            if (std::isnan(f)) {
                QVERIFY(std::isnan(halfToFloat(actual)));
            } else if (actual != expected) {
                QFAIL(qPrintable(QStringLiteral("%1 (0x%2): got 0x%3, expected 0x%4")
                                     .arg(double(f)).arg(std::bit_cast<uint32_t>(f), 8, 16)
                                     .arg(actual, 4, 16).arg(expected, 4, 16)));
            }
        }
    }

    void bf16MatchesCompiler()
    {
        std::mt19937 rng(7);
        for (int i = 0; i < 2'000'000; ++i) {
            const float f = std::bit_cast<float>(uint32_t(rng()));
            const uint16_t actual = floatToBf16(f);
            if (std::isnan(f)) {
                QVERIFY(std::isnan(bf16ToFloat(actual)));
                continue;
            }
            QCOMPARE(actual, std::bit_cast<uint16_t>(__bf16(f)));
            QCOMPARE(bf16ToFloat(actual), float(__bf16(f)));
        }
    }
};

QTEST_GUILESS_MAIN(HalfTest)
#include "HalfTest.moc"
