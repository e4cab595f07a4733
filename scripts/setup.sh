#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking lighteval-cpp needs,
# and configures ccache. Idempotent and non-interactive; safe to run again.
set -euo pipefail

PACKAGES=(
  build-essential g++ cmake ninja-build ccache pkg-config git
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev
  libcurl4-openssl-dev libssl-dev
  libpcre2-dev libutf8proc-dev libsentencepiece-dev
  libopenblas-dev libomp-dev
  libsnappy-dev libzstd-dev zlib1g-dev liblz4-dev libbrotli-dev
  libsqlite3-dev
  libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3 python3-jinja2 python3-numpy
)
BENCH_PACKAGES=(python3-torch)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}" ${LIGHTEVAL_BENCH:+"${BENCH_PACKAGES[@]}"}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ccache: a bounded cache in the user's cache directory.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
mkdir -p "$CCACHE_DIR"
ccache --max-size=5G >/dev/null
echo "setup: done"
