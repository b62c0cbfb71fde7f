#!/usr/bin/env python3
"""Shortcut tests of a leaf-vit folder (issue 13), in PyTorch, on the Beans
validation split: is the model right for the right reasons?

    python3 tools/train/shortcuts.py --model data/models/leaf-vit [--occlusion] [--json OUT]

Every photo goes to the model as the engine feeds it: the whole photo resized
to 224 x 224 (PIL bilinear), normalized with mean/std 0.5.  The leaf is the
project's own leaf mask (engine/vision/photo-analysis.c, reimplemented in leafmask.py and
checked equal to the engine's on all 133 validation photos), computed at the
engine's 256 px working size and resized to 224 (nearest) where needed.

- accuracy: validation accuracy (argmax).
- (a) evidence on the leaf (--occlusion; 196 forward passes a photo): each
  16 x 16 patch of the input in turn set to 0 (mid grey after normalization),
  the drop of p(predicted class) measured; the top cell is the one with the
  largest drop; it lies on the leaf when at least half of its pixels are leaf
  (cell -> mask pixels as in ls_photo_analysis_attention_concentration()).
  Reported: share of photos whose top cell is on the leaf.
- (b) hand test: a fingertip (blue-painted nail) cut from a bean-rust training
  photo (bean_rust_train.1.jpg, box 30,375-178,470 of the 500 px photo, 66 x
  43 px at 224) pasted onto healthy validation leaves (the position with the
  most leaf under it) and onto the background of every validation photo (the
  position with the least leaf under it): share of predictions that change.
- (c) blur test: Gaussian blur sigma 5 px of the 224 input (reflect padding);
  per true class, share of predictions kept; and the share of bean-rust
  predictions that stay bean rust (the issue's number); the mean p(bean rust)
  of those photos before and after the blur.  Also, as a check
  outside the fine-tuning's blur range (finetune_vit.py trains Gaussian blurs):
  the 224 input reduced to 28 x 28 (area) and enlarged back (bilinear):
  share of bean-rust predictions kept (lowres_rust_kept).
- (d) background swap: each photo's leaf (leaf mask) placed on the background
  of a photo of another class (that photo's own leaf filled in from its
  surroundings by a normalized Gaussian blur): share of predictions that change.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import leafmask  # noqa: E402
import safetensors_io  # noqa: E402
import train_vit  # noqa: E402

LABELS = train_vit.LABELS
SIZE, PATCH = 224, 16
FINGER_PHOTO = ("train", "bean_rust", "bean_rust_train.1.jpg")
FINGER_BOX = (30, 375, 178, 470)


def load_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    a = argparse.Namespace(image_size=c["image_size"], patch=c["patch_size"], hidden=c["hidden_size"],
                           layers=c["num_hidden_layers"], heads=c["num_attention_heads"],
                           mlp=c["intermediate_size"])
    m = train_vit.ViTForImageClassification(a)
    sd = {k: v.float() for k, v in safetensors_io.load(os.path.join(folder, "model.safetensors")).items()}
    m.load_state_dict(sd, strict=True)
    return m.eval()


def mask_to(mask, size):
    return np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((size, size), Image.NEAREST)) > 127


def gaussian_blur(x, sigma, mode="reflect"):
    """x float (B, C, H, W); separable Gaussian, reflect (or zero: "constant") padding."""
    r = int(math.ceil(3 * sigma))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t * t / (2 * sigma * sigma))
    k = k / k.sum()
    C = x.shape[1]
    x = F.pad(x, (r, r, 0, 0), mode=mode)
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(C, 1, 1, 1), groups=C)
    x = F.pad(x, (0, 0, r, r), mode=mode)
    return F.conv2d(x, k.view(1, 1, -1, 1).repeat(C, 1, 1, 1), groups=C)


def fill_background(img, leaf, sigma=12.0, grow=3):
    """img float (3, H, W) in [0, 1], leaf bool (H, W) -> the photo with its
    leaf (grown by @grow px) filled from the surroundings: normalized
    Gaussian blur, widened until every pixel is covered."""
    keep = torch.from_numpy(~leafmask.morph(leaf, grow, True)).float()[None, None]
    out = img.clone()
    hole = keep[0, 0] < 0.5
    if not bool(hole.any()):
        return out
    if float(keep.sum()) < 1:
        out[:] = 0.45
        return out
    filled = torch.zeros_like(hole)
    s = sigma
    while not bool(filled[hole].all()) and s <= 96:
        num = gaussian_blur(img[None] * keep, s, "constant")[0]
        den = gaussian_blur(keep, s, "constant")[0, 0]
        ok = (den > 1e-3) & hole & ~filled
        out[:, ok] = num[:, ok] / den[ok]
        filled |= ok
        s *= 2
    rest = hole & ~filled
    if bool(rest.any()):
        mean = (img * keep[0]).sum((1, 2)) / keep.sum()
        out[:, rest] = mean[:, None]
    return out


def photos(data, split):
    """Yields (label index, name, RGB PIL image, leaf mask at the engine's
    working size) for every photo of a Beans split, classes in LABELS order."""
    assert split in ("train", "validation"), "only the train and validation splits are used"
    for li, label in enumerate(LABELS):
        d = os.path.join(data, split, label)
        for n in sorted(os.listdir(d)):
            if not n.lower().endswith((".jpg", ".jpeg", ".png")):
                continue
            im = Image.open(os.path.join(d, n)).convert("RGB")
            yield li, n, im, leafmask.leaf_mask(np.asarray(im))[0]


def load_validation(data):
    """-> x uint8 (N, 3, 224, 224), y (N,), masks bool (N, 256, 256), names."""
    xs, ys, ms, names = [], [], [], []
    for li, n, im, m in photos(data, "validation"):
        xs.append(torch.from_numpy(np.asarray(im.resize((SIZE, SIZE), Image.BILINEAR)).copy()).permute(2, 0, 1))
        ys.append(li)
        ms.append(m)
        names.append(os.path.join(LABELS[li], n))
    return torch.stack(xs), torch.tensor(ys), np.stack(ms), names


def finger_patch(data):
    im = Image.open(os.path.join(data, *FINGER_PHOTO)).convert("RGB")
    s = SIZE / im.size[0]
    b = FINGER_BOX
    w, h = round((b[2] - b[0]) * s), round((b[3] - b[1]) * s)
    p = im.crop(b).resize((w, h), Image.BILINEAR)
    return torch.from_numpy(np.asarray(p).copy()).permute(2, 0, 1).float() / 255.0


@torch.no_grad()
def probs(model, x01, batch=64):
    """x01 float (N, 3, 224, 224) in [0, 1] -> softmax (N, 3)."""
    out = []
    for i in range(0, len(x01), batch):
        out.append(torch.softmax(model((x01[i:i + batch] - 0.5) / 0.5), -1))
    return torch.cat(out)


def paste_position(leaf224, h, w, on_leaf, step=8):
    """Top-left corner of an h x w box with the most (on_leaf) or least leaf under it."""
    ii = np.zeros((SIZE + 1, SIZE + 1), np.int64)
    ii[1:, 1:] = leaf224.astype(np.int64).cumsum(0).cumsum(1)
    best, pos = None, (0, 0)
    for y in range(0, SIZE - h + 1, step):
        for x in range(0, SIZE - w + 1, step):
            s = ii[y + h, x + w] - ii[y, x + w] - ii[y + h, x] + ii[y, x]
            key = -s if on_leaf else s
            if best is None or key < best:
                best, pos = key, (y, x)
    return pos


class Validation:
    """The validation split with everything the tests reuse between models."""

    def __init__(self, data):
        t = time.time()
        self.x, self.y, self.masks, self.names = load_validation(data)
        self.x01 = self.x.float() / 255.0
        self.leaf224 = np.stack([mask_to(m, SIZE) for m in self.masks])
        self.finger = finger_patch(data)
        fh, fw = self.finger.shape[1:]
        # (b) hand test inputs: healthy leaves (on the leaf), every photo's background
        healthy = [i for i in range(len(self.y)) if LABELS[int(self.y[i])] == "healthy"]
        self.hand_leaf_idx, self.hand_bg_idx = healthy, list(range(len(self.y)))
        xs = []
        for idx, on_leaf in ((self.hand_leaf_idx, True), (self.hand_bg_idx, False)):
            for i in idx:
                y0, x0 = paste_position(self.leaf224[i], fh, fw, on_leaf)
                z = self.x01[i].clone()
                z[:, y0:y0 + fh, x0:x0 + fw] = self.finger
                xs.append(z)
        self.hand_x = torch.stack(xs)
        # (c) blur
        self.blur_x = gaussian_blur(self.x01, 5.0)
        # (c') a blur of another kind, for a check the fine-tuning does not train on
        self.lowres_x = F.interpolate(F.interpolate(self.x01, size=(28, 28), mode="area"),
                                      size=(SIZE, SIZE), mode="bilinear", align_corners=False)
        # (d) background swap: photo i on the background of a photo of another class
        g = np.random.RandomState(13)
        n = len(self.y)
        self.plates = torch.stack([fill_background(self.x01[i], self.leaf224[i]) for i in range(n)])
        self.swap_src = []
        for i in range(n):
            others = [j for j in range(n) if int(self.y[j]) != int(self.y[i])]
            self.swap_src.append(int(g.choice(others)))
        lm = torch.from_numpy(self.leaf224).float()[:, None]
        self.swap_x = lm * self.x01 + (1 - lm) * self.plates[self.swap_src]
        print("validation: %d photos, test inputs built in %.0f s" % (n, time.time() - t), flush=True)

    def cheap(self, model):
        """Accuracy and tests (b)-(d); about 5 forward passes a photo."""
        model.eval()
        p = probs(model, self.x01)
        pred = p.argmax(-1)
        r = {"accuracy": float((pred == self.y).float().mean()),
             "correct": int((pred == self.y).sum()), "n": len(self.y)}
        ph = probs(model, self.hand_x).argmax(-1)
        nl = len(self.hand_leaf_idx)
        flip_leaf = (ph[:nl] != pred[self.hand_leaf_idx])
        flip_bg = (ph[nl:] != pred[self.hand_bg_idx])
        r["hand_flip_healthy_leaf"] = float(flip_leaf.float().mean())
        r["hand_flip_background"] = {LABELS[c]: float(flip_bg[self.y == c].float().mean()) for c in range(3)}
        r["hand_flip"] = float(torch.cat([flip_leaf, flip_bg]).float().mean())
        r["hand_flips_to"] = {LABELS[c]: int((ph[torch.cat([flip_leaf, flip_bg])] == c).sum()) for c in range(3)}
        pbp = probs(model, self.blur_x)
        pb = pbp.argmax(-1)
        r["blur_kept_per_class"] = {LABELS[c]: float((pb[self.y == c] == pred[self.y == c]).float().mean())
                                    for c in range(3)}
        rust = pred == 1
        r["blur_rust_kept"] = float((pb[rust] == 1).float().mean()) if bool(rust.any()) else 0.0
        r["blur_rust_kept_n"] = "%d/%d" % (int((pb[rust] == 1).sum()), int(rust.sum()))
        # how sure: the argmax test counts a near-uniform answer with bean rust on top as kept
        r["rust_p_mean"] = float(p[rust, 1].mean()) if bool(rust.any()) else 0.0
        r["blur_rust_p_mean"] = float(pbp[rust, 1].mean()) if bool(rust.any()) else 0.0
        pl = probs(model, self.lowres_x).argmax(-1)
        r["lowres_rust_kept"] = float((pl[rust] == 1).float().mean()) if bool(rust.any()) else 0.0
        r["lowres_rust_kept_n"] = "%d/%d" % (int((pl[rust] == 1).sum()), int(rust.sum()))
        ps = probs(model, self.swap_x).argmax(-1)
        r["swap_flip"] = float((ps != pred).float().mean())
        r["swap_flip_per_class"] = {LABELS[c]: float((ps[self.y == c] != pred[self.y == c]).float().mean())
                                    for c in range(3)}
        return r

    @torch.no_grad()
    def occlusion(self, model, limit=0):
        """(a): share of photos whose top occlusion cell lies on the leaf."""
        model.eval()
        g = SIZE // PATCH
        on = []
        cells_leaf = []
        # classes interleaved, so that a --occlusion-limit run samples all three alike
        rank = np.zeros(len(self.y), np.int64)
        for c in range(3):
            rank[(self.y == c).numpy()] = np.arange(int((self.y == c).sum()))
        order = sorted(range(len(self.y)), key=lambda i: (rank[i], int(self.y[i])))
        t = time.time()
        per_photo = {}
        for i in order[:limit or len(order)]:
            # leaf share of each grid cell, cells mapped onto the 256 mask as the engine does
            m = self.masks[i]
            hh, ww = m.shape
            gy = (np.arange(hh) * g // hh)[:, None]
            gx = (np.arange(ww) * g // ww)[None, :]
            cell = gy * g + gx
            share = np.bincount(cell.ravel(), weights=m.ravel(), minlength=g * g) / np.bincount(cell.ravel(), minlength=g * g)
            cells_leaf.append(share)
            base = self.x01[i]
            xs = base.unsqueeze(0).repeat(g * g, 1, 1, 1)
            for c in range(g * g):
                cy, cx = divmod(c, g)
                xs[c, :, cy * PATCH:(cy + 1) * PATCH, cx * PATCH:(cx + 1) * PATCH] = 0.5
            p0 = probs(model, base[None])[0]
            k = int(p0.argmax())
            drop = p0[k] - probs(model, xs)[:, k]
            top = int(drop.argmax())
            on.append(share[top] >= 0.5)
            per_photo[self.names[i]] = {"top_cell": top, "leaf_share": round(float(share[top]), 3)}
            if len(on) % 10 == 0:
                print("occlusion: %d photos, top cell on the leaf in %d (%.0f s)" % (len(on), sum(on), time.time() - t),
                      flush=True)
        return {"evidence_on_leaf": float(np.mean(on)), "evidence_on_leaf_n": "%d/%d" % (sum(on), len(on)),
                "leaf_cells": float(np.mean([np.mean(s >= 0.5) for s in cells_leaf])),
                "evidence_per_photo": per_photo}


def compare(folder, jsonl):
    """Engine probabilities (diagnose json) against this file's PyTorch model on the same photos."""
    model = load_model(folder)
    worst, same, n, correct_e, correct_t = 0.0, 0, 0, 0, 0
    for line in open(jsonl):
        r = json.loads(line)
        if "probs" not in r:
            continue
        im = Image.open(r["path"]).convert("RGB").resize((SIZE, SIZE), Image.BILINEAR)
        x = torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1).float()[None] / 255.0
        pt = probs(model, x)[0]
        # the softmax itself: "raw_probs" where the engine also calibrates ("probs" then are calibrated)
        pe = torch.tensor([r.get("raw_probs", r["probs"])[l] for l in LABELS])
        worst = max(worst, float((pt - pe).abs().max()))
        same += int(pt.argmax()) == int(pe.argmax())
        truth = LABELS.index(os.path.basename(os.path.dirname(r["path"])))
        correct_e += int(pe.argmax()) == truth
        correct_t += int(pt.argmax()) == truth
        n += 1
    print("%d photos: same class %d; largest |p_engine - p_torch| %.5f; accuracy engine %d/%d, PyTorch %d/%d"
          % (n, same, worst, correct_e, n, correct_t, n))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "datasets", "beans"))
    ap.add_argument("--occlusion", action="store_true", help="also test (a) (196 forward passes a photo)")
    ap.add_argument("--occlusion-limit", type=int, default=0, help="first N photos only")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--compare", metavar="JSONL",
                    help="only compare with the engine: `leafscope-cli diagnose --no-describe --format json` output")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.compare:
        return compare(a.model, a.compare)
    t = time.time()
    val = Validation(a.data)
    model = load_model(a.model)
    r = val.cheap(model)
    print(json.dumps(r, indent=1), flush=True)
    if a.occlusion:
        r.update(val.occlusion(model, a.occlusion_limit))
    r["model"] = a.model
    r["seconds"] = time.time() - t
    print(json.dumps(r, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
