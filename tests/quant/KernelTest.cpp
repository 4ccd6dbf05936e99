// SPDX-License-Identifier: GPL-3.0-or-later
// The SIMD kernels of every CPU path this machine runs, checked against the scalar reference kernels: dot
// products of every weight type against its activation type, activation quantisation (same bytes), F16
// decoding and the vector helpers.
#include "KernelTestData.h"
#include "cpu/CpuFeatures.h"
#include "quant/Blocks.h"
#include "quant/Half.h"
#include "quant/ReferenceKernels.h"
#include "quant/TypeTraits.h"
#include "quant/kernels/Kernels.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace hearth;

Q_DECLARE_METATYPE(hearth::GgmlType)
Q_DECLARE_METATYPE(hearth::cpu::Path)

namespace
{
using namespace kerneltest;

QList<cpu::Path> fastPaths()
{
    QList<cpu::Path> paths;
    for (const cpu::Path p : cpu::supportedPaths()) {
        if (p != cpu::Path::Scalar) {
            paths.append(p);
        }
    }
    return paths;
}
}

class KernelTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pathSelection()
    {
        QCOMPARE(cpu::supportedPaths().front(), cpu::Path::Scalar);
        QVERIFY(cpu::isSupported(cpu::activePath()));
        QCOMPARE(cpu::parsePath("AVX512"), std::optional(cpu::Path::Avx512));
        QCOMPARE(cpu::parsePath("Neon-DotProd"), std::optional(cpu::Path::NeonDotprod));
        QCOMPARE(cpu::parsePath("sse4"), std::nullopt);
        for (const cpu::Path path : cpu::kAllPaths) {
            QCOMPARE(cpu::parsePath(cpu::pathName(path)), std::optional(path));
        }
        // The active table is the active path's.
        QCOMPARE(typeTraits(GgmlType::Q8_0), typeTraits(GgmlType::Q8_0, cpu::activePath()));
    }

    void vecDotMatchesReference_data()
    {
        QTest::addColumn<cpu::Path>("path");
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<int64_t>("n");
        for (const cpu::Path path : fastPaths()) {
            for (const GgmlType type : kDotTypes) {
                for (const int64_t n : dotLengths(type)) {
                    QTest::addRow("%s %s n=%lld", cpu::pathName(path).data(), ggmlTypeName(type).data(), (long long)n)
                        << path << type << n;
                }
            }
        }
        if (fastPaths().isEmpty()) {
            QTest::addRow("none") << cpu::Path::Scalar << GgmlType::F32 << int64_t(0);
        }
    }

    void vecDotMatchesReference()
    {
        QFETCH(cpu::Path, path);
        QFETCH(GgmlType, type);
        QFETCH(int64_t, n);
        if (n == 0) {
            QSKIP("this CPU has no SIMD path");
        }
        const TypeTraits *ref = typeTraits(type, cpu::Path::Scalar);
        const TypeTraits *fast = typeTraits(type, path);
        QVERIFY(fast && fast->vecDot != ref->vecDot); // the path really has a kernel of its own

        for (uint32_t seed = 1; seed <= 4; ++seed) {
            const DotCase c = dotCase(type, n, seed);
            const float expected = ref->vecDot(n, c.x.data(), c.y.data());
            const float actual = fast->vecDot(n, c.unalignedX(), c.y.data());
            QVERIFY2(dotWithinTolerance(*ref, c.x.data(), c.y.data(), n, actual, expected),
                     qPrintable(QStringLiteral("seed %1: %2 vs reference %3").arg(seed).arg(double(actual), 0, 'g', 9).arg(double(expected), 0, 'g', 9)));
        }
    }

    void gemmMatchesVecDot_data()
    {
        QTest::addColumn<cpu::Path>("path");
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<int64_t>("n");
        for (const cpu::Path path : fastPaths()) {
            for (const GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q8_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
                if (!typeTraits(type, path)->gemm) {
                    continue;
                }
                QList<int64_t> lengths{GemmCase::kLength};
                if (type == GgmlType::F16) {
                    lengths.append(GemmCase::kLength + 5);
                }
                for (const int64_t n : lengths) {
                    QTest::addRow("%s %s n=%lld", cpu::pathName(path).data(), ggmlTypeName(type).data(), (long long)n) << path << type << n;
                }
            }
        }
        if (fastPaths().isEmpty()) {
            QTest::addRow("none") << cpu::Path::Scalar << GgmlType::F32 << int64_t(0);
        }
    }

    // The register-blocked product against the scalar reference's vecDot per (row, token) (GemmCase).
    void gemmMatchesVecDot()
    {
        QFETCH(cpu::Path, path);
        QFETCH(GgmlType, type);
        QFETCH(int64_t, n);
        if (path == cpu::Path::Scalar) {
            QSKIP("this CPU has no SIMD path");
        }
        const TypeTraits *fast = typeTraits(type, path);
        const GemmCase c = gemmCase(type, *fast, *typeTraits(fast->vecDotType, path), n);
        for (size_t t = 0; t < GemmCase::tokens; ++t) {
            for (size_t r = 0; r < GemmCase::outStride; ++r) {
                const float actual = c.actual(r, t);
                if (r >= GemmCase::rows) {
                    QCOMPARE(actual, -1.0f); // untouched
                    continue;
                }
                const TypeTraits &ref = *typeTraits(type, cpu::Path::Scalar);
                QVERIFY2(c.matchesReference(ref, r, t), qPrintable(QStringLiteral("row %1 token %2: %3 vs reference %4")
                                                                        .arg(r)
                                                                        .arg(t)
                                                                        .arg(double(actual))
                                                                        .arg(double(ref.vecDot(c.n, c.row(r), c.token(t))))));
            }
        }
    }

    void quantizeRowMatchesFromFloat_data()
    {
        QTest::addColumn<cpu::Path>("path");
        QTest::addColumn<GgmlType>("type");
        for (const cpu::Path path : fastPaths()) {
            for (const GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q8_K}) {
                QTest::addRow("%s %s", cpu::pathName(path).data(), ggmlTypeName(type).data()) << path << type;
            }
        }
        if (fastPaths().isEmpty()) {
            QTest::addRow("none") << cpu::Path::Scalar << GgmlType::F32;
        }
    }

    void quantizeRowMatchesFromFloat()
    {
        QFETCH(cpu::Path, path);
        QFETCH(GgmlType, type);
        if (path == cpu::Path::Scalar) {
            QSKIP("this CPU has no SIMD path");
        }
        const TypeTraits *ref = typeTraits(type, cpu::Path::Scalar);
        const TypeTraits *fast = typeTraits(type, path);
        QVERIFY(fast->quantizeRow != ref->fromFloat);
        const int64_t n = 4 * QK_K + (ref->blockSize == 1 ? 3 : 0);
        std::vector<std::vector<float>> inputs{gaussian(size_t(n), 7), gaussian(size_t(n), 8, 1e-6f), withTies(size_t(n)),
                                               std::vector<float>(size_t(n), 0.0f)};
        for (const auto &input : inputs) {
            std::vector<uint8_t> expected(rowBytes(type, uint64_t(n)));
            std::vector<uint8_t> actual(expected.size(), 0xcd);
            ref->fromFloat(input.data(), expected.data(), n);
            fast->quantizeRow(input.data(), actual.data(), n);
            QCOMPARE(actual, expected);
        }
    }

    void toFloatF16MatchesReference()
    {
        for (const cpu::Path path : fastPaths()) {
            // Every half bit pattern, NaN payloads, infinities and subnormals included.
            std::vector<uint16_t> all(65536 + 3);
            for (size_t i = 0; i < all.size(); ++i) {
                all[i] = uint16_t(i);
            }
            std::vector<float> expected(all.size());
            std::vector<float> actual(all.size());
            quant::toFloatF16(all.data(), expected.data(), int64_t(all.size()));
            typeTraits(GgmlType::F16, path)->toFloat(all.data(), actual.data(), int64_t(all.size()));
            for (size_t i = 0; i < all.size(); ++i) {
                // The hardware converter quiets signalling NaNs; any NaN is as good as another here.
                if (std::isnan(expected[i])) {
                    QVERIFY(std::isnan(actual[i]));
                } else {
                    QVERIFY2(std::memcmp(&expected[i], &actual[i], sizeof(float)) == 0, qPrintable(QString::number(all[i], 16)));
                }
            }
        }
    }

    void addScaledF16MatchesReference()
    {
        const int64_t n = 67;
        const auto values = gaussian(size_t(n), 3);
        std::vector<uint16_t> x(static_cast<size_t>(n));
        quant::fromFloatF16(values.data(), x.data(), n);
        const auto start = gaussian(size_t(n), 4);
        auto expected = start;
        quant::vectorKernels(cpu::Path::Scalar)->addScaledF16(expected.data(), x.data(), 0.37f, n);
        for (int64_t i = 0; i < n; ++i) { // the scalar helper itself, against the definition
            QCOMPARE(expected[size_t(i)], start[size_t(i)] + 0.37f * halfToFloat(x[size_t(i)]));
        }
        for (const cpu::Path path : fastPaths()) {
            auto actual = start;
            quant::vectorKernels(path)->addScaledF16(actual.data(), x.data(), 0.37f, n);
            for (int64_t i = 0; i < n; ++i) {
                QVERIFY(fmaWithinTolerance(actual[size_t(i)], expected[size_t(i)]));
            }
        }
    }

    // Every path's SwiGLU (the scalar one too) against the definition in double.
    void swigluMatchesDefinition()
    {
        const SwigluCase c = swigluCase();
        for (const cpu::Path path : cpu::supportedPaths()) {
            const auto swiglu = quant::vectorKernels(path)->swiglu;
            QVERIFY(path == cpu::Path::Scalar || swiglu != quant::vectorKernels(cpu::Path::Scalar)->swiglu);
            std::vector<float> gate = c.gate;
            swiglu(gate.data(), c.up.data(), int64_t(gate.size()));
            for (size_t i = 0; i < gate.size(); ++i) {
                QVERIFY2(swigluWithinTolerance(gate[i], c.expected[i]),
                         qPrintable(QStringLiteral("%1 element %2 (gate %3): %4 vs %5")
                                        .arg(QString::fromUtf8(cpu::pathName(path).data()))
                                        .arg(i)
                                        .arg(double(c.gate[i]))
                                        .arg(double(gate[i]))
                                        .arg(c.expected[i])));
            }
        }
    }

    void attendF16MatchesDefinition_data()
    {
        QTest::addColumn<int>("positions");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<int>("heads");
        for (const auto &[positions, headDim, heads] : kAttendShapes) {
            QTest::addRow("%d x %d, %d heads", positions, headDim, heads) << positions << headDim << heads;
        }
    }

    // The fused attention kernel against its definition (attendCase).
    void attendF16MatchesDefinition()
    {
        QFETCH(int, positions);
        QFETCH(int, headDim);
        QFETCH(int, heads);
        const AttendCase c = attendCase(positions, headDim, heads);

        bool tested = false;
        for (const cpu::Path path : fastPaths()) {
            const auto attendF16 = quant::vectorKernels(path)->attendF16;
            if (!attendF16) {
                continue;
            }
            tested = true;
            const std::vector<float> out = attend(attendF16, c, positions, headDim);
            for (size_t i = 0; i < out.size(); ++i) {
                QVERIFY2(std::fabs(double(out[i]) - c.expected[i]) <= c.bound[i],
                         qPrintable(QStringLiteral("%1 column %2: %3 vs %4").arg(QString::fromUtf8(cpu::pathName(path).data())).arg(i).arg(double(out[i])).arg(c.expected[i])));
            }
        }
        if (!tested) {
            QSKIP("no path of this CPU has a fused attention kernel");
        }
    }

    void attendBatchF16MatchesDefinition_data()
    {
        QTest::addColumn<int>("positions");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("tokens");
        for (const auto &[positions, headDim, heads, tokens] : kAttendBatchShapes) {
            QTest::addRow("%d x %d, %d heads, %d tokens", positions, headDim, heads, tokens) << positions << headDim << heads << tokens;
        }
    }

    // The batch attention kernel against its definition, each token seeing only the positions up to its own.
    void attendBatchF16MatchesDefinition()
    {
        QFETCH(int, positions);
        QFETCH(int, headDim);
        QFETCH(int, heads);
        QFETCH(int, tokens);
        const AttendCase c = attendCase(positions, headDim, heads, tokens);
        bool tested = false;
        for (const cpu::Path path : fastPaths()) {
            const auto attendBatchF16 = quant::vectorKernels(path)->attendBatchF16;
            if (!attendBatchF16) {
                continue;
            }
            tested = true;
            const std::string mismatch = attendBatchMismatch(attendBatchF16, c, positions, headDim);
            QVERIFY2(mismatch.empty(), (std::string(cpu::pathName(path)) + " " + mismatch).c_str());
        }
        if (!tested) {
            QSKIP("no path of this CPU has a batch attention kernel");
        }
    }
};

QTEST_GUILESS_MAIN(KernelTest)
#include "KernelTest.moc"
