// SPDX-License-Identifier: GPL-3.0-or-later
// Where the host runs this machine's two vCPUs, and what that does to memory bandwidth (RESULTS.md): the round trip
// of a flag between threads pinned to CPUs 0 and 1, then the best read of 1 GiB (in huge pages where the kernel gives
// them) on one thread and on two. Run it a few times: each run prints one line. Build and run:
//   g++ -O3 -march=native -std=c++20 -pthread benchmarks/vcpu-placement.cpp -o build/vcpu-placement && build/vcpu-placement
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <thread>
#include <vector>

namespace
{
using Clock = std::chrono::steady_clock;

void pinTo(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

double roundTripSeconds()
{
    constexpr int rounds = 200000;
    std::atomic<int> flag{0};
    std::thread other([&] {
        pinTo(1);
        for (int i = 0; i < rounds; ++i) {
            while (flag.load(std::memory_order_acquire) != 2 * i + 1) {
            }
            flag.store(2 * i + 2, std::memory_order_release);
        }
    });
    pinTo(0);
    const auto start = Clock::now();
    for (int i = 0; i < rounds; ++i) {
        flag.store(2 * i + 1, std::memory_order_release);
        while (flag.load(std::memory_order_acquire) != 2 * i + 2) {
        }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    other.join();
    return seconds / rounds;
}

// Bytes a second, the best of 4 reads of the whole buffer split over `threads` threads pinned to CPUs 0, 1, ...
double readBandwidth(const uint64_t *words, size_t count, int threads)
{
    double best = 0;
    for (int round = 0; round < 4; ++round) {
        std::vector<uint64_t> sums(static_cast<size_t>(threads));
        std::vector<std::thread> workers;
        const auto start = Clock::now();
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                pinTo(t);
                uint64_t a = 0, b = 0, c = 0, d = 0;
                for (size_t i = count / threads * t; i < count / threads * (t + 1); i += 4) {
                    a += words[i];
                    b += words[i + 1];
                    c += words[i + 2];
                    d += words[i + 3];
                }
                sums[size_t(t)] = a + b + c + d;
            });
        }
        for (std::thread &w : workers) {
            w.join();
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (std::count(sums.begin(), sums.end(), 0) == threads) {
            std::puts("(read nothing)");
        }
        best = std::max(best, double(count * sizeof(uint64_t)) / seconds);
    }
    return best;
}
}

int main()
{
    const double roundTrip = roundTripSeconds();
    constexpr size_t bytes = size_t(1) << 30;
    void *memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        std::perror("mmap");
        return 1;
    }
    madvise(memory, bytes, MADV_HUGEPAGE);
    std::memset(memory, 1, bytes);
    const auto *words = static_cast<const uint64_t *>(memory);
    const size_t count = bytes / sizeof(uint64_t);
    std::printf("round trip between CPUs 0 and 1: %.0f ns | read: 1 thread %.1f GB/s, 2 threads %.1f GB/s\n", roundTrip * 1e9,
                readBandwidth(words, count, 1) / 1e9, readBandwidth(words, count, 2) / 1e9);
}
