#!/usr/bin/env python3
"""Export a train_gpt2.py checkpoint as a HuggingFace GPT2LMHeadModel folder.

    export_gpt2.py --ckpt RUN/ckpt.pt --tokenizer TOKDIR --out data/models/leaf-gpt2

Writes config.json, model.safetensors (F16, "transformer."-prefixed keys, no
lm_head: tied to wte), vocab.json, merges.txt, tokenizer_config.json,
special_tokens_map.json, generation_config.json and leafscope-prompt.json
(the prompt contract: the exact header the model was trained on).  The
model card README.md is written by hand.  After writing, the folder is read
back and compared with the checkpoint rounded to F16.
"""
import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
import safetensors_io  # noqa: E402
from bpe import SPECIALS  # noqa: E402
from gpt2 import Config, GPT2LMHeadModel  # noqa: E402

PROMPT_TEMPLATE = ("<|findings|>\nlanguage: {language}\ndiagnosis: {label}\n"
                   "confidence: {confidence}%\nrunner-up: {runner_up} ({runner_up_confidence}%)\n"
                   "uncertain: {uncertain}\naffected area: {affected_area}%\n"
                   "evidence: {evidence}\nphoto: {quality}\n<|report|>\n")

# Sampling used by the app by default (eval_writer.py measures it too).
GENERATION = {"do_sample": True, "temperature": 0.7, "top_k": 40, "top_p": 0.95}


def dump(obj, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def load_folder(folder):
    """A GPT2LMHeadModel (float32) from an exported folder."""
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    cfg = Config(c["vocab_size"], c["n_positions"], c["n_embd"], c["n_layer"], c["n_head"],
                 c["layer_norm_epsilon"], c["bos_token_id"], c["eos_token_id"])
    model = GPT2LMHeadModel(cfg)
    sd = {k: v.float() for k, v in safetensors_io.load(os.path.join(folder, "model.safetensors")).items()}
    model.load_state_dict(sd, strict=True)
    model.eval()
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    ck = torch.load(a.ckpt, map_location="cpu")
    c = ck["config"]
    os.makedirs(a.out, exist_ok=True)
    sd = {k: v.to(torch.float16) for k, v in ck["model"].items()}
    assert all(k.startswith("transformer.") for k in sd), "unexpected key layout"
    safetensors_io.save(sd, os.path.join(a.out, "model.safetensors"), {"format": "pt"})
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(os.path.join(a.tokenizer, name), os.path.join(a.out, name))
    with open(os.path.join(a.tokenizer, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    eot = vocab["<|endoftext|>"]
    assert c["vocab_size"] == len(vocab)

    dump({
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": c["vocab_size"],
        "n_positions": c["n_positions"],
        "n_ctx": c["n_positions"],
        "n_embd": c["n_embd"],
        "n_layer": c["n_layer"],
        "n_head": c["n_head"],
        "n_inner": None,
        "activation_function": "gelu_new",
        "layer_norm_epsilon": c["layer_norm_epsilon"],
        "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        "use_cache": True,
        "bos_token_id": eot,
        "eos_token_id": eot,
        "torch_dtype": "float16",
    }, os.path.join(a.out, "config.json"))
    added = {str(vocab[s]): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                             "single_word": False, "special": True} for s in SPECIALS}
    dump({
        "tokenizer_class": "GPT2Tokenizer",
        "model_max_length": c["n_positions"],
        "add_prefix_space": False,
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "additional_special_tokens": [s for s in SPECIALS if s != "<|endoftext|>"],
        "added_tokens_decoder": added,
    }, os.path.join(a.out, "tokenizer_config.json"))
    dump({
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "additional_special_tokens": [s for s in SPECIALS if s != "<|endoftext|>"],
    }, os.path.join(a.out, "special_tokens_map.json"))
    dump(dict({"bos_token_id": eot, "eos_token_id": eot, "pad_token_id": eot,
               "max_new_tokens": 300}, **GENERATION),
         os.path.join(a.out, "generation_config.json"))
    dump({
        "format": 1,
        "template": PROMPT_TEMPLATE,
        "stop": ["<|endoftext|>", "<|findings|>"],
        "max_new_tokens": 300,
    }, os.path.join(a.out, "leafscope-prompt.json"))

    # Read back and compare with the checkpoint rounded to F16.
    model = load_folder(a.out)
    ref = {k: v.to(torch.float16).float() for k, v in ck["model"].items()}
    for k, v in model.state_dict().items():
        assert torch.equal(v, ref[k]), k
    size = os.path.getsize(os.path.join(a.out, "model.safetensors"))
    print("exported step %d (%.1f min of training) to %s: model.safetensors %.2f MB, %d tensors; read-back equal"
          % (ck["step"], ck["minutes"], a.out, size / 1e6, len(sd)))


if __name__ == "__main__":
    main()
