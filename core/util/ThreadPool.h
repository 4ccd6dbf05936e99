// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
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

    // Calls fn(begin, end) on disjoint, contiguous ranges covering [0, n), at most one per thread, and
    // returns when all are done. The first exception thrown by any range is rethrown here.
    void parallelFor(size_t n, const std::function<void(size_t, size_t)> &fn);

private:
    void workerLoop(unsigned index);
    void runChunk(unsigned index) noexcept;

    std::vector<std::thread> m_workers;
    // The job being run, published by a release increment of m_generation.
    const std::function<void(size_t, size_t)> *m_fn = nullptr;
    size_t m_n = 0;
    unsigned m_chunks = 0;
    bool m_stop = false;
    std::atomic<uint32_t> m_generation = 0;
    std::atomic<unsigned> m_pending = 0; // workers still running the current job
    std::mutex m_errorMutex;
    std::exception_ptr m_error;
};

} // namespace hearth
