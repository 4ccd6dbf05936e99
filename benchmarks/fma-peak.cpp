// SPDX-License-Identifier: GPL-3.0-or-later
// The float multiply-add peak of this x86-64 machine, to set prefill speed against (RESULTS.md): 12 independent
// FMA chains of 512-bit and of 256-bit vectors per thread, on 1 and 2 threads, and the clock from a chain of
// dependent integer adds (one per cycle). Build and run:
//   g++ -O2 -std=c++20 -pthread benchmarks/fma-peak.cpp -o build/fma-peak && build/fma-peak
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace
{
constexpr long kLoops = 100'000'000;

// One asm block per measurement: 12 instructions a loop, nothing the compiler can move or drop.
#define TWELVE(insn) insn insn insn insn insn insn insn insn insn insn insn insn
#define FMA(reg, acc) "vfmadd231ps %%" reg "0, %%" reg "1, %%" reg #acc "\n"
#define FMA_LOOP(name, reg)                                                                                                          \
    void name()                                                                                                                      \
    {                                                                                                                                \
        for (long i = 0; i < kLoops; ++i) {                                                                                          \
            asm volatile(FMA(reg, 2) FMA(reg, 3) FMA(reg, 4) FMA(reg, 5) FMA(reg, 6) FMA(reg, 7) FMA(reg, 8) FMA(reg, 9) FMA(reg, 10) \
                             FMA(reg, 11) FMA(reg, 12) FMA(reg, 13) ::                                                              \
                                 : "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13"); \
        }                                                                                                                            \
    }

FMA_LOOP(zmmFma, "zmm")
FMA_LOOP(ymmFma, "ymm")

void dependentAdds()
{
    for (long i = 0; i < kLoops; ++i) {
        asm volatile(TWELVE("add $1, %%rax\n") ::: "rax");
    }
}

// Billions of instructions a second over all threads, the median of 5 rounds.
double rate(void (*body)(), unsigned threads)
{
    std::vector<double> rounds;
    for (int round = 0; round < 5; ++round) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::jthread> workers;
        for (unsigned t = 0; t < threads; ++t) {
            workers.emplace_back(body);
        }
        workers.clear();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        rounds.push_back(12.0 * kLoops * threads / seconds / 1e9);
    }
    std::sort(rounds.begin(), rounds.end());
    return rounds[rounds.size() / 2];
}
}

int main()
{
    for (const unsigned threads : {1u, 2u}) {
        const double clock = rate(dependentAdds, threads) / threads;
        const double zmm = rate(zmmFma, threads);
        const double ymm = rate(ymmFma, threads);
        std::printf("%u thread(s): clock %.2f GHz | 512-bit FMA %.2f G/s (%.2f a cycle per thread) | 256-bit FMA %.2f G/s (%.2f) | "
                    "peak %.0f GFLOP/s\n",
                    threads, clock, zmm, zmm / threads / clock, ymm, ymm / threads / clock, std::max(32 * zmm, 16 * ymm));
    }
}
