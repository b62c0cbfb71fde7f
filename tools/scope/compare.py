#!/usr/bin/python3
"""How the scope check's method and thresholds were chosen (tools/scope/README.md).

    meson compile -C build scope-features
    tools/scope/make_ood.py
    tools/scope/compare.py [--model data/models/leaf-vit]

Runs bench/scope-features (the engine's own ViT) on the Beans train and
validation splits and on the out-of-scope sets, then compares in numpy:
  1. out-of-scope scores: Mahalanobis distance to the nearest class mean on the
     CLS row vs the patch-mean feature, several shrinkages, relative
     Mahalanobis, k-NN cosine, and leaf_fraction: AUROC (Beans validation vs
     all out-of-scope photos) and the share flagged at the threshold keeping
     98 % / 95 % of validation photos;
  2. right-vs-wrong on validation: AUROC of the calibrated top probability,
     of its margin, and of the gap between the nearest and second class
     distances; coverage/risk of the rule the engine uses (calibrated top >=
     0.85 and gap >= 0.02 of the threshold), and a 2-fold cross-validation
     of choosing such a rule on half the split.
"""
import argparse
import glob
import os
import subprocess
import tempfile

import numpy as np

LABELS = ["angular_leaf_spot", "bean_rust", "healthy"]


def features(tool, model, paths):
    with tempfile.NamedTemporaryFile(suffix=".f32") as f:
        subprocess.run([tool, model, f.name] + paths, check=True)
        return np.fromfile(f.name, dtype=np.float32).astype(np.float64).reshape(len(paths), -1)


def auroc(pos, neg):
    s = np.concatenate([pos, neg])
    r = s.argsort().argsort() + 1
    return (r[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def mahalanobis(x, y, alpha):
    c = y.max() + 1
    mu = np.stack([x[y == k].mean(0) for k in range(c)])
    xc = x - mu[y]
    cov = xc.T @ xc / (len(x) - c)
    d = x.shape[1]
    cov = (1 - alpha) * cov + alpha * np.trace(cov) / d * np.eye(d)
    prec = np.linalg.inv(cov)

    def dist(f):
        e = f[:, None, :] - mu[None]
        return np.sqrt(np.einsum("ncd,de,nce->nc", e, prec, e))
    return dist


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", default="build/bench/scope-features")
    ap.add_argument("--model", default="data/models/leaf-vit")
    ap.add_argument("--beans", default="/work/shared/datasets/beans")
    ap.add_argument("--ood", default="/tmp/leafscope-ood")
    ap.add_argument("--sets", default="flat,gradients,hands,noise,scenes,soil,text,ui")
    args = ap.parse_args()

    tp = sorted(glob.glob(os.path.join(args.beans, "train", "*", "*.jpg")))
    vp = sorted(glob.glob(os.path.join(args.beans, "validation", "*", "*.jpg")))
    op = []
    for s in args.sets.split(","):
        op += sorted(glob.glob(os.path.join(args.ood, s, "*")))
    op += sorted(glob.glob("data/screenshots/*.png"))
    oset = np.array([os.path.basename(os.path.dirname(p)) for p in op])
    tr, va, od = (features(args.tool, args.model, p) for p in (tp, vp, op))
    ytr = np.array([LABELS.index(os.path.basename(os.path.dirname(p))) for p in tp])
    yva = np.array([LABELS.index(os.path.basename(os.path.dirname(p))) for p in vp])
    d = (tr.shape[1] - 1 - len(LABELS)) // 2
    cls, pm = slice(0, d), slice(d, 2 * d)
    logit = slice(2 * d, 2 * d + len(LABELS))
    leaf = 2 * d + len(LABELS)

    print("| score | AUROC | flagged @98 % kept | flagged @95 % kept | worst set @98 % |")
    print("|---|---|---|---|---|")

    def row(name, sv, so):
        t98, t95 = np.quantile(sv, 0.98), np.quantile(sv, 0.95)
        per = {s: (so[oset == s] > t98).mean() for s in np.unique(oset)}
        worst = min(per, key=per.get)
        print(f"| {name} | {auroc(so, sv):.4f} | {100 * (so > t98).mean():.1f} % | "
              f"{100 * (so > t95).mean():.1f} % | {worst} {100 * per[worst]:.0f} % |")

    for alpha in (0, 0.001, 0.05):
        f = mahalanobis(tr[:, cls], ytr, alpha)
        row(f"Mahalanobis, CLS row, shrinkage {alpha}", f(va[:, cls]).min(1), f(od[:, cls]).min(1))
    for alpha in (0, 0.001, 0.01, 0.05):
        f = mahalanobis(tr[:, pm], ytr, alpha)
        row(f"Mahalanobis, patch mean, shrinkage {alpha}", f(va[:, pm]).min(1), f(od[:, pm]).min(1))
    f = mahalanobis(tr[:, cls], ytr, 0)
    m0, p0 = tr[:, cls].mean(0), np.linalg.inv(np.cov(tr[:, cls].T))

    def d0(x):
        e = x - m0
        return np.einsum("nd,de,ne->n", e, p0, e)
    row("relative Mahalanobis, CLS", f(va[:, cls]).min(1) ** 2 - d0(va[:, cls]),
        f(od[:, cls]).min(1) ** 2 - d0(od[:, cls]))
    norm = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)
    bank = norm(tr[:, cls])
    knn = lambda x: -np.sort(norm(x) @ bank.T, 1)[:, -5]
    row("5-NN cosine, CLS", knn(va[:, cls]), knn(od[:, cls]))
    row("1 - leaf_fraction", 1 - va[:, leaf], 1 - od[:, leaf])

    # right vs wrong, with the shipped scope's numbers refitted here
    f = mahalanobis(tr[:, pm], ytr, 0.001)
    dist = f(va[:, pm])
    thr = np.quantile(dist.min(1), 0.98)
    inscope = dist.min(1) <= thr
    ds = np.sort(dist, 1)
    gap = (ds[:, 1] - ds[:, 0]) / thr
    z = va[:, logit]

    def nll(t):
        q = z / t
        q = q - q.max(1, keepdims=True)
        return -(q[np.arange(len(yva)), yva] - np.log(np.exp(q).sum(1))).mean()
    grid = np.exp(np.linspace(np.log(0.05), np.log(5), 20001))
    t = grid[np.argmin([nll(g) for g in grid])]
    p = np.exp(z / t)
    p /= p.sum(1, keepdims=True)
    top, sec = np.sort(p, 1)[:, -1], np.sort(p, 1)[:, -2]
    right = p.argmax(1) == yva
    print(f"\nValidation: {(~right).sum()} errors in {len(yva)}; temperature {t:.4f}, threshold {thr:.2f}")
    print(f"right-vs-wrong AUROC: calibrated top {auroc(top[right], top[~right]):.3f}, "
          f"margin {auroc((top - sec)[right], (top - sec)[~right]):.3f}, "
          f"distance gap {auroc(gap[right], gap[~right]):.3f}")
    print("\n| rule | coverage | risk |\n|---|---|---|")
    for a, b in ((0.0, 0.0), (0.8, 0.0), (0.85, 0.0), (0.9, 0.0), (0.85, 0.02), (0.9, 0.02)):
        keep = inscope & (top >= a) & (gap >= b)
        print(f"| top >= {a}, gap >= {b} | {100 * keep.mean():.1f} % | "
              f"{(~right & keep).sum()} of {keep.sum()} ({100 * (~right & keep).sum() / keep.sum():.1f} %) |")

    rng = np.random.default_rng(0)
    for rule, gaps in (("top only", [0.0]), ("top and gap", np.arange(0, 0.06, 0.0025))):
        res = []
        for _ in range(200):
            m = rng.random(len(yva)) < 0.5
            best = None
            for a in np.arange(0.6, 0.97, 0.01):
                for b in gaps:
                    keep = m & inscope & (top >= a) & (gap >= b)
                    if keep.sum() and (~right & keep).sum() / keep.sum() <= 0.02:
                        if best is None or keep.sum() > best[0]:
                            best = (keep.sum(), a, b)
            if best is None:
                continue
            keep = ~m & inscope & (top >= best[1]) & (gap >= best[2])
            res.append((keep.sum() / (~m).sum(), (~right & keep).sum() / max(keep.sum(), 1)))
        res = np.array(res)
        print(f"\n2-fold CV, {rule} chosen for risk <= 2 % on one half: held-out coverage "
              f"{100 * res[:, 0].mean():.1f} %, risk {100 * res[:, 1].mean():.1f} %")


if __name__ == "__main__":
    main()
