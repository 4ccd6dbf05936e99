// SPDX-License-Identifier: GPL-3.0-or-later
// makeQkxQuants8 / makeQxQuants16 (groups side by side, what the K-quant quantizers use) against the scalar
// references makeQkxQuants / makeQxQuants, bit for bit, on random, skewed, constant, negative, zero and non-finite groups.
#include "quant/ScaleSearch.h"

#include <QTest>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

using namespace hearth::quant;

class ScaleSearchLanesTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesScalar_data()
    {
        QTest::addColumn<int>("nmax");
        QTest::addColumn<float>("rmin");
        QTest::addColumn<float>("rdelta");
        QTest::addColumn<int>("steps");
        QTest::newRow("Q4_K reference") << 15 << -1.f << 0.1f << 20;
        QTest::newRow("Q5_K reference") << 31 << -0.5f << 0.1f << 15;
        QTest::newRow("imatrix search") << 15 << -0.9f << 0.05f << 36;
    }

    void matchesScalar()
    {
        QFETCH(int, nmax);
        QFETCH(float, rmin);
        QFETCH(float, rdelta);
        QFETCH(int, steps);
        const AffineSearch search{rmin, rdelta, steps};
        std::mt19937 rng(42);
        std::normal_distribution<float> normal(0.f, 1.f);
        for (int round = 0; round < 400; ++round) {
            float x[256];
            float w[256];
            for (int i = 0; i < 256; ++i) {
                x[i] = normal(rng) * (round % 3 == 0 ? 0.02f : 1.f) + (round % 5 == 0 ? 0.5f : 0.f);
                w[i] = std::fabs(normal(rng)) + 0.01f;
            }
            // Special groups: constant negative, all zero, one huge outlier, one NaN.
            for (int i = 0; i < 32; ++i) {
                x[i] = -0.25f;
                x[32 + i] = 0.f;
            }
            x[64 + round % 32] = 1e4f;
            if (round % 7 == 0) {
                x[96 + round % 32] = std::numeric_limits<float>::quiet_NaN();
            }
            uint8_t lanes[256];
            float scales[8];
            float mins[8];
            makeQkxQuants8(nmax, x, w, lanes, scales, mins, search);
            for (int g = 0; g < 8; ++g) {
                uint8_t L[32];
                float min = 0;
                const float scale = makeQkxQuants(32, nmax, x + 32 * g, w + 32 * g, L, &min, search);
                QCOMPARE(std::bit_cast<uint32_t>(scales[g]), std::bit_cast<uint32_t>(scale));
                QCOMPARE(std::bit_cast<uint32_t>(mins[g]), std::bit_cast<uint32_t>(min));
                for (int i = 0; i < 32; ++i) {
                    QCOMPARE(lanes[32 * g + i], L[i]);
                }
            }
        }
    }

    // makeQxQuants16 (Q6_K's sixteen groups of 16) against makeQxQuants, with and without weights.
    void symmetricMatchesScalar_data()
    {
        QTest::addColumn<bool>("weighted");
        QTest::newRow("x^2") << false;
        QTest::newRow("importance") << true;
    }

    void symmetricMatchesScalar()
    {
        QFETCH(bool, weighted);
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.f, 1.f);
        for (int round = 0; round < 400; ++round) {
            float x[256];
            float w[256];
            for (int i = 0; i < 256; ++i) {
                x[i] = normal(rng) * (round % 3 == 0 ? 0.02f : 1.f);
                w[i] = std::fabs(normal(rng)) + 0.01f;
            }
            for (int i = 0; i < 16; ++i) {
                x[i] = 0.f; // an all-zero group
                x[16 + i] = 1e-20f; // below the zero threshold
                x[32 + i] = 0.5f; // constant
            }
            x[48 + round % 16] = -1e3f;
            int8_t lanes[256];
            float scales[16];
            makeQxQuants16(32, x, lanes, weighted ? w : nullptr, scales);
            for (int g = 0; g < 16; ++g) {
                int8_t L[16];
                const float scale = makeQxQuants(16, 32, x + 16 * g, L, weighted ? w + 16 * g : nullptr);
                QCOMPARE(std::bit_cast<uint32_t>(scales[g]), std::bit_cast<uint32_t>(scale));
                for (int i = 0; i < 16; ++i) {
                    QCOMPARE(lanes[16 * g + i], L[i]);
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(ScaleSearchLanesTest)
#include "ScaleSearchLanesTest.moc"
