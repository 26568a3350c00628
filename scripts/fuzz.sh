#!/usr/bin/env bash
# Builds a libFuzzer target and runs it for a while.
#   scripts/fuzz.sh TARGET [SECONDS]     TARGET = HTTPRequest | FormData | JWT | Scenario | Router | all
# The working corpus lives in fuzz-corpus/<TARGET> (git-ignored), seeded from the committed seeds in
# Fuzz/corpus/<TARGET>/. Crash inputs land in fuzz-corpus/<TARGET>-crashes/. Prints one summary line
# per target and exits non-zero if any target crashed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
TARGETS_ALL=(HTTPRequest FormData JWT Scenario Router)
TARGET=${1:-}
SECONDS_TO_RUN=${2:-60}

if [[ -z "$TARGET" ]]; then
    echo "usage: $0 HTTPRequest|FormData|JWT|Scenario|Router|all [SECONDS]" >&2
    exit 2
fi
if [[ "$TARGET" == all ]]; then
    TARGETS=("${TARGETS_ALL[@]}")
else
    TARGETS=("$TARGET")
fi

status=0
for name in "${TARGETS[@]}"; do
    product="Fuzz${name}"
    echo "building ${product}…" >&2
    swift build -c release --scratch-path .build-fuzz \
        --sanitize=fuzzer --sanitize=address \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
        --product "$product" >&2
    binary="$(swift build -c release --scratch-path .build-fuzz --show-bin-path)/${product}"

    corpus="$ROOT/fuzz-corpus/${name}"
    crashes="$ROOT/fuzz-corpus/${name}-crashes"
    mkdir -p "$corpus" "$crashes"
    if [[ -d "$ROOT/Fuzz/corpus/${name}" ]]; then
        cp -n "$ROOT/Fuzz/corpus/${name}/"* "$corpus/" 2>/dev/null || true
    fi

    log="$ROOT/fuzz-corpus/${name}.log"
    set +e
    # The Swift backtracer can hang under ASan after a crash; libFuzzer reports crashes itself.
    SWIFT_BACKTRACE=enable=no "$binary" "$corpus" \
        -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 \
        -artifact_prefix="$crashes/" >"$log" 2>&1
    rc=$?
    set -e

    execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)
    crash_count=$(find "$crashes" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    if [[ $rc -ne 0 ]]; then status=1; fi
    echo "fuzz ${name}: ${execs:-?} execs in ${SECONDS_TO_RUN}s, exit ${rc}, ${crash_count} crash file(s) in fuzz-corpus/${name}-crashes, corpus $(ls "$corpus" | wc -l) inputs (log: fuzz-corpus/${name}.log)"
done
exit $status
