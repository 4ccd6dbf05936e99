// SPDX-License-Identifier: GPL-3.0-or-later
// The quantizers against bytes from independent implementations: Q8_0, Q4_0 and Q8_K computed with numpy by
// make_golden.py from the documented formulas; the k-quants and the importance-weighted forms as llama.cpp's
// own reference code produced them (QuantGoldenLlama.h).
#include "QuantGolden.h"
#include "QuantGoldenLlama.h"

#include "quant/TypeTraits.h"

#include <QByteArray>
#include <QTest>

#include <cmath>
#include <vector>

using namespace hearth;

namespace
{
// The input of make_golden.py's golden_input(), computed the same way: every step is exact in float.
std::vector<float> goldenInput()
{
    constexpr float kScale[] = {1.0f, 0x1p-12f, 0x1p6f, 0x1p-3f};
    std::vector<float> x(1024);
    for (int i = 0; i < 1024; ++i) {
        x[i] = float((i * 7919) % 2001 - 1000) / 64.0f * kScale[i / 256];
    }
    for (int i = 256 * 2 + 32; i < 256 * 2 + 64; ++i) {
        x[i] = 0;
    }
    for (int i = 256 * 3 + 64; i < 256 * 3 + 96; ++i) {
        x[i] = -std::fabs(x[i]) - 0.5f;
    }
    x[256 * 3 + 100] = 1000;
    return x;
}

// The importance of QuantGoldenLlama.h's weighted rows.
std::vector<float> goldenImportance()
{
    std::vector<float> w(1024);
    for (int i = 0; i < 1024; ++i) {
        w[i] = float(1 + (i * 37) % 11);
    }
    return w;
}
}

class QuantGoldenTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesIndependentBytes_data()
    {
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<bool>("weighted");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("Q8_0") << GgmlType::Q8_0 << false << QByteArray::fromHex(kGoldenQ8_0);
        QTest::newRow("Q4_0") << GgmlType::Q4_0 << false << QByteArray::fromHex(kGoldenQ4_0);
        QTest::newRow("Q8_K") << GgmlType::Q8_K << false << QByteArray::fromHex(kGoldenQ8_K);
        QTest::newRow("Q4_K") << GgmlType::Q4_K << false << QByteArray::fromHex(kGoldenQ4_K);
        QTest::newRow("Q5_K") << GgmlType::Q5_K << false << QByteArray::fromHex(kGoldenQ5_K);
        QTest::newRow("Q6_K") << GgmlType::Q6_K << false << QByteArray::fromHex(kGoldenQ6_K);
        QTest::newRow("Q4_0 weighted") << GgmlType::Q4_0 << true << QByteArray::fromHex(kGoldenWeightedQ4_0);
        QTest::newRow("Q4_K weighted") << GgmlType::Q4_K << true << QByteArray::fromHex(kGoldenWeightedQ4_K);
        QTest::newRow("Q5_K weighted") << GgmlType::Q5_K << true << QByteArray::fromHex(kGoldenWeightedQ5_K);
        QTest::newRow("Q6_K weighted") << GgmlType::Q6_K << true << QByteArray::fromHex(kGoldenWeightedQ6_K);
    }

    void matchesIndependentBytes()
    {
        QFETCH(GgmlType, type);
        QFETCH(bool, weighted);
        QFETCH(QByteArray, expected);
        const std::vector<float> x = goldenInput();
        const TypeTraits *traits = typeTraits(type);
        QVERIFY(traits);
        QByteArray actual(qsizetype(rowBytes(type, x.size())), '\0');
        QCOMPARE(actual.size(), expected.size());
        if (weighted) {
            traits->fromFloatWeighted(x.data(), actual.data(), int64_t(x.size()), goldenImportance().data());
        } else {
            traits->fromFloat(x.data(), actual.data(), int64_t(x.size()));
        }
        // Compare block by block so a failure names the block.
        const qsizetype blockBytes = traits->blockBytes;
        for (qsizetype offset = 0; offset < actual.size(); offset += blockBytes) {
            QVERIFY2(actual.mid(offset, blockBytes) == expected.mid(offset, blockBytes),
                     qPrintable(QStringLiteral("block %1: got %2, expected %3")
                                    .arg(offset / blockBytes)
                                    .arg(QString::fromLatin1(actual.mid(offset, blockBytes).toHex()),
                                         QString::fromLatin1(expected.mid(offset, blockBytes).toHex()))));
        }
    }
};

QTEST_GUILESS_MAIN(QuantGoldenTest)
#include "QuantGoldenTest.moc"
