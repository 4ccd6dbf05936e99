// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace hearth::cpu
{

// The kernel families the engine is built with. One binary holds them all; the best one this CPU runs is
// chosen once, at the first use.
enum class Path {
    Scalar, // the portable reference kernels
    Avx2, // AVX2 + FMA + F16C
    Avx512, // AVX-512 F/BW/VL + VNNI (and the AVX2 set)
    Neon, // aarch64 Advanced SIMD (part of every ARMv8-A CPU)
    NeonDotprod, // the same with the int8 dot product instructions (SDOT, FEAT_DotProd)
};

// Every path, in enumeration order.
inline constexpr Path kAllPaths[] = {Path::Scalar, Path::Avx2, Path::Avx512, Path::Neon, Path::NeonDotprod};

std::string_view pathName(Path path);
// "scalar", "avx2", "avx512", "neon", "neon-dotprod" (case-insensitive); nullopt otherwise.
std::optional<Path> parsePath(std::string_view name);

// The paths this CPU (and this build) can run, Scalar first and the best last.
const std::vector<Path> &supportedPaths();
bool isSupported(Path path);

// The path every kernel dispatch uses, fixed for the life of the process: HEARTH_CPU=<pathName> when set
// (a path the CPU lacks falls back to the best supported one, with a warning), else the best supported one.
Path activePath();

} // namespace hearth::cpu
