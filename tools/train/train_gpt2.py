#!/usr/bin/env python3
"""Train the small GPT-2 report writer on the generated corpus (CPU).

    train_gpt2.py --corpus DIR --tokenizer DIR --out DIR [--minutes 40]

One document (findings header + report + <|endoftext|>) per row, starting at
position 0 as at inference; rows padded to the longest in the batch.  The loss
covers only the report tokens and the final <|endoftext|> (the header is given
by the engine, never generated).  AdamW with a linear warm-up and a cosine
decay over the wall-clock budget (--minutes), so a run on a busy machine still
ends on time with a decayed learning rate.  A checkpoint (OUT/ckpt.pt) is
written every --ckpt-minutes and at the end; tools/train/export_gpt2.py turns
it into the HuggingFace folder.
"""
import argparse
import hashlib
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
from gpt2 import Config, GPT2LMHeadModel  # noqa: E402


def load_split(path, tok, tok_folder, limit=None):
    """(ids, prompt length) per document.  Tokenizing 30,000 documents in pure
    Python takes a while: the result is kept beside the corpus file, keyed by
    the tokenizer's vocabulary and merges, so a run elsewhere (a GPU machine)
    can carry it instead of tokenizing again."""
    key = hashlib.sha256()
    for name in ("vocab.json", "merges.txt"):
        with open(os.path.join(tok_folder, name), "rb") as f:
            key.update(f.read())
    cache = "%s.ids-%s.json" % (path, key.hexdigest()[:16])
    if limit is None and os.path.exists(cache):
        with open(cache) as f:
            return [(ids, n) for ids, n in json.load(f)]
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            e = json.loads(line)
            n_prompt = len(tok.encode(e["prompt"]))
            ids = tok.encode(e["text"])
            assert ids[:n_prompt] == tok.encode(e["prompt"])
            rows.append((ids, n_prompt))
    if limit is None:
        with open(cache + ".tmp", "w") as f:
            json.dump(rows, f)
        os.replace(cache + ".tmp", cache)
    return rows


def batch_tensors(rows, pad_id):
    T = max(len(ids) for ids, _ in rows) - 1
    x = torch.full((len(rows), T), pad_id, dtype=torch.long)
    y = torch.full((len(rows), T), -100, dtype=torch.long)
    for i, (ids, n_prompt) in enumerate(rows):
        t = torch.tensor(ids)
        x[i, :len(ids) - 1] = t[:-1]
        y[i, :len(ids) - 1] = t[1:]
        y[i, :n_prompt - 1] = -100  # targets inside the header are not trained
    return x, y


@torch.no_grad()
def evaluate(model, rows, pad_id, bs=32, device="cpu"):
    model.eval()
    tot, n = 0.0, 0
    for i in range(0, len(rows), bs):
        x, y = batch_tensors(rows[i:i + bs], pad_id)
        x, y = x.to(device), y.to(device)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                               ignore_index=-100, reduction="sum")
        tot += float(loss)
        n += int((y != -100).sum())
    model.train()
    return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=40.0)
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-positions", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-steps", type=int, default=0, help="0: until the time budget ends")
    ap.add_argument("--resume", help="start from this checkpoint's weights (fresh optimizer and schedule)")
    ap.add_argument("--init-from", help="start from an exported model folder's weights (model.safetensors, "
                    "F16 read as float32; fresh optimizer and schedule): fine-tuning the shipped writer")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, "train.log"), "a")

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    tok = bpe.Tokenizer(a.tokenizer)
    eot = tok.vocab["<|endoftext|>"]
    t0 = time.time()
    train = load_split(os.path.join(a.corpus, "train.jsonl"), tok, a.tokenizer)
    held = load_split(os.path.join(a.corpus, "heldout.jsonl"), tok, a.tokenizer)
    say("tokenized %d train / %d held-out docs in %.0fs; %d train target tokens"
        % (len(train), len(held), time.time() - t0, sum(len(i) - p for i, p in train)))

    cfg = Config(len(tok.vocab), a.n_positions, a.n_embd, a.n_layer, a.n_head,
                 bos_token_id=eot, eos_token_id=eot)
    model = GPT2LMHeadModel(cfg)
    step0 = 0
    if a.resume:
        ck = torch.load(a.resume, map_location="cpu")
        assert ck["config"] == cfg.to_dict(), "checkpoint config differs"
        model.load_state_dict(ck["model"])
        step0 = ck["step"]
        say("resumed from %s (step %d)" % (a.resume, step0))
    elif a.init_from:
        from export_gpt2 import load_folder
        init = load_folder(a.init_from)
        assert init.cfg.to_dict() == cfg.to_dict(), "model folder config differs: %s" % init.cfg.to_dict()
        model.load_state_dict(init.state_dict())
        say("initialised from %s" % a.init_from)
    model.to(a.device)
    n_params = sum(p.numel() for p in model.parameters())
    say("model: %d parameters, config %s" % (n_params, json.dumps(cfg.to_dict())))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-8)
    budget = a.minutes * 60.0
    start = time.time()
    last_ckpt = start
    step, seen, ema = 0, 0, None
    order = list(range(len(train)))
    rng.shuffle(order)
    cursor = 0

    def save(tag):
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save({"config": cfg.to_dict(), "model": state, "step": step0 + step,
                    "docs_seen": seen, "minutes": (time.time() - start) / 60.0},
                   os.path.join(a.out, "ckpt.pt.tmp"))
        os.replace(os.path.join(a.out, "ckpt.pt.tmp"), os.path.join(a.out, "ckpt.pt"))
        say("checkpoint (%s) at step %d, %.1f min" % (tag, step, (time.time() - start) / 60.0))

    model.train()
    while True:
        elapsed = time.time() - start
        if elapsed >= budget or (a.max_steps and step >= a.max_steps):
            break
        frac = elapsed / budget if not a.max_steps else step / a.max_steps
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        if cursor + a.batch > len(order):
            rng.shuffle(order)
            cursor = 0
        rows = [train[i] for i in order[cursor:cursor + a.batch]]
        cursor += a.batch
        x, y = batch_tensors(rows, eot)
        x, y = x.to(a.device), y.to(a.device)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += len(rows)
        ema = float(loss) if ema is None else 0.98 * ema + 0.02 * float(loss)
        if step % 25 == 0:
            say("step %d  %.1f min  lr %.2e  loss %.4f (ema %.4f)  %.2f s/step"
                % (step, (time.time() - start) / 60.0, lr, float(loss), ema,
                   (time.time() - start) / step))
        if time.time() - last_ckpt > a.ckpt_minutes * 60.0:
            save("periodic")
            last_ckpt = time.time()
    save("final")
    nll = evaluate(model, held, eot, device=a.device)
    say("done: %d steps, %d docs seen (%.2f epochs), %.1f min; held-out report-token loss %.4f, perplexity %.3f"
        % (step, seen, seen / len(train), (time.time() - start) / 60.0, nll, math.exp(nll)))


if __name__ == "__main__":
    main()
