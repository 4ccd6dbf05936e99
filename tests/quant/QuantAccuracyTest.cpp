// SPDX-License-Identifier: GPL-3.0-or-later
// Every computable type: quantize -> dequantize error within the type's bound for each element, RMSE on
// Gaussian data in the expected range, llama.cpp's own test-quantize-fns thresholds, special inputs, the
// importance-weighted forms, and vecDot against a double dot product of the dequantized values.
#include "KernelTestData.h"
#include "quant/Blocks.h"
#include "quant/TypeTraits.h"

#include <QTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace hearth;
using hearth::kerneltest::gaussian;

namespace
{
// Independent of quant/Half.h: the compiler's own conversions.
float halfBits(const uint8_t *p)
{
    uint16_t h;
    std::memcpy(&h, p, 2);
    return float(std::bit_cast<_Float16>(h));
}


struct Quantized {
    std::vector<uint8_t> bytes;
    std::vector<float> values; // dequantized
};

Quantized roundTrip(GgmlType type, const std::vector<float> &x, const float *importance = nullptr)
{
    const TypeTraits *traits = typeTraits(type);
    Quantized q;
    q.bytes.resize(rowBytes(type, x.size()));
    if (importance) {
        traits->fromFloatWeighted(x.data(), q.bytes.data(), int64_t(x.size()), importance);
    } else {
        traits->fromFloat(x.data(), q.bytes.data(), int64_t(x.size()));
    }
    q.values.resize(x.size());
    traits->toFloat(q.bytes.data(), q.values.data(), int64_t(x.size()));
    return q;
}

double rmse(const std::vector<float> &a, const std::vector<float> &b)
{
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = double(a[i]) - double(b[i]);
        sum += d * d;
    }
    return std::sqrt(sum / double(a.size()));
}

// Distance from x to the nearest of the levels scale * q + offset, q in [qmin, qmax].
double distanceToGrid(double x, double scale, double offset, int qmin, int qmax)
{
    const double q = std::clamp(std::round((x - offset) / scale), double(qmin), double(qmax));
    return std::fabs(x - (scale * q + offset));
}

// Checks every element against what the type can represent; returns a description of the first failure.
QString checkElements(GgmlType type, const std::vector<float> &x, const Quantized &q)
{
    const auto fail = [&](size_t i, double bound) {
        return QStringLiteral("element %1: %2 -> %3, error %4 > bound %5")
            .arg(i)
            .arg(double(x[i]), 0, 'g', 9)
            .arg(double(q.values[i]), 0, 'g', 9)
            .arg(std::fabs(double(x[i]) - double(q.values[i])), 0, 'g', 6)
            .arg(bound, 0, 'g', 6);
    };
    const auto check = [&](size_t i, double bound) { return std::fabs(double(x[i]) - double(q.values[i])) <= bound; };
    const uint8_t *bytes = q.bytes.data();
    for (size_t i = 0; i < x.size(); ++i) {
        double bound = 0;
        switch (type) {
        case GgmlType::F32:
            bound = 0;
            break;
        case GgmlType::F16:
            if (float(_Float16(x[i])) != q.values[i]) {
                return fail(i, 0);
            }
            continue;
        case GgmlType::BF16:
            if (float(__bf16(x[i])) != q.values[i]) {
                return fail(i, 0);
            }
            continue;
        case GgmlType::Q8_0: {
            // Levels are rounded against the unrounded d = amax / 127, so on top of d/2 comes up to 127 times
            // the fp16 rounding error of d (2^-11 relative, 2^-25 absolute when subnormal).
            const double d = std::fabs(halfBits(bytes + (i / 32) * 34));
            bound = 0.5 * d + 127 * std::max(d * 0x1p-11, 0x1p-25) + 1e-6 * std::fabs(x[i]);
            break;
        }
        case GgmlType::Q4_0: {
            // The largest magnitude maps to -8; the opposite end only reaches +7, so up to a whole step.
            const double d = std::fabs(halfBits(bytes + (i / 32) * 18));
            bound = d + 8 * std::max(d * 0x1p-11, 0x1p-25) + 1e-6 * std::fabs(x[i]);
            break;
        }
        case GgmlType::Q8_K: {
            float d;
            std::memcpy(&d, bytes + (i / 256) * 292, 4);
            bound = 0.5 * std::fabs(d) + 1e-6 * std::fabs(x[i]);
            break;
        }
        case GgmlType::Q4_K:
        case GgmlType::Q5_K: {
            // Each element takes the nearest level of its sub-block's grid d*sc*q - dmin*m.
            const size_t blockBytes = type == GgmlType::Q4_K ? 144 : 176;
            const uint8_t *block = bytes + (i / 256) * blockBytes;
            uint8_t sc = 0;
            uint8_t m = 0;
            unpackScaleMinK4(int(i % 256) / 32, block + 4, sc, m);
            const double scale = double(halfBits(block)) * sc;
            const double offset = -double(halfBits(block + 2)) * m;
            if (scale == 0) {
                bound = 0; // every level decodes to the offset
                if (double(q.values[i]) != offset) {
                    return fail(i, 0);
                }
                continue;
            }
            bound = distanceToGrid(x[i], scale, offset, 0, type == GgmlType::Q4_K ? 15 : 31)
                + 1e-5 * (std::fabs(x[i]) + std::fabs(offset) + scale);
            break;
        }
        case GgmlType::Q6_K: {
            const uint8_t *block = bytes + (i / 256) * 210;
            const double scale = double(halfBits(block + 208)) * double(int8_t(block[192 + (i % 256) / 16]));
            if (scale == 0) {
                if (q.values[i] != 0) {
                    return fail(i, 0);
                }
                continue;
            }
            bound = distanceToGrid(x[i], scale, 0, -32, 31) + 1e-5 * (std::fabs(x[i]) + std::fabs(scale));
            break;
        }
        default:
            return QStringLiteral("no bound for this type");
        }
        if (!check(i, bound)) {
            return fail(i, bound);
        }
    }
    return {};
}

void addTypeRows(bool withWeightedOnly = false)
{
    for (const GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q8_0,
                                GgmlType::Q8_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
        if (!withWeightedOnly || typeTraits(type)->fromFloatWeighted) {
            QTest::newRow(ggmlTypeName(type).data()) << type;
        }
    }
}

// A buffer whose data starts at an odd address, to exercise unaligned blocks.
struct Unaligned {
    explicit Unaligned(const std::vector<uint8_t> &bytes)
        : storage(bytes.size() + 1)
    {
        std::memcpy(storage.data() + 1, bytes.data(), bytes.size());
    }
    const void *data() const
    {
        return storage.data() + 1;
    }
    std::vector<uint8_t> storage;
};
}

class QuantAccuracyTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void gaussianRoundTrip_data()
    {
        // RMSE of quantizing N(0, 1) data. The ranges bracket what the llama.cpp algorithms give: about
        // step / sqrt(12) for the plain round-to-nearest types, less for the searched k-quant scales.
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<double>("minRmse");
        QTest::addColumn<double>("maxRmse");
        QTest::newRow("F32") << GgmlType::F32 << 0.0 << 0.0;
        QTest::newRow("F16") << GgmlType::F16 << 1e-4 << 3e-4;
        QTest::newRow("BF16") << GgmlType::BF16 << 1e-3 << 2e-3;
        QTest::newRow("Q4_0") << GgmlType::Q4_0 << 0.075 << 0.10;
        QTest::newRow("Q8_0") << GgmlType::Q8_0 << 0.0045 << 0.0060;
        QTest::newRow("Q8_K") << GgmlType::Q8_K << 0.0060 << 0.0080;
        QTest::newRow("Q4_K") << GgmlType::Q4_K << 0.062 << 0.082;
        QTest::newRow("Q5_K") << GgmlType::Q5_K << 0.031 << 0.042;
        QTest::newRow("Q6_K") << GgmlType::Q6_K << 0.015 << 0.022;
    }

    void gaussianRoundTrip()
    {
        QFETCH(GgmlType, type);
        QFETCH(double, minRmse);
        QFETCH(double, maxRmse);
        const auto x = gaussian(256 * 64, 42);
        const Quantized q = roundTrip(type, x);
        const QString failure = checkElements(type, x, q);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const double error = rmse(x, q.values);
        qDebug("%s RMSE on N(0,1): %.6f", ggmlTypeName(type).data(), error);
        QVERIFY2(error >= minRmse && error <= maxRmse, qPrintable(QString::number(error)));
    }

    // The data and thresholds of llama.cpp's tests/test-quantize-fns.cpp: 0.1 + 2 cos(i), its "total error"
    // sqrt(sum of squares) / n below 0.002 and the dot product error |dot - exact| / n below 0.02.
    void llamaCppThresholds_data()
    {
        QTest::addColumn<GgmlType>("type");
        addTypeRows();
    }

    void llamaCppThresholds()
    {
        QFETCH(GgmlType, type);
        constexpr size_t n = 32 * 128;
        std::vector<float> a(n);
        std::vector<float> b(n);
        for (size_t i = 0; i < n; ++i) {
            a[i] = 0.1f + 2.0f * std::cos(float(i));
            b[i] = 0.1f + 2.0f * std::cos(float(i) + 1.0f);
        }
        const Quantized qa = roundTrip(type, a);
        double sum = 0;
        for (size_t i = 0; i < n; ++i) {
            sum += (double(a[i]) - qa.values[i]) * (double(a[i]) - qa.values[i]);
        }
        const double totalError = std::sqrt(sum) / n;
        QVERIFY2(totalError < 0.002, qPrintable(QString::number(totalError)));

        const TypeTraits *traits = typeTraits(type);
        std::vector<uint8_t> qb(rowBytes(traits->vecDotType, n));
        typeTraits(traits->vecDotType)->fromFloat(b.data(), qb.data(), int64_t(n));
        double exact = 0;
        for (size_t i = 0; i < n; ++i) {
            exact += double(a[i]) * double(b[i]);
        }
        const double dotError = std::fabs(double(traits->vecDot(int64_t(n), qa.bytes.data(), qb.data())) - exact) / n;
        QVERIFY2(dotError < 0.02, qPrintable(QString::number(dotError)));
    }

    void vecDotMatchesDequantizedDot_data()
    {
        QTest::addColumn<GgmlType>("type");
        addTypeRows();
    }

    void vecDotMatchesDequantizedDot()
    {
        QFETCH(GgmlType, type);
        const TypeTraits *traits = typeTraits(type);
        const int64_t n = 256 * 16;
        for (const uint32_t seed : {1u, 2u, 3u}) {
            const Quantized qx = roundTrip(type, gaussian(size_t(n), seed));
            const Quantized qy = roundTrip(traits->vecDotType, gaussian(size_t(n), seed + 100, 3.0f));
            double exact = 0;
            double magnitude = 0;
            for (int64_t i = 0; i < n; ++i) {
                exact += double(qx.values[i]) * double(qy.values[i]);
                magnitude += std::fabs(double(qx.values[i]) * double(qy.values[i]));
            }
            const float actual = traits->vecDot(n, Unaligned(qx.bytes).data(), Unaligned(qy.bytes).data());
            // Exact integer sums inside blocks; float rounding only where blocks are scaled and added up.
            const double tolerance = 1e-6 * magnitude + 1e-6;
            QVERIFY2(std::fabs(double(actual) - exact) <= tolerance,
                     qPrintable(QStringLiteral("seed %1: %2 vs %3").arg(seed).arg(double(actual), 0, 'g', 9).arg(exact, 0, 'g', 9)));
        }
    }

    void allZeros_data()
    {
        QTest::addColumn<GgmlType>("type");
        addTypeRows();
    }

    void allZeros()
    {
        QFETCH(GgmlType, type);
        const std::vector<float> x(512, 0.0f);
        const Quantized q = roundTrip(type, x);
        QCOMPARE(q.values, x);
        const TypeTraits *traits = typeTraits(type);
        const Quantized y = roundTrip(traits->vecDotType, gaussian(512, 7));
        QCOMPARE(traits->vecDot(512, q.bytes.data(), y.bytes.data()), 0.0f);
    }

    void oneHugeValue_data()
    {
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<double>("relativeError"); // of the huge value itself
        QTest::newRow("F32") << GgmlType::F32 << 0.0;
        QTest::newRow("F16") << GgmlType::F16 << 0x1p-11;
        QTest::newRow("BF16") << GgmlType::BF16 << 0x1p-8;
        QTest::newRow("Q4_0") << GgmlType::Q4_0 << 0x1p-11; // maps exactly to level -8: fp16 rounding only
        QTest::newRow("Q8_0") << GgmlType::Q8_0 << 0x1p-11; // maps exactly to 127
        QTest::newRow("Q8_K") << GgmlType::Q8_K << 1e-6;
        QTest::newRow("Q4_K") << GgmlType::Q4_K << 0.01;
        QTest::newRow("Q5_K") << GgmlType::Q5_K << 0.01;
        QTest::newRow("Q6_K") << GgmlType::Q6_K << 0.01;
    }

    void oneHugeValue()
    {
        QFETCH(GgmlType, type);
        QFETCH(double, relativeError);
        auto x = gaussian(512, 9, 0.01f);
        constexpr float kHuge = 30000.0f;
        x[300] = kHuge;
        const Quantized q = roundTrip(type, x);
        const QString failure = checkElements(type, x, q);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY(std::all_of(q.values.begin(), q.values.end(), [](float v) { return std::isfinite(v); }));
        const double error = std::fabs(double(q.values[300]) - kHuge) / kHuge;
        QVERIFY2(error <= relativeError, qPrintable(QString::number(error)));
        // The other block is untouched by the outlier.
        std::vector<float> first(x.begin(), x.begin() + 256);
        std::vector<float> firstQ(q.values.begin(), q.values.begin() + 256);
        QVERIFY(rmse(first, firstQ) < 0.01 * 0.15);
    }

    void negativeOnly_data()
    {
        QTest::addColumn<GgmlType>("type");
        addTypeRows();
    }

    void negativeOnly()
    {
        QFETCH(GgmlType, type);
        const auto symmetric = gaussian(1024, 11);
        std::vector<float> x(symmetric.size());
        std::transform(symmetric.begin(), symmetric.end(), x.begin(), [](float v) { return -std::fabs(v) - 0.1f; });
        const Quantized q = roundTrip(type, x);
        const QString failure = checkElements(type, x, q);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        // About as accurate as on symmetric data of the same spread (the largest magnitude grows by 0.1).
        const double error = rmse(x, q.values);
        const double symmetricError = rmse(symmetric, roundTrip(type, symmetric).values);
        QVERIFY2(error <= 1.15 * symmetricError, qPrintable(QStringLiteral("%1 vs %2").arg(error).arg(symmetricError)));
        // Types without a min offset treat signs alike: the negated row gives exactly the negated values.
        if (type != GgmlType::Q4_K && type != GgmlType::Q5_K) {
            std::vector<float> negated(x.size());
            std::transform(x.begin(), x.end(), negated.begin(), [](float v) { return -v; });
            const Quantized qn = roundTrip(type, negated);
            for (size_t i = 0; i < x.size(); ++i) {
                QCOMPARE(qn.values[i], -q.values[i]);
            }
        }
    }

    // NaN, infinities and overflowing values give some (defined) bytes for their own block and leave the
    // other blocks as they would be without them.
    void nonFiniteInputsStayInTheirBlock_data()
    {
        QTest::addColumn<GgmlType>("type");
        addTypeRows();
    }

    void nonFiniteInputsStayInTheirBlock()
    {
        QFETCH(GgmlType, type);
        const TypeTraits *traits = typeTraits(type);
        auto x = gaussian(512, 13);
        const std::vector<float> clean(x.begin() + 256, x.end());
        x[1] = std::numeric_limits<float>::quiet_NaN();
        x[40] = std::numeric_limits<float>::infinity();
        x[70] = -std::numeric_limits<float>::infinity();
        x[100] = std::numeric_limits<float>::max();
        x[130] = -3e38f;
        const size_t halfBytes = rowBytes(type, 256);
        std::vector<uint8_t> all(rowBytes(type, 512));
        traits->fromFloat(x.data(), all.data(), 512);
        std::vector<uint8_t> expected(halfBytes);
        traits->fromFloat(clean.data(), expected.data(), 256);
        QVERIFY(std::equal(expected.begin(), expected.end(), all.begin() + qsizetype(halfBytes)));
        std::vector<float> decoded(512);
        traits->toFloat(all.data(), decoded.data(), 512); // must not trap; the values of block 0 are unspecified
        if (traits->fromFloatWeighted) {
            const std::vector<float> ones(512, 1.0f);
            traits->fromFloatWeighted(x.data(), all.data(), 512, ones.data());
        }
    }

    void sixteenBitRoundTripsEveryValue_data()
    {
        QTest::addColumn<GgmlType>("type");
        QTest::newRow("F16") << GgmlType::F16;
        QTest::newRow("BF16") << GgmlType::BF16;
    }

    void sixteenBitRoundTripsEveryValue()
    {
        QFETCH(GgmlType, type);
        const TypeTraits *traits = typeTraits(type);
        std::vector<uint16_t> bits(65536);
        for (uint32_t i = 0; i < 65536; ++i) {
            bits[i] = uint16_t(i);
        }
        std::vector<float> values(65536);
        traits->toFloat(bits.data(), values.data(), 65536);
        std::vector<uint16_t> back(65536);
        traits->fromFloat(values.data(), back.data(), 65536);
        for (uint32_t i = 0; i < 65536; ++i) {
            if (!std::isnan(values[i])) {
                QCOMPARE(back[i], bits[i]);
            }
        }
    }

    // With uniform importance the weighted quantizers stay about as accurate as the reference ones.
    void weightedUniformImportance_data()
    {
        QTest::addColumn<GgmlType>("type");
        addTypeRows(true);
    }

    void weightedUniformImportance()
    {
        QFETCH(GgmlType, type);
        const auto x = gaussian(256 * 64, 5);
        const std::vector<float> ones(x.size(), 1.0f);
        const Quantized weighted = roundTrip(type, x, ones.data());
        if (type != GgmlType::Q4_0) { // Q4_0's weighted form keeps the levels of its scale search
            const QString failure = checkElements(type, x, weighted);
            QVERIFY2(failure.isEmpty(), qPrintable(failure));
        }
        const double reference = rmse(x, roundTrip(type, x).values);
        const double error = rmse(x, weighted.values);
        qDebug("%s RMSE reference %.6f, weighted with uniform importance %.6f", ggmlTypeName(type).data(), reference, error);
        QVERIFY2(error <= 1.05 * reference, qPrintable(QString::number(error)));
    }

    // With skewed importance the weighted form has the lower importance-weighted error: its purpose.
    void weightedBeatsReferenceOnWeightedError_data()
    {
        QTest::addColumn<GgmlType>("type");
        addTypeRows(true);
    }

    void weightedBeatsReferenceOnWeightedError()
    {
        QFETCH(GgmlType, type);
        constexpr size_t rowLength = 1024;
        constexpr int rows = 16;
        // One importance per column, repeated for every row, as an imatrix gives.
        std::mt19937 rng(3);
        std::lognormal_distribution<float> skew(0.0f, 1.5f);
        std::vector<float> importance(rowLength);
        for (auto &w : importance) {
            w = skew(rng);
        }
        double weightedSse = 0;
        double referenceSse = 0;
        for (int r = 0; r < rows; ++r) {
            const auto x = gaussian(rowLength, 1000 + uint32_t(r));
            const Quantized weighted = roundTrip(type, x, importance.data());
            const Quantized reference = roundTrip(type, x);
            for (size_t i = 0; i < rowLength; ++i) {
                weightedSse += importance[i] * std::pow(double(x[i]) - weighted.values[i], 2);
                referenceSse += importance[i] * std::pow(double(x[i]) - reference.values[i], 2);
            }
        }
        qDebug("%s importance-weighted SSE: reference %.4f, weighted %.4f", ggmlTypeName(type).data(), referenceSse, weightedSse);
        QVERIFY2(weightedSse < 0.95 * referenceSse, qPrintable(QStringLiteral("%1 vs %2").arg(weightedSse).arg(referenceSse)));
    }
};

QTEST_GUILESS_MAIN(QuantAccuracyTest)
#include "QuantAccuracyTest.moc"
