// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth
{

// A fixed set of worker threads that split loops with the calling thread. One parallelFor() at a time:
// it is meant to be owned by one inference context, not shared between threads.
// A token's evaluation runs hundreds of short loops back to back, so the hand-over must take microseconds:
// idle workers and the waiting caller spin for a short while before they sleep (on a futex, through
// std::atomic::wait), and a sleeping pool costs no CPU.
class ThreadPool
{
public:
    // `threads` counts the caller too (1: no workers, everything runs inline); 0 means one per hardware thread.
    explicit ThreadPool(unsigned threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool &) = delete;
    ThreadPool &operator=(const ThreadPool &) = delete;

    unsigned size() const
    {
        return unsigned(m_workers.size()) + 1;
    }

    // Calls fn(begin, end) on disjoint, contiguous ranges covering [0, n) and returns when all are done.
    // grain 0: about one range per thread; otherwise ranges of at most `grain` elements. Each thread works
    // through a contiguous share of [0, n) front to back, so that each streams its own part of memory: when
    // two cores take turns at neighbouring ranges, each one's hardware prefetcher fetches what the other
    // will read, and a matrix-vector product runs no faster on two threads than on one. A thread that has
    // finished its share takes the back half of what is left of another's, so a thread the OS has not
    // scheduled holds nobody up. The first exception thrown by any range is rethrown here.
    void parallelFor(size_t n, const std::function<void(size_t, size_t)> &fn, size_t grain = 0);

private:
    void workerLoop(unsigned index);
    // Runs ranges of the job of generation `generation` as thread `index` until none is left to take.
    void work(unsigned index, uint64_t generation) noexcept;
    // Takes the next range of thread `index`'s own share; false when its share is empty.
    bool takeFront(unsigned index, uint64_t generation, uint64_t &chunk);
    // Moves the back half of thread `victim`'s share into thread `index`'s (which is empty).
    bool stealHalf(unsigned victim, unsigned index, uint64_t generation);
    void run(uint64_t chunk) noexcept;

    // The ranges of one thread's share still to be taken, with the job's generation (20 bits), the first
    // (22 bits) and the end (22 bits) in one word: a thread waking late for a finished job cannot take a range
    // of the next one.
    struct alignas(64) Share {
        std::atomic<uint64_t> word = 0;
    };

    std::vector<std::thread> m_workers;
    std::unique_ptr<Share[]> m_shares; // one per thread, the caller's first
    // The job: fn, n and the range size are written before m_generation announces it and stay put until its
    // last range is done; a thread reads them only while it holds a range.
    const std::function<void(size_t, size_t)> *m_fn = nullptr;
    size_t m_n = 0;
    size_t m_chunkSize = 0;
    size_t m_chunks = 0;
    std::atomic<bool> m_stop = false; // read by workers woken for an earlier job, too
    uint64_t m_jobs = 0;
    std::atomic<uint64_t> m_generation = 0;
    std::atomic<uint32_t> m_wake = 0; // bumped for every job; idle workers wait on it
    alignas(64) std::atomic<size_t> m_done = 0; // ranges finished in the current job
    std::mutex m_errorMutex;
    std::exception_ptr m_error;
};

} // namespace hearth
