#!/usr/bin/python3
"""bench/photo_paths.py: the exact and the fast (reduced-size JPEG decode) paths
from photo to verdict, compared over the Beans validation split.

Beans photos are 500 x 500, too small for the fast path to reduce anything, so
each one is first upscaled with PIL (bicubic) to a phone-sized JPEG (default
3464 x 3464, 12 megapixels, quality 92) under bench/cache/photos-<N>mpx/ (never
committed).  Then leafscope-bench classifies every photo both ways with the
default model (data/models/leaf-vit) and this prints, and writes to
bench/results/photo-paths.json: the largest and mean absolute difference of the
class probabilities, how many top classes changed, and the median time of each
path from file to verdict.

  bench/photo_paths.py [--driver EXE] [--side 3464] [--limit N]
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(HERE, "cache")


def upscale(src, dst, side):
    from PIL import Image
    with Image.open(src) as im:
        im.convert("RGB").resize((side, side), Image.BICUBIC).save(dst + ".tmp.jpg", quality=92)
    os.replace(dst + ".tmp.jpg", dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", default=os.path.join(CACHE, "build", "bench", "leafscope-bench"))
    ap.add_argument("--model", default=os.path.join(ROOT, "data", "models", "leaf-vit"))
    ap.add_argument("--side", type=int, default=3464)
    ap.add_argument("--limit", type=int, default=0, help="first N photos only")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    shared = os.environ.get("LEAFSCOPE_SHARED", os.path.join(ROOT, "..", "shared"))
    photos = sorted(glob.glob(os.path.join(shared, "datasets", "beans", "validation", "*", "*.jpg")))
    if not photos:
        sys.exit("bench/photo_paths.py: no Beans validation photos under " + shared)
    if a.limit:
        photos = photos[:a.limit]
    out_dir = os.path.join(CACHE, f"photos-{a.side * a.side // 1000000}mpx")
    os.makedirs(out_dir, exist_ok=True)
    big = []
    for p in photos:
        dst = os.path.join(out_dir, os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p))
        if not os.path.exists(dst):
            upscale(p, dst, a.side)
        big.append(dst)

    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(a.threads), LEAFSCOPE_BENCH_THREADS=str(a.threads))
    proc = subprocess.Popen([a.driver], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def call(line):
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        r = json.loads(proc.stdout.readline())
        if not r.get("ok"):
            sys.exit(f"bench/photo_paths.py: '{line}' failed: {r.get('error')}")
        return r

    call("load_diagnoser " + a.model)
    diffs, changed, t_exact, t_fast, d_exact, d_fast, sizes = [], [], [], [], [], [], set()
    status_changed = []
    for i, p in enumerate(big):
        # Alternate which path goes first: neither gets a warmer cache.
        order = ("diagnose", "diagnose_fast") if i % 2 == 0 else ("diagnose_fast", "diagnose")
        res = {cmd: call(f"{cmd} {p}") for cmd in order}
        e, f = res["diagnose"], res["diagnose_fast"]
        diffs.extend(abs(x - y) for x, y in zip(e["probs"], f["probs"]))
        if e["top"] != f["top"]:
            changed.append(os.path.basename(p))
        if e["status"] != f["status"]:
            status_changed.append(os.path.basename(p))
        t_exact.append(e["ms"])
        t_fast.append(f["ms"])
        d_exact.append(e["decode_ms"])
        d_fast.append(f["decode_ms"])
        sizes.add(tuple(f["decoded"]))
    proc.stdin.write("quit\n")
    proc.stdin.close()
    proc.wait()

    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "photos": len(big), "side": a.side, "threads": a.threads,
        "fast_decoded_sizes": sorted(sizes),
        "max_abs_prob_diff": max(diffs), "mean_abs_prob_diff": statistics.mean(diffs),
        "top_changed": len(changed), "top_changed_photos": changed,
        "status_changed": len(status_changed), "status_changed_photos": status_changed,
        "median_ms_exact": statistics.median(t_exact), "median_ms_fast": statistics.median(t_fast),
        "median_decode_ms_exact": statistics.median(d_exact), "median_decode_ms_fast": statistics.median(d_fast),
        "load": os.getloadavg(),
    }
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "photo-paths.json"), "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    print(f"{len(big)} photos of {a.side} x {a.side}, fast path decoded at {sorted(sizes)}")
    print(f"probabilities: max |diff| {result['max_abs_prob_diff']:.2e}, mean {result['mean_abs_prob_diff']:.2e}; "
          f"top class changed on {len(changed)} of {len(big)}, status (diagnosed / uncertain / "
          f"out of scope) on {len(status_changed)}")
    print(f"file to verdict, median: exact {result['median_ms_exact']:.1f} ms "
          f"(decode {result['median_decode_ms_exact']:.1f}), fast {result['median_ms_fast']:.1f} ms "
          f"(decode {result['median_decode_ms_fast']:.1f}); load average {result['load'][0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
