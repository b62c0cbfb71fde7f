#!/usr/bin/python3
"""bench/gguf_from_hf.py: a HuggingFace GPT-2 folder as a GGUF file for llama.cpp.

  bench/gguf_from_hf.py --llamacpp ~/src/llama.cpp MODEL_DIR OUT.gguf
  bench/gguf_from_hf.py --gguf-py ~/src/llama.cpp/gguf-py MODEL_DIR OUT.gguf

MODEL_DIR holds config.json, model.safetensors (F32 or F16), vocab.json and
merges.txt, as bench/make_models.py writes them.  The GGUF file has the
architecture `gpt2` and the same values: 2-D tensors keep the checkpoint's
dtype (F32 or F16); 1-D tensors (LayerNorm weights and biases, linear
biases) are stored as F32, widened exactly from F16 where the checkpoint has
F16, because llama.cpp's CPU graph adds them to F32 activations.  HF's
Conv1D weights are [in, out]; ggml's matrices are [out][in] row-major, so
those are transposed.  The tied LM head is written as `output.weight` (a
copy of `token_embd.weight`), as llama.cpp's GPT-2 loader requires it.

Only a measurement aid for bench/run's llamacpp group: it needs the
`gguf` Python package from a llama.cpp checkout, which the project never
fetches or builds.  Runs on Debian's /usr/bin/python3 with numpy.
"""
import argparse
import json
import os
import sys
import types

import numpy as np

# Conv1D weights ([in, out] in HF) that ggml wants as [out][in].
CONV1D = (".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight")


def import_gguf(gguf_py):
    sys.path.insert(0, gguf_py)
    try:
        import sentencepiece  # noqa: F401
    except ImportError:
        # gguf/__init__ imports its vocab module, which imports sentencepiece
        # for SentencePiece vocabularies; GPT-2's BPE vocabulary never uses
        # it, so a placeholder module is enough for writing.
        stub = types.ModuleType("sentencepiece")
        stub.SentencePieceProcessor = None
        sys.modules["sentencepiece"] = stub
    import gguf
    return gguf


def read_safetensors(path):
    """{name: numpy array (a read-only view of the file)}."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    dtypes = {"F32": np.float32, "F16": np.float16}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in dtypes:
            raise SystemExit(f"gguf_from_hf: {name}: dtype {info['dtype']} not supported (F32, F16 only)")
        start, end = info["data_offsets"]
        out[name] = data[start:end].view(dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def gguf_name(gguf, hf):
    """The llama.cpp tensor name of a HF GPT-2 tensor, or None to skip it."""
    T, names = gguf.MODEL_TENSOR, gguf.TENSOR_NAMES
    if hf.startswith("transformer."):
        hf = hf[len("transformer."):]
    if hf.endswith((".attn.bias", ".attn.masked_bias")):
        return None  # causal-mask buffers, not weights
    top = {"wte.weight": (T.TOKEN_EMBD, "weight"), "wpe.weight": (T.POS_EMBD, "weight"),
           "ln_f.weight": (T.OUTPUT_NORM, "weight"), "ln_f.bias": (T.OUTPUT_NORM, "bias")}
    if hf in top:
        t, kind = top[hf]
        return names[t] + "." + kind
    parts = hf.split(".")
    if parts[0] != "h":
        raise SystemExit(f"gguf_from_hf: unexpected tensor {hf}")
    bid, rest = int(parts[1]), ".".join(parts[2:-1])
    per_layer = {"ln_1": T.ATTN_NORM, "attn.c_attn": T.ATTN_QKV, "attn.c_proj": T.ATTN_OUT,
                 "ln_2": T.FFN_NORM, "mlp.c_fc": T.FFN_UP, "mlp.c_proj": T.FFN_DOWN}
    if rest not in per_layer:
        raise SystemExit(f"gguf_from_hf: unexpected tensor {hf}")
    return names[per_layer[rest]].format(bid=bid) + "." + parts[-1]


def convert(gguf, model_dir, out):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    if c.get("model_type") != "gpt2":
        raise SystemExit(f"gguf_from_hf: {model_dir}: model_type {c.get('model_type')}, not gpt2")
    tensors = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    wte = tensors.get("wte.weight", tensors.get("transformer.wte.weight"))
    if wte is None:
        raise SystemExit("gguf_from_hf: no wte.weight")
    f16 = wte.dtype == np.float16

    w = gguf.GGUFWriter(out + ".tmp", gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.GPT2])
    w.add_name(os.path.basename(os.path.normpath(model_dir)))
    w.add_block_count(c["n_layer"])
    w.add_context_length(c.get("n_ctx", c["n_positions"]))
    w.add_embedding_length(c["n_embd"])
    w.add_feed_forward_length(c.get("n_inner") or 4 * c["n_embd"])
    w.add_head_count(c["n_head"])
    w.add_layer_norm_eps(c["layer_norm_epsilon"])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.ALL_F32)

    # Vocabulary: GPT-2's byte-level BPE, tokens as vocab.json spells them.
    with open(os.path.join(model_dir, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    n_vocab = c["vocab_size"]
    by_id = {i: tok for tok, i in vocab.items()}
    tokens, types_ = [], []
    for i in range(n_vocab):
        tok = by_id.get(i)
        if tok is None:
            tokens.append(f"[PAD{i}]")
            types_.append(gguf.TokenType.UNUSED)
        elif tok.startswith("<|") and tok.endswith("|>"):
            tokens.append(tok)
            types_.append(gguf.TokenType.CONTROL)
        else:
            tokens.append(tok)
            types_.append(gguf.TokenType.NORMAL)
    with open(os.path.join(model_dir, "merges.txt"), encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#version")]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types(types_)
    w.add_token_merges(merges)
    eos = c.get("eos_token_id", n_vocab - 1)
    w.add_bos_token_id(c.get("bos_token_id", eos))
    w.add_eos_token_id(eos)
    # GPT-2 prompts start with their own tokens (no BOS), as in the engine.
    w.add_add_bos_token(False)
    w.add_add_eos_token(False)

    for hf, arr in tensors.items():
        name = gguf_name(gguf, hf)
        if name is None:
            continue
        if arr.ndim == 1:
            arr = arr.astype(np.float32)
        elif hf.endswith(CONV1D):
            arr = np.ascontiguousarray(arr.T)
        else:
            arr = np.ascontiguousarray(arr)
        w.add_tensor(name, arr)
        if name == gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.TOKEN_EMBD] + ".weight":
            w.add_tensor(gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.OUTPUT] + ".weight", arr)  # tied LM head

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(out + ".tmp", out)
    return "F16" if f16 else "F32"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("out")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--gguf-py", help="llama.cpp's gguf-py directory")
    g.add_argument("--llamacpp", help="a llama.cpp checkout (its gguf-py is used)")
    a = ap.parse_args()
    gguf_py = a.gguf_py or os.path.join(a.llamacpp, "gguf-py")
    if not os.path.isdir(os.path.join(gguf_py, "gguf")):
        raise SystemExit(f"gguf_from_hf: no gguf package in {gguf_py}")
    gguf = import_gguf(gguf_py)
    dtype = convert(gguf, a.model_dir, a.out)
    print(f"gguf_from_hf: wrote {a.out} ({dtype} weights, F32 1-D tensors)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
