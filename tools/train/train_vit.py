#!/usr/bin/env python3
"""Train the leaf-vit image classifier from scratch on Beans (the recipe of
../shared/models/leaf-vit/README.md) and export a HuggingFace
ViTForImageClassification folder (config.json, preprocessor_config.json,
model.safetensors in F16).

    train_vit.py --out DIR [--data ../shared/datasets/beans] [--epochs 1500]
                 [--device cuda] [--minutes M]

Plain PyTorch (transformers is not needed): the model's parameter names are
transformers' ("vit.embeddings.cls_token", "vit.encoder.layer.0.attention.
attention.query.weight", ..., "classifier.weight"), so the state dict is the
HF checkpoint.  Reads the train split for training and the validation split
for model selection, in place; never any other split.

Recipe: every image resized to 256x256 (bilinear) once; random init; AdamW
lr 1e-3, weight decay 0.05, betas (0.9, 0.999), batch 128, gradient clipping
1.0; 10 warm-up epochs then cosine decay to 0 (over --epochs, or over the
--minutes budget when given); each batch: random resized crop to 224 (area
0.30-1.0, aspect 3/4-4/3), rotation by any angle, horizontal flip, reflection
padding, brightness/contrast/saturation jitter x0.7-1.3; mixup (Beta 0.8,
0.8) on half of the batches; label smoothing 0.1; bf16 autocast on CUDA.
Evaluation: resize 256 -> 224 with antialiasing, normalize mean/std 0.5;
validation accuracy every --eval-every epochs, the best checkpoint exported.
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

LABELS = ["angular_leaf_spot", "bean_rust", "healthy"]


# ---------------------------------------------------------------- model

class ViTSelfAttention(nn.Module):
    def __init__(self, h, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)

    def forward(self, x):
        B, N, C = x.shape
        hs = C // self.heads

        def split(t):
            return t.view(B, N, self.heads, hs).transpose(1, 2)  # (B, H, N, hs)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        att = torch.softmax((q @ k.transpose(-2, -1)) / math.sqrt(hs), dim=-1)
        return (att @ v).transpose(1, 2).reshape(B, N, C)


class ViTSelfOutput(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.dense = nn.Linear(h, h)

    def forward(self, x):
        return self.dense(x)


class ViTAttention(nn.Module):
    def __init__(self, h, heads):
        super().__init__()
        self.attention = ViTSelfAttention(h, heads)
        self.output = ViTSelfOutput(h)

    def forward(self, x):
        return self.output(self.attention(x))


class Dense(nn.Module):
    def __init__(self, a, b):
        super().__init__()
        self.dense = nn.Linear(a, b)


class ViTLayer(nn.Module):
    def __init__(self, h, heads, mlp, eps):
        super().__init__()
        self.attention = ViTAttention(h, heads)
        self.intermediate = Dense(h, mlp)
        self.output = Dense(mlp, h)
        self.layernorm_before = nn.LayerNorm(h, eps=eps)
        self.layernorm_after = nn.LayerNorm(h, eps=eps)

    def forward(self, x):
        x = x + self.attention(self.layernorm_before(x))
        y = F.gelu(self.intermediate.dense(self.layernorm_after(x)))  # erf GELU ("gelu")
        return x + self.output.dense(y)


class PatchEmbeddings(nn.Module):
    def __init__(self, h, patch):
        super().__init__()
        self.projection = nn.Conv2d(3, h, kernel_size=patch, stride=patch)


class ViTEmbeddings(nn.Module):
    def __init__(self, h, n_patches, patch):
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, h))
        self.position_embeddings = nn.Parameter(torch.zeros(1, n_patches + 1, h))
        self.patch_embeddings = PatchEmbeddings(h, patch)

    def forward(self, px):
        x = self.patch_embeddings.projection(px).flatten(2).transpose(1, 2)  # (B, N, C)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        return x + self.position_embeddings


class ViTEncoder(nn.Module):
    def __init__(self, h, heads, mlp, layers, eps):
        super().__init__()
        self.layer = nn.ModuleList([ViTLayer(h, heads, mlp, eps) for _ in range(layers)])


class ViTModel(nn.Module):
    def __init__(self, a):
        super().__init__()
        n = (a.image_size // a.patch) ** 2
        self.embeddings = ViTEmbeddings(a.hidden, n, a.patch)
        self.encoder = ViTEncoder(a.hidden, a.heads, a.mlp, a.layers, 1e-12)
        self.layernorm = nn.LayerNorm(a.hidden, eps=1e-12)


class ViTForImageClassification(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.vit = ViTModel(a)
        self.classifier = nn.Linear(a.hidden, len(LABELS))
        # transformers' ViT init: truncated normal 0.02 for linear/conv weights
        # and the cls/position embeddings, zero biases, unit LayerNorms.
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)
        nn.init.trunc_normal_(self.vit.embeddings.cls_token, std=0.02)
        nn.init.trunc_normal_(self.vit.embeddings.position_embeddings, std=0.02)

    def forward(self, px):
        x = self.vit.embeddings(px)
        for layer in self.vit.encoder.layer:
            x = layer(x)
        x = self.vit.layernorm(x)
        return self.classifier(x[:, 0])


def autocast(amp):
    # bf16 autocast on CUDA only (CPU builds of torch may lack CUDA entirely).
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16) if amp else contextlib.nullcontext()


# ---------------------------------------------------------------- data

def load_split(root, split, pre_size, limit=None):
    assert split in ("train", "validation"), "only the train and validation splits are used"
    xs, ys = [], []
    for li, label in enumerate(LABELS):
        d = os.path.join(root, split, label)
        names = sorted(n for n in os.listdir(d) if n.lower().endswith((".jpg", ".jpeg", ".png")))
        if limit:
            names = names[:limit]
        for n in names:
            im = Image.open(os.path.join(d, n)).convert("RGB").resize((pre_size, pre_size), Image.BILINEAR)
            xs.append(torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1))
            ys.append(li)
    return torch.stack(xs), torch.tensor(ys)  # uint8 (N, 3, S, S), int64 (N,)


def augment(x, out_size, g, area_min=0.30):
    """x float (B, 3, S, S) in [0, 1] -> (B, 3, out, out): one affine map per
    image (random resized crop of area_min..1 of the image, any rotation,
    horizontal flip) sampled with reflection padding, then colour jitter."""
    B, dev = x.shape[0], x.device

    def U(lo, hi):
        return torch.rand(B, device=dev, generator=g) * (hi - lo) + lo
    area = U(area_min, 1.0)
    logr = U(math.log(3 / 4), math.log(4 / 3))
    ratio = torch.exp(logr)
    w = torch.sqrt(area * ratio).clamp(max=1.0)   # crop size as a share of the side
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = U(0, 1) * (1 - w) * 2 - (1 - w)          # crop centre in [-1, 1] coordinates
    cy = U(0, 1) * (1 - h) * 2 - (1 - h)
    th = U(-math.pi, math.pi)
    flip = torch.where(torch.rand(B, device=dev, generator=g) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(th), torch.sin(th)
    theta = torch.zeros(B, 2, 3, device=dev)
    theta[:, 0, 0] = w * cos * flip
    theta[:, 0, 1] = -h * sin
    theta[:, 1, 0] = w * sin * flip
    theta[:, 1, 1] = h * cos
    theta[:, 0, 2] = cx
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, (B, 3, out_size, out_size), align_corners=False)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    b = U(0.7, 1.3).view(B, 1, 1, 1)
    c = U(0.7, 1.3).view(B, 1, 1, 1)
    s = U(0.7, 1.3).view(B, 1, 1, 1)
    y = (y * b).clamp(0, 1)
    gray = (0.299 * y[:, 0] + 0.587 * y[:, 1] + 0.114 * y[:, 2]).unsqueeze(1)
    y = ((y - gray.mean((2, 3), keepdim=True)) * c + gray.mean((2, 3), keepdim=True)).clamp(0, 1)
    gray = (0.299 * y[:, 0] + 0.587 * y[:, 1] + 0.114 * y[:, 2]).unsqueeze(1)
    y = (gray + (y - gray) * s).clamp(0, 1)
    return (y - 0.5) / 0.5


@torch.no_grad()
def evaluate(model, xv, yv, size, device, amp):
    model.eval()
    correct = 0
    for i in range(0, len(xv), 64):
        x = xv[i:i + 64].to(device).float() / 255.0
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        with autocast(amp):
            logits = model((x - 0.5) / 0.5)
        correct += int((logits.argmax(-1).cpu() == yv[i:i + 64]).sum())
    model.train()
    return correct / len(xv)


def export(model, a, out):
    os.makedirs(out, exist_ok=True)
    sd = {k: v.detach().float().cpu().to(torch.float16) for k, v in model.state_dict().items()}
    safetensors_io.save(sd, os.path.join(out, "model.safetensors"), {"format": "pt"})
    cfg = {
        "architectures": ["ViTForImageClassification"], "model_type": "vit",
        "attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0, "dtype": "float16",
        "encoder_stride": a.patch, "hidden_act": "gelu", "hidden_size": a.hidden,
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "image_size": a.image_size, "initializer_range": 0.02, "intermediate_size": a.mlp,
        "layer_norm_eps": 1e-12, "num_attention_heads": a.heads, "num_channels": 3,
        "num_hidden_layers": a.layers, "patch_size": a.patch, "qkv_bias": True,
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    pre = {"do_normalize": True, "do_rescale": True, "do_resize": True,
           "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "ViTImageProcessor",
           "image_std": [0.5, 0.5, 0.5], "resample": 2, "rescale_factor": 1 / 255,
           "size": {"height": a.image_size, "width": a.image_size}}
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump(pre, f, indent=2)
        f.write("\n")


def eval_only(a):
    """Validation accuracy of an exported HF folder through this file's model:
    checks that the architecture and key names match transformers'."""
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.eval_only, "config.json")) as f:
        c = json.load(f)
    a.image_size, a.patch, a.hidden = c["image_size"], c["patch_size"], c["hidden_size"]
    a.layers, a.heads, a.mlp = c["num_hidden_layers"], c["num_attention_heads"], c["intermediate_size"]
    model = ViTForImageClassification(a)
    sd = {k: v.float() for k, v in safetensors_io.load(os.path.join(a.eval_only, "model.safetensors")).items()}
    model.load_state_dict(sd, strict=True)
    xv, yv = load_split(a.data, "validation", a.pre_size)
    acc = evaluate(model, xv, yv, a.image_size, torch.device("cpu"), False)
    print("%s: validation accuracy %.4f (%d images, resize %d -> %d antialiased)"
          % (a.eval_only, acc, len(xv), a.pre_size, a.image_size))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "datasets", "beans"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=1500)
    ap.add_argument("--minutes", type=float, default=0, help="time budget for the cosine schedule (0: by epochs)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup-epochs", type=int, default=10)
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--pre-size", type=int, default=256)
    ap.add_argument("--image-size", type=int, default=224)
    ap.add_argument("--patch", type=int, default=16)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=3)
    ap.add_argument("--mlp", type=int, default=768)
    ap.add_argument("--max-batches", type=int, default=0, help="smoke runs: batches per epoch")
    ap.add_argument("--limit-per-class", type=int, default=0, help="smoke runs: images per class")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-only", metavar="DIR",
                    help="load an exported folder (e.g. ../shared/models/leaf-vit) and report its validation accuracy")
    a = ap.parse_args()
    if a.eval_only:
        return eval_only(a)

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    amp = dev.type == "cuda"
    g = torch.Generator(device=dev).manual_seed(a.seed)
    t0 = time.time()
    xt, yt = load_split(a.data, "train", a.pre_size, a.limit_per_class or None)
    xv, yv = load_split(a.data, "validation", a.pre_size, a.limit_per_class or None)
    xt = xt.to(dev)
    yt = yt.to(dev)
    print("loaded %d train / %d validation images at %d px in %.0fs"
          % (len(xt), len(xv), a.pre_size, time.time() - t0), flush=True)

    model = ViTForImageClassification(a).to(dev)
    print("parameters: %d" % sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.05, betas=(0.9, 0.999))
    steps_per_epoch = max(1, len(xt) // a.batch)
    if a.max_batches:
        steps_per_epoch = min(steps_per_epoch, a.max_batches)
    total_steps = a.epochs * steps_per_epoch
    warm_steps = a.warmup_epochs * steps_per_epoch
    best, best_epoch, step = -1.0, 0, 0
    start = time.time()
    for epoch in range(1, a.epochs + 1):
        perm = torch.randperm(len(xt), device=dev, generator=g)
        for bi in range(steps_per_epoch):
            if a.minutes:
                frac = (time.time() - start) / (a.minutes * 60.0)
            else:
                frac = step / total_steps
            warm = min(1.0, (step + 1) / warm_steps) if warm_steps else 1.0
            lr = a.lr * warm * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0)))
            for pg in opt.param_groups:
                pg["lr"] = lr
            idx = perm[bi * a.batch:(bi + 1) * a.batch]
            x = augment(xt[idx].float() / 255.0, a.image_size, g)
            target = F.one_hot(yt[idx], len(LABELS)).float() * 0.9 + 0.1 / len(LABELS)
            if torch.rand(1, device=dev, generator=g).item() < 0.5:
                lam = float(torch.distributions.Beta(0.8, 0.8).sample())
                p = torch.randperm(len(idx), device=dev, generator=g)
                x = lam * x + (1 - lam) * x[p]
                target = lam * target + (1 - lam) * target[p]
            with autocast(amp):
                logits = model(x)
            loss = torch.sum(-target * F.log_softmax(logits.float(), -1), -1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
        done = a.minutes and time.time() - start >= a.minutes * 60.0
        if epoch % a.eval_every == 0 or epoch == a.epochs or done:
            acc = evaluate(model, xv, yv, a.image_size, dev, amp)
            if acc > best:
                best, best_epoch = acc, epoch
                export(model, a, a.out)
            print("epoch %d  %.1f min  lr %.2e  loss %.4f  validation %.4f  (best %.4f at %d)"
                  % (epoch, (time.time() - start) / 60, lr, float(loss), acc, best, best_epoch), flush=True)
        if done:
            break
    print("done: best validation accuracy %.4f at epoch %d; exported to %s" % (best, best_epoch, a.out))
    with open(os.path.join(a.out, "train_result.json"), "w") as f:
        json.dump({"best_validation_accuracy": best, "best_epoch": best_epoch, "epochs_run": epoch,
                   "minutes": (time.time() - start) / 60, "validation_images": len(xv),
                   "args": vars(a)}, f, indent=2)


if __name__ == "__main__":
    main()
