// SPDX-License-Identifier: GPL-3.0-or-later
// The aarch64 Advanced SIMD kernels for any ARMv8-A CPU (compiled for the baseline architecture).
#define HEARTH_ISA neon
#include "quant/kernels/KernelsNeon.inc"
