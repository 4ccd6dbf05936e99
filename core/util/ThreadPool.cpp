// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace hearth
{

namespace
{
void cpuRelax()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// Long enough to bridge the gaps between the loops of one token (norms, RoPE: a few microseconds), short
// enough that a pool waiting for the user's next message sleeps.
constexpr auto spinTime = std::chrono::microseconds(200);

// Returns the value of `a` once it differs from `old`: spinning first, then sleeping in the kernel.
template<typename T>
T waitForChange(const std::atomic<T> &a, T old)
{
    const auto deadline = std::chrono::steady_clock::now() + spinTime;
    for (unsigned i = 1;; ++i) {
        const T value = a.load(std::memory_order_acquire);
        if (value != old) {
            return value;
        }
        cpuRelax();
        if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) {
            break;
        }
    }
    for (;;) {
        a.wait(old, std::memory_order_acquire);
        const T value = a.load(std::memory_order_acquire);
        if (value != old) {
            return value;
        }
    }
}
}

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
    m_stop = true;
    m_generation.fetch_add(1, std::memory_order_release);
    m_generation.notify_all();
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
        std::lock_guard lock(m_errorMutex);
        if (!m_error) {
            m_error = std::current_exception();
        }
    }
}

void ThreadPool::workerLoop(unsigned index)
{
    uint32_t seen = 0;
    for (;;) {
        seen = waitForChange(m_generation, seen);
        if (m_stop) {
            return;
        }
        runChunk(index);
        if (m_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            m_pending.notify_one();
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
    m_fn = &fn;
    m_n = n;
    m_chunks = size();
    m_error = nullptr;
    m_pending.store(unsigned(m_workers.size()), std::memory_order_relaxed);
    m_generation.fetch_add(1, std::memory_order_release);
    m_generation.notify_all();
    runChunk(0);
    for (unsigned pending = m_pending.load(std::memory_order_acquire); pending != 0;) {
        pending = waitForChange(m_pending, pending);
    }
    m_fn = nullptr;
    if (m_error) {
        std::rethrow_exception(std::exchange(m_error, nullptr));
    }
}

} // namespace hearth
