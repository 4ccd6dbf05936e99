// SPDX-License-Identifier: GPL-3.0-or-later
// The AVX2 + FMA + F16C kernels (compiled with exactly those extensions enabled).
#define HEARTH_ISA avx2
#define HEARTH_INSTALL install
#include "quant/kernels/KernelsX86.inc"
