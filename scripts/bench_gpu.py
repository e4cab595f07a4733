#!/usr/bin/env python3
"""The CUDA engine's parity check and benchmark on the GPU machine (issue 6 §2-3).

  bench_gpu.py compare OUT_ROOT   results of `lighteval accelerate` runs under OUT_ROOT/<model>_<device...>/
                                  compared: CPU vs CUDA fp32 must give identical metrics; CUDA bf16 is reported.
  bench_gpu.py bench BIN_DIR OUT  (run by scripts/gpu-check.sh) random-initialised models of real shapes made
                                  here with transformers; prefill scoring throughput and MFU of our engine vs
                                  transformers (bf16, sdpa) on identical token batches; end-to-end runs.
"""
import glob
import json
import os
import subprocess
import sys
import time


def load_results(d):
    files = sorted(glob.glob(os.path.join(d, "results", "**", "*.json"), recursive=True))
    if not files:
        return None
    with open(files[-1]) as f:
        return json.load(f)


def compare(root):
    runs = {os.path.basename(p): load_results(p) for p in sorted(glob.glob(os.path.join(root, "*")))}
    ok = True
    for model in sorted({k.split("_device")[0] for k in runs}):
        cpu = runs.get(f"{model}_device_cpu")
        for variant in ("device_cuda_dtype_float32", "device_cuda_dtype_bfloat16"):
            other = runs.get(f"{model}_{variant}")
            if cpu is None or other is None:
                print(f"{model} {variant}: MISSING RUN")
                ok = False
                continue
            n = diff = 0
            worst = 0.0
            for task, metrics in cpu["results"].items():
                for m, v in metrics.items():
                    if m.endswith("_stderr") or not isinstance(v, (int, float)):
                        continue
                    w = other["results"].get(task, {}).get(m)
                    n += 1
                    # Accuracies move in steps of 1/N; continuous metrics (mc2, perplexities)
                    # may differ in the last float digits from the summation order.
                    if w is None or abs(w - v) > 1e-6 * max(1.0, abs(v)):
                        diff += 1
                        worst = max(worst, abs((w if w is not None else float("inf")) - v))
            status = "IDENTICAL" if diff == 0 else f"{diff} DIFFER (max |diff| {worst:.4g})"
            if variant.endswith("float32") and diff:
                ok = False
            print(f"{model}: cpu vs {variant}: {n} metrics over {len(cpu['results'])} tasks: {status}")
    print("parity:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


# ---- benchmark (GPU machine: torch, transformers, pyarrow) --------------------------------------

PEAK_BF16 = {"H100": 989.4e12, "H200": 989.4e12}  # dense bf16 tensor-core peak (SXM)

SHAPES = {
    "gpt2-124m": ("gpt2", dict(n_embd=768, n_layer=12, n_head=12, vocab_size=50257, n_positions=1024,
                               bos_token_id=50256, eos_token_id=50256)),
    "smollm-135m": ("llama", dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                                  num_attention_heads=9, num_key_value_heads=3, vocab_size=49152,
                                  tie_word_embeddings=True, max_position_embeddings=2048, rope_theta=10000.0,
                                  rms_norm_eps=1e-5, bos_token_id=0, eos_token_id=0)),
    "qwen2-0.5b": ("qwen2", dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                                 num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                                 tie_word_embeddings=True, max_position_embeddings=4096, rope_theta=1000000.0,
                                 rms_norm_eps=1e-6, bos_token_id=50256, eos_token_id=50256)),
    "llama3-8b": ("llama", dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
                                tie_word_embeddings=False, max_position_embeddings=8192, rope_theta=500000.0,
                                rms_norm_eps=1e-5, bos_token_id=50256, eos_token_id=50256,
                                rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                              "high_freq_factor": 4.0,
                                              "original_max_position_embeddings": 8192})),
}
CARRY_SHARED = os.path.join(".carry", "cuda", "shared", "assets", "hub")
MODELS = "/tmp/lighteval-bench/models"


def log(out, rec):
    print(json.dumps(rec), flush=True)
    with open(os.path.join(out, "bench.jsonl"), "a") as f:
        f.write(json.dumps(rec) + "\n")


def make_model(name):
    """A random-initialised model of a real shape, bf16, saved as safetensors with the GPT-2 tokenizer
    (its 50257 ids fit every vocabulary here except SmolLM's 49152, which is only used with random ids)."""
    import shutil
    import torch
    import transformers

    kind, kw = SHAPES[name]
    cls = {"gpt2": transformers.GPT2Config, "llama": transformers.LlamaConfig, "qwen2": transformers.Qwen2Config}[kind]
    cfg = cls(**kw)
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = transformers.AutoModelForCausalLM.from_config(cfg, torch_dtype=torch.bfloat16, attn_implementation="sdpa")
    model.eval()
    d = os.path.join(MODELS, name)
    model.save_pretrained(d, safe_serialization=True, max_shard_size="20GB")
    tok = os.path.join(CARRY_SHARED, "models", "fixtures", "gpt2-tokenizer")
    for f in os.listdir(tok):
        shutil.copy(os.path.join(tok, f), d)
    return model, d


def matmul_flops(model, n_seq, seq_len, n_targets):
    """FLOPs of a scoring prefill: every linear layer on every token, causal attention, the LM head on
    the scored rows only."""
    import torch

    cfg = model.config
    base = model.base_model
    lin = 0
    for mod in base.modules():
        w = getattr(mod, "weight", None)
        if isinstance(mod, torch.nn.Embedding) or w is None or w.dim() != 2:
            continue
        lin += w.numel()
    layers = getattr(cfg, "num_hidden_layers", None) or cfg.n_layer
    heads = getattr(cfg, "num_attention_heads", None) or cfg.n_head
    hidden = getattr(cfg, "hidden_size", None) or cfg.n_embd
    hd = hidden // heads
    tokens = n_seq * seq_len
    attn = 4 * layers * heads * hd * n_seq * seq_len * (seq_len + 1) / 2
    head = 2 * hidden * cfg.vocab_size * n_seq * n_targets
    return 2 * lin * tokens + attn + head


def hf_prefill(model, ids, seq_len, n_targets, batch_tokens, iters=3):
    import torch

    x = torch.from_numpy(ids).cuda().long()
    bs = max(1, batch_tokens // seq_len)
    head = model.get_output_embeddings()

    @torch.no_grad()
    def once():
        total = 0.0
        for i in range(0, x.shape[0], bs):
            b = x[i:i + bs]
            h = model.base_model(input_ids=b[:, :seq_len]).last_hidden_state[:, seq_len - n_targets:]
            lp = torch.log_softmax(head(h).float(), -1)
            total += lp.gather(-1, b[:, seq_len - n_targets + 1:].unsqueeze(-1)).sum().item()
        return total

    once()
    best, total = 1e30, 0.0
    for _ in range(iters):
        torch.cuda.synchronize()
        t = time.perf_counter()
        total = once()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return best, total


def ours_prefill(bin_dir, d, tok_file, n_seq, seq_len, n_targets, batch_tokens):
    r = subprocess.run([os.path.join(bin_dir, "cuda_prefill_bench"), d, tok_file, str(n_seq), str(seq_len),
                        str(n_targets), "bfloat16", "3", str(batch_tokens)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("cuda_prefill_bench failed: " + r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def prefill(bin_dir, out, name, model, d, n_seq, seq_len, n_targets=8, batch_tokens=16384):
    import numpy as np
    import torch

    rng = np.random.default_rng(0)
    vocab = min(model.config.vocab_size, 50257)
    ids = rng.integers(0, vocab, size=(n_seq, seq_len + 1), dtype=np.int32)
    tok_file = os.path.join(MODELS, name + ".tokens.bin")
    ids.tofile(tok_file)
    flops = matmul_flops(model, n_seq, seq_len, n_targets)
    gpu = torch.cuda.get_device_name()
    peak = next((v for k, v in PEAK_BF16.items() if k in gpu), 989.4e12)
    hf_s, hf_sum = hf_prefill(model, ids, seq_len, n_targets, batch_tokens)
    tokens = n_seq * seq_len
    ours = ours_prefill(bin_dir, d, tok_file, n_seq, seq_len, n_targets, batch_tokens)
    rec = {"bench": "prefill", "model": name, "gpu": gpu, "n_seq": n_seq, "seq_len": seq_len,
           "scored_per_seq": n_targets, "tokens": tokens, "gflop": flops / 1e9,
           "ours_tokens_per_s": round(tokens / ours["seconds"]), "ours_mfu": round(flops / ours["seconds"] / peak, 4),
           "hf_tokens_per_s": round(tokens / hf_s), "hf_mfu": round(flops / hf_s / peak, 4),
           "speedup": round(hf_s / ours["seconds"], 3), "ours_load_s": ours["load_s"],
           "logprob_sum_ours": ours["logprob_sum"], "logprob_sum_hf": hf_sum}
    log(out, rec)
    if os.environ.get("BENCH_PROFILE"):
        op_profile(bin_dir, out, name, d, tok_file, n_seq, seq_len, n_targets, batch_tokens)


def op_profile(bin_dir, out, name, d, tok_file, n_seq, seq_len, n_targets, batch_tokens):
    """Where a prefill pass goes, per op (LIGHTEVAL_CUDA_PROFILE=1 synchronises after every op):
    one warm-up and one timed pass, so the per-pass figure is half the total."""
    env = dict(os.environ, LIGHTEVAL_CUDA_PROFILE="1")
    r = subprocess.run([os.path.join(bin_dir, "cuda_prefill_bench"), d, tok_file, str(n_seq), str(seq_len),
                        str(n_targets), "bfloat16", "1", str(batch_tokens)], capture_output=True, text=True, env=env)
    ops = {}
    for line in r.stderr.splitlines():
        f = line.split()
        if len(f) >= 5 and f[0] == "cuda" and f[1] == "op":
            ops[f[2]] = round(float(f[3]) / 2, 2)
    log(out, {"bench": "op_profile_ms_per_pass", "model": name, "tokens_per_pass": n_seq * seq_len, "ops": ops})


def run_ours_e2e(bin_dir, d, tasks, out_dir, max_samples=None, extra=""):
    cmd = [os.path.join(bin_dir, "lighteval"), "accelerate", "--model_args", f"pretrained={d},device=cuda{extra}",
           "--tasks", tasks, "--output_dir", out_dir, "--save_details"]
    if max_samples:
        cmd += ["--max_samples", str(max_samples)]
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, LIGHTEVAL_LOG="info"))
    wall = time.perf_counter() - t
    with open(out_dir.rstrip("/") + ".stderr.log", "w") as f:  # phase timings ("... in X s")
        f.write(r.stderr)
    if r.returncode != 0:
        raise RuntimeError("lighteval failed: " + r.stderr[-3000:])
    res = load_results(out_dir)
    return wall, res


def hf_e2e(d, out_dir, batch_size, max_length):
    """What lighteval v0.5's transformers backend does for loglikelihood requests, written small: the
    same requests (read from our run's details: full prompt, choices), v0.5's context/continuation
    split, requests sorted by length (longest first), padded batches of `batch_size`, log-probs of
    the continuation tokens (logits computed only at those rows) and the greedy check."""
    import ast
    import pyarrow.parquet as pq
    import torch
    import transformers

    t0 = time.perf_counter()
    reqs = []
    for f in sorted(glob.glob(os.path.join(out_dir, "details", "**", "*.parquet"), recursive=True)):
        for row in pq.read_table(f, columns=["full_prompt", "choices"]).to_pylist():
            for c in ast.literal_eval(row["choices"]):
                reqs.append((row["full_prompt"], c))
    t_start = time.perf_counter()
    tok = transformers.AutoTokenizer.from_pretrained(d)
    model = transformers.AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.bfloat16,
                                                              attn_implementation="sdpa").cuda().eval()
    enc = []
    for ctx, cont in reqs:
        n = len(ctx) - len(ctx.rstrip())
        if n:
            ctx, cont = ctx[:-n], ctx[-n:] + cont
        whole = tok(ctx + cont, add_special_tokens=False)["input_ids"]
        c = tok(ctx, add_special_tokens=False)["input_ids"]
        cont_ids = whole[len(c):]
        inp = (c + cont_ids)[:-1][-max_length:]
        enc.append((inp, cont_ids))
    order = sorted(range(len(enc)), key=lambda i: -len(enc[i][0]) - len(enc[i][1]))
    head = model.get_output_embeddings()
    results = [None] * len(enc)
    tokens = 0
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            L = max(len(enc[i][0]) for i in idx)
            ids = torch.full((len(idx), L), tok.eos_token_id or 0, dtype=torch.long)
            mask = torch.zeros((len(idx), L), dtype=torch.long)
            rows, targets, owner = [], [], []
            for j, i in enumerate(idx):
                inp, cont = enc[i]
                ids[j, :len(inp)] = torch.tensor(inp)
                mask[j, :len(inp)] = 1
                tokens += len(inp)
                for k, t in enumerate(cont):
                    rows.append(j * L + len(inp) - len(cont) + k)
                    targets.append(t)
                    owner.append(i)
            h = model.base_model(input_ids=ids.cuda(), attention_mask=mask.cuda()).last_hidden_state
            h = h.reshape(-1, h.shape[-1])[torch.tensor(rows, device="cuda")]
            logits = head(h).float()
            lp = torch.log_softmax(logits, -1)
            tg = torch.tensor(targets, device="cuda")
            got = lp.gather(-1, tg.unsqueeze(-1)).squeeze(-1).tolist()
            greedy = (logits.argmax(-1) == tg).tolist()
            for o, g, gr in zip(owner, got, greedy):
                prev = results[o] or (0.0, True)
                results[o] = (prev[0] + g, prev[1] and gr)
    torch.cuda.synchronize()
    wall = time.perf_counter() - t_start
    del model
    torch.cuda.empty_cache()
    return wall, len(reqs), tokens, time.perf_counter() - t0


def e2e(bin_dir, out, name, d, tasks, label, max_samples, hf_batch, max_length):
    out_dir = f"/tmp/lighteval-bench/e2e-{name}-{label}"
    ours_wall, res = run_ours_e2e(bin_dir, d, tasks, out_dir, max_samples)
    hf_wall, n_req, hf_tokens, _ = hf_e2e(d, out_dir, hf_batch, max_length)
    accs = [v.get("acc", v.get("truthfulqa_mc1")) for k, v in res["results"].items() if k != "all"]
    log(out, {"bench": "e2e", "model": name, "tasks": label, "max_samples": max_samples, "requests": n_req,
              "hf_input_tokens": hf_tokens, "ours_wall_s": round(ours_wall, 2),
              "hf_wall_s": round(hf_wall, 2), "speedup": round(hf_wall / ours_wall, 3),
              "ours_results_all": res["results"].get("all")})


def bench(bin_dir, out, parts):
    import torch

    os.makedirs(MODELS, exist_ok=True)
    parts = parts or ["small", "8b"]
    mmlu = ",".join(l.strip() for l in open("examples/tasks/open_llm_leaderboard_tasks.txt")
                    if "mmlu" in l and not l.startswith("#"))
    if "small" in parts:
        for name in ("gpt2-124m", "smollm-135m", "qwen2-0.5b"):
            model, d = make_model(name)
            prefill(bin_dir, out, name, model, d, n_seq=64, seq_len=512)
            del model
            torch.cuda.empty_cache()
            if name == "gpt2-124m":
                e2e(bin_dir, out, name, d, "leaderboard|truthfulqa:mc|0|0", "truthfulqa_mc_0shot", None, 64, 1024)
    if "8b" in parts:
        name = "llama3-8b"
        model, d = make_model(name)
        prefill(bin_dir, out, name, model, d, n_seq=32, seq_len=512)
        del model
        torch.cuda.empty_cache()
        n = int(os.environ.get("BENCH_MMLU_SAMPLES", "20"))
        e2e(bin_dir, out, name, d, mmlu, "mmlu_5shot", n or None, 16, 2048)
        if os.environ.get("BENCH_MMLU_FULL"):
            wall, res = run_ours_e2e(bin_dir, d, mmlu, "/tmp/lighteval-bench/e2e-8b-mmlu-full")
            log(out, {"bench": "e2e_ours_only", "model": name, "tasks": "mmlu_5shot_full", "ours_wall_s": round(wall, 2),
                      "ours_results_all": res["results"].get("all")})
    if "gen" in parts:  # greedy generation (gsm8k 5-shot) on the GPT-2 shape: CUDA graphs on vs off
        name = "gpt2-124m"
        model, d = make_model(name)
        del model
        torch.cuda.empty_cache()
        n = int(os.environ.get("BENCH_GEN_SAMPLES", "256"))
        for graphs in ("1", "0"):
            os.environ["LIGHTEVAL_CUDA_GRAPHS"] = graphs
            wall, res = run_ours_e2e(bin_dir, d, "leaderboard|gsm8k|5|0", f"/tmp/lighteval-bench/e2e-gen-graphs{graphs}", n)
            phases = [l.strip() for l in open(f"/tmp/lighteval-bench/e2e-gen-graphs{graphs}.stderr.log") if " in " in l]
            log(out, {"bench": "e2e_generation", "model": name, "tasks": "gsm8k_5shot", "max_samples": n,
                      "cuda_graphs": graphs == "1", "ours_wall_s": round(wall, 2), "phases": phases,
                      "ours_results_all": res["results"].get("all")})
        os.environ.pop("LIGHTEVAL_CUDA_GRAPHS")
    if "8b-full" in parts:  # only our full MMLU 5-shot run (transformers would take about an hour)
        name = "llama3-8b"
        model, d = make_model(name)
        del model
        torch.cuda.empty_cache()
        wall, res = run_ours_e2e(bin_dir, d, mmlu, "/tmp/lighteval-bench/e2e-8b-mmlu-full")
        log(out, {"bench": "e2e_ours_only", "model": name, "tasks": "mmlu_5shot_full", "ours_wall_s": round(wall, 2),
                  "ours_results_all": res["results"].get("all")})
        phases = [l for l in open("/tmp/lighteval-bench/e2e-8b-mmlu-full.stderr.log") if " in " in l]
        print("".join(phases[-6:]))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2]))
    if len(sys.argv) >= 4 and sys.argv[1] == "bench":
        sys.exit(bench(sys.argv[2], sys.argv[3], sys.argv[4:]))
    print(__doc__)
    sys.exit(2)
