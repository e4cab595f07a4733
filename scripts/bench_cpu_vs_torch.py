#!/usr/bin/python3
"""CPU scoring benchmark: lighteval-cpp's engine against a PyTorch CPU forward, same weights, same tokens.

Run with Debian's python3 (it has python3-torch and python3-numpy; transformers is not needed):

    /usr/bin/python3 scripts/bench_cpu_vs_torch.py --bench build/bench/cpu_scoring_bench

It writes a random-initialised GPT-2 checkpoint (124M shape by default: 12 layers, 768 wide, vocab 50257)
as model.safetensors + config.json, and a leaderboard-like request set: questions of ~300 context tokens,
each with several short continuations (the choices of a multiple-choice question share the context).
Then, in one run, it times
  * ours:  cpu_scoring_bench on those files (prefix sharing on, and once more with --no-share), and
  * torch: a plain GPT-2 forward written below, one request at a time (no padding), LM head only at the
           scored positions, torch.set_num_threads(THREADS),
prints tokens/s (request input tokens per second, the same count for both) and the ratios, and checks
that the per-request log-prob sums agree within --tolerance. Exit status 1 when they do not.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch


def write_safetensors(path, tensors):
    """tensors: name -> float32 numpy array. The format: u64 header length, JSON header, raw bytes."""
    header, offset, blobs = {}, 0, []
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(len(head).to_bytes(8, "little"))
        f.write(head)
        for b in blobs:
            f.write(b)


def make_gpt2(layers, hidden, heads, vocab, positions, seed):
    """HF GPT2LMHeadModel tensor names and Conv1D layouts ([in, out]); init as GPT-2's _init_weights."""
    rng = np.random.default_rng(seed)

    def normal(*shape, std=0.02):
        return (rng.standard_normal(shape, dtype=np.float32) * std).astype(np.float32)

    t = {"wte.weight": normal(vocab, hidden), "wpe.weight": normal(positions, hidden, std=0.01)}
    for l in range(layers):
        p = f"h.{l}."
        t[p + "ln_1.weight"] = 1.0 + normal(hidden)
        t[p + "ln_1.bias"] = normal(hidden)
        t[p + "attn.c_attn.weight"] = normal(hidden, 3 * hidden)
        t[p + "attn.c_attn.bias"] = normal(3 * hidden)
        t[p + "attn.c_proj.weight"] = normal(hidden, hidden, std=0.02 / math.sqrt(2 * layers))
        t[p + "attn.c_proj.bias"] = normal(hidden)
        t[p + "ln_2.weight"] = 1.0 + normal(hidden)
        t[p + "ln_2.bias"] = normal(hidden)
        t[p + "mlp.c_fc.weight"] = normal(hidden, 4 * hidden)
        t[p + "mlp.c_fc.bias"] = normal(4 * hidden)
        t[p + "mlp.c_proj.weight"] = normal(4 * hidden, hidden, std=0.02 / math.sqrt(2 * layers))
        t[p + "mlp.c_proj.bias"] = normal(hidden)
    t["ln_f.weight"] = 1.0 + normal(hidden)
    t["ln_f.bias"] = normal(hidden)
    config = {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": vocab, "n_embd": hidden,
        "n_layer": layers, "n_head": heads, "n_positions": positions, "n_inner": None,
        "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True,
        "bos_token_id": vocab - 1, "eos_token_id": vocab - 1, "torch_dtype": "float32",
    }
    return t, config


def make_requests(questions, choices, ctx_len, vocab, seed):
    """Leaderboard-like: each question is a context of ~ctx_len tokens and `choices` continuations of
    1-12 tokens. Request input = ctx + cont[:-1], targets = cont (what lighteval's loglikelihood feeds)."""
    rng = np.random.default_rng(seed + 1)
    reqs = []
    for _ in range(questions):
        n = int(rng.integers(ctx_len * 3 // 4, ctx_len * 5 // 4 + 1))
        ctx = rng.integers(0, vocab, n).tolist()
        for _ in range(choices):
            cont = rng.integers(0, vocab, int(rng.integers(1, 13))).tolist()
            reqs.append({"input": ctx + cont[:-1], "targets": cont})
    return reqs


class TorchGPT2:
    """The GPT-2 forward in a few lines (as transformers' GPT2Model computes it, fp32)."""

    def __init__(self, t, config):
        self.t = {k: torch.from_numpy(v) for k, v in t.items()}
        self.layers, self.heads = config["n_layer"], config["n_head"]
        self.eps = config["layer_norm_epsilon"]

    def logprobs(self, inp, targets):
        t, H = self.t, self.t["wte.weight"].shape[1]
        n, hd = len(inp), H // self.heads
        ids = torch.tensor(inp)
        x = t["wte.weight"][ids] + t["wpe.weight"][:n]
        mask = torch.full((n, n), float("-inf")).triu(1)
        ln = torch.nn.functional.layer_norm
        for l in range(self.layers):
            p = f"h.{l}."
            h = ln(x, (H,), t[p + "ln_1.weight"], t[p + "ln_1.bias"], self.eps)
            qkv = torch.addmm(t[p + "attn.c_attn.bias"], h, t[p + "attn.c_attn.weight"])
            q, k, v = (z.view(n, self.heads, hd).transpose(0, 1) for z in qkv.split(H, dim=1))
            att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + mask, dim=-1)
            a = (att @ v).transpose(0, 1).reshape(n, H)
            x = x + torch.addmm(t[p + "attn.c_proj.bias"], a, t[p + "attn.c_proj.weight"])
            h = ln(x, (H,), t[p + "ln_2.weight"], t[p + "ln_2.bias"], self.eps)
            h = torch.nn.functional.gelu(torch.addmm(t[p + "mlp.c_fc.bias"], h, t[p + "mlp.c_fc.weight"]),
                                         approximate="tanh")
            x = x + torch.addmm(t[p + "mlp.c_proj.bias"], h, t[p + "mlp.c_proj.weight"])
        rows = x[n - len(targets):]  # logits only where scored
        rows = ln(rows, (H,), t["ln_f.weight"], t["ln_f.bias"], self.eps)
        logits = rows @ t["wte.weight"].T
        lp = torch.log_softmax(logits.double(), dim=-1)
        return float(lp[torch.arange(len(targets)), torch.tensor(targets)].sum())


def run_ours(bench, model_dir, req_file, threads, repeat, share):
    cmd = [bench, "--model", model_dir, "--requests", req_file, "--threads", str(threads), "--repeat", str(repeat)]
    if not share:
        cmd.append("--no-share")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="path to the cpu_scoring_bench binary")
    ap.add_argument("--workdir", help="where to write the checkpoint and requests (default: a temp dir)")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--vocab", type=int, default=50257)
    ap.add_argument("--questions", type=int, default=16)
    ap.add_argument("--choices", type=int, default=4)
    ap.add_argument("--context", type=int, default=300, help="mean context length in tokens")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="timed repetitions (best is kept), each side")
    ap.add_argument("--tolerance", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or tmp
        model_dir = os.path.join(work, "gpt2-random")
        os.makedirs(model_dir, exist_ok=True)
        tensors, config = make_gpt2(args.layers, args.hidden, args.heads, args.vocab, 1024, args.seed)
        write_safetensors(os.path.join(model_dir, "model.safetensors"), tensors)
        with open(os.path.join(model_dir, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
        reqs = make_requests(args.questions, args.choices, args.context, args.vocab, args.seed)
        req_file = os.path.join(work, "requests.json")
        with open(req_file, "w") as f:
            json.dump({"requests": reqs}, f)
        tokens = sum(len(r["input"]) for r in reqs)
        n_params = sum(v.size for v in tensors.values())
        print(f"model: GPT-2 shape, {args.layers} layers, {args.hidden} wide, vocab {args.vocab}, "
              f"{n_params / 1e6:.1f}M parameters (fp32)")
        print(f"requests: {len(reqs)} ({args.questions} questions x {args.choices} choices), {tokens} input tokens, "
              f"{sum(len(r['targets']) for r in reqs)} scored; threads: {args.threads}")

        ours = run_ours(args.bench, model_dir, req_file, args.threads, args.repeat, share=True)
        plain = run_ours(args.bench, model_dir, req_file, args.threads, args.repeat, share=False)

        torch.set_num_threads(args.threads)
        model = TorchGPT2(tensors, config)
        del tensors
        best, ref = float("inf"), None
        with torch.inference_mode():
            model.logprobs(reqs[0]["input"], reqs[0]["targets"])  # warm-up
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                lps = [model.logprobs(r["input"], r["targets"]) for r in reqs]
                best = min(best, time.perf_counter() - t0)
                ref = lps

    torch_tps = tokens / best
    print(f"torch {torch.__version__} CPU forward: {torch_tps:10.1f} tokens/s ({best:.2f} s)")
    for label, res in (("ours, shared prefixes", ours), ("ours, no sharing     ", plain)):
        print(f"{label}: {res['tokens_per_s']:10.1f} tokens/s ({res['seconds']:.2f} s, "
              f"{res['computed_rows']} rows computed)  ratio vs torch: {res['tokens_per_s'] / torch_tps:.2f}x")
    print(f"ours: peak RSS {ours['peak_rss_bytes'] / 2**20:.0f} MiB; weights {ours['weights_bytes'] / 2**20:.0f} MiB "
          f"+ KV cache {ours['kv_cache_bytes'] / 2**20:.0f} MiB; "
          f"ratio {ours['peak_rss_bytes'] / (ours['weights_bytes'] + ours['kv_cache_bytes']):.2f}")
    worst = 0.0
    for res in (ours, plain):
        worst = max(worst, max(abs(a - b) for a, b in zip(res["logprobs"], ref)))
    print(f"log-prob sums: torch {sum(ref):.4f}, ours {ours['sum_logprob']:.4f} (shared) "
          f"{plain['sum_logprob']:.4f} (plain); largest per-request difference {worst:.2e}")
    if worst > args.tolerance:
        print(f"FAIL: log-probs differ by more than {args.tolerance}")
        return 1
    print("log-probs agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
