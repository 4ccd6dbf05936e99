// SPDX-License-Identifier: GPL-3.0-or-later
// ThreadPool: every index is visited exactly once, on several threads, and errors come back to the caller.
#include "util/ThreadPool.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace hearth;

class ThreadPoolTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void coversEveryIndexOnce_data()
    {
        QTest::addColumn<unsigned>("threads");
        QTest::addColumn<size_t>("n");
        for (const unsigned threads : {1u, 2u, 3u, 8u}) {
            for (const size_t n : {size_t(0), size_t(1), size_t(2), size_t(7), size_t(1000)}) {
                QTest::addRow("%u threads, n=%zu", threads, n) << threads << n;
            }
        }
    }

    void coversEveryIndexOnce()
    {
        QFETCH(unsigned, threads);
        QFETCH(size_t, n);
        ThreadPool pool(threads);
        QCOMPARE(pool.size(), threads);
        // Reused many times: each round must see its own job, completely.
        for (int round = 0; round < 50; ++round) {
            std::vector<std::atomic<int>> hits(n);
            std::atomic<bool> badRange = false; // QVERIFY only works on the test's thread
            pool.parallelFor(n, [&](size_t begin, size_t end) {
                badRange = badRange || begin >= end || end > n;
                for (size_t i = begin; i < end; ++i) {
                    hits[i].fetch_add(1);
                }
            });
            QVERIFY(!badRange);
            for (size_t i = 0; i < n; ++i) {
                QCOMPARE(hits[i].load(), 1);
            }
        }
    }

    void grainBoundsTheRanges_data()
    {
        QTest::addColumn<size_t>("n");
        QTest::addColumn<size_t>("grain");
        QTest::newRow("exact") << size_t(64) << size_t(8);
        QTest::newRow("ragged") << size_t(1001) << size_t(32);
        QTest::newRow("grain above n") << size_t(5) << size_t(100);
    }

    void grainBoundsTheRanges()
    {
        QFETCH(size_t, n);
        QFETCH(size_t, grain);
        ThreadPool pool(3);
        for (int round = 0; round < 50; ++round) {
            std::vector<std::atomic<int>> hits(n);
            std::atomic<bool> tooLarge = false;
            pool.parallelFor(
                n,
                [&](size_t begin, size_t end) {
                    tooLarge = tooLarge || end - begin > grain;
                    for (size_t i = begin; i < end; ++i) {
                        hits[i].fetch_add(1);
                    }
                },
                grain);
            QVERIFY(!tooLarge);
            for (size_t i = 0; i < n; ++i) {
                QCOMPARE(hits[i].load(), 1);
            }
        }
    }

    void usesSeveralThreads()
    {
        ThreadPool pool(4);
        std::mutex mutex;
        std::set<std::thread::id> seen;
        pool.parallelFor(4, [&](size_t, size_t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            std::lock_guard lock(mutex);
            seen.insert(std::this_thread::get_id());
        });
        // Ranges go to whichever thread is free: on a loaded machine a worker may wake too late for its share,
        // but the three sleeping workers cannot hold all four ranges, so the caller always takes one.
        QVERIFY(seen.size() >= 2);
        QVERIFY(seen.count(std::this_thread::get_id()) == 1);
    }

    // Each thread works through contiguous ranges, front to back, and moves elsewhere only when it runs out: a
    // thread's next range starts where its last one ended, except after it took over part of another share. Each
    // such move takes half of what is left of a share, so with 2 threads there are at most about 2 log2(ranges);
    // ranges handed out in turn (what makes a matrix-vector product on two cores no faster than on one) give one
    // jump per range.
    void eachThreadStreamsItsShare_data()
    {
        QTest::addColumn<unsigned>("threads");
        QTest::newRow("2 threads") << 2u;
        QTest::newRow("3 threads") << 3u;
    }

    void eachThreadStreamsItsShare()
    {
        QFETCH(unsigned, threads);
        ThreadPool pool(threads);
        constexpr size_t n = 4096;
        constexpr int rounds = 20;
        int callerStartedAtZero = 0;
        for (int round = 0; round < rounds; ++round) {
            std::mutex mutex;
            std::vector<std::pair<std::thread::id, size_t>> starts; // in the order ranges were taken
            std::vector<size_t> ends(n + 1, 0);
            std::atomic<uint64_t> sink = 0;
            pool.parallelFor(
                n,
                [&](size_t begin, size_t end) {
                    {
                        std::lock_guard lock(mutex);
                        starts.emplace_back(std::this_thread::get_id(), begin);
                        ends[begin] = end;
                    }
                    uint64_t x = begin;
                    for (int i = 0; i < 2000; ++i) { // some work, so that every thread gets to take ranges
                        x = x * 6364136223846793005u + 1442695040888963407u;
                    }
                    sink += x;
                },
                1);
            std::map<std::thread::id, size_t> last; // where each thread's last range ended
            size_t jumps = 0;
            for (const auto &[thread, begin] : starts) {
                const auto it = last.find(thread);
                jumps += it != last.end() && it->second != begin;
                last[thread] = ends[begin];
            }
            const auto callerFirst = std::find_if(starts.begin(), starts.end(), [](const auto &start) {
                return start.first == std::this_thread::get_id();
            });
            QVERIFY(callerFirst != starts.end());
            callerStartedAtZero += callerFirst->second == 0;

            QVERIFY2(jumps <= threads * (2 * 12 + 2), qPrintable(QStringLiteral("%1 jumps between ranges").arg(jumps)));
        }
        // The caller's share is the front of the range, so it starts at range 0, except in a round where the OS kept
        // it off the CPU long enough for the others to take all its share (as they should: on a loaded machine).
        QVERIFY2(callerStartedAtZero > rounds / 2, qPrintable(QStringLiteral("the caller started at 0 in %1 of %2 rounds").arg(callerStartedAtZero).arg(rounds)));
    }

    void defaultIsHardwareThreads()
    {
        QCOMPARE(ThreadPool().size(), std::max(1u, std::thread::hardware_concurrency()));
    }

    void rethrowsErrors()
    {
        ThreadPool pool(3);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.parallelFor(9, [](size_t begin, size_t) {
            if (begin > 0) {
                throw std::runtime_error("worker failed");
            }
        }));
        // Still usable afterwards.
        std::atomic<size_t> total = 0;
        pool.parallelFor(9, [&](size_t begin, size_t end) {
            total += end - begin;
        });
        QCOMPARE(total.load(), size_t(9));
    }
};

QTEST_GUILESS_MAIN(ThreadPoolTest)
#include "ThreadPoolTest.moc"
