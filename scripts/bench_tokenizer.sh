#!/usr/bin/env bash
# Tokenizer encode throughput vs HF tokenizers (see scripts/bench_tokenizer.py).
#   Here:   scripts/bench_tokenizer.sh prepare   builds bench/tokenizer_bench (BUILD_DIR, default
#           build-tokenizer) and puts it with the shared libraries it needs in .carry/tokenizer/
#           (run `python3 scripts/fixtures/make_tokenizer_refs.py corpus` first for the corpus).
#   Device: scripts/bench_tokenizer.sh run OUT_DIR   (needs python3 with `tokenizers`)
set -euo pipefail
cd "$(dirname "$0")/.."
CARRY=.carry/tokenizer
case "${1:-}" in
  prepare)
    BUILD_DIR="${BUILD_DIR:-build-tokenizer}"
    cmake --build "$BUILD_DIR" -j2 --target tokenizer_bench
    mkdir -p "$CARRY/lib"
    cp "$BUILD_DIR/bench/tokenizer_bench" "$CARRY/"
    # Every shared library except the C runtime, which the device has (newer, compatible).
    ldd "$CARRY/tokenizer_bench" | awk '/=> \//{print $3}' | grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux)[.-]' |
      while read -r lib; do cp -L "$lib" "$CARRY/lib/"; done
    ls "$CARRY/lib"
    ;;
  run)
    OUT="${2:?usage: bench_tokenizer.sh run OUT_DIR}"
    LD_LIBRARY_PATH="$PWD/$CARRY/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      python3 scripts/bench_tokenizer.py "$PWD/$CARRY/tokenizer_bench" "$CARRY" "$OUT"
    ;;
  *) echo "usage: $0 prepare | run OUT_DIR" >&2; exit 2 ;;
esac
