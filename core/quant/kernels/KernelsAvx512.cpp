// SPDX-License-Identifier: GPL-3.0-or-later
// The AVX-512 kernels: the AVX2 code with VNNI's dpbusd for int8 products (on 256-bit vectors, through
// AVX-512 VL: decode is memory-bound), and 512-bit vectors (HEARTH_AVX512) where prefill is compute-bound.
#define HEARTH_ISA avx512
#define HEARTH_INSTALL install
#define HEARTH_VNNI 1
#define HEARTH_AVX512 1
#include "quant/kernels/KernelsX86.inc"
