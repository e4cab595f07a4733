#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET=600] [TARGET...]   (not part of CI)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-600}"; shift || true
BUILD_DIR="${BUILD_DIR:-build-fuzz}"
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIGHTEVAL_FUZZ=ON -DLIGHTEVAL_TESTS=OFF -DLIGHTEVAL_BENCHMARKS=OFF -DLIGHTEVAL_CUDA=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzzer.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${targets[@]}"
mkdir -p "$BUILD_DIR/corpus" "$BUILD_DIR/fuzz-logs"
for t in "${targets[@]}"; do
  corpus="$BUILD_DIR/corpus/$t"; mkdir -p "$corpus"
  seeds="fuzz/seeds/${t%_fuzzer}"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  echo "== $t: ${SECONDS_PER_TARGET}s"
  if "$BUILD_DIR/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=4096 -timeout=10 \
       "$corpus" >"$BUILD_DIR/fuzz-logs/$t.log" 2>&1; then
    grep -E "^#[0-9]+ *DONE|stat::number_of_executed_units" "$BUILD_DIR/fuzz-logs/$t.log" | tail -1 || true
    tail -n 3 "$BUILD_DIR/fuzz-logs/$t.log" | grep -E "Done [0-9]+ runs" || true
    echo "$t: no crash"
  else
    echo "$t: FAILED (see $BUILD_DIR/fuzz-logs/$t.log)"; tail -n 30 "$BUILD_DIR/fuzz-logs/$t.log"; exit 1
  fi
done
