"""A seeded mutator of valid model files, for differential fuzzing of the two loaders.

`mutants(seed, n)` yields n model files (bytes), each a valid small model with one to three
random faults: a value anywhere replaced by a value of another type or a boundary number, a key
deleted or duplicated, an array shortened or grown, base64 nudged, layers dropped or repeated,
or the text itself cut, spliced or flipped. The same seed gives the same files on any machine
(random.Random, no NumPy). python/tests/test_fuzz.py has both loaders judge every file and
requires the same verdict and field. Not part of the package.
"""

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Iterator

from digitnet_tools.conformance.models import model, text

VALUES = [
    None,
    True,
    False,
    0,
    -0.0,
    1,
    -1,
    0.5,
    1.5,
    10,
    784,
    784.0,
    1e-320,
    5e-324,
    1e306,
    1e307,
    1e308,
    2**32,
    10**9,
    10**20,
    "",
    "x",
    "784",
    "1.0.0",
    "relu",
    "softmax",
    "digitnet-mlp",
    "AAAA",
    [],
    [0.01],
    [1, 2],
    {},
    {"a": 1},
    "\ufeff",
    "１",
    "1.0.0\n",
]
LITERALS = ["1e999", "-1e999", "1" + "0" * 400, "784.0", "1.0", "-0", "1E2", "0.0", "NaN", "[]"]


def paths(value, prefix=()) -> list[tuple]:
    """Every path (tuple of keys and indices) inside a document, the root excluded."""
    out = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for k, v in items:
        out.append(prefix + (k,))
        if not (isinstance(v, list) and len(v) > 16):  # not every bias entry: keep it varied
            out.extend(paths(v, prefix + (k,)))
        else:
            out.extend(prefix + (k, j) for j in (0, len(v) - 1))
    return out


def parent(doc, path):
    for k in path[:-1]:
        doc = doc[k]
    return doc


def mutate_tree(doc: dict, r: random.Random) -> None:
    """One structural fault, in place."""
    path = r.choice(paths(doc))
    box, key = parent(doc, path), path[-1]
    op = r.randrange(8)
    strings = [k for k in ("version", "format") if isinstance(doc.get(k), str)]
    if strings and r.random() < 0.15:  # the top-level strings, where Unicode digits hide
        box, key, op = doc, r.choice(strings), 5
    if op <= 2:
        box[key] = copy.deepcopy(r.choice(VALUES))
    elif op == 3 and isinstance(box, dict):
        del box[key]
    elif op == 3:
        box.pop(key)
    elif op == 4 and isinstance(box[key], list):
        box[key] = box[key][:-1] if r.random() < 0.5 else box[key] + box[key][-1:]
    elif op == 5 and isinstance(box[key], str) and box[key]:
        s = box[key]
        i = r.randrange(len(s))
        c = r.choice(["A", "/", "+", "=", "\n", " ", "-", "_", "é", "１", "٣", "0", ".", "01"])
        box[key] = r.choice([s[:i] + c + s[i + 1 :], s[:i] + c + s[i:], s + c, s[:i]])
    elif op == 6 and isinstance(box, dict):
        box[r.choice(["scale", "scales", "extra", "__proto__", "constructor"])] = copy.deepcopy(
            r.choice(VALUES)
        )
    elif op == 7 and isinstance(box[key], (int, float)) and not isinstance(box[key], bool):
        box[key] = box[key] * r.choice([-1, 0, 2, 127, 1e300, 0.5])
    else:
        layers = doc.get("layers")
        if isinstance(layers, list) and layers:
            k = r.randrange(len(layers))
            layers.insert(k, copy.deepcopy(layers[k])) if r.random() < 0.5 else layers.pop(k)


def mutate_text(t: str, r: random.Random) -> bytes:
    """One textual fault: a literal no dict can hold, a cut, a splice or a flipped byte."""
    data = t.encode("utf-8")
    op = r.randrange(6)
    if op == 0:  # a number literal replaced
        numbers = [
            i
            for i, c in enumerate(t)
            if c in ":[," and i + 1 < len(t) and t[i + 1] in "-0123456789"
        ]
        if numbers:
            i = r.choice(numbers) + 1
            j = i
            while j < len(t) and t[j] in "-+.eE0123456789":
                j += 1
            return (t[:i] + r.choice(LITERALS) + t[j:]).encode()
    if op == 1:
        return data[: r.randrange(len(data))]
    if op == 2:
        i = r.randrange(len(data))
        return data[:i] + bytes([data[i] ^ (1 << r.randrange(8))]) + data[i + 1 :]
    if op == 3:
        i = r.randrange(len(data))
        return (
            data[:i]
            + r.choice(
                [
                    b"\xff",
                    b"\xc0\xaf",
                    b"\xed\xa0\x80",
                    b"\xe2\x82",
                    b"\xef\xbb\xbf",
                    b"[",
                    b"}",
                    b",",
                ]
            )
            + data[i:]
        )
    if op == 4:  # a key duplicated with another value
        return t.replace(
            '"format":"digitnet-mlp"',
            '"format":"digitnet-mlp","format":' + json.dumps(r.choice(VALUES)),
            1,
        ).encode()
    return b"\xef\xbb\xbf" + data if r.random() < 0.5 else data


def mutants(seed: int, n: int) -> Iterator[bytes]:
    r = random.Random(seed)
    shapes = [(784, 1, 10), (784, 2, 10), (784, 10), (784, 3, 1, 2, 10)]
    for _ in range(n):
        doc = model(
            r.choice(shapes), r.choice(["per-layer", "per-channel", "mixed"]), r.randrange(1000)
        )
        for _ in range(r.choice([0, 1, 1, 1, 2, 3])):
            mutate_tree(doc, r)
        t = text(doc) if "layers" not in doc or r.random() < 0.9 else json.dumps(doc)
        yield mutate_text(t, r) if r.random() < 0.35 else t.encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
