"""Minimal safetensors writer/reader (the format, without the safetensors package).

Layout: 8-byte little-endian header length N, N bytes of JSON header (padded
with spaces to a multiple of 8), then the raw little-endian tensor data; each
header entry gives dtype, shape and [begin, end) byte offsets into the data.
"""
import json
import struct

import numpy as np
import torch

_DT = {"F16": (torch.float16, np.float16), "F32": (torch.float32, np.float32),
       "BF16": (torch.bfloat16, None), "I64": (torch.int64, np.int64)}
_BY_TORCH = {v[0]: k for k, v in _DT.items()}


def save(tensors, path, metadata=None):
    """tensors: dict name -> torch tensor (written in sorted name order)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        dt = _BY_TORCH[t.dtype]
        raw = t.view(torch.int16).numpy().tobytes() if dt in ("F16", "BF16") else t.numpy().tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[base + b: base + e]
        dt = info["dtype"]
        if dt == "BF16":
            t = torch.frombuffer(bytearray(raw), dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(raw, dtype=_DT[dt][1]).copy())
        out[name] = t.reshape(info["shape"])
    return out
