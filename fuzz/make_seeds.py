#!/usr/bin/env python3
"""Writes the seed inputs of the safetensors, model_config, model_args and tokenizer fuzz targets
into fuzz/seeds/<target>/ (small files; run from the repo root: python3 fuzz/make_seeds.py).
Checkpoints are written with the safetensors layout (8-byte little-endian header length, JSON
header padded with spaces, then the tensors back to back) from Python's struct module, so the seeds
do not depend on our own writer. Tensor names and shapes follow transformers' GPT2LMHeadModel and
LlamaForCausalLM; shapes are tiny so the fuzzer runs thousands of loads a second."""
import json
import os
import random
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")

FORMATS = {"F32": ("<f", 4), "F16": ("<e", 2), "I8": ("<b", 1), "U8": ("<B", 1), "I64": ("<q", 8),
           "F64": ("<d", 8), "I32": ("<i", 4), "U16": ("<H", 2), "BOOL": ("<B", 1)}


def tensor_bytes(dtype, values):
    if dtype == "BF16":  # top half of the float32 pattern (truncation is fine for seeds)
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    if dtype in ("F8_E4M3", "F8_E5M2"):
        return bytes((int(v * 16) & 0xFF) for v in values)
    fmt, _ = FORMATS[dtype]
    if fmt in ("<b", "<B", "<q", "<i", "<H"):
        lo = 0 if fmt in ("<B", "<H") else -100
        return b"".join(struct.pack(fmt, max(lo, min(100, int(v * 50)))) for v in values)
    return b"".join(struct.pack(fmt, v) for v in values)


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, values)."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, values in tensors:
        data = tensor_bytes(dtype, values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def rand_tensor(rng, name, shape, dtype="F16", scale=0.3):
    return (name, dtype, shape, [rng.uniform(-scale, scale) for _ in range(numel(shape))])


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def llama_checkpoint(rng, cfg, dtype="F16"):
    H, V, I = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    nh = cfg["num_attention_heads"]
    hd = cfg.get("head_dim", H // nh)
    kvd = cfg.get("num_key_value_heads", nh) * hd
    ts = [rand_tensor(rng, "model.embed_tokens.weight", [V, H], dtype),
          ("model.norm.weight", dtype, [H], [1.0] * H)]
    if not cfg.get("tie_word_embeddings", False):
        ts.append(rand_tensor(rng, "lm_head.weight", [V, H], dtype))
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        ts += [(p + "input_layernorm.weight", dtype, [H], [1.0] * H),
               (p + "post_attention_layernorm.weight", dtype, [H], [1.0] * H),
               rand_tensor(rng, p + "self_attn.q_proj.weight", [nh * hd, H], dtype),
               rand_tensor(rng, p + "self_attn.k_proj.weight", [kvd, H], dtype),
               rand_tensor(rng, p + "self_attn.v_proj.weight", [kvd, H], dtype),
               rand_tensor(rng, p + "self_attn.o_proj.weight", [H, nh * hd], dtype),
               rand_tensor(rng, p + "mlp.gate_proj.weight", [I, H], dtype),
               rand_tensor(rng, p + "mlp.up_proj.weight", [I, H], dtype),
               rand_tensor(rng, p + "mlp.down_proj.weight", [H, I], dtype)]
        if cfg.get("attention_bias") or cfg["architectures"][0] == "Qwen2ForCausalLM":
            ts += [rand_tensor(rng, p + "self_attn.q_proj.bias", [nh * hd], dtype),
                   rand_tensor(rng, p + "self_attn.k_proj.bias", [kvd], dtype),
                   rand_tensor(rng, p + "self_attn.v_proj.bias", [kvd], dtype)]
    return safetensors(ts)


def gpt2_checkpoint(rng, cfg, dtype="F16", prefix="transformer."):
    H, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    I = cfg.get("n_inner") or 4 * H
    ts = [rand_tensor(rng, prefix + "wte.weight", [V, H], dtype),
          rand_tensor(rng, prefix + "wpe.weight", [P, H], dtype),
          (prefix + "ln_f.weight", dtype, [H], [1.0] * H), (prefix + "ln_f.bias", dtype, [H], [0.0] * H)]
    for l in range(cfg["n_layer"]):
        p = f"{prefix}h.{l}."
        ts += [(p + "ln_1.weight", dtype, [H], [1.0] * H), (p + "ln_1.bias", dtype, [H], [0.0] * H),
               (p + "ln_2.weight", dtype, [H], [1.0] * H), (p + "ln_2.bias", dtype, [H], [0.0] * H),
               rand_tensor(rng, p + "attn.c_attn.weight", [H, 3 * H], dtype),
               rand_tensor(rng, p + "attn.c_attn.bias", [3 * H], dtype),
               rand_tensor(rng, p + "attn.c_proj.weight", [H, H], dtype),
               rand_tensor(rng, p + "attn.c_proj.bias", [H], dtype),
               rand_tensor(rng, p + "mlp.c_fc.weight", [H, I], dtype),
               rand_tensor(rng, p + "mlp.c_fc.bias", [I], dtype),
               rand_tensor(rng, p + "mlp.c_proj.weight", [I, H], dtype),
               rand_tensor(rng, p + "mlp.c_proj.bias", [H], dtype)]
    return safetensors(ts)


def shrink(cfg):
    """A fixture config.json (tests/fixtures/models) with its shapes made tiny."""
    cfg = dict(cfg)
    for k, v in {"vocab_size": 12, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "max_position_embeddings": 16, "n_embd": 8, "n_head": 2,
                 "n_layer": 1, "n_positions": 8}.items():
        if k in cfg:
            cfg[k] = v
    if "num_key_value_heads" in cfg:
        cfg["num_key_value_heads"] = 1 if cfg["num_key_value_heads"] != cfg.get("num_attention_heads") else 2
    if "head_dim" in cfg:
        cfg["head_dim"] = 4
    if "layer_types" in cfg:
        cfg["layer_types"] = cfg["layer_types"][:1]
    if "rope_parameters" in cfg and "original_max_position_embeddings" in cfg["rope_parameters"]:
        cfg["rope_parameters"]["original_max_position_embeddings"] = 8
    return cfg


def model_config_seeds():
    rng = random.Random(5)
    models = os.path.join(ROOT, "tests", "fixtures", "models")
    for name in sorted(os.listdir(models)):
        path = os.path.join(models, name, "config.json")
        if not os.path.exists(path):
            continue
        cfg = shrink(json.load(open(path)))
        arch = cfg["architectures"][0]
        ckpt = gpt2_checkpoint(rng, cfg) if arch == "GPT2LMHeadModel" else llama_checkpoint(rng, cfg)
        write("model_config", name, json.dumps(cfg, indent=1).encode() + b"----weights----" + ckpt)
    # Minimal hand-written ones: BF16 Llama with no prefix spelled out; GPT-2 without "transformer.".
    cfg = {"architectures": ["LlamaForCausalLM"], "vocab_size": 6, "hidden_size": 4, "intermediate_size": 4,
           "num_hidden_layers": 1, "num_attention_heads": 1, "rope_theta": 500000.0,
           "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}, "tie_word_embeddings": True}
    write("model_config", "llama_dynamic_bf16", json.dumps(cfg).encode() + b"----weights----" +
          llama_checkpoint(rng, cfg, "BF16"))
    cfg = {"architectures": ["GPT2LMHeadModel"], "vocab_size": 5, "n_embd": 4, "n_head": 1, "n_layer": 1,
           "n_positions": 4, "activation_function": "relu"}
    write("model_config", "gpt2_noprefix_f32", json.dumps(cfg).encode() + b"----weights----" +
          gpt2_checkpoint(rng, cfg, "F32", prefix=""))


def safetensors_seeds():
    rng = random.Random(7)
    mode0, mode1 = b"\x00", b"\x01"
    many = [rand_tensor(rng, f"t.{d}", [2, 3], d) for d in
            ["F32", "F16", "BF16", "I8", "U8", "I64", "F64", "I32", "U16", "BOOL", "F8_E4M3", "F8_E5M2"]]
    write("safetensors", "dtypes", mode0 + safetensors(many, {"format": "pt"}))
    write("safetensors", "scalar_and_empty", mode0 + safetensors(
        [("scalar", "F32", [], [1.5]), ("empty", "F16", [0, 4], []), ("vec", "BF16", [3], [1.0, -2.0, 0.5])]))
    write("safetensors", "empty_header", mode0 + struct.pack("<Q", 8) + b"{}      ")
    ckpt_a = safetensors([rand_tensor(rng, "model.embed_tokens.weight", [4, 2], "F32")])
    ckpt_b = safetensors([rand_tensor(rng, "model.norm.weight", [2], "F16"),
                          rand_tensor(rng, "lm_head.weight", [4, 2], "BF16")])
    index = {"metadata": {"total_size": 40}, "weight_map": {
        "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
        "model.norm.weight": "model-00002-of-00002.safetensors",
        "lm_head.weight": "model-00002-of-00002.safetensors"}}
    sep = b"----shard----"
    write("safetensors", "sharded", mode1 + json.dumps(index).encode() + sep + ckpt_a + sep + ckpt_b)
    index1 = {"weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors"}}
    write("safetensors", "sharded_one", mode1 + json.dumps(index1).encode() + sep + ckpt_a)


def model_args_seeds():
    seeds = {
        "accelerate": "\x00pretrained=gpt2,revision=main,dtype=bfloat16,max_length=2048,batch_size=4",
        "accelerate_full": "\x00pretrained=org/model,tokenizer=org/tok,subfolder=x,add_special_tokens=False,"
                           "model_parallel=True,use_chat_template,trust_remote_code=True,device=cuda:1,"
                           "multichoice_continuations_start_space=None,max_gen_toks=64",
        "accelerate_vllm": "\x00vllm,pretrained=m,gpu_memory_utilisation=0.5,tensor_parallel_size=1,seed=3",
        "dummy": "\x00dummy,seed=123",
        "vllm_entry": "\x01pretrained=HuggingFaceH4/zephyr-7b-beta,dtype=float16,gpu_memory_utilization=0.8,"
                      "max_model_length=4096,data_parallel_size=1,pipeline_parallel_size=1",
        "split": "\x02a=1,b,c=3,,d=",
        "yaml_base": "\x03model:\n  type: \"base\"\n  base_params:\n    model_args: \"pretrained=gpt2,revision=main\"\n"
                     "    dtype: \"bfloat16\"\n    compile: true\n  merged_weights:\n    delta_weights: false\n"
                     "    adapter_weights: false\n    base_model: null\n  generation:\n"
                     "    multichoice_continuations_start_space: null\n",
        "yaml_tgi": "\x03model:\n  type: tgi\n  instance:\n    inference_server_address: \"\"\n",
    }
    for name, text in seeds.items():
        write("model_args", name, text)


def small_model(model, base_model):
    """The tokenizer model with a vocabulary cut to a few hundred entries (merges kept only where both
    parts and the result survive), so a fuzzed tokenizer.json stays a few KB."""
    model = dict(model)
    if base_model is not None:
        model["vocab"], model["merges"] = base_model["vocab"], base_model["merges"]
    if model["type"] == "BPE":
        limit = 420
        vocab = {t: i for t, i in model["vocab"].items() if i < limit}
        merges = []
        for m in model["merges"]:
            a, b = m.split(" ", 1) if isinstance(m, str) else m
            if a in vocab and b in vocab and a + b in vocab:
                merges.append(m)
        model["vocab"], model["merges"] = vocab, merges[:200]
    elif model["type"] == "WordPiece":
        model["vocab"] = {t: i for t, i in model["vocab"].items() if i < 300}
    elif model["type"] == "Unigram":
        model["vocab"] = model["vocab"][:300]
    return model


def tokenizer_seeds():
    """Mode 0 seeds: the pipelines of tests/fixtures/tokenizer/variants (HF tokenizers' own
    normalizer / pre-tokenizer / decoder configurations) with small vocabularies; the variants that
    borrow gpt2's or llama2's vocabulary take it from ../shared/assets when it is there."""
    variants = os.path.join(ROOT, "tests", "fixtures", "tokenizer", "variants")
    bases = {}
    hub = os.path.join(os.path.dirname(ROOT), "shared", "assets", "hub", "models", "fixtures")
    for base in ("gpt2", "llama2"):
        path = os.path.join(hub, base + "-tokenizer", "tokenizer.json")
        if os.path.exists(path):
            bases[base] = json.load(open(path))["model"]
    for name in sorted(os.listdir(variants)):
        doc = json.load(open(os.path.join(variants, name)))
        tok = doc["tokenizer"]
        if doc["base"] is not None and doc["base"] not in bases:
            continue
        tok["model"] = small_model(tok["model"], bases.get(doc["base"]))
        write("tokenizer", "json_" + name, b"\x00" + json.dumps(tok, ensure_ascii=False).encode())
    texts = ["Hello world! It's 2024.", "  leading spaces\tand\ttabs\n\nnew lines  ",
             "caf\u00e9 na\u00efve \u00c5ngstr\u00f6m \ufb01 \u2126", "\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3002 \U0001F600",
             "<s>[INST] hi [/INST]</s><|endoftext|>", "\xff\xfe invalid \x80 bytes"]
    for i, t in enumerate(texts):
        for sel in (1, 3, 9, 17):
            data = t.encode("utf-8", "surrogateescape") if i != 5 else b"\xff\xfe invalid \x80 bytes"
            write("tokenizer", f"text_{i}_{sel}", bytes([sel]) + data)


if __name__ == "__main__":
    for t in ("safetensors", "model_config", "model_args", "tokenizer"):
        d = os.path.join(SEEDS, t)
        # regress-* files are inputs that once failed (kept by hand), not written here.
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if not name.startswith("regress-"):
                os.remove(os.path.join(d, name))
    safetensors_seeds()
    model_config_seeds()
    model_args_seeds()
    tokenizer_seeds()
