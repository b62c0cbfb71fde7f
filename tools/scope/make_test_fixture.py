#!/usr/bin/python3
"""Writes tests/fixtures/scope/reference.json: a small fitting problem for
engine/pipeline/scope-fit.c and the answers numpy gives, computed here independently of
the engine (plain inverse instead of Cholesky, a dense grid for the
temperature, numpy's quantile):

    tools/scope/make_test_fixture.py > tests/fixtures/scope/reference.json

Shrinkage (0.001) and kept quantile (0.98) are engine/include/scope.h's
LS_SCOPE_SHRINKAGE and LS_SCOPE_KEEP_QUANTILE.
"""
import json

import numpy as np

SHRINKAGE = 0.001
KEEP = 0.98
C, D = 3, 5

rng = np.random.default_rng(2026)
centres = rng.normal(0, 3, (C, D))
mix = rng.normal(0, 1, (D, D))


def sample(n_per):
    x, y = [], []
    for c in range(C):
        x.append(centres[c] + rng.normal(0, 1, (n_per, D)) @ mix)
        y += [c] * n_per
    return np.concatenate(x).astype(np.float32), np.array(y)


train_x, train_y = sample(30)
val_x, val_y = sample(10)
val_logits = (1.5 * np.stack([-np.linalg.norm(val_x - centres[c], axis=1) for c in range(C)], 1)
              + rng.normal(0, 1.5, (len(val_y), C))).astype(np.float32)
queries = np.concatenate([centres + 0.5, rng.normal(0, 8, (3, D))]).astype(np.float32)

x = train_x.astype(np.float64)
means = np.stack([x[train_y == c].mean(0) for c in range(C)])
centred = x - means[train_y]
cov = centred.T @ centred / (len(x) - C)
cov = (1 - SHRINKAGE) * cov + SHRINKAGE * np.trace(cov) / D * np.eye(D)
precision = np.linalg.inv(cov)


def distances(f):
    d = f.astype(np.float64)[:, None, :] - means[None]
    return np.sqrt(np.einsum("ncd,de,nce->nc", d, precision, d))


def nll(t):
    z = val_logits.astype(np.float64) / t
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return -logp[np.arange(len(val_y)), val_y].mean()


grid = np.exp(np.linspace(np.log(0.02), np.log(50), 200001))
temperature = grid[np.argmin([nll(t) for t in grid])]


def softmax(z, t):
    z = z.astype(np.float64) / t
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def ece(p, y, bins=10):
    conf, pred = p.max(1), p.argmax(1)
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = (conf > lo) & (conf <= hi) if b else (conf <= hi)
        if m.any():
            total += abs((pred[m] == y[m]).sum() - conf[m].sum()) / len(y)
    return total


val_dist = distances(val_x).min(1)
json.dump({
    "n_labels": C, "dim": D,
    "train_features": train_x.tolist(), "train_labels": train_y.tolist(),
    "val_features": val_x.tolist(), "val_labels": val_y.tolist(), "val_logits": val_logits.tolist(),
    "queries": queries.tolist(),
    "means": means.tolist(),
    "query_distances": distances(queries).tolist(),
    "temperature": temperature,
    "threshold": float(np.quantile(val_dist, KEEP)),
    "ece_raw": ece(softmax(val_logits, 1.0), val_y),
    "ece_calibrated": ece(softmax(val_logits, temperature), val_y),
}, __import__("sys").stdout, indent=1)
print()
