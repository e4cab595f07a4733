#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (coverage + ASan + UBSan on the fuzzer and the module
# libraries it links) and runs each for a bounded time; not part of CI. See docs/fuzzing.md.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET=600] [TARGET...]   (TARGET: parquet or parquet_fuzzer)
# Environment: BUILD_DIR (build-fuzz), BUILD_JOBS (2), JOBS (targets fuzzed at once, 1),
#   NO_BUILD=1 (run what is built), RSS_LIMIT_MB (4096).
# Each run keeps its corpus in $BUILD_DIR/corpus/<target> (seeded from fuzz/seeds/<name>), its log in
# $BUILD_DIR/fuzz-logs/<target>.log, crash inputs in $BUILD_DIR/crashes/<target>/, and appends one
# summary line (seconds, runs, exec/s, cov, ft, corpus) to $BUILD_DIR/fuzz-logs/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-600}"; shift || true
BUILD_DIR="${BUILD_DIR:-build-fuzz}"
JOBS="${JOBS:-1}"
targets=()
for t in "$@"; do targets+=("${t%_fuzzer}_fuzzer"); done
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzzer.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
if [ "${NO_BUILD:-0}" != 1 ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLIGHTEVAL_FUZZ=ON -DLIGHTEVAL_TESTS=OFF -DLIGHTEVAL_BENCHMARKS=OFF -DLIGHTEVAL_CUDA=OFF >/dev/null
  nice cmake --build "$BUILD_DIR" -j "${BUILD_JOBS:-2}" --target "${targets[@]}"
fi
mkdir -p "$BUILD_DIR/corpus" "$BUILD_DIR/fuzz-logs" "$BUILD_DIR/crashes"

# Runs one target; prints its summary line, returns non-zero on a crash or sanitizer report.
fuzz_one() {
  local t="$1" name="${1%_fuzzer}"
  local corpus="$BUILD_DIR/corpus/$t" log="$BUILD_DIR/fuzz-logs/$t.log" crashes="$BUILD_DIR/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  [ -d "fuzz/seeds/$name" ] && find "fuzz/seeds/$name" -type f -exec cp -n {} "$corpus"/ \; 2>/dev/null
  local dict=()
  [ -f "fuzz/dicts/$name.dict" ] && dict=(-dict="fuzz/dicts/$name.dict")
  local status=0
  nice "$BUILD_DIR/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="${RSS_LIMIT_MB:-4096}" \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" "$corpus" >"$log" 2>&1 || status=$?
  local done_line runs secs execs
  done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || true)
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  execs=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  secs=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)
  local cov ft corp
  cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$done_line")
  ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$done_line")
  corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[A-Za-z]*) .*/\1/p' <<<"$done_line")
  local verdict="no crash"
  [ "$status" -ne 0 ] && verdict="FAILED rc=$status (see $log)"
  local line="$t seconds=${secs:-?} runs=${runs:-?} exec/s=${execs:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} $verdict"
  echo "$line" | tee -a "$BUILD_DIR/fuzz-logs/summary.txt"
  return "$status"
}

failed=0
running=0
for t in "${targets[@]}"; do
  echo "== $t: ${SECONDS_PER_TARGET}s"
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "some targets failed:"; grep FAILED "$BUILD_DIR/fuzz-logs/summary.txt" | tail -n "${#targets[@]}"
  exit 1
fi
