#!/usr/bin/env bash
# The test suite under sanitizers, inside the build environment. Usage: scripts/ci-sanitizers.sh asan|tsan [CTEST ARGS]
#   asan  every test under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan; HEARTH_ASAN_BUILD_DIR)
#   tsan  the engine and threading tests under ThreadSanitizer (build/tsan; HEARTH_TSAN_BUILD_DIR)
# Any sanitizer report fails the test that caused it. LeakSanitizer ignores only the leaks inside Qt listed (each
# with its reason) in scripts/lsan-suppressions.txt. ReferenceForwardTest is left out of both: it generates
# ~8 GB of 1.1B-parameter models and runs them, which would take hours instrumented; the same forward pass code
# runs under the sanitizers in LlamaContextTest, LlamaReferenceTest and RunCommandTest on small models.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
HEARTH="$SRC/scripts/hearth"
kind="${1:-}"
shift || true
jobs="${HEARTH_SANITIZER_JOBS:-$(nproc 2>/dev/null || echo 2)}"

configure() { # configure DIR SANITIZERS
    [ -f "$1/CMakeCache.txt" ] ||
        "$HEARTH" exec cmake -S "$SRC" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_WERROR=ON \
            "-DECM_ENABLE_SANITIZERS=$2"
}

case "$kind" in
    asan)
        dir="${HEARTH_ASAN_BUILD_DIR:-$SRC/build/asan}"
        configure "$dir" 'address;undefined'
        "$HEARTH" exec cmake --build "$dir" --parallel "$jobs"
        # detect_leaks: LeakSanitizer too. UBSan findings abort, so they fail the test instead of scrolling by.
        ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
        LSAN_OPTIONS="suppressions=$SRC/scripts/lsan-suppressions.txt:print_suppressions=0" \
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" QT_QPA_PLATFORM=offscreen \
            "$HEARTH" exec ctest --test-dir "$dir" --output-on-failure --timeout 1500 -j "$jobs" \
            -E '^ReferenceForwardTest$' "$@"
        ;;
    tsan)
        dir="${HEARTH_TSAN_BUILD_DIR:-$SRC/build/tsan}"
        configure "$dir" thread
        # The tests whose code runs on several threads: the thread pool, the forward pass on it, the engine's
        # worker thread and its queued signals (ChatControllerTest: from the GUI side), the parallel quantizer and the
        # region writer it writes through.
        pattern='^(ThreadPoolTest|RegionWriterTest|GgufWriterTest|KernelTest|LlamaContextTest|ChatSessionTest|ChatEngineTest|ChatControllerTest|QuantizerTest|RunCommandTest)$'
        targets=$("$HEARTH" exec ninja -C "$dir" -t targets all | sed -n 's/^\([A-Za-z]*Test\): .*/\1/p' |
                  grep -E "$pattern" | sort -u | tr '\n' ' ')
        # shellcheck disable=SC2086 # a list of target names
        "$HEARTH" exec cmake --build "$dir" --parallel "$jobs" --target $targets hearth-cli
        # ignore_noninstrumented_modules: the distribution's Qt and GLib are not built with TSan, so their futex
        # locking is invisible and their own handovers (a posted event allocated in one thread, freed in another)
        # would be reported; races in Hearth's instrumented code still are.
        TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1" QT_QPA_PLATFORM=offscreen \
            "$HEARTH" exec ctest --test-dir "$dir" --output-on-failure --timeout 1500 -R "$pattern" "$@"
        ;;
    *)
        echo "usage: scripts/ci-sanitizers.sh asan|tsan [CTEST ARGS]" >&2
        exit 2
        ;;
esac
