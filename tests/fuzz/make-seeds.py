#!/usr/bin/env python3
"""Writes the seed corpora in corpus/<target>/ from the test fixtures and a
few hand-made files (small on purpose: libFuzzer mutates small inputs faster).
Run from anywhere: python3 tests/fuzz/make-seeds.py  (needs ImageMagick's
convert for the image seeds)."""
import io, json, os, shutil, struct, subprocess, tempfile, zipfile, zlib

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, '..', 'fixtures')
corpus = os.path.join(here, 'corpus')


def out(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def fixture(*parts):
    with open(os.path.join(fixtures, *parts), 'rb') as f:
        return f.read()


# ---- safetensors
def safetensors(tensors, metadata=None, pad=True):
    header, blobs, off = {}, [], 0
    for name, dtype, shape, blob in tensors:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    if metadata:
        header['__metadata__'] = metadata
    h = json.dumps(header).encode()
    if pad:
        h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


f32 = struct.pack('<6f', 0, 1, 2, 3, 4, 5)
out('safetensors', 'f32-2x3', safetensors([('w', 'F32', [2, 3], f32)], {'format': 'pt'}))
out('safetensors', 'mixed', safetensors([
    ('a.weight', 'F16', [2, 2], b'\x00\x3c' * 4),
    ('a.bias', 'BF16', [2], b'\x80\x3f' * 2),
    ('ids', 'I64', [1], struct.pack('<q', 7)),
    ('mask', 'BOOL', [3], b'\x01\x00\x01'),
    ('scalar', 'F64', [], struct.pack('<d', 0.5)),
    ('empty', 'F32', [0, 4], b''),
    ('i8', 'I8', [2], b'\x7f\x80'),
    ('u8', 'U8', [1, 1, 1], b'\xff'),
    ('other', 'F8_E4M3', [2], b'\x01\x02'),
]))
out('safetensors', 'unpadded', safetensors([('x', 'I32', [1], b'\x01\x00\x00\x00')], pad=False))
out('safetensors', 'empty-table', safetensors([]))
# The real header of a fixture with its data cut off: realistic names and
# shapes for the dictionary, fails on the offsets.
st = fixture('vit-tiny', 'model.safetensors')
n = struct.unpack('<Q', st[:8])[0]
out('safetensors', 'vit-tiny-header', st[:8 + n])

# ---- torch (pytorch_model.bin)
good_pickle = (b"\x80\x02}q\x00(X\x01\x00\x00\x00wq\x01"
               b"ctorch._utils\n_rebuild_tensor_v2\nq\x02"
               b"((X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x00kq\x05"
               b"X\x03\x00\x00\x00cpuq\x06K\x08tq\x07Q"
               b"K\x01K\x02K\x03\x86q\x08K\x03K\x01\x86q\x09\x89ccollections\nOrderedDict\nq\x0a)Rq\x0btq\x0cRq\x0d"
               b"X\x01\x00\x00\x00vh\x02(h\x07QK\x00K\x08\x85K\x01\x85\x89h\x0btRu.")


def torch_zip(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_STORED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, data)
    return b.getvalue()


storage = struct.pack('<8f', *range(8))
out('torch', 'hand-built', torch_zip([('archive/data.pkl', good_pickle), ('archive/version', b'3\n'),
                                      ('archive/data/k', storage)]))
# The fixture's real pickle (f16 ViT, OrderedDict with _metadata) over
# storages cut to a few bytes: the unpickler runs to the end first.
with zipfile.ZipFile(os.path.join(fixtures, 'vit-tiny-f16', 'pytorch_model.bin')) as z:
    entries = []
    for info in z.infolist():
        data = z.read(info)
        if '/data/' in info.filename:
            data = data[:4]
        entries.append((info.filename, data))
out('torch', 'vit-tiny-f16-cut', torch_zip(entries))

# ---- config.json / preprocessor_config.json
seen = set()
for folder in sorted(os.listdir(fixtures)):
    for name in ('config.json', 'preprocessor_config.json', 'generation_config.json'):
        p = os.path.join(fixtures, folder, name)
        if os.path.exists(p):
            data = fixture(folder, name)
            if data not in seen:
                seen.add(data)
                out('config', f'{folder}-{name}', data)
out('config', 'shortest-edge', b'{"do_resize": true, "size": {"shortest_edge": 224}, "resample": 3,'
    b' "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}')

out('config', 'leafscope-prompt.json', b'{"format": 1, "template": "Leaf: {label} ({confidence}).\\nReport:",'
    b' "stop": ["\\n\\n", "<|endoftext|>"], "max_new_tokens": 96}')

# ---- vocab.json NUL merges.txt
vocab, merges = fixture('gpt2-tiny', 'vocab.json'), fixture('gpt2-tiny', 'merges.txt')
out('tokenizer-load', 'gpt2-tiny', vocab + b'\0' + merges)
out('tokenizer-load', 'small', b'{"a": 0, "b": 1, "ab": 2, "<|endoftext|>": 3}\0#version: 0.2\na b\n')

# ---- BPE: texts from the fixture cases, and id sequences
cases = json.loads(fixture('gpt2-tiny', 'tokenizer_cases.json'))
for i, case in enumerate(cases):
    out('bpe', f'text-{i:02d}', case['text'].encode())
    out('bpe', f'ids-{i:02d}', b''.join(struct.pack('<h', t) for t in case['ids']))

# ---- images: the fixtures' small photos and tiny files in other formats
for folder, name in (('vit-tiny', 'input0.png'), ('vit-tiny', 'input2.png'), ('vit-gpt2-tiny', 'input0.png')):
    out('image', f'{folder}-{name}', fixture(folder, name))
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, 'src.png')
    subprocess.run(['convert', '-size', '6x4', 'gradient:red-blue', src], check=True)
    for name, args in (('rgb.jpg', []), ('gray.jpg', ['-colorspace', 'Gray']),
                       ('cmyk.jpg', ['-colorspace', 'CMYK']), ('rgb.gif', []), ('rgb.bmp', []),
                       ('rgb.tiff', ['-compress', 'None']), ('rgba.png', ['-alpha', 'set']),
                       ('gray16.png', ['-colorspace', 'Gray', '-depth', '16']),
                       ('rgb16.png', ['-depth', '16']), ('rgb.ico', []), ('rgb.pnm', [])):
        dst = os.path.join(tmp, name)
        subprocess.run(['convert', src, '-strip'] + args + [dst], check=True)
        with open(dst, 'rb') as f:
            out('image', name, f.read())
    anim = os.path.join(tmp, 'anim.gif')
    subprocess.run(['convert', '-delay', '10', '-size', '4x4', 'xc:red', 'xc:green', anim], check=True)
    with open(anim, 'rb') as f:
        out('image', 'anim.gif', f.read())
    # EXIF orientation 6 in an APP1 segment after SOI.
    with open(os.path.join(tmp, 'rgb.jpg'), 'rb') as f:
        jpg = f.read()
    app1 = (b'\xff\xe1\x00\x22Exif\0\0II\x2a\x00\x08\x00\x00\x00\x01\x00'
            b'\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00')
    out('image', 'exif-rotated.jpg', jpg[:2] + app1 + jpg[2:])

total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(corpus) for f in fs)
print(f'{total} bytes in {corpus}')
