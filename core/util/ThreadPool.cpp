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

constexpr int kIndexBits = 22;
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
constexpr uint64_t kGenerationMask = (uint64_t(1) << (64 - 2 * kIndexBits)) - 1;

uint64_t pack(uint64_t generation, uint64_t front, uint64_t back)
{
    return (generation << (2 * kIndexBits)) | (front << kIndexBits) | back;
}
uint64_t generationOf(uint64_t word)
{
    return word >> (2 * kIndexBits);
}
uint64_t frontOf(uint64_t word)
{
    return (word >> kIndexBits) & kIndexMask;
}
uint64_t backOf(uint64_t word)
{
    return word & kIndexMask;
}
}

ThreadPool::ThreadPool(unsigned threads)
{
    if (threads == 0) {
        threads = std::max(1u, std::thread::hardware_concurrency());
    }
    m_shares = std::make_unique<Share[]>(threads);
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
    m_wake.fetch_add(1, std::memory_order_release);
    m_wake.notify_all();
    for (auto &worker : m_workers) {
        worker.join();
    }
}

bool ThreadPool::takeFront(unsigned index, uint64_t generation, uint64_t &chunk)
{
    std::atomic<uint64_t> &share = m_shares[index].word;
    uint64_t w = share.load(std::memory_order_acquire);
    do {
        if (generationOf(w) != generation || frontOf(w) >= backOf(w)) {
            return false;
        }
    } while (!share.compare_exchange_weak(w, w + (uint64_t(1) << kIndexBits), std::memory_order_acq_rel, std::memory_order_acquire));
    chunk = frontOf(w);
    return true;
}

bool ThreadPool::stealHalf(unsigned victim, unsigned index, uint64_t generation)
{
    std::atomic<uint64_t> &share = m_shares[victim].word;
    uint64_t w = share.load(std::memory_order_acquire);
    uint64_t split;
    do {
        if (generationOf(w) != generation || frontOf(w) >= backOf(w)) {
            return false;
        }
        split = backOf(w) - (backOf(w) - frontOf(w) + 1) / 2;
    } while (!share.compare_exchange_weak(w, pack(generation, frontOf(w), split), std::memory_order_acq_rel, std::memory_order_acquire));
    // Only this thread writes its own empty share; others change a share only while it holds ranges.
    m_shares[index].word.store(pack(generation, split, backOf(w)), std::memory_order_release);
    return true;
}

void ThreadPool::run(uint64_t chunk) noexcept
{
    // Holding a range: the job cannot end, so its fields stay valid until the range is counted as done.
    const size_t chunks = m_chunks;
    const size_t begin = size_t(chunk) * m_chunkSize;
    const size_t end = std::min(m_n, begin + m_chunkSize);
    try {
        (*m_fn)(begin, end);
    } catch (...) {
        std::lock_guard lock(m_errorMutex);
        if (!m_error) {
            m_error = std::current_exception();
        }
    }
    if (m_done.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        m_done.notify_one();
    }
}

void ThreadPool::work(unsigned index, uint64_t generation) noexcept
{
    const unsigned threads = size();
    for (;;) {
        uint64_t chunk;
        if (takeFront(index, generation, chunk)) {
            run(chunk);
            continue;
        }
        bool stole = false;
        for (unsigned i = 1; i < threads && !stole; ++i) {
            stole = stealHalf((index + i) % threads, index, generation);
        }
        if (!stole) {
            return;
        }
    }
}

void ThreadPool::workerLoop(unsigned index)
{
    uint32_t seen = 0;
    for (;;) {
        seen = waitForChange(m_wake, seen);
        if (m_stop) {
            return;
        }
        work(index, m_generation.load(std::memory_order_acquire));
    }
}

void ThreadPool::parallelFor(size_t n, const std::function<void(size_t, size_t)> &fn, size_t grain)
{
    if (n == 0) {
        return;
    }
    const size_t chunkSize = std::max<size_t>(1, grain ? grain : (n + size() - 1) / size());
    // Few ranges are cheaper than many: the range count must fit its 22 bits.
    const size_t size = std::max(chunkSize, (n + kIndexMask - 1) / kIndexMask);
    const size_t chunks = (n + size - 1) / size;
    if (m_workers.empty() || chunks == 1) {
        fn(0, n);
        return;
    }
    m_fn = &fn;
    m_n = n;
    m_chunkSize = size;
    m_chunks = chunks;
    m_error = nullptr;
    m_done.store(0, std::memory_order_relaxed);
    const uint64_t generation = ++m_jobs & kGenerationMask;
    const unsigned threads = this->size();
    for (unsigned i = 0; i < threads; ++i) {
        m_shares[i].word.store(pack(generation, chunks * i / threads, chunks * (i + 1) / threads), std::memory_order_relaxed);
    }
    m_generation.store(generation, std::memory_order_release);
    m_wake.fetch_add(1, std::memory_order_release);
    m_wake.notify_all();
    work(0, generation);
    for (size_t done = m_done.load(std::memory_order_acquire); done != chunks;) {
        done = waitForChange(m_done, done);
    }
    m_fn = nullptr;
    if (m_error) {
        std::rethrow_exception(std::exchange(m_error, nullptr));
    }
}

} // namespace hearth
