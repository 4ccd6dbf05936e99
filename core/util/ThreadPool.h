// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth
{

// A fixed set of worker threads that split loops with the calling thread. One parallelFor() at a time:
// it is meant to be owned by one inference context, not shared between threads.
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
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    // The job being run, published under m_mutex with a new generation number.
    const std::function<void(size_t, size_t)> *m_fn = nullptr;
    size_t m_n = 0;
    unsigned m_chunks = 0;
    unsigned long m_generation = 0;
    unsigned m_pending = 0;
    std::exception_ptr m_error;
    bool m_stop = false;
};

} // namespace hearth
