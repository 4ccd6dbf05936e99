#!/bin/sh
# The NeonKernelTest of the x86 build: cross-compiles tests/quant/neon for aarch64 (incrementally, into the
# x86 build tree) and runs its tests under qemu-user, on an emulated CPU with the int8 dot product (-cpu max)
# and one without (-cpu cortex-a53): the kernels against the scalar reference, and the forward pass of
# stories260K against llama.cpp's reference. Exits 77 (ctest: skipped) when a tool is missing.
# Usage: run-neon-kernel-test.sh SOURCE_ROOT BINARY_DIR CMAKE CTEST GENERATOR SHARED_DIR
set -eu
src=$1
bin=$2
cmake=$3
ctest=$4
generator=$5
shared=$6

for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (Debian: g++-aarch64-linux-gnu, qemu-user); the NEON kernels are not tested"
        exit 77
    fi
done

# Flags meant for the host compiler would not suit the cross compiler.
unset CFLAGS CXXFLAGS LDFLAGS

"$cmake" -S "$src/tests/quant/neon" -B "$bin" -G "$generator" --toolchain "$src/cmake/toolchains/aarch64-linux-gnu.cmake" \
    -DHEARTH_SHARED_DIR="$shared" >/dev/null
"$cmake" --build "$bin" -j2
"$ctest" --test-dir "$bin" --output-on-failure
