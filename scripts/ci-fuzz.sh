#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang-19 + ASan + UBSan and runs each for a while on its seed
# corpus, inside the build environment. Usage: scripts/ci-fuzz.sh [SECONDS PER TARGET (default 60)] [TARGET...]
# Exits non-zero on any crash, leak, sanitizer report or timeout; the input is saved in BUILD/artifacts/.
# HEARTH_FUZZ_BUILD_DIR (default build/fuzz) and HEARTH_FUZZ_JOBS (targets run at once, default 1).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD="${HEARTH_FUZZ_BUILD_DIR:-$SRC/build/fuzz}"
SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(gguf_reader tokenizer_spm tokenizer_bpe chat_template conversation_import safetensors_reader
                                   sentencepiece_model hf_folder imatrix_reader)
HEARTH="$SRC/scripts/hearth"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    "$HEARTH" exec cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_WERROR=ON \
        -DHEARTH_FUZZ=ON -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19
fi
"$HEARTH" exec cmake --build "$BUILD" --target fuzzers --parallel "${HEARTH_FUZZ_BUILD_JOBS:-2}"
"$HEARTH" exec python3 "$SRC/fuzz/make_corpus.py" "$BUILD/seeds"

mkdir -p "$BUILD/artifacts" "$BUILD/logs"
run_one() {
    local target=$1 dict=""
    case "$target" in
        gguf_reader) dict="$SRC/fuzz/dict/gguf_reader.dict" ;;
        tokenizer_*) dict="$SRC/fuzz/dict/tokenizer.dict" ;;
        chat_template) dict="$SRC/fuzz/dict/chat_template.dict" ;;
        conversation_import) dict="$SRC/fuzz/dict/conversation_import.dict" ;;
        safetensors_reader) dict="$SRC/fuzz/dict/safetensors_reader.dict" ;;
        sentencepiece_model) dict="$SRC/fuzz/dict/sentencepiece_model.dict" ;;
        hf_folder) dict="$SRC/fuzz/dict/hf_folder.dict" ;;
    esac
    mkdir -p "$BUILD/corpus/$target"
    # The grown corpus (BUILD/corpus) carries over between runs; the seeds are read as well.
    "$HEARTH" exec "$BUILD/bin/fuzz_$target" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$target-" ${dict:+-dict="$dict"} \
        "$BUILD/corpus/$target" "$BUILD/seeds/$target" >"$BUILD/logs/$target.log" 2>&1
}

failed=0
pids=()
names=()
for target in "${TARGETS[@]}"; do
    run_one "$target" &
    pids+=($!)
    names+=("$target")
    if [ ${#pids[@]} -ge "${HEARTH_FUZZ_JOBS:-1}" ]; then
        wait "${pids[0]}" || { echo "fuzz: ${names[0]} FAILED (log: $BUILD/logs/${names[0]}.log)"; failed=1; }
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { echo "fuzz: ${names[$i]} FAILED (log: $BUILD/logs/${names[$i]}.log)"; failed=1; }
done
for target in "${TARGETS[@]}"; do
    printf 'fuzz: %-15s %s\n' "$target" "$(grep -E 'DONE|stat::number_of_executed_units' "$BUILD/logs/$target.log" | tr '\n' ' ')"
done
[ "$failed" = 0 ] || { tail -n 40 "$BUILD"/logs/*.log; exit 1; }
