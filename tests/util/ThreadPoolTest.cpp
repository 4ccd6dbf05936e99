// SPDX-License-Identifier: GPL-3.0-or-later
// ThreadPool: every index is visited exactly once, on several threads, and errors come back to the caller.
#include "util/ThreadPool.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
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
