#!/usr/bin/env python3
"""A GPT-2 model folder with random weights, for timing leafscope-cli generate.

    make-gpt2-random.py OUT_DIR [--size 124m|tiny] [--vocab-json F --merges-txt F]

Needs only numpy: safetensors is written by hand (8-byte little-endian header
length, JSON header padded to 8 bytes, raw float32 data).  Weights follow
transformers' init (normal std 0.02, zero biases, LayerNorm weight 1), keys as
in the hub's `gpt2` checkpoint (no `transformer.` prefix, tied lm_head).
Without --vocab-json a stand-in tokenizer is written: the 256 byte tokens,
filler tokens up to 50255 and <|endoftext|> at 50256, no merges (each byte
of a prompt is one token).  Weights are not committed: write them outside the
repository or under bench/cache/ (ignored).
"""
import argparse
import json
import os
import shutil

import numpy as np

SIZES = {
    "124m": dict(vocab=50257, positions=1024, embd=768, layers=12, heads=12),
    "tiny": dict(vocab=50257, positions=128, embd=64, layers=2, heads=4),
}


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, a in tensors:
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(len(raw).to_bytes(8, "little"))
        f.write(raw)
        for _, a in tensors:
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", default="124m", choices=sorted(SIZES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab-json")
    ap.add_argument("--merges-txt")
    a = ap.parse_args()
    c = SIZES[a.size]
    rng = np.random.default_rng(a.seed)
    e, v, p = c["embd"], c["vocab"], c["positions"]

    def normal(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)

    t = [("wte.weight", normal(v, e)), ("wpe.weight", normal(p, e))]
    for i in range(c["layers"]):
        h = f"h.{i}."
        t += [(h + "ln_1.weight", np.ones(e, np.float32)), (h + "ln_1.bias", np.zeros(e, np.float32)),
              (h + "attn.c_attn.weight", normal(e, 3 * e)), (h + "attn.c_attn.bias", np.zeros(3 * e, np.float32)),
              (h + "attn.c_proj.weight", normal(e, e)), (h + "attn.c_proj.bias", np.zeros(e, np.float32)),
              (h + "ln_2.weight", np.ones(e, np.float32)), (h + "ln_2.bias", np.zeros(e, np.float32)),
              (h + "mlp.c_fc.weight", normal(e, 4 * e)), (h + "mlp.c_fc.bias", np.zeros(4 * e, np.float32)),
              (h + "mlp.c_proj.weight", normal(4 * e, e)), (h + "mlp.c_proj.bias", np.zeros(e, np.float32))]
    t += [("ln_f.weight", np.ones(e, np.float32)), ("ln_f.bias", np.zeros(e, np.float32))]

    os.makedirs(a.out, exist_ok=True)
    write_safetensors(os.path.join(a.out, "model.safetensors"), t)
    config = {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
        "vocab_size": v, "n_positions": p, "n_ctx": p, "n_embd": e, "n_layer": c["layers"],
        "n_head": c["heads"], "layer_norm_epsilon": 1e-05, "bos_token_id": v - 1, "eos_token_id": v - 1,
        "scale_attn_weights": True, "tie_word_embeddings": True,
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)

    if a.vocab_json and a.merges_txt:
        shutil.copyfile(a.vocab_json, os.path.join(a.out, "vocab.json"))
        shutil.copyfile(a.merges_txt, os.path.join(a.out, "merges.txt"))
    else:
        byte_chars = bytes_to_unicode()
        vocab = {byte_chars[b]: b for b in range(256)}
        for i in range(256, v - 1):
            vocab[f"<filler{i}>"] = i
        vocab["<|endoftext|>"] = v - 1
        with open(os.path.join(a.out, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)
        with open(os.path.join(a.out, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
    print(a.out, sum(x.size for _, x in t), "parameters")


if __name__ == "__main__":
    main()
