"""Random-weight checkpoints at real sizes, in the HuggingFace folder layout.

Only numpy is needed (the safetensors format is written by hand: an 8-byte
header length, a JSON header padded to 8 bytes, the raw little-endian data).
Weights are drawn as transformers initialises them (normal, std 0.02; biases
zero; LayerNorm weight one), so activations look like a real model's.

  vit-b16/           ViT-B/16 at 224, 3 labels, as nateraw/vit-base-beans
  gpt2-124m-f32/     GPT-2 124M, as the hub's `gpt2` (attn.bias buffers included)
  gpt2-124m-f16/     same weights in F16
  smoke-vit/, smoke-gpt2/   tiny versions for `bench/run --smoke`

A folder is rebuilt only when missing or built by an older version of this file.
"""
import json
import os
import shutil
import sys

import numpy as np

VERSION = "1"  # bump when the content changes

VIT_B16 = dict(hidden=768, layers=12, heads=12, inter=3072, image=224, patch=16)
GPT2_124M = dict(vocab=50257, positions=1024, embd=768, layers=12, heads=12)
SMOKE_VIT = dict(hidden=64, layers=2, heads=4, inter=256, image=32, patch=8)
SMOKE_GPT2 = dict(vocab=400, positions=128, embd=32, layers=2, heads=4)

LABELS = ["angular_leaf_spot", "bean_rust", "healthy"]


def write_safetensors(path, tensors, dtype):
    """tensors: list of (name, float32 array); written as @dtype ('F32'/'F16')."""
    np_dtype = {"F32": np.float32, "F16": np.float16}[dtype]
    header = {}
    offset = 0
    arrays = []
    for name, arr in tensors:
        a = np.ascontiguousarray(arr, dtype=np_dtype)
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)  # data section 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(len(raw).to_bytes(8, "little"))
        f.write(raw)
        for a in arrays:
            f.write(a.tobytes())
    os.replace(tmp, path)


def vit_tensors(c, rng):
    h, inter, p = c["hidden"], c["inter"], c["patch"]
    n_tokens = (c["image"] // p) ** 2 + 1

    def w(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)

    t = [("vit.embeddings.cls_token", w(1, 1, h)),
         ("vit.embeddings.position_embeddings", w(1, n_tokens, h)),
         ("vit.embeddings.patch_embeddings.projection.weight", w(h, 3, p, p)),
         ("vit.embeddings.patch_embeddings.projection.bias", np.zeros(h, np.float32))]
    for i in range(c["layers"]):
        pre = f"vit.encoder.layer.{i}."
        t += [(pre + "layernorm_before.weight", np.ones(h, np.float32)),
              (pre + "layernorm_before.bias", np.zeros(h, np.float32))]
        for k in ("query", "key", "value"):
            t += [(pre + f"attention.attention.{k}.weight", w(h, h)),
                  (pre + f"attention.attention.{k}.bias", np.zeros(h, np.float32))]
        t += [(pre + "attention.output.dense.weight", w(h, h)),
              (pre + "attention.output.dense.bias", np.zeros(h, np.float32)),
              (pre + "layernorm_after.weight", np.ones(h, np.float32)),
              (pre + "layernorm_after.bias", np.zeros(h, np.float32)),
              (pre + "intermediate.dense.weight", w(inter, h)),
              (pre + "intermediate.dense.bias", np.zeros(inter, np.float32)),
              (pre + "output.dense.weight", w(h, inter)),
              (pre + "output.dense.bias", np.zeros(h, np.float32))]
    t += [("vit.layernorm.weight", np.ones(h, np.float32)),
          ("vit.layernorm.bias", np.zeros(h, np.float32)),
          ("classifier.weight", w(len(LABELS), h)),
          ("classifier.bias", np.zeros(len(LABELS), np.float32))]
    return t


def vit_config(c):
    return {
        "architectures": ["ViTForImageClassification"],
        "attention_probs_dropout_prob": 0.0, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0, "hidden_size": c["hidden"],
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "image_size": c["image"], "initializer_range": 0.02,
        "intermediate_size": c["inter"], "layer_norm_eps": 1e-12,
        "model_type": "vit", "num_attention_heads": c["heads"], "num_channels": 3,
        "num_hidden_layers": c["layers"], "patch_size": c["patch"], "qkv_bias": True,
        "torch_dtype": "float32",
    }


def gpt2_tensors(c, rng):
    e, v, n_pos = c["embd"], c["vocab"], c["positions"]

    def w(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)

    mask = np.tril(np.ones((n_pos, n_pos), np.float32)).reshape(1, 1, n_pos, n_pos)
    t = [("wte.weight", w(v, e)), ("wpe.weight", w(n_pos, e))]
    for i in range(c["layers"]):
        pre = f"h.{i}."
        t += [(pre + "ln_1.weight", np.ones(e, np.float32)),
              (pre + "ln_1.bias", np.zeros(e, np.float32)),
              (pre + "attn.bias", mask),
              (pre + "attn.c_attn.weight", w(e, 3 * e)),
              (pre + "attn.c_attn.bias", np.zeros(3 * e, np.float32)),
              (pre + "attn.c_proj.weight", w(e, e)),
              (pre + "attn.c_proj.bias", np.zeros(e, np.float32)),
              (pre + "ln_2.weight", np.ones(e, np.float32)),
              (pre + "ln_2.bias", np.zeros(e, np.float32)),
              (pre + "mlp.c_fc.weight", w(e, 4 * e)),
              (pre + "mlp.c_fc.bias", np.zeros(4 * e, np.float32)),
              (pre + "mlp.c_proj.weight", w(4 * e, e)),
              (pre + "mlp.c_proj.bias", np.zeros(e, np.float32))]
    t += [("ln_f.weight", np.ones(e, np.float32)), ("ln_f.bias", np.zeros(e, np.float32))]
    return t


def gpt2_config(c, dtype):
    return {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1, "bos_token_id": c["vocab"] - 1, "embd_pdrop": 0.1,
        "eos_token_id": c["vocab"] - 1, "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": c["positions"],
        "n_embd": c["embd"], "n_head": c["heads"], "n_layer": c["layers"],
        "n_positions": c["positions"], "resid_pdrop": 0.1,
        "scale_attn_weights": True, "summary_activation": None,
        "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
        "summary_type": "cls_index", "summary_use_proj": True,
        "torch_dtype": dtype, "use_cache": True, "vocab_size": c["vocab"],
    }


PREPROCESSOR = {  # nateraw/vit-base-beans' preprocessor_config.json
    "do_normalize": True, "do_resize": True,
    "feature_extractor_type": "ViTFeatureExtractor",
    "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
    "resample": 2, "size": 224,
}


def up_to_date(folder):
    try:
        with open(os.path.join(folder, ".bench-version")) as f:
            return f.read().strip() == VERSION
    except OSError:
        return False


def finish(folder):
    with open(os.path.join(folder, ".bench-version"), "w") as f:
        f.write(VERSION + "\n")


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def make_vit(folder, c, seed):
    if up_to_date(folder):
        return
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    write_json(os.path.join(folder, "config.json"), vit_config(c))
    pre = dict(PREPROCESSOR, size=c["image"])
    write_json(os.path.join(folder, "preprocessor_config.json"), pre)
    write_safetensors(os.path.join(folder, "model.safetensors"), vit_tensors(c, rng), "F32")
    finish(folder)


def make_gpt2(folders, c, seed, vocab_json, merges_txt):
    """folders: {"F32": path, "F16": path}, same weights."""
    if all(up_to_date(f) for f in folders.values()):
        return
    rng = np.random.default_rng(seed)
    tensors = gpt2_tensors(c, rng)
    for dtype, folder in folders.items():
        os.makedirs(folder, exist_ok=True)
        write_json(os.path.join(folder, "config.json"),
                   gpt2_config(c, "float32" if dtype == "F32" else "float16"))
        write_json(os.path.join(folder, "generation_config.json"),
                   {"bos_token_id": c["vocab"] - 1, "eos_token_id": c["vocab"] - 1})
        shutil.copyfile(vocab_json, os.path.join(folder, "vocab.json"))
        shutil.copyfile(merges_txt, os.path.join(folder, "merges.txt"))
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype)
        finish(folder)


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--vocab-json")
    ap.add_argument("--merges-txt")
    a = ap.parse_args()
    if a.smoke:
        make_vit(os.path.join(a.out, "smoke-vit"), SMOKE_VIT, 1)
        make_gpt2({"F32": os.path.join(a.out, "smoke-gpt2"),
                   "F16": os.path.join(a.out, "smoke-gpt2-f16")},
                  SMOKE_GPT2, 2, a.vocab_json, a.merges_txt)
    else:
        make_vit(os.path.join(a.out, "vit-b16"), VIT_B16, 1)
        make_gpt2({"F32": os.path.join(a.out, "gpt2-124m-f32"),
                   "F16": os.path.join(a.out, "gpt2-124m-f16")},
                  GPT2_124M, 2, a.vocab_json, a.merges_txt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
