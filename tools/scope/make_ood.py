#!/usr/bin/python3
"""Builds the out-of-scope photo sets that tools/scope/measure.py runs.

    tools/scope/make_ood.py [--beans /work/shared/datasets/beans] [--out /tmp/leafscope-ood]

One folder per set under OUT (deterministic: fixed seeds):
  flat/        flat colours (greens and greys included)
  noise/       uniform, Gaussian and green-tinted noise
  gradients/   linear and radial gradients
  text/        rendered text on plain backgrounds
  ui/          fake application screenshots (header bar, sidebar, buttons, text)
  scenes/      synthetic outdoor scenes: sky, sun, clouds, hills, fields, trees, houses
  soil/        crops of the train split with (almost) no leaf in them: soil, stalks
               (dark-skinned fingers fail the skin rule and land here too)
  hands/       crops of the train split that are mostly skin-coloured (hands, fingers)
  soil-validation/, hands-validation/   the same from the validation split (held out)
  truncated/   validation JPEGs cut off at 30-80 % of their bytes   (expected: unusable)
  tiny/        PNGs of 4-63 px on the short side                  (expected: unusable)

The leaf mask for the crops is a simple copy of engine/vision/photo-analysis.c's green rule
(hue 68-180 degrees, saturation >= 0.16, value >= 0.10), widened to yellowed
leaf (hue 40-180, saturation >= 0.25, value >= 0.15) and pale leaf (hue 60-180,
saturation >= 0.07, value >= 0.30); skin is the usual RGB
rule (R > 95, G > 40, B > 20, R > G, R > B, R - G > 15).  Only PIL and numpy.
"""
import argparse
import glob
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"


def font(size, bold=False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(os.path.join(FONT_DIR, name), size)
    except OSError:
        return ImageFont.load_default()


def rand_colour(rng, lo=0, hi=255):
    return tuple(int(rng.integers(lo, hi + 1)) for _ in range(3))


def size(rng):
    return int(rng.integers(224, 641)), int(rng.integers(224, 641))


def flat(rng, i):
    greens = [(60, 120, 40), (90, 150, 60), (40, 90, 30), (120, 160, 80)]
    greys = [(128, 128, 128), (90, 90, 90), (180, 180, 180)]
    c = greens[i % 4] if i < 8 else greys[i % 3] if i < 14 else rand_colour(rng, 20, 235)
    return Image.new("RGB", size(rng), c)


def noise(rng, i):
    w, h = size(rng)
    kind = i % 3
    if kind == 0:
        a = rng.integers(0, 256, (h, w, 3))
    elif kind == 1:
        a = rng.normal(rand_colour(rng, 60, 200), 40, (h, w, 3))
    else:
        a = rng.normal((70, 130, 50), 35, (h, w, 3))
        a = np.array(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(2)))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def gradients(rng, i):
    w, h = size(rng)
    c0 = np.array(rand_colour(rng), float)
    c1 = np.array(rand_colour(rng), float)
    y, x = np.mgrid[0:h, 0:w]
    if i % 2 == 0:
        t = (x * math.cos(i) + y * math.sin(i))
        t = (t - t.min()) / max(t.max() - t.min(), 1)
    else:
        t = np.hypot(x - w * rng.random(), y - h * rng.random())
        t = t / t.max()
    a = c0 + (c1 - c0) * t[..., None]
    return Image.fromarray(a.astype(np.uint8))


WORDS = ("leaf rust spot bean field photo report diagnosis healthy angular the of and model "
         "weather harvest invoice meeting total page chapter summary kernel build test").split()


def text(rng, i):
    w, h = size(rng)
    bg = rand_colour(rng, 200, 255) if i % 3 else rand_colour(rng, 0, 60)
    fg = (20, 20, 20) if i % 3 else (230, 230, 230)
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    f = font(int(rng.integers(12, 40)), bold=bool(i % 2))
    y = 10
    while y < h - 10:
        line = " ".join(rng.choice(WORDS, int(rng.integers(2, 9))))
        d.text((10, y), line, fill=fg, font=f)
        y += f.size + int(rng.integers(4, 20))
    return im


def ui(rng, i):
    w, h = int(rng.integers(480, 1281)), int(rng.integers(360, 801))
    dark = i % 2 == 1
    bg = (36, 36, 36) if dark else (250, 250, 250)
    fg = (230, 230, 230) if dark else (30, 30, 30)
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, w, 46), fill=(48, 48, 48) if dark else (235, 235, 235))
    d.text((w // 2 - 60, 14), "Leafscope" if i % 3 == 0 else "Documents", fill=fg, font=font(16, True))
    side = int(w * rng.uniform(0.18, 0.3))
    d.rectangle((0, 47, side, h), fill=(44, 44, 44) if dark else (242, 242, 242))
    for k in range(int(rng.integers(4, 12))):
        d.text((14, 62 + 32 * k), " ".join(rng.choice(WORDS, 2)), fill=fg, font=font(14))
    accent = [(53, 132, 228), (46, 194, 126), (224, 27, 36), (246, 211, 45)][i % 4]
    for k in range(int(rng.integers(2, 5))):
        x0 = side + 20 + 130 * k
        d.rounded_rectangle((x0, h - 60, x0 + 110, h - 24), 6, fill=accent if k == 0 else (90, 90, 90) if dark else (220, 220, 220))
    y = 70
    while y < h - 90:
        d.text((side + 20, y), " ".join(rng.choice(WORDS, int(rng.integers(3, 10)))), fill=fg, font=font(13))
        y += 22
    if i % 4 == 0:  # a card with a bar chart
        x0, y0 = side + 40, 90
        d.rectangle((x0, y0, x0 + 220, y0 + 140), outline=fg)
        for k in range(3):
            d.rectangle((x0 + 10, y0 + 20 + 38 * k, x0 + 10 + int(rng.integers(30, 200)), y0 + 44 + 38 * k), fill=accent)
    return im


def scenes(rng, i):
    w, h = size(rng)
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    horizon = int(h * rng.uniform(0.35, 0.7))
    top, bottom = np.array(rand_colour(rng, 40, 140)) * (0.5, 0.7, 1.0) + (0, 40, 100), np.array((200, 220, 240))
    for y in range(horizon):
        t = y / max(horizon - 1, 1)
        d.line((0, y, w, y), fill=tuple(int(v) for v in np.clip(top + (bottom - top) * t, 0, 255)))
    if rng.random() < 0.6:
        r = int(rng.integers(15, 40))
        cx, cy = int(rng.integers(r, w - r)), int(rng.integers(r, max(r + 1, horizon // 2)))
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 240, 200))
    for _ in range(int(rng.integers(0, 5))):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, max(1, horizon - 20)))
        d.ellipse((cx - 60, cy - 18, cx + 60, cy + 18), fill=(245, 245, 248))
    # hills
    for layer in range(int(rng.integers(1, 4))):
        base = horizon - int(rng.integers(0, 60))
        pts = [(0, h)] + [(x, base - int(40 * math.sin(x / w * math.pi * rng.uniform(1, 4)) + rng.integers(0, 30)))
                          for x in range(0, w + 40, 40)] + [(w, h)]
        d.polygon(pts, fill=rand_colour(rng, 30, 130))
    ground = [(110, 80, 50), (90, 120, 60), (160, 140, 90), (70, 70, 75)][i % 4]
    d.rectangle((0, horizon + 20, w, h), fill=ground)
    for _ in range(int(rng.integers(0, 6))):  # trees and houses
        x = int(rng.integers(0, w))
        y = int(rng.integers(horizon, h))
        if rng.random() < 0.5:
            d.rectangle((x - 3, y - 40, x + 3, y), fill=(80, 50, 30))
            d.ellipse((x - 22, y - 80, x + 22, y - 30), fill=(40, int(rng.integers(80, 130)), 40))
        else:
            d.rectangle((x - 30, y - 40, x + 30, y), fill=rand_colour(rng, 120, 230))
            d.polygon([(x - 36, y - 40), (x, y - 70), (x + 36, y - 40)], fill=(150, 50, 40))
    im = im.filter(ImageFilter.GaussianBlur(1))
    a = np.array(im).astype(float) + rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def masks(a):
    hsv = np.array(Image.fromarray(a).convert("HSV")).astype(float)
    hue = hsv[..., 0] * 360 / 255
    sat = hsv[..., 1] / 255
    val = hsv[..., 2] / 255
    leaf = (hue >= 68) & (hue <= 180) & (sat >= 0.16) & (val >= 0.10)
    # yellowed and chlorotic leaf too: crops must not hold any plant
    leaf |= (hue >= 40) & (hue <= 180) & (sat >= 0.25) & (val >= 0.15)
    leaf |= (hue >= 60) & (hue <= 180) & (sat >= 0.07) & (val >= 0.30)  # pale, washed-out leaf
    r, g, b = (a[..., k].astype(int) for k in range(3))
    skin = (r > 95) & (g > 40) & (b > 20) & (r > g) & (r > b) & (r - g > 15)
    return leaf, skin


def crops(beans, out, rng, want, split="train"):
    files = sorted(glob.glob(os.path.join(beans, split, "*", "*.jpg")))
    rng.shuffle(files)
    suffix = "" if split == "train" else "-" + split
    counts = {"soil": 0, "hands": 0}
    for path in files:
        if all(counts[k] >= want for k in counts):
            break
        a = np.array(Image.open(path).convert("RGB"))
        leaf, skin = masks(a)
        h, w = leaf.shape
        for side in (160, 128, 96):
            found = False
            for _ in range(30):
                y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
                lf = leaf[y:y + side, x:x + side].mean()
                sk = skin[y:y + side, x:x + side].mean()
                kind = "hands" if sk > 0.4 and lf < 0.08 else "soil" if lf < 0.03 and sk < 0.2 else None
                if kind and counts[kind] < want:
                    name = f"{kind}-{os.path.splitext(os.path.basename(path))[0]}.png"
                    Image.fromarray(a[y:y + side, x:x + side]).save(os.path.join(out, kind + suffix, name))
                    counts[kind] += 1
                    found = True
                    break
            if found:
                break
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beans", default="/work/shared/datasets/beans")
    ap.add_argument("--out", default="/tmp/leafscope-ood")
    ap.add_argument("-n", type=int, default=30, help="images per synthetic set")
    args = ap.parse_args()

    makers = {"flat": flat, "noise": noise, "gradients": gradients, "text": text, "ui": ui, "scenes": scenes}
    for name, make in makers.items():
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
        rng = np.random.default_rng(sum(map(ord, name)))
        for i in range(args.n):
            im = make(rng, i)
            ext = "jpg" if name in ("scenes", "noise") and i % 2 else "png"
            im.save(os.path.join(args.out, name, f"{name}-{i:02d}.{ext}"), quality=90)

    for d in ("soil", "hands", "soil-validation", "hands-validation", "truncated", "tiny"):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    rng = np.random.default_rng(12)
    counts = crops(args.beans, args.out, rng, args.n)
    counts_val = crops(args.beans, args.out, rng, args.n, "validation")

    val = sorted(glob.glob(os.path.join(args.beans, "validation", "*", "*.jpg")))
    pick = random.Random(3)
    for i, path in enumerate(pick.sample(val, 10)):
        data = open(path, "rb").read()
        cut = int(len(data) * (0.3 + 0.05 * i))
        with open(os.path.join(args.out, "truncated", f"cut{i:02d}-{os.path.basename(path)}"), "wb") as f:
            f.write(data[:cut])
    for i, path in enumerate(pick.sample(val, 10)):
        side = [4, 8, 16, 24, 32, 40, 48, 56, 60, 63][i]
        Image.open(path).convert("RGB").resize((side, side + 7 * (i % 3))).save(
            os.path.join(args.out, "tiny", f"tiny{side:02d}-{os.path.basename(path)[:-4]}.png"))
    print(f"wrote {args.out}: {args.n} per synthetic set, crops {counts} (train), "
          f"{counts_val} (validation), 10 truncated, 10 tiny")


if __name__ == "__main__":
    main()
