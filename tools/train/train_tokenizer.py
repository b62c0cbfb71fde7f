#!/usr/bin/env python3
"""Train the GPT-2 byte-level BPE of the report writer on the corpus.

    train_tokenizer.py --corpus DIR --out DIR [--vocab-size 3072]

Reads DIR/train.jsonl (tools/corpus/generate.py), writes vocab.json and
merges.txt (GPT-2 format) to --out.  Specials <|endoftext|>, <|findings|>,
<|report|> take the last ids.  Numbers are never merged (see bpe.train).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab-size", type=int, default=3072)
    ap.add_argument("--max-docs", type=int, default=20000)
    a = ap.parse_args()
    t0 = time.time()
    texts = []
    with open(os.path.join(a.corpus, "train.jsonl"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= a.max_docs:
                break
            texts.append(json.loads(line)["text"])
    vocab, merges = bpe.train(texts, a.vocab_size, log=lambda m: print(m, flush=True))
    os.makedirs(a.out, exist_ok=True)
    bpe.save(a.out, vocab, merges)
    tok = bpe.Tokenizer(a.out)
    n_tok = sum(len(tok.encode(t)) for t in texts[:2000])
    n_chr = sum(len(t) for t in texts[:2000])
    for t in texts[:200]:
        assert tok.decode(tok.encode(t)) == t
    print("vocab %d (%d merges) in %.1fs; %.2f chars/token, %.1f tokens/doc over 2000 docs"
          % (len(vocab), len(merges), time.time() - t0, n_chr / n_tok, n_tok / 2000))


if __name__ == "__main__":
    main()
