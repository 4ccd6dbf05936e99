#!/usr/bin/env bash
# Builds llama.cpp as an external TEST ORACLE (tests/compat/LlamaCppCompatTest, benchmarks/RESULTS.md): never
# linked into Hearth, never copied into the checkout. Prints the directory that holds its binaries:
#   bin/llama-quantize bin/llama-bench bin/llama-perplexity bin/hearth-oracle-logits
# (the last is our own scripts/llamacpp-oracle-logits.cpp, built against libllama's public API).
#
# Source: Debian has no llama.cpp, but the npm package node-llama-cpp ships a git bundle of the llama.cpp
# release it is built on (package/llama/gitRelease.bundle). The package version, its sha512 integrity and
# the llama.cpp commit are pinned here; the tarball is checked against both the pin and `npm view`.
# Built CPU only, Release, -DGGML_NATIVE=ON (so the cache belongs to this machine's CPU), with the host's
# compiler (g++ >= 12, cmake >= 3.14), 2 jobs, cached in ${HEARTH_CACHE_DIR:-~/.cache/hearth}/llama.cpp-COMMIT.
# Idempotent: a complete cache is reused. `--cached` only prints the directory if it is complete (else exits 1).
set -euo pipefail

NPM_PACKAGE=node-llama-cpp@3.22.1
NPM_INTEGRITY='sha512-bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw=='
LLAMACPP_COMMIT=de3ff815ea7d559ee917f063901b8986f038abc6
TARGETS=(llama-quantize llama-bench llama-perplexity)

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TOOL_SOURCE="$SRC/scripts/llamacpp-oracle-logits.cpp"
CACHE_DIR="${HEARTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth}"
DIR="$CACHE_DIR/llama.cpp-$LLAMACPP_COMMIT"
JOBS=${HEARTH_LLAMACPP_JOBS:-2}

say() { printf 'llamacpp-oracle: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

# The stamp names everything the binaries depend on, so a changed tool or option list rebuilds.
stamp=$( (printf '%s\n' "$NPM_INTEGRITY" "$LLAMACPP_COMMIT" "${TARGETS[*]}" "$(uname -m)"; cat "$TOOL_SOURCE" "$0") |
    sha256sum | cut -c1-16)
if [ -f "$DIR/.complete" ] && [ "$(cat "$DIR/.complete")" = "$stamp" ]; then
    echo "$DIR"
    exit 0
fi
[ "${1:-}" = --cached ] && exit 1

for tool in npm git cmake c++ openssl base64 flock; do
    command -v "$tool" >/dev/null 2>&1 || die "needs '$tool' on the PATH"
done
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9

# 1. The source, from the npm tarball's git bundle.
if [ "$(git -C "$DIR/src" rev-parse HEAD 2>/dev/null || true)" != "$LLAMACPP_COMMIT" ]; then
    work=$(mktemp -d "$DIR/fetch.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    say "fetching $NPM_PACKAGE from the npm registry"
    (cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
    tarball=$(ls "$work"/*.tgz)
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    [ "$actual" = "$NPM_INTEGRITY" ] || die "$tarball: sha512 $actual is not the pinned $NPM_INTEGRITY"
    published=$(npm view "$NPM_PACKAGE" dist.integrity 2>/dev/null || true)
    [ "$published" = "$NPM_INTEGRITY" ] || die "$NPM_PACKAGE: the registry says integrity '$published', pinned $NPM_INTEGRITY"
    tar -xzf "$tarball" -C "$work" package/llama/gitRelease.bundle
    rm -rf "$DIR/src"
    git -c advice.detachedHead=false clone --quiet "$work/package/llama/gitRelease.bundle" "$DIR/src"
    git -C "$DIR/src" checkout --quiet "$LLAMACPP_COMMIT" ||
        die "the bundle in $NPM_PACKAGE does not hold llama.cpp commit $LLAMACPP_COMMIT"
    rm -rf "$work"
    trap - EXIT
fi

# 2. Only the library and the tools the tests and benchmarks use.
say "building llama.cpp $LLAMACPP_COMMIT (${TARGETS[*]}) in $DIR/build with $JOBS jobs"
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S "$DIR/src" -B "$DIR/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
    -DBUILD_SHARED_LIBS=OFF -DGGML_CCACHE=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF >"$DIR/configure.log" 2>&1 ||
    die "configuring failed: see $DIR/configure.log"
cmake --build "$DIR/build" -j "$JOBS" --target llama "${TARGETS[@]}" >"$DIR/build.log" 2>&1 ||
    die "building failed: see $DIR/build.log"

# 3. Our logits tool against the static libraries just built.
libs=()
for lib in src/libllama.a ggml/src/libggml.a ggml/src/libggml-cpu.a ggml/src/libggml-base.a; do
    [ -f "$DIR/build/$lib" ] || die "$DIR/build/$lib missing after the build"
    libs+=("$DIR/build/$lib")
done
mkdir -p "$DIR/bin"
c++ -std=c++17 -O2 -o "$DIR/bin/hearth-oracle-logits" "$TOOL_SOURCE" -I"$DIR/src/include" -I"$DIR/src/ggml/include" \
    "${libs[@]}" -fopenmp -lpthread -ldl -lm || die "building $TOOL_SOURCE failed"
for target in "${TARGETS[@]}"; do
    cp -f "$DIR/build/bin/$target" "$DIR/bin/$target"
done

echo "$stamp" >"$DIR/.complete"
say "ready"
echo "$DIR"
