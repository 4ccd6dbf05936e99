// SPDX-License-Identifier: GPL-3.0-or-later
// RegionWriter: writes in any order and from several threads reach the sink as whole aligned regions, byte for byte.
#include "util/Error.h"
#include "util/RegionWriter.h"

#include <QTest>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

using namespace hearth;

namespace
{
struct Call {
    uint64_t offset;
    std::vector<uint8_t> bytes;
    const uint8_t *source; // where the sink was handed the bytes from
};

// Records what the sink is handed, from any thread.
class Recorder
{
public:
    RegionWriter::Sink sink()
    {
        return [this](uint64_t offset, std::span<const uint8_t> bytes) {
            const std::lock_guard lock(m_mutex);
            m_calls.push_back({offset, std::vector<uint8_t>(bytes.begin(), bytes.end()), bytes.data()});
        };
    }
    std::vector<Call> calls() const
    {
        std::vector<Call> sorted = m_calls;
        std::sort(sorted.begin(), sorted.end(), [](const Call &a, const Call &b) {
            return a.offset < b.offset;
        });
        return sorted;
    }

private:
    std::mutex m_mutex;
    std::vector<Call> m_calls;
};

std::vector<uint8_t> pattern(size_t size)
{
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i) {
        bytes[i] = uint8_t(i * 13 + i / 256 + 1); // never 0, so a gap filled with zeros is noticed
    }
    return bytes;
}
}

class RegionWriterTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wholeRegionsFromShuffledPieces_data()
    {
        QTest::addColumn<int>("regionBytes");
        QTest::addColumn<int>("fileBytes");
        QTest::addColumn<int>("maxPiece");
        QTest::addColumn<int>("threads");
        QTest::newRow("inside one region") << 64 << 50 << 7 << 1;
        QTest::newRow("exactly one region") << 64 << 64 << 5 << 2;
        QTest::newRow("many regions, 4 threads") << 64 << 64 * 37 + 13 << 11 << 4;
        QTest::newRow("pieces longer than a region") << 64 << 1000 << 200 << 2;
        QTest::newRow("exact multiple, 3 threads") << 4096 << 4096 * 8 << 1000 << 3;
        QTest::newRow("quantizer-like: 2 MiB regions, 34 KiB pieces") << int(RegionWriter::kHugePageBytes) << (9 << 20) + 4321 << 34816 << 2;
    }

    // The file is cut into pieces of random length, shuffled and written from several threads at once. The sink
    // must see every region once, whole and aligned (the last one up to the file's end), and the bytes must be
    // the file's.
    void wholeRegionsFromShuffledPieces()
    {
        QFETCH(int, regionBytes);
        QFETCH(int, fileBytes);
        QFETCH(int, maxPiece);
        QFETCH(int, threads);
        const std::vector<uint8_t> file = pattern(size_t(fileBytes));
        std::mt19937 rng(7);
        std::vector<std::pair<size_t, size_t>> pieces; // offset, length
        for (size_t at = 0; at < file.size();) {
            const size_t length = std::min(file.size() - at, size_t(std::uniform_int_distribution<int>(1, maxPiece)(rng)));
            pieces.emplace_back(at, length);
            at += length;
        }
        std::shuffle(pieces.begin(), pieces.end(), rng);

        Recorder recorder;
        RegionWriter writer(recorder.sink(), size_t(regionBytes));
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (size_t i = size_t(t); i < pieces.size(); i += size_t(threads)) {
                    writer.write(pieces[i].first, std::span(file).subspan(pieces[i].first, pieces[i].second));
                }
            });
        }
        for (std::thread &w : workers) {
            w.join();
        }
        const bool lastIsPartial = fileBytes % regionBytes != 0;
        QCOMPARE(writer.pendingRegions(), size_t(lastIsPartial ? 1 : 0));
        writer.flush();
        QCOMPARE(writer.pendingRegions(), size_t(0));

        const std::vector<Call> calls = recorder.calls();
        QCOMPARE(calls.size(), size_t((fileBytes + regionBytes - 1) / regionBytes));
        std::vector<uint8_t> assembled;
        for (size_t i = 0; i < calls.size(); ++i) {
            QCOMPARE(calls[i].offset, uint64_t(i) * uint64_t(regionBytes));
            const bool last = i + 1 == calls.size();
            QCOMPARE(calls[i].bytes.size(), size_t(last && lastIsPartial ? fileBytes % regionBytes : regionBytes));
            assembled.insert(assembled.end(), calls[i].bytes.begin(), calls[i].bytes.end());
        }
        QVERIFY(assembled == file);
    }

    // A write covering whole regions hands them over from the caller's memory, without a copy.
    void wholeRegionsAreNotCopied()
    {
        const std::vector<uint8_t> file = pattern(64 * 3 + 10);
        Recorder recorder;
        RegionWriter writer(recorder.sink(), 64);
        writer.write(0, std::span(file).first(64 * 3 + 5));
        writer.write(64 * 3 + 5, std::span(file).subspan(64 * 3 + 5));
        writer.flush();
        const std::vector<Call> calls = recorder.calls();
        QCOMPARE(calls.size(), size_t(4));
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(calls[i].source, file.data() + i * 64);
        }
        QVERIFY(calls[3].source != file.data() + 3 * 64); // assembled from two writes
        QVERIFY(std::equal(calls[3].bytes.begin(), calls[3].bytes.end(), file.begin() + 64 * 3));
    }

    // flush() hands over an incomplete region up to its highest byte written, with zeros where nothing was.
    void flushFillsGapsWithZeros()
    {
        const std::vector<uint8_t> file = pattern(30);
        Recorder recorder;
        RegionWriter writer(recorder.sink(), 64);
        writer.write(20, std::span(file).subspan(20));
        writer.write(0, std::span(file).first(10));
        QVERIFY(recorder.calls().empty());
        writer.flush();
        const std::vector<Call> calls = recorder.calls();
        QCOMPARE(calls.size(), size_t(1));
        std::vector<uint8_t> expected(file.begin(), file.begin() + 10); // then ten zeros, then the second write
        expected.resize(20, 0);
        expected.insert(expected.end(), file.begin() + 20, file.end());
        QVERIFY(calls[0].bytes == expected);
    }

    // The sink's failure reaches the caller whose bytes completed the region.
    void sinkErrorReachesTheWriter()
    {
        RegionWriter writer([](uint64_t offset, std::span<const uint8_t>) {
            throw Error("model.gguf: cannot write at " + std::to_string(offset) + " (No space left on device)");
        }, 64);
        const std::vector<uint8_t> file = pattern(128);
        writer.write(64, std::span(file).subspan(64, 32)); // incomplete: nothing handed over yet
        try {
            writer.write(96, std::span(file).subspan(96));
            QFAIL("no error");
        } catch (const Error &e) {
            QCOMPARE(e.what(), "model.gguf: cannot write at 64 (No space left on device)");
        }
        QVERIFY_THROWS_EXCEPTION(Error, writer.write(0, std::span(file).first(64)));
    }
};

QTEST_GUILESS_MAIN(RegionWriterTest)
#include "RegionWriterTest.moc"
