#!/usr/bin/env python3
"""Affected area against synthetic lesions of known area.

    lesion_area.py --cli build/src/cli/leafscope-cli --photos ../shared/datasets/beans/validation/healthy
                   [--n 10] [--areas 0.5,1,2,5,10,20,30] [--kind mixed|rust|spot] [--keep DIR]

Lesion-coloured spots are painted onto healthy validation leaves until they
cover a known share of the leaf, the composite is saved as a JPEG (quality 92,
as a phone would), and `leafscope-cli diagnose --no-describe --evidence none
--format json` measures its affected area.  The known area is painted pixels
(alpha >= 0.5) over the leaf pixels the engine counts on the composite
(findings.leaf_fraction x pixels): the leaf outline is not what is validated
here, the lesion count is.

Spots, at the photo's 500-pixel size:
  rust   round pustules 2-7 px across: a red-brown centre, often with a
         yellow-orange halo (both lesion tissue);
  spot   angular leaf spot: polygons 6-16 px across, tan to dark brown;
  mixed  half and half.
They are placed only inside the photographed leaf, away from its edge (the
largest piece of a green mask eroded by 6 px), with soft edges (Gaussian, sigma 0.6 px).  Prints the mean absolute
error (points) per target area and overall; --keep writes the composites.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RUST = [(150, 80, 35), (125, 62, 30), (165, 95, 45), (110, 55, 28)]
HALO = [(205, 175, 55), (215, 160, 60), (195, 185, 70)]
SPOT = [(150, 110, 60), (120, 85, 50), (95, 70, 45), (160, 125, 80)]


def green_interior(rgb):
    a = rgb.astype(np.float32) / 255.0
    mx, mn = a.max(-1), a.min(-1)
    s = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0)
    g_is_max = (a[..., 1] >= a[..., 0]) & (a[..., 1] >= a[..., 2])
    mask = g_is_max & (s > 0.18) & (mx > 0.15)
    # Erode by 6 px (min filter) so spots never touch the outline.
    m = Image.fromarray((mask * 255).astype(np.uint8)).filter(ImageFilter.MinFilter(13))
    m = np.asarray(m) > 127
    return m & largest_component(m)


def largest_component(mask, scale=4):
    """The largest 4-connected component (found at 1/scale size): the
    photographed leaf, not the plants behind it."""
    small = mask[::scale, ::scale]
    h, w = small.shape
    label = np.zeros((h, w), np.int32)
    sizes = [0]
    for y0 in range(h):
        for x0 in range(w):
            if not small[y0, x0] or label[y0, x0]:
                continue
            sizes.append(0)
            k = len(sizes) - 1
            stack = [(y0, x0)]
            label[y0, x0] = k
            while stack:
                y, x = stack.pop()
                sizes[k] += 1
                for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if 0 <= yy < h and 0 <= xx < w and small[yy, xx] and not label[yy, xx]:
                        label[yy, xx] = k
                        stack.append((yy, xx))
    best = int(np.argmax(sizes))
    keep = np.repeat(np.repeat(label == best, scale, 0), scale, 1)[:mask.shape[0], :mask.shape[1]]
    return keep


def paint(img, interior, target, kind, rng):
    w, h = img.size
    ys, xs = np.nonzero(interior)
    alpha = Image.new("L", (w, h), 0)
    colour = Image.new("RGB", (w, h))
    da, dc = ImageDraw.Draw(alpha), ImageDraw.Draw(colour)
    leaf_px = interior.sum()
    painted = 0.0
    tries = 0
    while painted < target * leaf_px and tries < 20000:
        tries += 1
        i = rng.randrange(len(xs))
        x, y = int(xs[i]), int(ys[i])
        k = kind if kind != "mixed" else rng.choice(["rust", "spot"])
        if k == "rust":
            r = rng.uniform(1.0, 3.5)
            if rng.random() < 0.6:
                hr = r + rng.uniform(1.0, 2.5)
                dc.ellipse([x - hr, y - hr, x + hr, y + hr], fill=rng.choice(HALO))
                da.ellipse([x - hr, y - hr, x + hr, y + hr], fill=255)
            dc.ellipse([x - r, y - r, x + r, y + r], fill=rng.choice(RUST))
            da.ellipse([x - r, y - r, x + r, y + r], fill=255)
        else:
            n = rng.randint(4, 7)
            rad = rng.uniform(3.0, 8.0)
            pts = [(x + rad * rng.uniform(0.6, 1.0) * math.cos(2 * math.pi * j / n + rng.uniform(-0.3, 0.3)),
                    y + rad * rng.uniform(0.6, 1.0) * math.sin(2 * math.pi * j / n + rng.uniform(-0.3, 0.3)))
                   for j in range(n)]
            dc.polygon(pts, fill=rng.choice(SPOT))
            da.polygon(pts, fill=255)
        if tries % 10 == 0:
            a = np.asarray(alpha) > 127
            painted = (a & interior).sum()
    soft = alpha.filter(ImageFilter.GaussianBlur(0.6))
    a = np.asarray(soft) > 127
    a &= interior
    out = Image.composite(colour, img, soft)
    # Paint only inside the interior.
    out = Image.composite(out, img, Image.fromarray((interior * 255).astype(np.uint8)))
    return out, int(a.sum())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--photos", required=True)
    ap.add_argument("--n", type=int, default=10, help="healthy photos used")
    ap.add_argument("--areas", default="0.5,1,2,4,8,15,25,40,50")
    ap.add_argument("--kind", default="mixed", choices=["mixed", "rust", "spot"])
    ap.add_argument("--keep", help="write the composites here")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    photos = sorted(os.path.join(a.photos, f) for f in os.listdir(a.photos) if f.endswith(".jpg"))
    photos = photos[:: max(1, len(photos) // a.n)][:a.n]
    areas = [float(x) for x in a.areas.split(",")]
    out_dir = a.keep or tempfile.mkdtemp(prefix="lesion-area-")
    os.makedirs(out_dir, exist_ok=True)
    jobs = []
    for p in photos:
        img = Image.open(p).convert("RGB")
        interior = green_interior(np.asarray(img))
        base = os.path.splitext(os.path.basename(p))[0]
        ref = os.path.join(out_dir, base + "-0.jpg")
        img.save(ref, quality=92)
        jobs.append((ref, p, 0.0, 0))
        for t in areas:
            comp, n_px = paint(img, interior, t / 100.0, a.kind, rng)
            path = os.path.join(out_dir, "%s-%g.jpg" % (base, t))
            comp.save(path, quality=92)
            jobs.append((path, p, t, n_px))
    r = subprocess.run([a.cli, "diagnose", "--no-describe", "--evidence", "none", "--format", "json", "-q"]
                       + [j[0] for j in jobs], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stderr[-400:])
    res = {json.loads(l)["path"]: json.loads(l) for l in r.stdout.splitlines() if l.strip()}
    by_target = {}
    bins = [(0.5, 2), (2, 5), (5, 10), (10, 20), (20, 30.01)]
    by_bin = {b: [] for b in bins}
    zero = []
    for path, src, t, n_px in jobs:
        f = res[path]["findings"]
        w, h = Image.open(path).size
        leaf_px = f["leaf_fraction"] * w * h
        truth = 100.0 * n_px / leaf_px if leaf_px > 0 else 0.0
        meas = 100.0 * f["affected_area"]
        if t == 0:
            zero.append((truth, meas))
        for b in bins:
            if b[0] <= truth < b[1]:
                by_bin[b].append((truth, meas))
    print("%d healthy photos, %s spots; affected area in points of the leaf, binned by the true area"
          % (len(photos), a.kind))
    print("| true area | composites | true (mean) | measured (mean) | MAE |")
    print("|---|---|---|---|---|")
    errs = []
    for b, rows in [((0, 0), zero)] + list(by_bin.items()):
        if not rows:
            continue
        mae = sum(abs(m - tr) for tr, m in rows) / len(rows)
        if b != (0, 0):
            errs += [abs(m - tr) for tr, m in rows]
        print("| %s | %d | %.2f | %.2f | %.2f |" % ("none (the healthy photo)" if b == (0, 0) else "%g-%g %%" % (b[0], round(b[1])),
                                                   len(rows), sum(r[0] for r in rows) / len(rows),
                                                   sum(r[1] for r in rows) / len(rows), mae))
    print("MAE over true areas 0.5-30 %%: %.2f points (%d composites)" % (sum(errs) / len(errs), len(errs)))


if __name__ == "__main__":
    main()
