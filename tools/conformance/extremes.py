"""Seeded model files at the edges of FORMAT.md's Overflow rule and of the loaders' limits, for
the differential fuzzing (python/tests/test_fuzz.py): both loaders must give each the same
verdict and field, and every file they take must predict finite numbers in every engine.

- `extreme_models`: small networks whose scales, biases and weights sit near the edge: scales up
  to 1e306 (127 * scale finite), biases up to +-1.7e308 and at the limit itself, weights all
  127, all zero or one nonzero, 4 or 8 bits, per layer or per channel.
- `deep_models`: chains of narrow layers, up to `max_layers` of them (a 140,002-layer file
  once crashed the JS entries), with some of those edges mixed in.
Not part of the package.
"""

from __future__ import annotations

import base64
import math
import random

from digitnet_tools.conformance.models import document, pack4, text

LIMIT = 2.0**1023 * 1.9375  # FORMAT.md, Overflow
SCALES = (1e-3, 0.01, 1.0, 1e10, 1e100, 1e300, 1e305, 1e306, 1.3e306, 1.4155e306, 5e-324)
BIASES = (0.0, -0.5, 1.0, 1e300, 1e307, 1e308, 1.7e308, -1.7e308, LIMIT, -LIMIT)
BIASES += (math.nextafter(LIMIT, math.inf), 1.7976931348623157e308)


def levels(rng: random.Random, n: int, top: int) -> list[int]:
    """n weight levels in -top..top: random, all top, all zero, or one nonzero."""
    kind = rng.choice(["random", "top", "zero", "one", "random"])
    if kind == "random":
        return [rng.randint(-top, top) for _ in range(n)]
    if kind == "top":
        return [rng.choice((top, -top))] * n
    values = [0] * n
    if kind == "one":
        values[rng.randrange(n)] = rng.choice((1, top, -top))
    return values


def packed(values: list[int], inputs: int, outputs: int, bits: int) -> str:
    """FORMAT.md's weights: 8 bits in [inputs][outputs] order, 4 bits neuron by neuron."""
    if bits == 8:
        raw = bytes(v & 0xFF for v in values)
    else:
        raw = pack4([values[i * outputs + j] for j in range(outputs) for i in range(inputs)])
    return base64.b64encode(raw).decode()


def layer(rng: random.Random, inputs: int, outputs: int, last: bool, edgy: bool, tame) -> dict:
    """One layer; `tame()` draws its scales unless it is `edgy`."""
    bits = rng.choice((8, 8, 4))
    top = 127 if bits == 8 else 7
    pick_scale = (lambda: rng.choice(SCALES)) if edgy else tame
    spec = {
        "inputs": inputs,
        "outputs": outputs,
        "activation": "softmax" if last else "relu",
        **({"bits": 4} if bits == 4 else {}),
    }
    if rng.random() < 0.5:
        spec["scales"] = [pick_scale() for _ in range(outputs)]
    else:
        spec["scale"] = pick_scale()
    small = lambda: round(rng.uniform(-1, 1), 6)  # noqa: E731
    spec["bias"] = [
        rng.choice(BIASES) if edgy and rng.random() < 0.3 else small() for _ in range(outputs)
    ]
    spec["weights"] = packed(levels(rng, inputs * outputs, top), inputs, outputs, bits)
    return spec


def network(rng: random.Random, widths: list[int], edges: float, tame) -> bytes:
    sizes = [784, *widths, 10]
    layers = [
        layer(rng, i, o, k == len(sizes) - 2, rng.random() < edges, tame)
        for k, (i, o) in enumerate(zip(sizes, sizes[1:]))
    ]
    return text(document(layers, "extreme")).encode()


def extreme_models(seed: int, n: int) -> list[bytes]:
    """n small networks (1 to 4 layers of width 1 to 4), most layers at the edges."""
    rng = random.Random(seed)
    tame = lambda: 10 ** rng.uniform(-3, 0)  # noqa: E731
    return [
        network(rng, [rng.randint(1, 4) for _ in range(rng.randint(0, 3))], 0.8, tame)
        for _ in range(n)
    ]


def deep_models(seed: int, n: int, max_layers: int) -> list[bytes]:
    """n chains of up to max_layers layers of width 1 or 2, in some a few layers at the edges."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        depth = rng.choice((max_layers, rng.randint(2, max_layers)))
        # |level| * scale <= 1/2 on at most 2 inputs: a layer at most keeps its inputs' reach (plus
        # its biases), so thousands of layers stay far from the limit unless an edge is hit
        tame = lambda: rng.uniform(1e-4, 1 / 254)  # noqa: E731
        edges = rng.choice((0.0, 0.0, 3 / depth))  # most chains plain, some with ~3 edge layers
        out.append(network(rng, [rng.randint(1, 2) for _ in range(depth - 1)], edges, tame))
    return out
