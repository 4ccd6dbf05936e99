// SPDX-License-Identifier: GPL-3.0-or-later
// The aarch64 kernels with the ARMv8.2 int8 dot product (SDOT) for the int8 products; compiled with
// +dotprod and used only when the kernel reports the feature (HWCAP_ASIMDDP).
#define HEARTH_ISA neon_dotprod
#define HEARTH_DOTPROD 1
#include "quant/kernels/KernelsNeon.inc"
