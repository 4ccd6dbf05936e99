// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/ThreadPool.h"

#include <algorithm>
#include <utility>

namespace hearth
{

ThreadPool::ThreadPool(unsigned threads)
{
    if (threads == 0) {
        threads = std::max(1u, std::thread::hardware_concurrency());
    }
    m_workers.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i) {
        m_workers.emplace_back([this, i] {
            workerLoop(i);
        });
    }
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (auto &worker : m_workers) {
        worker.join();
    }
}

void ThreadPool::runChunk(unsigned index) noexcept
{
    // Even split; chunk `index` of m_chunks. Small n leaves some threads without work.
    const size_t begin = m_n * index / m_chunks;
    const size_t end = m_n * (index + 1) / m_chunks;
    if (begin == end) {
        return;
    }
    try {
        (*m_fn)(begin, end);
    } catch (...) {
        std::lock_guard lock(m_mutex);
        if (!m_error) {
            m_error = std::current_exception();
        }
    }
}

void ThreadPool::workerLoop(unsigned index)
{
    unsigned long seen = 0;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] {
                return m_stop || m_generation != seen;
            });
            if (m_stop) {
                return;
            }
            seen = m_generation;
        }
        runChunk(index);
        {
            std::lock_guard lock(m_mutex);
            if (--m_pending == 0) {
                m_done.notify_one();
            }
        }
    }
}

void ThreadPool::parallelFor(size_t n, const std::function<void(size_t, size_t)> &fn)
{
    if (n == 0) {
        return;
    }
    if (m_workers.empty() || n == 1) {
        fn(0, n);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_fn = &fn;
        m_n = n;
        m_chunks = size();
        m_pending = unsigned(m_workers.size());
        m_error = nullptr;
        ++m_generation;
    }
    m_wake.notify_all();
    runChunk(0);
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [&] {
        return m_pending == 0;
    });
    m_fn = nullptr;
    if (m_error) {
        std::rethrow_exception(std::exchange(m_error, nullptr));
    }
}

} // namespace hearth
