// SPDX-License-Identifier: GPL-3.0-or-later
#include "cpu/CpuFeatures.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#ifdef HEARTH_NO_QT
// The aarch64 kernel test (tests/quant/neon) is built without Qt: no Qt for aarch64 exists on the build machine.
#include <cstdio>
#define HEARTH_CPU_WARNING(...) (std::fprintf(stderr, __VA_ARGS__), std::fputc('\n', stderr))
#else
#include "hearthcore_logging.h"
#define HEARTH_CPU_WARNING(...) qCWarning(HEARTH_CORE, __VA_ARGS__)
#endif

namespace hearth::cpu
{

namespace
{
std::vector<Path> detect()
{
    std::vector<Path> paths{Path::Scalar};
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XGETBV).
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (avx2) {
        paths.push_back(Path::Avx2);
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512vnni")) {
            paths.push_back(Path::Avx512);
        }
    }
#elif defined(__aarch64__)
    // Advanced SIMD is part of every ARMv8-A CPU; the optional int8 dot product is announced by the kernel.
    paths.push_back(Path::Neon);
#if defined(__linux__)
    if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) {
        paths.push_back(Path::NeonDotprod);
    }
#endif
#endif
    return paths;
}

Path choose()
{
    const Path best = supportedPaths().back();
    const char *env = std::getenv("HEARTH_CPU");
    if (!env || !*env) {
        return best;
    }
    const auto requested = parsePath(env);
    if (!requested) {
        HEARTH_CPU_WARNING("HEARTH_CPU=%s is not one of scalar, avx2, avx512, neon, neon-dotprod; using %s", env, pathName(best).data());
        return best;
    }
    if (!isSupported(*requested)) {
        HEARTH_CPU_WARNING("HEARTH_CPU=%s: this CPU cannot run it; using %s", env, pathName(best).data());
        return best;
    }
    return *requested;
}
}

std::string_view pathName(Path path)
{
    switch (path) {
    case Path::Scalar:
        return "scalar";
    case Path::Avx2:
        return "avx2";
    case Path::Avx512:
        return "avx512";
    case Path::Neon:
        return "neon";
    case Path::NeonDotprod:
        return "neon-dotprod";
    }
    return "unknown";
}

std::optional<Path> parsePath(std::string_view name)
{
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
        return char(std::tolower(c));
    });
    for (const Path path : kAllPaths) {
        if (lower == pathName(path)) {
            return path;
        }
    }
    return std::nullopt;
}

const std::vector<Path> &supportedPaths()
{
    static const std::vector<Path> paths = detect();
    return paths;
}

bool isSupported(Path path)
{
    const auto &paths = supportedPaths();
    return std::find(paths.begin(), paths.end(), path) != paths.end();
}

Path activePath()
{
    static const Path path = choose();
    return path;
}

} // namespace hearth::cpu
