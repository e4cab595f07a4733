#!/usr/bin/env bash
# Sets up a fresh machine (Debian packages), builds everything and runs the whole test suite.
# This is the README's test command and what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Paths relative to the checkout, so ccache hits across clones (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD"
BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$(nproc)"
# GPU-labelled tests need a CUDA device; scripts/gpu-check.sh runs them on the GPU machine.
ctest --test-dir "$BUILD_DIR" --output-on-failure -LE gpu -j "$(nproc)"
