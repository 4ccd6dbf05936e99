// SPDX-License-Identifier: GPL-3.0-or-later
// The block layouts: hand-built blocks with known bytes decode to the values the documented GGUF layouts
// give, worked out here element by element; plus the traits table and rowBytes().
#include "quant/Blocks.h"
#include "quant/TypeTraits.h"
#include "util/Error.h"

#include <QTest>

#include <cstring>
#include <functional>
#include <limits>
#include <vector>

using namespace hearth;

namespace
{
using Bytes = std::vector<uint8_t>;

void put16(Bytes &bytes, size_t offset, uint16_t value) // GGUF is little-endian
{
    bytes[offset] = uint8_t(value & 0xff);
    bytes[offset + 1] = uint8_t(value >> 8);
}

// Decodes `bytes` with the type's toFloat from an odd address, so misaligned blocks are exercised too.
std::vector<float> decode(GgmlType type, const Bytes &bytes, int64_t n)
{
    std::vector<uint8_t> shifted(bytes.size() + 1);
    std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
    std::vector<float> out(static_cast<size_t>(n));
    typeTraits(type)->toFloat(shifted.data() + 1, out.data(), n);
    return out;
}

// Sub-block scales and mins shared by the Q4_K and Q5_K blocks below, chosen to exercise the upper bits
// of the packing (values >= 16) and the extremes 0 and 63.
constexpr uint8_t kScale[8] = {1, 2, 3, 4, 17, 33, 50, 63};
constexpr uint8_t kMin[8] = {0, 5, 10, 15, 20, 40, 60, 63};
// The same packed by hand: bytes 0-3 scale[0..3] | (scale[4..7] >> 4) << 6, bytes 4-7 min[0..3] |
// (min[4..7] >> 4) << 6, bytes 8-11 scale[4..7] & 15 | (min[4..7] & 15) << 4.
constexpr uint8_t kPackedScales[12] = {0x41, 0x82, 0xc3, 0xc4, 0x40, 0x85, 0xca, 0xcf, 0x41, 0x81, 0xc2, 0xff};
}

class QuantLayoutTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void floatTypesDecode()
    {
        Bytes f16(8);
        put16(f16, 0, 0x3c00); // 1
        put16(f16, 2, 0xc000); // -2
        put16(f16, 4, 0x7bff); // 65504, the largest half
        put16(f16, 6, 0x0001); // 2^-24, the smallest subnormal
        QCOMPARE(decode(GgmlType::F16, f16, 4), (std::vector<float>{1.0f, -2.0f, 65504.0f, 0x1p-24f}));

        Bytes bf16(4);
        put16(bf16, 0, 0x3f80); // 1
        put16(bf16, 2, 0xc040); // -3
        QCOMPARE(decode(GgmlType::BF16, bf16, 2), (std::vector<float>{1.0f, -3.0f}));

        const float values[] = {1.5f, -0.25f};
        Bytes f32(sizeof(values));
        std::memcpy(f32.data(), values, sizeof(values));
        QCOMPARE(decode(GgmlType::F32, f32, 2), (std::vector<float>{1.5f, -0.25f}));
    }

    void q4_0Decodes()
    {
        Bytes block(18);
        put16(block, 0, 0x3800); // d = 0.5
        for (int j = 0; j < 16; ++j) {
            block[2 + j] = uint8_t(j | ((15 - j) << 4));
        }
        const auto y = decode(GgmlType::Q4_0, block, 32);
        for (int j = 0; j < 16; ++j) {
            QCOMPARE(y[j], float(j - 8) * 0.5f); // low nibble: element j
            QCOMPARE(y[j + 16], float(7 - j) * 0.5f); // high nibble: element j + 16
        }
        QCOMPARE(y[0], -4.0f);
        QCOMPARE(y[31], -4.0f);
    }

    void q8_0Decodes()
    {
        Bytes block(34);
        put16(block, 0, 0xbc00); // d = -1
        for (int j = 0; j < 32; ++j) {
            block[2 + j] = uint8_t(int8_t(4 * j - 64));
        }
        const auto y = decode(GgmlType::Q8_0, block, 32);
        for (int j = 0; j < 32; ++j) {
            QCOMPARE(y[j], float(64 - 4 * j));
        }
    }

    void q8_KDecodes()
    {
        Bytes block(292);
        const float d = 0.25f;
        std::memcpy(block.data(), &d, 4);
        for (int j = 0; j < 256; ++j) {
            block[4 + j] = uint8_t(j); // int8 j - 256 for j >= 128
        }
        const auto y = decode(GgmlType::Q8_K, block, 256);
        QCOMPARE(y[1], 0.25f);
        QCOMPARE(y[127], 31.75f);
        QCOMPARE(y[128], -32.0f);
        QCOMPARE(y[255], -0.25f);
    }

    void q4_KDecodes()
    {
        Bytes block(144);
        put16(block, 0, 0x3c00); // d = 1
        put16(block, 2, 0x3800); // dmin = 0.5
        std::memcpy(block.data() + 4, kPackedScales, 12);
        for (int b = 0; b < 128; ++b) {
            block[16 + b] = uint8_t((b % 16) | ((15 - b % 16) << 4));
        }
        const auto y = decode(GgmlType::Q4_K, block, 256);
        for (int e = 0; e < 256; ++e) {
            // Byte 32 * (e / 64) + e % 32; the low nibble for the first 32 of each 64.
            const int l = e % 32;
            const int q = (e % 64) < 32 ? l % 16 : 15 - l % 16;
            const int sub = e / 32;
            QCOMPARE(y[e], float(kScale[sub] * q) - 0.5f * float(kMin[sub]));
        }
        QCOMPARE(y[0], 0.0f); // 1 * 0 - 0.5 * 0
        QCOMPARE(y[33], 2.0f * 14 - 2.5f); // sub-block 1, high nibble of byte 1 = 15 - 1
        QCOMPARE(y[255], 63.0f * 0 - 31.5f); // sub-block 7, high nibble of byte 127 = 15 - 15
    }

    void q5_KDecodes()
    {
        Bytes block(176);
        put16(block, 0, 0x3c00); // d = 1
        put16(block, 2, 0x3800); // dmin = 0.5
        std::memcpy(block.data() + 4, kPackedScales, 12);
        for (int l = 0; l < 32; ++l) {
            block[16 + l] = uint8_t(l * 37); // qh
        }
        for (int b = 0; b < 128; ++b) {
            block[48 + b] = uint8_t((b % 16) | ((15 - b % 16) << 4));
        }
        const auto y = decode(GgmlType::Q5_K, block, 256);
        for (int e = 0; e < 256; ++e) {
            const int l = e % 32;
            const int sub = e / 32;
            const int low = (e % 64) < 32 ? l % 16 : 15 - l % 16;
            const int high = (uint8_t(l * 37) >> sub) & 1; // bit `sub` of qh[e % 32]
            QCOMPARE(y[e], float(kScale[sub] * (low + 16 * high)) - 0.5f * float(kMin[sub]));
        }
        // Element 33: qh[1] = 37 = 0b100101, bit 1 is 0; low = 15 - 1.
        QCOMPARE(y[33], 2.0f * 14 - 2.5f);
        // Element 69: sub-block 2, qh[5] = 185 = 0b10111001, bit 2 is 0; byte 37 low nibble = 5.
        QCOMPARE(y[69], 3.0f * 5 - 5.0f);
        // Element 101: sub-block 3, qh[5] bit 3 is 1; byte 37 high nibble = 10: q = 26.
        QCOMPARE(y[101], 4.0f * 26 - 7.5f);
    }

    void q6_KDecodes()
    {
        Bytes block(210);
        for (int b = 0; b < 128; ++b) {
            block[b] = uint8_t(b * 29 + 3); // ql
        }
        for (int b = 0; b < 64; ++b) {
            block[128 + b] = uint8_t(b * 53 + 7); // qh
        }
        for (int s = 0; s < 16; ++s) {
            block[192 + s] = uint8_t(int8_t(s * 17 - 128)); // scales -128 .. 127
        }
        put16(block, 208, 0x3400); // d = 0.25
        const auto y = decode(GgmlType::Q6_K, block, 256);
        for (int e = 0; e < 256; ++e) {
            // Per half of 128: element l + 32 j takes ql[l + 32 (j & 1)] (high nibble for j >= 2) and bits
            // 2j, 2j + 1 of qh[l].
            const int half = e / 128;
            const int j = (e % 128) / 32;
            const int l = e % 32;
            const uint8_t ql = uint8_t((64 * half + l + 32 * (j & 1)) * 29 + 3);
            const uint8_t qh = uint8_t((32 * half + l) * 53 + 7);
            const int low = j >= 2 ? ql >> 4 : ql & 0xf;
            const int q = (low | (((qh >> (2 * j)) & 3) << 4)) - 32;
            QCOMPARE(y[e], 0.25f * float((e / 16) * 17 - 128) * float(q));
        }
        // Element 0: ql[0] = 3, qh[0] = 7 (bits 0-1 = 3): q = 3 + 48 - 32 = 19, scale -128.
        QCOMPARE(y[0], 0.25f * -128 * 19);
        // Element 200: half 1, j = 2, l = 8: ql[72] = 0x2b (high nibble 2), qh[40] = 0x4f (bits 4-5 = 0):
        // q = 2 - 32 = -30, scale index 12 -> 76.
        QCOMPARE(y[200], 0.25f * 76 * -30);
    }

    void traitsMatchLayouts_data()
    {
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<GgmlType>("vecDotType");
        QTest::newRow("F32") << GgmlType::F32 << GgmlType::F32;
        QTest::newRow("F16") << GgmlType::F16 << GgmlType::F16;
        QTest::newRow("BF16") << GgmlType::BF16 << GgmlType::BF16;
        QTest::newRow("Q4_0") << GgmlType::Q4_0 << GgmlType::Q8_0;
        QTest::newRow("Q8_0") << GgmlType::Q8_0 << GgmlType::Q8_0;
        QTest::newRow("Q8_K") << GgmlType::Q8_K << GgmlType::Q8_K;
        QTest::newRow("Q4_K") << GgmlType::Q4_K << GgmlType::Q8_K;
        QTest::newRow("Q5_K") << GgmlType::Q5_K << GgmlType::Q8_K;
        QTest::newRow("Q6_K") << GgmlType::Q6_K << GgmlType::Q8_K;
    }

    void traitsMatchLayouts()
    {
        QFETCH(GgmlType, type);
        QFETCH(GgmlType, vecDotType);
        const TypeTraits *traits = typeTraits(type);
        QVERIFY(traits);
        const GgmlTypeLayout layout = ggmlTypeLayout(type);
        QCOMPARE(traits->type, type);
        QCOMPARE(traits->name, layout.name);
        QCOMPARE(traits->blockSize, layout.blockSize);
        QCOMPARE(traits->blockBytes, layout.blockBytes);
        QVERIFY(traits->toFloat && traits->fromFloat && traits->vecDot);
        QCOMPARE(traits->vecDotType, vecDotType);
        const TypeTraits *dotTraits = typeTraits(vecDotType);
        QVERIFY(dotTraits && dotTraits->fromFloat);
        QCOMPARE(dotTraits->blockSize, traits->blockSize);
        const bool hasWeighted = type == GgmlType::Q4_0 || type == GgmlType::Q4_K || type == GgmlType::Q5_K
            || type == GgmlType::Q6_K;
        QCOMPARE(traits->fromFloatWeighted != nullptr, hasWeighted);
    }

    void unsupportedTypesHaveNoTraits()
    {
        for (const GgmlType type : {GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::IQ2_XXS,
                                    GgmlType::I32, GgmlType::F64, GgmlType::TQ2_0}) {
            QVERIFY2(typeTraits(type) == nullptr, ggmlTypeName(type).data());
        }
    }

    void rowBytesCountsBlocks_data()
    {
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<quint64>("n");
        QTest::addColumn<quint64>("bytes");
        QTest::newRow("F32 3") << GgmlType::F32 << quint64(3) << quint64(12);
        QTest::newRow("BF16 5") << GgmlType::BF16 << quint64(5) << quint64(10);
        QTest::newRow("Q4_0 64") << GgmlType::Q4_0 << quint64(64) << quint64(36);
        QTest::newRow("Q8_0 4096") << GgmlType::Q8_0 << quint64(4096) << quint64(128 * 34);
        QTest::newRow("Q4_K 512") << GgmlType::Q4_K << quint64(512) << quint64(288);
        QTest::newRow("Q5_K 256") << GgmlType::Q5_K << quint64(256) << quint64(176);
        QTest::newRow("Q6_K 768") << GgmlType::Q6_K << quint64(768) << quint64(630);
        QTest::newRow("Q8_K 256") << GgmlType::Q8_K << quint64(256) << quint64(292);
        QTest::newRow("IQ2_XXS 256, layout only") << GgmlType::IQ2_XXS << quint64(256) << quint64(66);
        QTest::newRow("zero elements") << GgmlType::Q4_K << quint64(0) << quint64(0);
    }

    void rowBytesCountsBlocks()
    {
        QFETCH(GgmlType, type);
        QFETCH(quint64, n);
        QFETCH(quint64, bytes);
        QCOMPARE(rowBytes(type, n), bytes);
    }

    void rowBytesRejectsPartialBlocks_data()
    {
        QTest::addColumn<GgmlType>("type");
        QTest::addColumn<quint64>("n");
        QTest::addColumn<QString>("message");
        QTest::newRow("Q4_K 100") << GgmlType::Q4_K << quint64(100)
                                  << QStringLiteral("Q4_K: 100 elements are not a multiple of the block size 256");
        QTest::newRow("Q8_0 33") << GgmlType::Q8_0 << quint64(33)
                                 << QStringLiteral("Q8_0: 33 elements are not a multiple of the block size 32");
        // 2^64 - 32 elements: a whole number of blocks whose byte count does not fit in 64 bits.
        QTest::newRow("Q8_0 overflow") << GgmlType::Q8_0 << quint64(std::numeric_limits<uint64_t>::max() - 31)
                                       << QStringLiteral("Q8_0: the size of 18446744073709551584 elements overflows");
    }

    void rowBytesRejectsPartialBlocks()
    {
        QFETCH(GgmlType, type);
        QFETCH(quint64, n);
        QFETCH(QString, message);
        try {
            rowBytes(type, n);
            QFAIL("no error");
        } catch (const Error &e) {
            QCOMPARE(QString::fromUtf8(e.what()), message);
        }
    }
};

QTEST_GUILESS_MAIN(QuantLayoutTest)
#include "QuantLayoutTest.moc"
