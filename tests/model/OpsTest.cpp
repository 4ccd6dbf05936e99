// SPDX-License-Identifier: GPL-3.0-or-later
// The element-wise operations of the forward pass against their formulas, computed in double here.
#include "model/Ops.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace hearth;

class OpsTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rmsNorm()
    {
        const std::vector<float> x{1.0f, -2.0f, 3.0f, 0.5f};
        const std::vector<float> w{1.0f, 0.5f, 2.0f, -1.0f};
        std::vector<float> out(4);
        ops::rmsNorm(x.data(), w.data(), out.data(), 4, 1e-5f);
        const double rms = std::sqrt((1.0 + 4.0 + 9.0 + 0.25) / 4.0 + 1e-5);
        for (size_t i = 0; i < 4; ++i) {
            QVERIFY(std::abs(out[i] - x[i] / rms * w[i]) < 1e-6);
        }
        // In place works too.
        std::vector<float> y = x;
        ops::rmsNorm(y.data(), w.data(), y.data(), 4, 1e-5f);
        QCOMPARE(y, out);
    }

    void softmax()
    {
        std::vector<float> x{1.0f, 2.0f, 3.0f, -std::numeric_limits<float>::infinity(), 1000.0f};
        ops::softmax(x.data(), 3); // only the first three
        const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
        QVERIFY(std::abs(x[0] - std::exp(1.0) / sum) < 1e-6);
        QVERIFY(std::abs(x[2] - std::exp(3.0) / sum) < 1e-6);
        QCOMPARE(x[4], 1000.0f);

        // Large logits do not overflow; -infinity gets zero.
        std::vector<float> y{1000.0f, -std::numeric_limits<float>::infinity(), 1000.0f};
        ops::softmax(y.data(), 3);
        QCOMPARE(y, (std::vector<float>{0.5f, 0.0f, 0.5f}));
    }

    void addScaled()
    {
        std::vector<float> y{1.0f, 2.0f};
        const std::vector<float> x{4.0f, -8.0f};
        ops::addScaled(y.data(), x.data(), 0.25f, 2);
        QCOMPARE(y, (std::vector<float>{2.0f, 0.0f}));
    }
};

QTEST_GUILESS_MAIN(OpsTest)
#include "OpsTest.moc"
