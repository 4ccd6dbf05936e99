// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The SIMD kernel families. Each ISA's source file is compiled with that ISA's flags only and fills in the
// entries of a copy of the scalar traits table it accelerates; typeTraits() hands out the copy of the path chosen
// at start-up (cpu::activePath()). Kernels not listed stay the scalar reference.

#include "cpu/CpuFeatures.h"

#include <cstdint>
#include <span>

namespace hearth
{
struct TypeTraits;
}

namespace hearth::quant
{

// Vector operations outside the traits table, dispatched the same way.
struct VectorKernels {
    // y[i] += a * x[i] for n elements, x in F16.
    void (*addScaledF16)(float *y, const void *x, float a, int64_t n);
};

// The kernels of one path: nullptr for a path this CPU or build does not support.
const VectorKernels *vectorKernels(cpu::Path path);
// Of cpu::activePath().
const VectorKernels &vectorKernels();

#if defined(__x86_64__)
namespace avx2
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
namespace avx512
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
#elif defined(__aarch64__)
namespace neon
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
namespace neon_dotprod
{
void install(std::span<TypeTraits> table, VectorKernels &vector);
}
#endif

} // namespace hearth::quant
