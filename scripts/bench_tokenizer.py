#!/usr/bin/env python3
"""Encode throughput: lighteval-cpp's tokenizer (bench/tokenizer_bench.cpp) vs HF `tokenizers`.

Same text (the tokenizer test corpus, 22,794 lines; invalid UTF-8 lines decoded with
errors="replace" for both) and same tokenizer files. MB/s of UTF-8 input, median of the passes
after a first warm-up pass, on 1 thread and on all threads. HF: encode_batch_fast (no offsets)
when the installed version has it, else encode_batch; 1 thread = RAYON_NUM_THREADS=1.
Usage: bench_tokenizer.py BENCH_BINARY CARRY_DIR OUT_DIR
"""
import gzip, json, os, statistics, struct, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fixtures"))
import make_tokenizer_refs as refs  # noqa: E402

HF_CHILD = r"""
import json, statistics, sys, time
from tokenizers import Tokenizer
path, texts_path, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
tok = Tokenizer.from_file(path)
texts = json.load(open(texts_path, encoding="utf-8"))
enc = getattr(tok, "encode_batch_fast", None) or tok.encode_batch
secs = []
for p in range(passes):
    t0 = time.perf_counter(); out = enc(texts); t1 = time.perf_counter()
    if p: secs.append(t1 - t0)
print(json.dumps({"seconds": statistics.median(secs), "tokens": sum(len(e.ids) for e in out),
                  "api": enc.__name__}))
"""


def main():
    binary, carry, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    records = refs.read_records(os.path.join(carry, "corpus.bin.gz"))
    texts = [r.decode("utf-8", errors="replace") for r in records]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    work = tempfile.mkdtemp()
    rec_path = os.path.join(work, "records.bin")
    with open(rec_path, "wb") as f:
        for t in texts:
            b = t.encode("utf-8")
            f.write(struct.pack("<I", len(b)) + b)
    texts_path = os.path.join(work, "texts.json")
    json.dump(texts, open(texts_path, "w", encoding="utf-8"), ensure_ascii=False)
    variants = refs.build_variants(carry, texts[len(refs.EDGE) + len(refs.INVALID):])
    targets = {}
    for name in ["gpt2", "llama2"]:
        targets[name] = (os.path.join(carry, "models", name), os.path.join(carry, "models", name, "tokenizer.json"))
    for name in ["llama3-style", "qwen2-style"]:
        p = os.path.join(work, name + ".json")
        variants[name].save(p)
        targets[name] = (p, p)
    results = []
    for name, (ours_path, hf_path) in targets.items():
        ours = json.loads(subprocess.check_output([binary, ours_path, rec_path, "5"]).decode())
        row = {"tokenizer": name, "bytes": nbytes, "threads": ours["threads"],
               "ours_tokens": ours["tokens"], "ours_mb_s_1": ours["mb_per_s_1_thread"],
               "ours_mb_s_all": ours["mb_per_s_all_threads"]}
        for label, env in [("1", {"RAYON_NUM_THREADS": "1"}), ("all", {})]:
            r = json.loads(subprocess.check_output([sys.executable, "-c", HF_CHILD, hf_path, texts_path, "5"],
                                                   env=dict(os.environ, **env)).decode())
            row["hf_mb_s_" + label] = round(nbytes / 1e6 / r["seconds"], 2)
            row["hf_tokens"] = r["tokens"]
            row["hf_api"] = r["api"]
        results.append(row)
        print(json.dumps(row), flush=True)
    json.dump(results, open(os.path.join(out, "bench.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
