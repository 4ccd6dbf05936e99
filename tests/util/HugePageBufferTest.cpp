// SPDX-License-Identifier: GPL-3.0-or-later
// HugePageBuffer: zeroed, 2 MiB-aligned, usable over its whole size, moved without copying or leaking.
#include "util/HugePageBuffer.h"
#include "util/RegionWriter.h"

#include <QTest>

#include <algorithm>
#include <utility>

using namespace hearth;

class HugePageBufferTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void zeroedAlignedAndWritable_data()
    {
        QTest::addColumn<size_t>("bytes");
        QTest::newRow("one byte") << size_t(1);
        QTest::newRow("a huge page") << RegionWriter::kHugePageBytes;
        QTest::newRow("two and a bit") << 2 * RegionWriter::kHugePageBytes + 4097;
    }

    void zeroedAlignedAndWritable()
    {
        QFETCH(size_t, bytes);
        HugePageBuffer buffer(bytes);
        QCOMPARE(buffer.size(), bytes);
        QCOMPARE(reinterpret_cast<uintptr_t>(buffer.data()) % RegionWriter::kHugePageBytes, uintptr_t(0));
        QVERIFY(std::all_of(buffer.data(), buffer.data() + bytes, [](uint8_t b) {
            return b == 0;
        }));
        std::fill(buffer.data(), buffer.data() + bytes, uint8_t(0xa5)); // faults here if any of it is missing
        QCOMPARE(buffer.data()[bytes - 1], uint8_t(0xa5));
    }

    void moves()
    {
        HugePageBuffer a(100);
        a.data()[99] = 7;
        uint8_t *const memory = a.data();
        HugePageBuffer b(std::move(a));
        QCOMPARE(b.data(), memory);
        QCOMPARE(b.size(), size_t(100));
        QCOMPARE(a.data(), nullptr); // NOLINT(bugprone-use-after-move): moved-from is empty by contract
        QCOMPARE(a.size(), size_t(0));
        HugePageBuffer c(10);
        c = std::move(b); // c's own memory is released
        QCOMPARE(c.data(), memory);
        QCOMPARE(c.data()[99], uint8_t(7));
        QCOMPARE(HugePageBuffer(0).data(), nullptr);
    }
};

QTEST_GUILESS_MAIN(HugePageBufferTest)
#include "HugePageBufferTest.moc"
