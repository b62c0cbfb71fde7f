"""Plain-PyTorch reference of HuggingFace ViTForImageClassification and
GPT2LMHeadModel (same architecture and key names as transformers'
modeling_vit.py / modeling_gpt2.py, no transformers needed), loading the same
safetensors files as the engine, and a line protocol so that bench/run can
time it beside the engine's driver (bench/leafscope-bench.c):

  info | load_vit DIR | vit BATCH | load_gpt2 DIR | prefill N | decode P N
  | load_diagnoser DIR | diagnose IMAGE | writer_ids N ID... | sgemm M N K
  | bandwidth MB | rss | quit

Each command answers one JSON line.  Written to be a strong baseline, not a
copy of transformers' Python overheads: preallocated KV cache, the LM head on
the last position only, torch.inference_mode.

PyTorch 1.13 on CPU cannot multiply in float16 ("addmm_impl_cpu_" not
implemented for 'Half'), so F16 checkpoints are widened to float32 at load,
as transformers does on CPU by default.
"""
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_safetensors(path):
    """name -> float32 torch tensor (own memory, like from_pretrained)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dt = {"F32": np.float32, "F16": np.float16}[info["dtype"]]
        a = np.frombuffer(data[begin:end], dtype=dt).reshape(info["shape"])
        out[name] = torch.from_numpy(a.astype(np.float32))
    return out


def read_config(folder):
    with open(os.path.join(folder, "config.json")) as f:
        return json.load(f)


def weights_of(folder):
    return load_safetensors(os.path.join(folder, "model.safetensors"))


class Vit:
    """ViTForImageClassification: pre-norm encoder, CLS token classifier."""

    def __init__(self, folder):
        c = read_config(folder)
        sd = weights_of(folder)
        if not any(k.startswith("vit.") for k in sd):
            sd = {"vit." + k if not k.startswith("classifier.") else k: v for k, v in sd.items()}
        self.h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.patch = c["patch_size"]
        self.eps = c.get("layer_norm_eps", 1e-12)
        act = c.get("hidden_act", "gelu")
        self.gelu_approx = "tanh" if act in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast") else "none"
        g = lambda k: sd["vit." + k]
        self.cls = g("embeddings.cls_token")
        self.pos = g("embeddings.position_embeddings")
        self.patch_w = g("embeddings.patch_embeddings.projection.weight")
        self.patch_b = g("embeddings.patch_embeddings.projection.bias")
        self.layers = []
        for i in range(c["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            a = p + "attention.attention."
            self.layers.append(dict(
                ln1=(g(p + "layernorm_before.weight"), g(p + "layernorm_before.bias")),
                q=(g(a + "query.weight"), g(a + "query.bias")),
                k=(g(a + "key.weight"), g(a + "key.bias")),
                v=(g(a + "value.weight"), g(a + "value.bias")),
                o=(g(p + "attention.output.dense.weight"), g(p + "attention.output.dense.bias")),
                ln2=(g(p + "layernorm_after.weight"), g(p + "layernorm_after.bias")),
                fc1=(g(p + "intermediate.dense.weight"), g(p + "intermediate.dense.bias")),
                fc2=(g(p + "output.dense.weight"), g(p + "output.dense.bias"))))
        self.ln = (g("layernorm.weight"), g("layernorm.bias"))
        self.cls_head = (sd["classifier.weight"], sd["classifier.bias"]) if "classifier.weight" in sd else None

    def forward(self, pixels, attentions=False):
        B = pixels.shape[0]
        H, E = self.heads, self.h
        D = E // H
        x = F.conv2d(pixels, self.patch_w, self.patch_b, stride=self.patch)  # (B, E, g, g)
        x = x.flatten(2).transpose(1, 2)                                     # (B, P, E)
        x = torch.cat([self.cls.expand(B, -1, -1), x], dim=1) + self.pos     # (B, T, E)
        T = x.shape[1]
        atts = []
        for L in self.layers:
            h = F.layer_norm(x, (E,), *L["ln1"], self.eps)
            q = F.linear(h, *L["q"]).view(B, T, H, D).transpose(1, 2)        # (B, H, T, D)
            k = F.linear(h, *L["k"]).view(B, T, H, D).transpose(1, 2)
            v = F.linear(h, *L["v"]).view(B, T, H, D).transpose(1, 2)
            att = torch.softmax(q @ k.transpose(-1, -2) * (D ** -0.5), dim=-1)  # (B, H, T, T)
            if attentions:
                atts.append(att)
            ctx = (att @ v).transpose(1, 2).reshape(B, T, E)
            x = x + F.linear(ctx, *L["o"])
            h = F.layer_norm(x, (E,), *L["ln2"], self.eps)
            h = F.gelu(F.linear(h, *L["fc1"]), approximate=self.gelu_approx)
            x = x + F.linear(h, *L["fc2"])
        x = F.layer_norm(x, (E,), *self.ln, self.eps)
        logits = F.linear(x[:, 0], *self.cls_head) if self.cls_head else None
        return logits, atts


class Gpt2:
    """GPT2LMHeadModel with a preallocated KV cache; Conv1D weights are [in, out]."""

    def __init__(self, folder):
        c = read_config(folder)
        sd = weights_of(folder)
        sd = {k[len("transformer."):] if k.startswith("transformer.") else k: v for k, v in sd.items()}
        self.E = c["n_embd"]
        self.H = c["n_head"]
        self.n_pos = c["n_positions"]
        self.eps = c.get("layer_norm_epsilon", 1e-5)
        self.eos = c.get("eos_token_id")
        self.wte = sd["wte.weight"]
        self.wpe = sd["wpe.weight"]
        self.lm_head = sd.get("lm_head.weight", self.wte)
        self.layers = []
        for i in range(c["n_layer"]):
            p = f"h.{i}."
            g = lambda k: sd[p + k]
            self.layers.append(dict(
                ln1=(g("ln_1.weight"), g("ln_1.bias")),
                attn=(g("attn.c_attn.bias"), g("attn.c_attn.weight")),
                proj=(g("attn.c_proj.bias"), g("attn.c_proj.weight")),
                ln2=(g("ln_2.weight"), g("ln_2.bias")),
                fc=(g("mlp.c_fc.bias"), g("mlp.c_fc.weight")),
                fcp=(g("mlp.c_proj.bias"), g("mlp.c_proj.weight"))))
        self.ln_f = (sd["ln_f.weight"], sd["ln_f.bias"])
        D = self.E // self.H
        self.k = torch.zeros(len(self.layers), self.H, self.n_pos, D)
        self.v = torch.zeros(len(self.layers), self.H, self.n_pos, D)
        self.mask = torch.full((self.n_pos, self.n_pos), float("-inf")).triu(1)
        self.pos = 0

    def reset(self):
        self.pos = 0

    def forward(self, ids):
        """ids: list of int; returns the logits of the last position."""
        n, E, H = len(ids), self.E, self.H
        D = E // H
        p0 = self.pos
        x = self.wte[torch.tensor(ids)] + self.wpe[p0:p0 + n]                 # (n, E)
        T = p0 + n
        for li, L in enumerate(self.layers):
            h = F.layer_norm(x, (E,), *L["ln1"], self.eps)
            qkv = torch.addmm(*L["attn"][:1], h, L["attn"][1])               # (n, 3E)
            q, k, v = qkv.split(E, dim=1)
            self.k[li, :, p0:T] = k.view(n, H, D).transpose(0, 1)
            self.v[li, :, p0:T] = v.view(n, H, D).transpose(0, 1)
            q = q.view(n, H, D).transpose(0, 1)                              # (H, n, D)
            att = q @ self.k[li, :, :T].transpose(1, 2) * (D ** -0.5)         # (H, n, T)
            if n > 1:
                att = att + self.mask[p0:T, :T]
            att = torch.softmax(att, dim=-1)
            y = (att @ self.v[li, :, :T]).transpose(0, 1).reshape(n, E)
            x = x + torch.addmm(L["proj"][0], y, L["proj"][1])
            h = F.layer_norm(x, (E,), *L["ln2"], self.eps)
            h = F.gelu(torch.addmm(L["fc"][0], h, L["fc"][1]), approximate="tanh")
            x = x + torch.addmm(L["fcp"][0], h, L["fcp"][1])
        self.pos = T
        last = F.layer_norm(x[-1:], (E,), *self.ln_f, self.eps)
        return (last @ self.lm_head.t())[0]


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def random_ids(n, vocab, seed):
    # The same sequence as the C driver's (a 32-bit LCG), so both run the same prompt.
    out, s = [], seed & 0xffffffff
    for _ in range(n):
        s = (s * 1664525 + 1013904223) & 0xffffffff
        out.append((s >> 8) % vocab)
    return out


def random_pixels(batch, size):
    """The C driver's values exactly: a multiplicative hash of the index mapped
    to [-1, 1), so that both sides classify the same input."""
    i = np.arange(batch * 3 * size * size, dtype=np.uint64)
    h = (i * np.uint64(2654435761)) & np.uint64(0xffffffff)
    px = (h >> np.uint64(8)).astype(np.float32) / np.float32(1 << 23) - np.float32(1.0)
    return torch.from_numpy(px.reshape(batch, 3, size, size))


class Server:
    def __init__(self, threads):
        torch.set_num_threads(threads)
        self.threads = threads
        self.vit = None
        self.gpt2 = None
        self.diag = None

    def cmd_info(self):
        core = os.environ.get("OPENBLAS_CORETYPE", "auto")
        return {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas_core": core}

    def cmd_load_vit(self, folder):
        t = time.perf_counter()
        self.vit = Vit(folder)
        return {"ms": (time.perf_counter() - t) * 1e3}

    def cmd_vit(self, batch):
        size = self.vit.patch * int(round((self.vit.pos.shape[1] - 1) ** 0.5))
        px = random_pixels(int(batch), size)
        t = time.perf_counter()
        logits, _ = self.vit.forward(px)
        ms = (time.perf_counter() - t) * 1e3
        return {"ms": ms, "top": int(logits[0].argmax()), "logits": logits[0].tolist()}

    def cmd_evidence(self, block):
        """The occlusion map of leafscope-bench's `evidence BLOCK`: the image,
        then every cell of BLOCK x BLOCK patches covered by the image's mean
        colour, 16 images per forward; drop of the top class in points."""
        block = int(block)
        patch = self.vit.patch
        size = patch * int(round((self.vit.pos.shape[1] - 1) ** 0.5))
        px = random_pixels(1, size)
        logits, _ = self.vit.forward(px)
        cls = int(logits[0].argmax())
        t = time.perf_counter()
        base = torch.softmax(self.vit.forward(px)[0][0], -1)[cls]
        fill = px.mean(dim=(2, 3)).view(1, 3, 1, 1)
        side = patch * block
        rows = (size // patch + block - 1) // block
        cells = [(r, c) for r in range(rows) for c in range(rows)]
        drops = []
        for first in range(0, len(cells), 16):
            chunk = cells[first:first + 16]
            imgs = px.repeat(len(chunk), 1, 1, 1)
            for k, (r, c) in enumerate(chunk):
                imgs[k, :, r * side:(r + 1) * side, c * side:(c + 1) * side] = fill[0]
            probs = torch.softmax(self.vit.forward(imgs)[0], -1)[:, cls]
            drops.append(100.0 * (base - probs))
        drops = torch.cat(drops)
        ms = (time.perf_counter() - t) * 1e3
        return {"ms": ms, "forwards": len(cells) + 1, "class": cls,
                "max_points": float(drops.max()), "cells": len(cells)}

    def cmd_load_gpt2(self, folder):
        t = time.perf_counter()
        self.gpt2 = Gpt2(folder)
        return {"ms": (time.perf_counter() - t) * 1e3}

    def cmd_prefill(self, n):
        ids = random_ids(int(n), self.gpt2.wte.shape[0], 11)
        self.gpt2.reset()
        t = time.perf_counter()
        logits = self.gpt2.forward(ids)
        ms = (time.perf_counter() - t) * 1e3
        return {"ms": ms, "next": int(logits.argmax())}

    def cmd_decode(self, p, n):
        m = self.gpt2
        m.reset()
        tok = int(m.forward(random_ids(int(p), m.wte.shape[0], 13)).argmax())
        out = [tok]
        t = time.perf_counter()
        for _ in range(int(n)):
            tok = int(m.forward([tok]).argmax())
            out.append(tok)
        ms = (time.perf_counter() - t) * 1e3
        return {"ms_per_token": ms / int(n), "ids": out}

    def cmd_writer_ids(self, n, *ids):
        m = self.gpt2
        m.reset()
        n = int(n)
        t = time.perf_counter()
        tok = int(m.forward([int(i) for i in ids]).argmax())
        out = [tok]
        while len(out) < n and tok != m.eos and m.pos < m.n_pos:
            tok = int(m.forward([tok]).argmax())
            out.append(tok)
        s = time.perf_counter() - t
        return {"tokens_per_s": len(out) / s, "tokens": len(out), "ids": out}

    def cmd_load_diagnoser(self, folder):
        t = time.perf_counter()
        self.diag = Vit(folder)
        with open(os.path.join(folder, "preprocessor_config.json")) as f:
            self.diag_pre = json.load(f)
        return {"ms": (time.perf_counter() - t) * 1e3}

    def cmd_diagnose(self, path):
        from PIL import Image
        pre = self.diag_pre
        size = pre.get("size", 224)
        if isinstance(size, dict):
            size = (size["width"], size["height"])
        else:
            size = (size, size)
        t = time.perf_counter()
        img = Image.open(path).convert("RGB").resize(size, pre.get("resample", 2))
        a = torch.from_numpy(np.asarray(img, dtype=np.float32)).permute(2, 0, 1)
        mean = torch.tensor(pre.get("image_mean", [0.5] * 3)).view(3, 1, 1)
        std = torch.tensor(pre.get("image_std", [0.5] * 3)).view(3, 1, 1)
        px = ((a * (1 / 255.0) - mean) / std).unsqueeze(0)
        logits, atts = self.diag.forward(px, attentions=True)
        probs = torch.softmax(logits[0], dim=-1)
        # Attention rollout (mean over heads, identity added, renormalised).
        T = atts[0].shape[-1]
        r = torch.eye(T)
        for a_ in atts:
            m = a_[0].mean(0) + torch.eye(T)
            r = (m / m.sum(-1, keepdim=True)) @ r
        ms = (time.perf_counter() - t) * 1e3
        return {"ms": ms, "top": int(probs.argmax())}

    def cmd_sgemm(self, m, n, k, reps="5"):
        m, n, k, reps = int(m), int(n), int(k), int(reps)
        x = torch.randn(m, k)
        w = torch.randn(n, k)
        b = torch.zeros(n)
        F.linear(x, w, b)
        t = time.perf_counter()
        for _ in range(reps):
            F.linear(x, w, b)
        s = (time.perf_counter() - t) / reps
        return {"gflops": 2.0 * m * n * k / s / 1e9}

    def cmd_bandwidth(self, mb):
        a = torch.ones(int(mb) * 1024 * 1024 // 4)
        a.sum()
        best = math.inf
        for _ in range(5):
            t = time.perf_counter()
            a.sum()
            best = min(best, time.perf_counter() - t)
        return {"gbs": a.numel() * 4 / best / 1e9}

    def cmd_rss(self):
        return {"mb": peak_rss_mb()}


def main():
    threads = int(os.environ.get("LEAFSCOPE_BENCH_THREADS", "2"))
    server = Server(threads)
    with torch.inference_mode():
        for line in sys.stdin:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "quit":
                break
            try:
                fn = getattr(server, "cmd_" + parts[0])
                # A folder or file name is the rest of the line (spaces allowed).
                if parts[0] in ("load_vit", "load_gpt2", "load_diagnoser", "diagnose"):
                    res = fn(line.strip().split(" ", 1)[1])
                else:
                    res = fn(*parts[1:])
                res["ok"] = True
            except Exception as e:  # reported to the harness, which stops
                res = {"ok": False, "error": f"{type(e).__name__}: {e}"}
            sys.stdout.write(json.dumps(res) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
