// SPDX-License-Identifier: GPL-3.0-or-later
// Rope against hand-computed rotations and the properties RoPE exists for.
#include "model/Rope.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace hearth;

namespace
{
float dot(const std::vector<float> &a, const std::vector<float> &b)
{
    float sum = 0.0f;
    for (size_t i = 0; i < a.size(); ++i) {
        sum += a[i] * b[i];
    }
    return sum;
}
}

class RopeTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rotatesAdjacentPairs()
    {
        // Two pairs, base 100: frequencies 1 and 100^(-1/2) = 0.1.
        const Rope rope(4, 4, 100.0f, 1.0f);
        std::vector<float> x{1.0f, 0.0f, 2.0f, 0.0f, 0.0f, 1.0f, 0.0f, 1.0f}; // two heads
        rope.apply(x.data(), 2, 3);
        const std::vector<double> expected{std::cos(3.0), std::sin(3.0), 2 * std::cos(0.3), 2 * std::sin(0.3),
                                           -std::sin(3.0), std::cos(3.0), -std::sin(0.3), std::cos(0.3)};
        for (size_t i = 0; i < x.size(); ++i) {
            QVERIFY2(std::abs(x[i] - expected[i]) < 1e-6, qPrintable(QString::number(i)));
        }
    }

    void positionZeroIsIdentity()
    {
        const Rope rope(8, 8, 10000.0f, 1.0f);
        const std::vector<float> original{0.5f, -1.0f, 2.0f, 3.0f, -4.0f, 0.25f, 7.0f, 1.0f};
        std::vector<float> x = original;
        rope.apply(x.data(), 1, 0);
        QCOMPARE(x, original);
    }

    void onlyRopeDimIsRotated()
    {
        const Rope rope(8, 4, 10000.0f, 1.0f);
        std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8};
        rope.apply(x.data(), 1, 17);
        QCOMPARE(std::vector<float>(x.begin() + 4, x.end()), (std::vector<float>{5, 6, 7, 8}));
        QVERIFY(x[0] != 1.0f && x[2] != 3.0f);
        // Rotation keeps each pair's length.
        QVERIFY(std::abs(std::hypot(x[0], x[1]) - std::hypot(1.0f, 2.0f)) < 1e-5f);
        QVERIFY(std::abs(std::hypot(x[2], x[3]) - std::hypot(3.0f, 4.0f)) < 1e-5f);
    }

    // The point of RoPE: q.k after rotation depends only on the distance between the positions.
    void dotProductDependsOnDistance()
    {
        const Rope rope(8, 8, 10000.0f, 1.0f);
        const std::vector<float> q0{0.3f, -1.2f, 0.8f, 0.1f, -0.5f, 0.9f, 1.5f, -0.7f};
        const std::vector<float> k0{1.1f, 0.4f, -0.6f, 0.2f, 0.7f, -1.3f, 0.05f, 0.6f};
        const auto rotated = [&](std::vector<float> v, int pos) {
            rope.apply(v.data(), 1, pos);
            return v;
        };
        const float near = dot(rotated(q0, 7), rotated(k0, 4));
        QVERIFY(std::abs(near - dot(rotated(q0, 103), rotated(k0, 100))) < 1e-4f);
        QVERIFY(std::abs(near - dot(rotated(q0, 3), rotated(k0, 0))) < 1e-4f);
        QVERIFY(std::abs(near - dot(rotated(q0, 9), rotated(k0, 2))) > 1e-3f); // another distance differs
    }

    void scaleAndFactorsStretchPositions()
    {
        const std::vector<float> original{1, 2, 3, 4};
        std::vector<float> a = original;
        std::vector<float> b = original;
        Rope(4, 4, 10000.0f, 0.5f).apply(a.data(), 1, 10);
        Rope(4, 4, 10000.0f, 1.0f).apply(b.data(), 1, 5);
        for (size_t i = 0; i < 4; ++i) {
            QVERIFY(std::abs(a[i] - b[i]) < 1e-6f);
        }
        // A factor of 4 on the second pair only: its angle at position 8 equals the plain one at position 2.
        std::vector<float> c = original;
        std::vector<float> d = original;
        const std::vector<float> factors{1.0f, 4.0f};
        Rope(4, 4, 10000.0f, 1.0f, factors).apply(c.data(), 1, 8);
        Rope(4, 4, 10000.0f, 1.0f).apply(d.data(), 1, 2);
        QVERIFY(std::abs(c[2] - d[2]) < 1e-6f && std::abs(c[3] - d[3]) < 1e-6f);
        std::vector<float> e = original;
        Rope(4, 4, 10000.0f, 1.0f).apply(e.data(), 1, 8);
        QVERIFY(std::abs(c[0] - e[0]) < 1e-6f && std::abs(c[1] - e[1]) < 1e-6f);
    }
};

QTEST_GUILESS_MAIN(RopeTest)
#include "RopeTest.moc"
