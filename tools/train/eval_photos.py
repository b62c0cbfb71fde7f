#!/usr/bin/env python3
"""Faithfulness of the written descriptions on real photos, end to end.

    eval_photos.py --cli build/src/cli/leafscope-cli --photos ../shared/datasets/beans/validation
                   [--text-model DIR] [--vision-model DIR] [--language en,pt_BR]

Runs `leafscope-cli diagnose --format json --greedy` (or, with --sample, as
the app decodes) over every photo under
--photos (the engine: decoding, ViT, findings, prompt, GPT-2), rebuilds the
findings header the prompt was made from (the same rounding as
engine/pipeline/prompt.c), and applies tools/corpus/faithful.py's checks to each
description.  Prints the share passing each check per language and the
failures.  Reads the photos in place; writes nothing.
"""
import argparse
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
import faithful  # noqa: E402

KEYS = ("diagnosis", "confidence", "area", "numbers", "uncertain", "quality", "severity", "evidence",
        "all")


def percent(share):
    # ls_findings_percent(): round half up, with the same small epsilon.
    return int(math.floor(share * 100.0 + 0.5 + 1e-4))


def findings_of(result, language):
    f = result["findings"]
    return {
        "language": language,
        "label": result["label"],
        "confidence": percent(result["score"]),
        "runner_up": f["runner_up"],
        "runner_up_confidence": percent(f["runner_up_score"]),
        "uncertain": "yes" if result["uncertain"] else "no",
        "affected_area": percent(f["affected_area"]),
        "evidence": f["evidence"],
        "quality": f["quality"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help="leafscope-cli to run")
    ap.add_argument("--photos", required=True, help="folder of photos (searched recursively)")
    ap.add_argument("--text-model", help="GPT-2 folder (default: the CLI's shipped leaf-gpt2)")
    ap.add_argument("--vision-model", help="ViT folder (default: the CLI's shipped leaf-vit)")
    ap.add_argument("--language", default="en,pt_BR")
    ap.add_argument("--show", type=int, default=3, help="failures shown per language")
    ap.add_argument("--evidence", default="auto",
                    help="the CLI's --evidence (auto, coarse, fine): the map the prompt's evidence line comes from")
    ap.add_argument("--sample", action="store_true",
                    help="decode as the app does (the model's generation_config.json, seed 0) "
                         "instead of greedy")
    a = ap.parse_args()

    photos = sorted(os.path.join(d, n) for d, _, names in os.walk(a.photos) for n in names
                    if n.lower().endswith((".jpg", ".jpeg", ".png")))
    if not photos:
        sys.exit("no photos under %s" % a.photos)
    for lang in a.language.split(","):
        argv = [a.cli, "diagnose", "--format", "json", "--language", lang, "--evidence", a.evidence]
        if not a.sample:
            argv.append("--greedy")
        if a.text_model:
            argv += ["--text-model", a.text_model]
        if a.vision_model:
            argv += ["--vision-model", a.vision_model]
        r = subprocess.run(argv + photos, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("%s failed (%d): %s" % (a.cli, r.returncode, r.stderr.strip()[-400:]))
        results = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        score = {k: 0 for k in KEYS}
        failures = []
        areas = []
        for res in results:
            f = findings_of(res, lang)
            areas.append(f["affected_area"])
            c = faithful.check(f, res["description"])
            for k in KEYS:
                score[k] += int(c[k])
            if not c["all"]:
                failures.append((f, res["description"], c))
        n = len(results)
        print("%s over %d photos: %s; affected area %d-%d%%" % (
            lang, n, ", ".join("%s %d%%" % (k, round(100 * score[k] / n)) for k in KEYS),
            min(areas), max(areas)))
        for f, text, c in failures[:a.show]:
            print("  FAIL %s -> %s\n    %s" % (json.dumps(f), [k for k in KEYS if not c[k]],
                                               text.replace("\n", " ")[:300]))


if __name__ == "__main__":
    main()
