#!/usr/bin/env bash
# Sets up a fresh machine (Debian packages) and builds the lighteval binary into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Paths relative to the checkout, so ccache hits across clones (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD"
BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIGHTEVAL_TESTS=OFF -DLIGHTEVAL_BENCHMARKS=OFF
cmake --build "$BUILD_DIR" -j "$(nproc)" --target lighteval
