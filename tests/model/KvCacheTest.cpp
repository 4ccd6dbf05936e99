// SPDX-License-Identifier: GPL-3.0-or-later
// KvCache: rows come back as stored, within each type's precision, and never overwrite their neighbours; F32 and
// F16 rows are read in place one head at a time.
#include "model/KvCache.h"
#include "quant/TypeTraits.h"
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
        QTest::addColumn<uint32_t>("heads");
        QTest::addColumn<uint32_t>("headDim");
        QTest::addColumn<double>("tolerance"); // relative to the largest magnitude of the row
        const double q8 = 1.0 / 254 + 1.0 / 1024; // half a step, plus the F16 scale's rounding
        QTest::newRow("F32, 4 heads of 64") << GgmlType::F32 << 4u << 64u << 0.0;
        QTest::newRow("F32, 4 heads of 8") << GgmlType::F32 << 4u << 8u << 0.0;
        QTest::newRow("F16, 4 heads of 64") << GgmlType::F16 << 4u << 64u << 1.0 / 2048;
        QTest::newRow("F16, 1 head of 64") << GgmlType::F16 << 1u << 64u << 1.0 / 2048;
        QTest::newRow("Q8_0, 2 heads of 32") << GgmlType::Q8_0 << 2u << 32u << q8;
        QTest::newRow("Q8_0, 4 heads of 8 (side by side)") << GgmlType::Q8_0 << 4u << 8u << q8;
    }

    void roundTrip()
    {
        QFETCH(GgmlType, type);
        QFETCH(uint32_t, heads);
        QFETCH(uint32_t, headDim);
        QFETCH(double, tolerance);
        const uint32_t layers = 2, size = 5, row = heads * headDim;
        KvCache cache(layers, size, heads, headDim, type);
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
        if (type == GgmlType::Q8_0) {
            return;
        }
        // In place: head h's row of position p, rowStride() after p - 1's.
        for (uint32_t l = 0; l < layers; ++l) {
            for (uint32_t h = 0; h < heads; ++h) {
                for (uint32_t p = 0; p < size; ++p) {
                    std::vector<float> key(headDim), val(headDim);
                    typeTraits(type)->toFloat(cache.keys(l, h) + p * cache.rowStride(), key.data(), headDim);
                    typeTraits(type)->toFloat(cache.values(l, h) + p * cache.rowStride(), val.data(), headDim);
                    for (uint32_t i = 0; i < headDim; ++i) {
                        QVERIFY(std::abs(key[i] - value(l, p, h * headDim + i, false)) <= tolerance * 1.0 + 1e-7);
                        QVERIFY(std::abs(val[i] - value(l, p, h * headDim + i, true)) <= tolerance * 3.0 + 1e-7);
                    }
                }
            }
        }
    }

    void rejectsWhatItCannotStore()
    {
        QVERIFY_THROWS_EXCEPTION(Error, KvCache(1, 4, 1, 64, GgmlType::Q4_0));
        QVERIFY_THROWS_EXCEPTION(Error, KvCache(1, 4, 6, 8, GgmlType::Q8_0)); // rows not whole blocks of 32
        QVERIFY_THROWS_EXCEPTION(Error, KvCache(1u << 20, 1u << 24, 1u << 14, 64, GgmlType::F32));
        QCOMPARE(KvCache(3, 4, 1, 32, GgmlType::Q8_0).bytes(), uint64_t(2 * 3 * 4 * 34));
        QCOMPARE(KvCache(3, 4, 4, 8, GgmlType::Q8_0).bytes(), uint64_t(2 * 3 * 4 * 34));
    }
};

QTEST_GUILESS_MAIN(KvCacheTest)
#include "KvCacheTest.moc"
