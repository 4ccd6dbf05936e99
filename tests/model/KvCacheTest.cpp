// SPDX-License-Identifier: GPL-3.0-or-later
// KvCache: rows come back as stored, within each type's precision, and never overwrite their neighbours.
#include "model/KvCache.h"
#include "util/Error.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace hearth;

class KvCacheTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<double>("tolerance"); // relative to the largest magnitude of the row
        QTest::newRow("F32") << GgmlType::F32 << 0.0;
        QTest::newRow("F16") << GgmlType::F16 << 1.0 / 2048;
        QTest::newRow("Q8_0") << GgmlType::Q8_0 << 1.0 / 254 + 1.0 / 1024; // half a step, plus the F16 scale's rounding
    }

    void roundTrip()
    {
        QFETCH(GgmlType, type);
        QFETCH(double, tolerance);
        const uint32_t layers = 2, size = 5, row = 64;
        KvCache cache(layers, size, row, type);
        QCOMPARE(cache.size(), size);
        const auto value = [](uint32_t l, uint32_t p, uint32_t i, bool isValue) {
            return std::sin(float(l * 1000 + p * 100 + i) * 0.37f) * (isValue ? 3.0f : 1.0f);
        };
        for (uint32_t l = 0; l < layers; ++l) {
            for (uint32_t p = 0; p < size; ++p) {
                std::vector<float> k(row), v(row);
                for (uint32_t i = 0; i < row; ++i) {
                    k[i] = value(l, p, i, false);
                    v[i] = value(l, p, i, true);
                }
                cache.store(l, p, k.data(), v.data());
            }
        }
        for (uint32_t l = 0; l < layers; ++l) {
            std::vector<float> keys(size_t(size - 1) * row), values(size_t(size - 1) * row);
            cache.load(l, 1, size, keys.data(), values.data());
            for (uint32_t p = 1; p < size; ++p) {
                for (uint32_t i = 0; i < row; ++i) {
                    const size_t at = size_t(p - 1) * row + i;
                    QVERIFY(std::abs(keys[at] - value(l, p, i, false)) <= tolerance * 1.0 + 1e-7);
                    QVERIFY(std::abs(values[at] - value(l, p, i, true)) <= tolerance * 3.0 + 1e-7);
                }
            }
        }
    }

    void rejectsWhatItCannotStore()
    {
        QVERIFY_THROWS_EXCEPTION(Error, KvCache(1, 4, 64, GgmlType::Q4_0));
        QVERIFY_THROWS_EXCEPTION(Error, KvCache(1, 4, 48, GgmlType::Q8_0)); // not whole blocks of 32
        QVERIFY_THROWS_EXCEPTION(Error, KvCache(1u << 20, 1u << 24, 1u << 20, GgmlType::F32));
        QCOMPARE(KvCache(3, 4, 32, GgmlType::Q8_0).bytes(), uint64_t(2 * 3 * 4 * 34));
    }
};

QTEST_GUILESS_MAIN(KvCacheTest)
#include "KvCacheTest.moc"
