"""GPT-2 byte-level BPE: the format (vocab.json + merges.txt), training and
encoding.  Independent of transformers/tokenizers (absent here); follows the
GPT-2 encoder: bytes_to_unicode mapping, the GPT-2 pre-split regex, merges
applied by rank.  Added special tokens are split out before pre-splitting and
kept whole.
"""
import json
import os
import re

import regex

PRESPLIT = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPECIALS = ["<|endoftext|>", "<|findings|>", "<|report|>"]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character table."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {v: k for k, v in BYTE_ENC.items()}


def split_specials(text, specials):
    if not specials:
        return [(text, False)]
    pat = re.compile("(" + "|".join(re.escape(s) for s in specials) + ")")
    out = []
    for part in pat.split(text):
        if part:
            out.append((part, part in specials))
    return out


def chunks(text):
    """Pre-split text (no specials) into byte-unicode strings."""
    return ["".join(BYTE_ENC[b] for b in m.encode("utf-8")) for m in PRESPLIT.findall(text)]


def train(texts, vocab_size, no_digit_merges=True, log=None):
    """Learn merges until the vocab (256 bytes + merges + specials) reaches vocab_size.

    With no_digit_merges, no merge produces a token containing a digit: every
    number is spelled digit by digit, so the model copies numbers from the
    findings header digit by digit whatever punctuation precedes them.
    """
    from collections import Counter, defaultdict
    freq = Counter()
    for t in texts:
        for part, special in split_specials(t, SPECIALS):
            if not special:
                freq.update(chunks(part))
    words = [list(w) for w in freq]
    counts = [freq[w] for w in freq]
    n_merges = vocab_size - 256 - len(SPECIALS)
    merges = []
    digits = set(BYTE_ENC[b] for b in b"0123456789")

    def has_digit(s):
        return any(c in digits for c in s)

    # Pair counts with an index of which words hold each pair.
    pair_count = Counter()
    where = defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += counts[i]
            where[(a, b)].add(i)
    while len(merges) < n_merges:
        best = None
        for pair, c in pair_count.most_common():
            if c < 2:
                break
            if no_digit_merges and (has_digit(pair[0]) or has_digit(pair[1])):
                continue
            best = pair
            break
        if best is None:
            break
        merges.append(best)
        new = best[0] + best[1]
        for i in list(where[best]):
            w = words[i]
            for a, b in zip(w, w[1:]):
                pair_count[(a, b)] -= counts[i]
                if pair_count[(a, b)] <= 0:
                    del pair_count[(a, b)]
                where[(a, b)].discard(i)
            j, out = 0, []
            while j < len(w):
                if j + 1 < len(w) and w[j] == best[0] and w[j + 1] == best[1]:
                    out.append(new)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for a, b in zip(out, out[1:]):
                pair_count[(a, b)] += counts[i]
                where[(a, b)].add(i)
        if log and len(merges) % 500 == 0:
            log("merges %d" % len(merges))
    vocab = {}
    for b in range(256):
        vocab[BYTE_ENC[b]] = len(vocab)
    for a, b in merges:
        vocab[a + b] = len(vocab)
    for s in SPECIALS:
        vocab[s] = len(vocab)
    return vocab, merges


def save(folder, vocab, merges):
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write("%s %s\n" % (a, b))


class Tokenizer:
    def __init__(self, folder):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        self.inv = {v: k for k, v in self.vocab.items()}
        self.ranks = {}
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("#version") or not line.strip():
                    continue
                a, b = line.rstrip("\n").split(" ")
                self.ranks[(a, b)] = len(self.ranks)
        self.specials = [s for s in SPECIALS if s in self.vocab]
        self.cache = {}

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best, rank = None, None
            for p in zip(parts, parts[1:]):
                r = self.ranks.get(p)
                if r is not None and (rank is None or r < rank):
                    best, rank = p, r
            if best is None:
                break
            out, j = [], 0
            while j < len(parts):
                if j + 1 < len(parts) and parts[j] == best[0] and parts[j + 1] == best[1]:
                    out.append(parts[j] + parts[j + 1])
                    j += 2
                else:
                    out.append(parts[j])
                    j += 1
            parts = out
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        ids = []
        for part, special in split_specials(text, self.specials):
            if special:
                ids.append(self.vocab[part])
            else:
                for c in chunks(part):
                    ids.extend(self.bpe(c))
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            tok = self.inv[i]
            if tok in self.specials:
                out += tok.encode("utf-8")
            else:
                out += bytes(BYTE_DEC[c] for c in tok)
        return out.decode("utf-8", errors="replace")
