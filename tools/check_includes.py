#!/usr/bin/python3
"""Checks the engine's include graph: no cycles, no include upwards.

Reads every `#include "..."` in engine/ (system includes <...> are not the
engine's).  A file's layer is its folder (engine/<layer>/); a public header in
engine/include/ belongs to the layer of the source file with its stem
(include/vit.h -> models/vit.c).  The layers, lowest first, are LAYERS below;
a file may include its own layer and the ones under it.

Reports, one per line:
  upward:  FILE (layer) includes HEADER (higher layer)
  public:  a public header includes an internal one (clients could not build)
  cycle:   files that include each other, directly or through others
  module cycle: modules (x.c, x.h, x-private.h) that depend on each other,
           e.g. x.h includes y.h while y.c includes x.h
  unplaced: a header whose layer cannot be told (no source of that stem)
Exits 1 when any of these is found, else 0.

Usage: /usr/bin/python3 tools/check_includes.py [ENGINE_DIR]   (default: engine)
"""
import os
import re
import sys

LAYERS = ["base", "kernels", "formats", "models", "text", "vision", "pipeline"]
# Headers above every layer: the umbrella header includes everything.
TOP = {"leafscope-engine.h"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def stem(name):
    base = os.path.splitext(os.path.basename(name))[0]
    return base[: -len("-private")] if base.endswith("-private") else base


def main():
    engine = sys.argv[1] if len(sys.argv) > 1 else "engine"
    files = {}  # path relative to engine -> layer
    for layer in LAYERS + ["include"]:
        folder = os.path.join(engine, layer)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith((".c", ".h")):
                files[layer + "/" + name] = layer

    # Stem of every source -> its layer, for placing public headers.
    source_layer = {}
    for path, layer in files.items():
        if layer != "include":
            source_layer.setdefault(stem(path), layer)

    problems = []
    layer_of = {}
    for path, layer in files.items():
        if layer != "include":
            layer_of[path] = layer
        elif os.path.basename(path) in TOP:
            layer_of[path] = "top"
        elif stem(path) in source_layer:
            layer_of[path] = source_layer[stem(path)]
        else:
            layer_of[path] = None
            problems.append("unplaced: %s (no source named %s.c)" % (path, stem(path)))

    # Resolve as the build does: the including file's folder first, then
    # include/, then the other layers' folders (engine_internal_inc).
    by_name = {}
    for path in files:
        by_name.setdefault(os.path.basename(path), []).append(path)

    def resolve(src, name):
        here = os.path.dirname(src) + "/" + name
        if here in files:
            return here
        if "include/" + name in files:
            return "include/" + name
        hits = by_name.get(os.path.basename(name), [])
        return hits[0] if hits else None  # None: not the engine's (build config.h)

    edges = {path: [] for path in files}
    for path in files:
        with open(os.path.join(engine, path), encoding="utf-8") as f:
            text = f.read()
        for name in INCLUDE_RE.findall(text):
            target = resolve(path, name)
            if target is None or target == path:
                continue
            edges[path].append(target)

    rank = {layer: i for i, layer in enumerate(LAYERS)}
    rank["top"] = len(LAYERS)
    for src in sorted(edges):
        for dst in edges[src]:
            ls, ld = layer_of[src], layer_of[dst]
            if ls is None or ld is None:
                continue
            if rank[ld] > rank[ls]:
                problems.append("upward: %s (%s) includes %s (%s)" % (src, ls, dst, ld))
            if files[src] == "include" and files[dst] != "include":
                problems.append("public: %s includes internal %s" % (src, dst))

    for comp in strongly_connected(edges):
        problems.append("cycle: " + " -> ".join(sorted(comp)))

    # The same on modules: x.c, x.h and x-private.h are one node.
    module_edges = {}
    for src, dsts in edges.items():
        m = stem(src)
        module_edges.setdefault(m, set())
        for dst in dsts:
            if stem(dst) != m:
                module_edges[m].add(stem(dst))
    for comp in strongly_connected({k: sorted(v) for k, v in module_edges.items()}):
        why = []
        for a in sorted(comp):
            for src in sorted(edges):
                if stem(src) != a:
                    continue
                for dst in edges[src]:
                    if stem(dst) in comp and stem(dst) != a:
                        why.append("%s includes %s" % (src, dst))
        problems.append("module cycle: %s (%s)" % (" <-> ".join(sorted(comp)), "; ".join(why)))

    for line in problems:
        print(line)
    n_edges = sum(len(v) for v in edges.values())
    print("%d files, %d includes, %d problems" % (len(files), n_edges, len(problems)))
    return 1 if problems else 0


def strongly_connected(graph):
    """Tarjan's algorithm, iterative; yields components of more than one node."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


if __name__ == "__main__":
    sys.exit(main())
