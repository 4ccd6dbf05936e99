// SPDX-License-Identifier: GPL-3.0-or-later
// The aarch64 kernels (neon, neon-dotprod) against the scalar reference, run under qemu-user: KernelTest's
// checks with its inputs and tolerances (KernelTestData.h). A plain C++ program, not Qt Test, only because no
// Qt for aarch64 exists on the build machine; it prints one line per failure and exits non-zero on any.
//
// Usage: NeonKernelTest neon|neon-dotprod   (the best path this CPU must report: checks the detection too)
#include "../KernelTestData.h"
#include "cpu/CpuFeatures.h"
#include "quant/ReferenceKernels.h"
#include "quant/kernels/Kernels.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace hearth;
using namespace hearth::kerneltest;

namespace
{
int g_checks = 0;
int g_failures = 0;

void check(bool ok, const std::string &what)
{
    ++g_checks;
    if (!ok) {
        ++g_failures;
        std::printf("FAIL: %s\n", what.c_str());
    }
}

std::string name(cpu::Path path, GgmlType type)
{
    return std::string(cpu::pathName(path)) + " " + std::string(ggmlTypeName(type));
}

void vecDotMatchesReference(cpu::Path path)
{
    for (const GgmlType type : kDotTypes) {
        const TypeTraits *ref = typeTraits(type, cpu::Path::Scalar);
        const TypeTraits *fast = typeTraits(type, path);
        check(fast->vecDot != ref->vecDot, name(path, type) + ": the path has a vecDot of its own");
        for (const int64_t n : dotLengths(type)) {
            for (uint32_t seed = 1; seed <= 4; ++seed) {
                const DotCase c = dotCase(type, n, seed);
                const float expected = ref->vecDot(n, c.x.data(), c.y.data());
                const float actual = fast->vecDot(n, c.unalignedX(), c.y.data());
                check(dotWithinTolerance(*ref, c.x.data(), c.y.data(), n, actual, expected),
                      name(path, type) + " n=" + std::to_string(n) + " seed " + std::to_string(seed) + ": " + std::to_string(actual)
                          + " vs reference " + std::to_string(expected));
            }
        }
    }
}

void gemmMatchesVecDot(cpu::Path path)
{
    int tested = 0;
    for (const GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
        const TypeTraits *fast = typeTraits(type, path);
        if (!fast->gemm) {
            continue;
        }
        ++tested;
        const GemmCase c = gemmCase(type, *fast, *typeTraits(fast->vecDotType, path));
        for (size_t t = 0; t < GemmCase::tokens; ++t) {
            for (size_t r = 0; r < GemmCase::outStride; ++r) {
                const float actual = c.actual(r, t);
                const std::string where = name(path, type) + " gemm row " + std::to_string(r) + " token " + std::to_string(t);
                if (r >= GemmCase::rows) {
                    check(actual == -1.0f, where + ": written outside the rows");
                    continue;
                }
                const TypeTraits &ref = *typeTraits(type, cpu::Path::Scalar);
                check(c.matchesReference(ref, r, t),
                      where + ": " + std::to_string(actual) + " vs reference " + std::to_string(ref.vecDot(c.n, c.row(r), c.token(t))));
            }
        }
    }
    check(tested == 5, std::string(cpu::pathName(path)) + ": gemm for F16, Q8_0, Q4_K, Q5_K and Q6_K");
}

void quantizeRowMatchesFromFloat(cpu::Path path)
{
    for (const GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q8_K}) {
        const TypeTraits *ref = typeTraits(type, cpu::Path::Scalar);
        const TypeTraits *fast = typeTraits(type, path);
        check(fast->quantizeRow != ref->fromFloat, name(path, type) + ": the path has a quantizeRow of its own");
        const int64_t n = 4 * QK_K + (ref->blockSize == 1 ? 3 : 0);
        const std::vector<std::vector<float>> inputs{gaussian(size_t(n), 7), gaussian(size_t(n), 8, 1e-6f), withTies(size_t(n)),
                                                     std::vector<float>(size_t(n), 0.0f)};
        for (size_t k = 0; k < inputs.size(); ++k) {
            std::vector<uint8_t> expected(rowBytes(type, uint64_t(n)));
            std::vector<uint8_t> actual(expected.size(), 0xcd);
            ref->fromFloat(inputs[k].data(), expected.data(), n);
            fast->quantizeRow(inputs[k].data(), actual.data(), n);
            check(actual == expected, name(path, type) + " quantizeRow input " + std::to_string(k) + ": bytes differ from fromFloat");
        }
    }
}

void toFloatF16MatchesReference(cpu::Path path)
{
    // Every half bit pattern, NaN payloads, infinities and subnormals included.
    std::vector<uint16_t> all(65536 + 3);
    for (size_t i = 0; i < all.size(); ++i) {
        all[i] = uint16_t(i);
    }
    std::vector<float> expected(all.size());
    std::vector<float> actual(all.size());
    quant::toFloatF16(all.data(), expected.data(), int64_t(all.size()));
    typeTraits(GgmlType::F16, path)->toFloat(all.data(), actual.data(), int64_t(all.size()));
    int wrong = 0;
    for (size_t i = 0; i < all.size(); ++i) {
        // The hardware converter quiets signalling NaNs; any NaN is as good as another here.
        const bool ok = std::isnan(expected[i]) ? std::isnan(actual[i]) : std::memcmp(&expected[i], &actual[i], sizeof(float)) == 0;
        wrong += ok ? 0 : 1;
    }
    check(wrong == 0, std::string(cpu::pathName(path)) + " toFloat F16: " + std::to_string(wrong) + " bit patterns decoded wrongly");
}

void addScaledF16MatchesReference(cpu::Path path)
{
    const int64_t n = 67;
    const auto values = gaussian(size_t(n), 3);
    std::vector<uint16_t> x(static_cast<size_t>(n));
    quant::fromFloatF16(values.data(), x.data(), n);
    const auto start = gaussian(size_t(n), 4);
    auto expected = start;
    quant::vectorKernels(cpu::Path::Scalar)->addScaledF16(expected.data(), x.data(), 0.37f, n);
    auto actual = start;
    quant::vectorKernels(path)->addScaledF16(actual.data(), x.data(), 0.37f, n);
    check(quant::vectorKernels(path)->addScaledF16 != quant::vectorKernels(cpu::Path::Scalar)->addScaledF16,
          std::string(cpu::pathName(path)) + ": addScaledF16 of its own");
    for (size_t i = 0; i < size_t(n); ++i) {
        check(fmaWithinTolerance(actual[i], expected[i]), std::string(cpu::pathName(path)) + " addScaledF16 element " + std::to_string(i));
    }
}

void swigluMatchesDefinition(cpu::Path path)
{
    const auto swiglu = quant::vectorKernels(path)->swiglu;
    check(swiglu != quant::vectorKernels(cpu::Path::Scalar)->swiglu, std::string(cpu::pathName(path)) + ": swiglu of its own");
    const SwigluCase c = swigluCase();
    std::vector<float> gate = c.gate;
    swiglu(gate.data(), c.up.data(), int64_t(gate.size()));
    for (size_t i = 0; i < gate.size(); ++i) {
        check(swigluWithinTolerance(gate[i], c.expected[i]), std::string(cpu::pathName(path)) + " swiglu element " + std::to_string(i) + ": "
                                                                    + std::to_string(gate[i]) + " vs " + std::to_string(c.expected[i]));
    }
}

void attendF16MatchesDefinition(cpu::Path path)
{
    const auto attend = quant::vectorKernels(path)->attendF16;
    check(attend != nullptr, std::string(cpu::pathName(path)) + ": a fused attention kernel");
    if (!attend) {
        return;
    }
    for (const auto &[positions, headDim, heads] : kAttendShapes) {
        const AttendCase c = attendCase(positions, headDim, heads);
        const std::vector<float> out = kerneltest::attend(attend, c, positions, headDim);
        for (size_t i = 0; i < out.size(); ++i) {
            check(std::fabs(double(out[i]) - c.expected[i]) <= c.bound[i],
                  std::string(cpu::pathName(path)) + " attendF16 " + std::to_string(positions) + " x " + std::to_string(headDim) + " x "
                      + std::to_string(heads) + " column " + std::to_string(i) + ": " + std::to_string(out[i]) + " vs "
                      + std::to_string(c.expected[i]));
        }
    }
}

void attendBatchF16MatchesDefinition(cpu::Path path)
{
    const auto attend = quant::vectorKernels(path)->attendBatchF16;
    check(attend != nullptr, std::string(cpu::pathName(path)) + ": a batch attention kernel");
    if (!attend) {
        return;
    }
    for (const auto &[positions, headDim, heads, tokens] : kAttendBatchShapes) {
        const std::string mismatch = attendBatchMismatch(attend, attendCase(positions, headDim, heads, tokens), positions, headDim);
        check(mismatch.empty(), std::string(cpu::pathName(path)) + " attendBatchF16 " + std::to_string(positions) + " x " + std::to_string(headDim)
                  + " x " + std::to_string(heads) + " x " + std::to_string(tokens) + ": " + mismatch);
    }
}

// The paths this CPU reports: Scalar, Neon and (with SDOT) NeonDotprod; HEARTH_CPU picks the active one.
void pathSelection(cpu::Path best)
{
    const auto &paths = cpu::supportedPaths();
    check(paths.front() == cpu::Path::Scalar, "Scalar is the first path");
    check(paths.back() == best, "the best path is " + std::string(cpu::pathName(best)) + ", detected " + std::string(cpu::pathName(paths.back())));
    check(cpu::isSupported(cpu::Path::Neon), "every aarch64 CPU runs the neon path");
    check(!cpu::isSupported(cpu::Path::Avx2) && !cpu::isSupported(cpu::Path::Avx512), "no x86 path on aarch64");
    // main() set HEARTH_CPU=neon before the first use.
    check(cpu::activePath() == cpu::Path::Neon, "HEARTH_CPU=neon is the active path");
    check(typeTraits(GgmlType::Q8_0) == typeTraits(GgmlType::Q8_0, cpu::Path::Neon), "the active table is the neon one");
    check(typeTraits(GgmlType::Q8_0, cpu::Path::NeonDotprod) == nullptr || best == cpu::Path::NeonDotprod,
          "no neon-dotprod table without the dot product");
}
}

int main(int argc, char **argv)
{
    const auto best = argc == 2 ? cpu::parsePath(argv[1]) : std::nullopt;
    if (!best || (*best != cpu::Path::Neon && *best != cpu::Path::NeonDotprod)) {
        std::fprintf(stderr, "usage: %s neon|neon-dotprod (the best path this CPU must report)\n", argv[0]);
        return 2;
    }
    setenv("HEARTH_CPU", "neon", 1);
    pathSelection(*best);
    for (const cpu::Path path : cpu::supportedPaths()) {
        if (path == cpu::Path::Scalar) {
            continue;
        }
        std::printf("checking %s\n", cpu::pathName(path).data());
        vecDotMatchesReference(path);
        gemmMatchesVecDot(path);
        quantizeRowMatchesFromFloat(path);
        toFloatF16MatchesReference(path);
        addScaledF16MatchesReference(path);
        swigluMatchesDefinition(path);
        attendF16MatchesDefinition(path);
        attendBatchF16MatchesDefinition(path);
    }
    std::printf("%s: %d checks, %d failed\n", g_failures == 0 ? "PASS" : "FAIL", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
