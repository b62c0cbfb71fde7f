"""The project's leaf segmentation (engine/vision/photo-analysis.c, segment()) reimplemented
in numpy, for the shortcut tests and the background-replacement training.

Same steps and constants as the C code: area-averaged downscale to a long side
of 256 (LS_FINDINGS_WORK_SIZE), HSV colour rules with the adaptive green
saturation floor, leaf specks dropped, small enclosed holes filled, lesion
colours closed into the leaf, thin bridges cut (opening by 4) and only leaves
of at least a quarter of the largest kept.  Connected components are
4-connected, as in relabel_components(); erosion/dilation are square with the
window clipped at the border, as in morph().

    mask, lesion = leaf_mask(rgb_uint8_hw3)     # (h, w) bool at the work size

`check` mode compares leaf_fraction / affected_area with the engine's
(`leafscope-cli diagnose --format json` output):

    python3 tools/train/leafmask.py --check DIAGNOSE.jsonl
"""
import argparse
import json
import sys

import numpy as np

WORK_SIZE = 256
GREEN_HUE_LO, GREEN_HUE_HI = 68.0, 180.0
GREEN_SAT_MIN, GREEN_VAL_MIN = 0.16, 0.10
GREEN_SAT_FLOOR, GREEN_SAT_RATIO = 0.06, 0.5
GREY_SAT_RATIO, GREY_VAL_MAX = 0.35, 0.80
YELLOW_HUE_LO, YELLOW_SAT_MIN, YELLOW_VAL_MIN = 45.0, 0.30, 0.35
LESION_HUE_HI, LESION_HUE_WRAP = 45.0, 330.0
LESION_SAT_MIN, LESION_VAL_MIN = 0.22, 0.08
YELLOW_LESION_HUE_HI, YELLOW_LESION_SAT_MIN = 60.0, 0.50
MAX_HOLE_SHARE, MIN_LEAF_SHARE, KEEP_RELATIVE = 0.003, 0.004, 0.25
SEPARATE_RADIUS, CLOSE_RADIUS = 4, 2
SAT_BINS = 100
OTHER, LEAF, LESION = 0, 1, 2


def downscale(rgb):
    """Area average to a long side of at most WORK_SIZE, integer block bounds
    and rounding as in photo-analysis.c downscale()."""
    h, w = rgb.shape[:2]
    long_side = max(w, h)
    if long_side <= WORK_SIZE:
        return rgb.copy()
    ow = max(1, w * WORK_SIZE // long_side)
    oh = max(1, h * WORK_SIZE // long_side)
    ii = np.zeros((h + 1, w + 1, 3), np.int64)
    ii[1:, 1:] = rgb.astype(np.int64).cumsum(0).cumsum(1)
    oy = np.arange(oh)
    y0 = oy * h // oh
    y1 = np.maximum(y0 + 1, (oy + 1) * h // oh)
    ox = np.arange(ow)
    x0 = ox * w // ow
    x1 = np.maximum(x0 + 1, (ox + 1) * w // ow)
    s = (ii[y1][:, x1] - ii[y0][:, x1] - ii[y1][:, x0] + ii[y0][:, x0])
    n = ((y1 - y0)[:, None] * (x1 - x0)[None, :])[..., None]
    return ((s + n // 2) // n).astype(np.uint8)


def rgb_to_hsv(rgb):
    r, g, b = [rgb[..., i].astype(np.int32) for i in range(3)]
    mx = np.maximum(r, np.maximum(g, b))
    mn = np.minimum(r, np.minimum(g, b))
    delta = (mx - mn).astype(np.float32)
    v = mx.astype(np.float32) / np.float32(255.0)
    s = np.where(mx > 0, delta / np.maximum(mx, 1).astype(np.float32), np.float32(0)).astype(np.float32)
    d = np.where(delta == 0, np.float32(1), delta)
    hr = np.float32(60.0) * np.fmod((g - b).astype(np.float32) / d + np.float32(6.0), np.float32(6.0))
    hg = np.float32(60.0) * ((b - r).astype(np.float32) / d + np.float32(2.0))
    hb = np.float32(60.0) * ((r - g).astype(np.float32) / d + np.float32(4.0))
    h = np.where(delta == 0, np.float32(0), np.where(mx == r, hr, np.where(mx == g, hg, hb)))
    return h.astype(np.float32), s, v


def hist_median(values):
    if values.size == 0:
        return -1.0
    hist = np.bincount(np.minimum((values * SAT_BINS).astype(np.int32), SAT_BINS - 1), minlength=SAT_BINS)
    total = hist.sum()
    acc = np.cumsum(hist)
    b = int(np.argmax(2 * acc >= total))
    return (b + 0.5) / SAT_BINS


def components(mask):
    """4-connected components of a bool mask: (labels int32 with -1 outside,
    sizes, touches_border) by union-find over row runs."""
    h, w = mask.shape
    runs = []  # (y, x0, x1)
    row_runs = []
    for y in range(h):
        row = mask[y].astype(np.int8)
        d = np.diff(np.concatenate(([0], row, [0])))
        starts = np.nonzero(d == 1)[0]
        ends = np.nonzero(d == -1)[0]
        first = len(runs)
        runs.extend((y, int(a), int(b)) for a, b in zip(starts, ends))
        row_runs.append((first, len(runs)))
    parent = list(range(len(runs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for y in range(1, h):
        pa, pb = row_runs[y - 1]
        ca, cb = row_runs[y]
        i, j = pa, ca
        while i < pb and j < cb:
            _, a0, a1 = runs[i]
            _, b0, b1 = runs[j]
            if a0 < b1 and b0 < a1:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
            if a1 < b1:
                i += 1
            else:
                j += 1
    labels = np.full((h, w), -1, np.int32)
    roots = {}
    sizes, border = [], []
    for k, (y, a, b) in enumerate(runs):
        r = find(k)
        lab = roots.get(r)
        if lab is None:
            lab = roots[r] = len(sizes)
            sizes.append(0)
            border.append(False)
        labels[y, a:b] = lab
        sizes[lab] += b - a
        if y == 0 or y == h - 1 or a == 0 or b == w:
            border[lab] = True
    return labels, np.array(sizes, np.int64), np.array(border, bool)


def morph(mask, radius, grow):
    """Square dilation (grow) or erosion with the window clipped at the border."""
    m = mask.astype(bool)
    h, w = m.shape
    out = m.copy()
    for axis in (1, 0):
        src = out
        acc = src.copy()
        n = src.shape[axis]
        for k in range(1, radius + 1):
            if k >= n:
                break
            if axis == 1:
                fwd = np.concatenate([src[:, k:], src[:, -1:].repeat(k, 1)], 1)
                bwd = np.concatenate([src[:, :1].repeat(k, 1), src[:, :-k]], 1)
            else:
                fwd = np.concatenate([src[k:], src[-1:].repeat(k, 0)], 0)
                bwd = np.concatenate([src[:1].repeat(k, 0), src[:-k]], 0)
            acc = (acc | fwd | bwd) if grow else (acc & fwd & bwd)
        out = acc
    return out


def leaf_mask(rgb):
    """rgb: uint8 (H, W, 3) full photo -> (leaf, lesion) bool masks at the
    work size (downscaled as the engine does)."""
    small = downscale(rgb)
    h, w = small.shape[:2]
    n = h * w
    H, S, V = rgb_to_hsv(small)
    green = (H >= GREEN_HUE_LO) & (H <= GREEN_HUE_HI) & (V >= GREEN_VAL_MIN) & (S >= GREEN_SAT_FLOOR)
    median = hist_median(S[green])
    if median < 0:
        green_sat_min = GREEN_SAT_MIN
    else:
        green_sat_min = min(max(np.float32(GREEN_SAT_RATIO) * np.float32(median), GREEN_SAT_FLOOR), GREEN_SAT_MIN)
    pale = np.float32(np.float32(green_sat_min) / np.float32(GREEN_SAT_MIN))
    f = np.float32
    cls = np.zeros((h, w), np.uint8)
    is_leaf = (H >= GREEN_HUE_LO) & (H <= GREEN_HUE_HI) & (S >= pale * f(GREEN_SAT_MIN)) & (V >= GREEN_VAL_MIN)
    is_yellow = ~is_leaf & (H >= YELLOW_HUE_LO) & (H < GREEN_HUE_LO) & (S >= pale * f(YELLOW_SAT_MIN)) & (V >= YELLOW_VAL_MIN)
    yellow_lesion = is_yellow & (H < YELLOW_LESION_HUE_HI) & (S >= pale * f(YELLOW_LESION_SAT_MIN))
    is_lesion = ~is_leaf & ~is_yellow & ((H < LESION_HUE_HI) | (H >= LESION_HUE_WRAP)) \
        & (S >= pale * f(LESION_SAT_MIN)) & (V >= LESION_VAL_MIN)
    cls[is_leaf | (is_yellow & ~yellow_lesion)] = LEAF
    cls[yellow_lesion | is_lesion] = LESION
    mask = cls == LEAF

    lab, sizes, _ = components(mask)
    small_piece = sizes < int(MIN_LEAF_SHARE * n)
    mask &= ~(small_piece[lab] & (lab >= 0))
    lab, sizes, border = components(~mask)
    hole = (~border) & (sizes <= int(MAX_HOLE_SHARE * n))
    mask |= hole[lab] & (lab >= 0)
    closed = morph(morph(mask, CLOSE_RADIUS, True), CLOSE_RADIUS, False)
    mask |= closed & (cls == LESION)
    core = morph(mask, SEPARATE_RADIUS, False)
    lab, sizes, _ = components(core)
    if sizes.size:
        largest = int(sizes.max())
        drop = sizes < int(KEEP_RELATIVE * largest)
        core &= ~(drop[lab] & (lab >= 0))
    core = morph(core, SEPARATE_RADIUS + 1, True)
    mask &= core

    leaf_sat = hist_median(S[mask & (cls == LEAF)])
    grey_sat_max = f(GREY_SAT_RATIO) * f(leaf_sat)
    grey = (S < grey_sat_max) & (V < GREY_VAL_MAX) & (V >= LESION_VAL_MIN)
    lesion = mask & ((cls == LESION) | grey)
    return mask, lesion


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", required=True, help="leafscope-cli diagnose --format json output")
    a = ap.parse_args()
    from PIL import Image
    worst_leaf = worst_area = 0.0
    n = exact = 0
    for line in open(a.check):
        r = json.loads(line)
        if "findings" not in r:
            continue
        rgb = np.asarray(Image.open(r["path"]).convert("RGB"))
        m, les = leaf_mask(rgb)
        lf = m.mean()
        area = les.sum() / max(1, m.sum())
        dl = abs(lf - r["findings"]["leaf_fraction"])
        da = abs(area - r["findings"]["affected_area"])
        worst_leaf, worst_area = max(worst_leaf, dl), max(worst_area, da)
        exact += dl < 1e-6 and da < 1e-6
        n += 1
    print("%d photos: leaf fraction and affected area equal to the engine's in %d; "
          "largest difference leaf %.6f, area %.6f" % (n, exact, worst_leaf, worst_area))
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
