#!/usr/bin/python3
"""Measures the scope check and the calibrated confidence (issue 12).

    tools/scope/make_ood.py                       # once: builds /tmp/leafscope-ood
    tools/scope/measure.py [--model data/models/leaf-vit] [--ood /tmp/leafscope-ood]

Runs `leafscope-cli diagnose --no-describe --format json` (the engine decides
every status) on the Beans validation split and on every out-of-scope set,
and prints a Markdown report:
  - validation: share of each status, coverage (share diagnosed), risk (wrong
    among the diagnosed), ECE (10 equal-width bins, top class) of the raw and
    of the calibrated probabilities;
  - each out-of-scope set: share flagged (any status but diagnosed), per status;
  - the check's cost against the diagnosis (bench/scope-cost).
Needs a build in ./build (meson compile -C build scope-cost for the cost).
"""
import argparse
import collections
import glob
import json
import os
import subprocess
import sys

STATUSES = ("diagnosed", "uncertain", "not_a_leaf", "unusable")


def diagnose(cli, model, paths):
    cmd = [cli, "diagnose", "--no-describe", "--format", "json", "-q", "--vision-model", model] + paths
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def ece(rows, key):
    bins = [[0, 0.0, 0.0] for _ in range(10)]
    for r in rows:
        probs = r[key]
        top = max(probs, key=probs.get)
        p = probs[top]
        b = min(max(int(-(-p * 10 // 1)) - 1, 0), 9)
        bins[b][0] += 1
        bins[b][1] += p
        bins[b][2] += top == r["truth"]
    return sum(abs(h - c) for n, c, h in bins if n) / len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/src/cli/leafscope-cli")
    ap.add_argument("--model", default="data/models/leaf-vit")
    ap.add_argument("--beans", default="/work/shared/datasets/beans")
    ap.add_argument("--ood", default="/tmp/leafscope-ood")
    ap.add_argument("--split", default="validation")
    ap.add_argument("--extra", action="append", default=[], help="NAME=GLOB: another out-of-scope set")
    args = ap.parse_args()

    val = sorted(glob.glob(os.path.join(args.beans, args.split, "*", "*.jpg")))
    if not val:
        sys.exit(f"no Beans photos under {args.beans}/{args.split}")
    rows = diagnose(args.cli, args.model, val)
    for r in rows:
        r["truth"] = os.path.basename(os.path.dirname(r["path"]))
    n = len(rows)
    count = collections.Counter(r.get("status", "error") for r in rows)
    diagnosed = [r for r in rows if r.get("status") == "diagnosed"]
    wrong = [r for r in diagnosed if r["label"] != r["truth"]]
    wrong_all = [r for r in rows if "label" in r and r["label"] != r["truth"]]
    print(f"## Beans {args.split} ({n} photos, model {args.model})\n")
    print("| measure | value |\n|---|---|")
    for s in STATUSES:
        print(f"| {s} | {count[s]} ({100 * count[s] / n:.1f} %) |")
    print(f"| coverage (diagnosed) | {100 * len(diagnosed) / n:.1f} % |")
    print(f"| risk (wrong among diagnosed) | {len(wrong)} of {len(diagnosed)} "
          f"({100 * len(wrong) / max(len(diagnosed), 1):.1f} %) |")
    print(f"| errors of the classifier caught (not diagnosed) | "
          f"{len(wrong_all) - len(wrong)} of {len(wrong_all)} |")
    print(f"| ECE raw softmax | {ece(rows, 'raw_probs'):.4f} |")
    print(f"| ECE calibrated | {ece(rows, 'probs'):.4f} |")
    for r in wrong:
        print(f"\nwrong but diagnosed: {r['path']} {r['truth']} -> {r['label']} {r['score']:.3f}")
    flagged_right = [r for r in rows if r.get("status") != "diagnosed" and r["label"] == r["truth"]]
    print(f"\nright but flagged: {len(flagged_right)} "
          + ", ".join(f"{os.path.basename(r['path'])} {r['status']}/{r['status_reason']}" for r in flagged_right))

    sets = sorted(d for d in os.listdir(args.ood) if os.path.isdir(os.path.join(args.ood, d))) if os.path.isdir(args.ood) else []
    extra = dict(e.split("=", 1) for e in args.extra)
    print(f"\n## Out-of-scope sets ({args.ood})\n")
    print("| set | photos | flagged | diagnosed | uncertain | not_a_leaf | unusable | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for name in sets + list(extra):
        paths = sorted(glob.glob(extra[name]) if name in extra else glob.glob(os.path.join(args.ood, name, "*")))
        if not paths:
            continue
        out = diagnose(args.cli, args.model, paths)
        c = collections.Counter(r.get("status", "error") for r in out)
        m = len(paths)
        flagged = m - c["diagnosed"]
        print(f"| {name} | {m} | {100 * flagged / m:.1f} % | {c['diagnosed']} | {c['uncertain']} | "
              f"{c['not_a_leaf']} | {c['unusable']} | {c['error'] + m - len(out)} |")

    cost = os.path.join(os.path.dirname(args.cli), "..", "bench", "scope-cost")
    if os.path.exists(cost):
        res = subprocess.run([cost, args.model] + val[:40], capture_output=True, text=True).stdout
        kv = dict(line.split() for line in res.splitlines() if line.strip())
        print(f"\n## Cost\n\nscope check {kv.get('scope_check_ms')} ms per photo against "
              f"{kv.get('diagnosis_ms')} ms for the diagnosis (ViT, attention maps, findings; "
              f"{kv.get('photos')} validation photos): {kv.get('share_percent')} %.")


if __name__ == "__main__":
    main()
