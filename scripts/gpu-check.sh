#!/usr/bin/env bash
# The CUDA engine's checks and benchmark on a GPU machine (issue 6 §2-3).
#   Here (with nvcc):  scripts/gpu-check.sh prepare
#       builds the CUDA-enabled binaries in BUILD_DIR (default build-cuda) and packs them, the shared
#       libraries a stock Ubuntu lacks (not cuBLAS: the GPU machine's CUDA has it), the test models
#       and datasets from ../shared into .carry/cuda/ (git-ignored; carried to the machine).
#   GPU machine:       scripts/gpu-check.sh run OUT_DIR [tests] [parity] [bench]
#       tests:  the gpu-labelled tests (every op vs the CPU per dtype, models vs transformers);
#       parity: leaderboard tasks on stories260K and tiny-random-gpt2, CPU vs CUDA fp32 (must be
#               identical) and CUDA bf16, through `lighteval accelerate` and the mock Hub;
#       bench:  scripts/bench_gpu.py (prefill throughput/MFU vs transformers, end-to-end runs);
#               bench:small (GPT-2, SmolLM, Qwen2 shapes; TruthfulQA) or bench:8b (Llama-3-8B shape; MMLU);
#               bench:8b-full: our full MMLU 5-shot on the 8B shape alone.
#       Default: tests parity. One device command may run 10 minutes: `tests bench:8b parity`
#       fits (about 4.5 minutes on an H100), as does `parity bench:small`. BENCH_PROFILE=1 adds the
#       per-op profile of one prefill pass to OUT/bench.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
CARRY=.carry/cuda
case "${1:-}" in
  prepare)
    BUILD_DIR="${BUILD_DIR:-build-cuda}"
    SHARED="${SHARED:-../shared}"
    [ -f "$BUILD_DIR/CMakeCache.txt" ] || cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
    grep -q '^CMAKE_CUDA_FLAGS:' "$BUILD_DIR/CMakeCache.txt" ||
      { echo "gpu-check.sh: $BUILD_DIR has no CUDA (nvcc not found at configure time)" >&2; exit 1; }
    cmake --build "$BUILD_DIR" -j2 --target cuda_engine_tests lighteval mock_hub_server cuda_prefill_bench
    rm -rf "$CARRY" && mkdir -p "$CARRY/pack/lib" "$CARRY/shared/assets/hub"
    cp "$BUILD_DIR/tests/engine/cuda_engine_tests" "$BUILD_DIR/src/cli/lighteval" \
       "$BUILD_DIR/tests/hub/mockhub/mock_hub_server" "$BUILD_DIR/bench/cuda_prefill_bench" "$CARRY/pack/"
    cp "$BUILD_DIR/lib/lighteval/liblighteval_cuda.so" "$CARRY/pack/"  # the CUDA backend plugin
    for b in "$CARRY"/pack/*; do
      [ -f "$b" ] || continue
      ldd "$b" | awk '/=> \//{print $3}' |
        { grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux|libcublas|libcublasLt|libstdc\+\+|libgcc_s)[.-]' || true; } |
        while read -r lib; do cp -L "$lib" "$CARRY/pack/lib/"; done
    done
    tar -C "$CARRY/pack" -cJf "$CARRY/pack.tar.xz" . && rm -rf "$CARRY/pack"
    cp -r "$SHARED/assets/hub/models" "$SHARED/assets/hub/datasets" "$CARRY/shared/assets/hub/"
    pwd > "$CARRY/source_dir"
    du -sh "$CARRY"
    ;;
  run)
    OUT="${2:?usage: gpu-check.sh run OUT_DIR [tests] [parity] [bench]}"
    shift 2
    STEPS="${*:-tests parity}"
    mkdir -p "$OUT" /tmp/lighteval-gpu/out
    BIN=/tmp/lighteval-gpu
    tar -C "$BIN" -xJf "$CARRY/pack.tar.xz"
    CUBLAS_DIR="$(dirname "$(find /usr/local/cuda*/ /usr/lib /opt -name 'libcublasLt.so.13*' 2>/dev/null | head -1)")"
    export LD_LIBRARY_PATH="$BIN/lib:$CUBLAS_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LIGHTEVAL_SHARED_DIR="$PWD/$CARRY/shared"
    export LIGHTEVAL_CUDA_PLUGIN="$BIN/liblighteval_cuda.so"
    # The test binaries name the source tree by the path they were built in; point it here.
    SRC_BUILT="$(cat "$CARRY/source_dir")"
    if [ -n "$SRC_BUILT" ] && [ ! -e "$SRC_BUILT" ]; then mkdir -p "$(dirname "$SRC_BUILT")" && ln -s "$PWD" "$SRC_BUILT"; fi
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
    # The mock Hub serves the carried models and datasets, as in the CPU tests.
    "$BIN/mock_hub_server" --root "$LIGHTEVAL_SHARED_DIR/assets/hub" > "$BIN/port" 2> "$BIN/hub.log" &
    HUB_PID=$!
    trap 'kill $HUB_PID 2>/dev/null || true' EXIT
    sleep 1
    export HF_ENDPOINT="http://127.0.0.1:$(head -1 "$BIN/port")" HF_HOME=/tmp/lighteval-gpu/hf
    status=0
    for step in $STEPS; do
      case "$step" in
        tests)
          "$BIN/cuda_engine_tests" 2>&1 | tee "$OUT/tests.log" | grep -vE '^\[ +(RUN|OK) ' || status=1 ;;
        parity)
          N="${PARITY_SAMPLES:-10}"
          for model in fixtures/stories260K hf-internal-testing/tiny-random-gpt2; do
            for dev in "device=cpu" "device=cuda,dtype=float32" "device=cuda,dtype=bfloat16"; do
              tag="$(basename $model)_${dev//[=,]/_}"
              start=$SECONDS
              timeout 300 "$BIN/lighteval" accelerate --model_args "pretrained=$model,$dev" \
                --tasks examples/tasks/open_llm_leaderboard_tasks.txt --max_samples "$N" \
                --output_dir "/tmp/lighteval-gpu/out/$tag" > "/tmp/lighteval-gpu/$tag.log" 2>&1 ||
                { echo "FAILED: $model $dev"; tail -5 "/tmp/lighteval-gpu/$tag.log"; status=1; }
              echo "$tag: $((SECONDS - start)) s wall (max_samples $N)" | tee -a "$OUT/parity.txt"
            done
          done
          python3 scripts/bench_gpu.py compare /tmp/lighteval-gpu/out | tee -a "$OUT/parity.txt" || status=1 ;;
        bench|bench:*)
          parts="${step#bench}"; parts="${parts#:}"
          PYTHONUNBUFFERED=1 python3 scripts/bench_gpu.py bench "$BIN" "$OUT" ${parts//+/ } 2>&1 |
            grep -vE 'it/s\]|Loading|Warning' | tail -40 || status=1 ;;
        *) echo "unknown step $step" >&2; exit 2 ;;
      esac
    done
    exit $status
    ;;
  *) echo "usage: $0 prepare | run OUT_DIR [tests] [parity] [bench]" >&2; exit 2 ;;
esac
