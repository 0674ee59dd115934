"""The strict reader of a `digitnet-mlp` v1 model file (js/src/validate.js's twin).

FORMAT.md's rules, in the order they are checked; every rejection is a DigitnetError naming
the field. Returns the layers, dequantized to float64.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re

import numpy as np

from . import quantize
from .engine import Layer
from .errors import DigitnetError

FORMAT = "digitnet-mlp"
FORMAT_VERSION = 1
INPUTS, CLASSES = 784, 10
# ASCII digits only (\d would take "１"), and fullmatch: "$" would let a trailing newline in.
SEMVER = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){2}")
MAX_DEPTH = 64  # arrays and objects nested in a model file, the file itself being level 1


def is_version(v) -> bool:
    """An ASCII X.Y.Z version string (SEMVER's [0-9] is ASCII; fullmatch refuses a newline)."""
    return isinstance(v, str) and SEMVER.fullmatch(v) is not None


def is_number(v) -> bool:
    """A JSON number as JavaScript sees one: int or float (NumPy's too), never a bool."""
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_)
    )


def fail(field: str, message: str):
    raise DigitnetError(f"{field}: {message}", field)


def decode(data: bytes) -> str:
    """Strict UTF-8; a leading byte-order mark is dropped (as TextDecoder does)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        fail("model", f"invalid UTF-8 (byte {e.start})")


def reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse(text: str):
    """JSON as JavaScript's JSON.parse reads it: no NaN or Infinity literals, and an integer
    literal beyond 15 digits becomes the double JS would make of it (Python would keep it
    exact, or refuse it past 4300 digits)."""
    try:
        return json.loads(
            text,
            parse_constant=reject_constant,
            parse_int=lambda s: int(s) if len(s) <= 15 else float(s),
        )
    except RecursionError:
        fail("model", f"nested deeper than {MAX_DEPTH} levels")
    except ValueError as e:
        fail("model", f"invalid JSON ({e})")


def check_depth(value, depth: int = 1) -> None:
    """Arrays and objects nest at most MAX_DEPTH deep; a cyclic dict is refused, not looped on."""
    if isinstance(value, (dict, list, tuple)):
        if depth > MAX_DEPTH:
            fail("model", f"nested deeper than {MAX_DEPTH} levels")
        for v in value.values() if isinstance(value, dict) else value:
            check_depth(v, depth + 1)


def show(v) -> str:
    if isinstance(v, str):
        return json.dumps(v[:40])
    if isinstance(v, (list, tuple)):
        return f"{len(v)} items"
    return "an object" if isinstance(v, dict) else repr(v)


def get(obj: dict, key: str, at: str, ok, expected):
    """obj[key] if it passes `ok` (a missing key counts as None); at + key names the field."""
    v = obj.get(key)
    if key not in obj or not ok(v):
        fail(at + key, f"expected {expected}, got {show(v) if key in obj else 'undefined'}")
    return v


def validate(doc) -> list[Layer]:
    """Check every field of a model document; return its dequantized layers."""
    check_depth(doc)
    if not isinstance(doc, dict):
        fail("model", f"expected an object, got {show(doc)}")
    get(doc, "format", "", lambda v: isinstance(v, str) and v == FORMAT, f'"{FORMAT}"')
    get(doc, "formatVersion", "", lambda v: is_number(v) and v == FORMAT_VERSION, FORMAT_VERSION)
    get(
        doc,
        "version",
        "",
        is_version,
        "an ASCII X.Y.Z version",
    )
    get(doc, "metadata", "", lambda v: isinstance(v, dict), "an object")
    specs = get(doc, "layers", "", lambda v: isinstance(v, list) and v, "a non-empty array")
    layers, width = [], INPUTS
    reach = np.ones(INPUTS)  # how far each input can be from 0: pixels are in [0, 1]
    for k, spec in enumerate(specs):
        layer, width = validate_layer(spec, k, width, k == len(specs) - 1)
        reach = bounds(layer, reach, k)
        layers.append(layer)
    return layers


# FORMAT.md, "Overflow": the most any |z| may reach. Below the largest double by a margin (3 %)
# that covers the rounding of the sums, so an engine's activations stay finite when the bound is.
MAX_REACH = 2.0**1023 * 1.9375


def bounds(layer: Layer, reach: np.ndarray, k: int) -> np.ndarray:
    """|z_j| <= sum_i reach_i |W[i][j]| + |b_j| for every input in [0, 1]^784, each sum taken
    input by input from +0 as the engine sums (add.accumulate is sequential, never pairwise). A
    layer whose outputs could pass MAX_REACH is refused, so no activation, logit or probability
    is ever infinite or NaN; the bounds are the next layer's reach (js: validate's `reach`)."""
    with np.errstate(over="ignore"):
        terms = reach[:, None] * np.abs(layer.weights)
        z = np.add.accumulate(terms, axis=0)[-1] + np.abs(layer.bias)
    bad = np.flatnonzero(~(z <= MAX_REACH))
    if bad.size:
        j = int(bad[0])
        fail(f"layers[{k}]", f"output {j} can reach {float(z[j])!r}")
    return z


def is_size(v) -> bool:
    """A positive integer as JSON Schema counts integers: 784.0 is 784."""
    f = as_float(v)
    return f is not None and f > 0 and f.is_integer()


def as_float(v) -> float | None:
    """The double JavaScript would hold for a number (a huge int overflows to infinity)."""
    if not is_number(v):
        return None
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def is_scale(v) -> bool:
    """Positive, and 127 * scale finite: int8 values reach +-127 and every weight is finite."""
    f = as_float(v)
    return f is not None and f > 0 and f * 127 < math.inf


def is_finite(v) -> bool:
    f = as_float(v)
    return f is not None and math.isfinite(f)


def validate_layer(spec, k: int, width: int, last: bool) -> tuple[Layer, int]:
    """Layer k, whose inputs must be `width`; returns it and its outputs."""
    at = f"layers[{k}]."
    if not isinstance(spec, dict):
        fail(f"layers[{k}]", f"expected an object, got {show(spec)}")
    i = get(spec, "inputs", at, lambda v: is_number(v) and v == width, width)
    o = get(
        spec,
        "outputs",
        at,
        (lambda v: is_number(v) and v == CLASSES) if last else is_size,
        CLASSES if last else "a positive integer",
    )
    i, o = int(i), int(o)
    act = "softmax" if last else "relu"
    get(spec, "activation", at, lambda v: isinstance(v, str) and v == act, f'"{act}"')
    # the weight width: 8 when absent (every 1.x file), else 4 or 8
    bits = (
        int(get(spec, "bits", at, lambda v: is_number(v) and v in (4, 8), "4 or 8"))
        if ("bits" in spec)
        else 8
    )
    per_channel = "scales" in spec
    if per_channel == ("scale" in spec):
        fail(f"{at}scales", 'expected one of "scales" and "scale"')
    what = "positive number with 127*s finite"
    if per_channel:
        scale = numbers(spec, "scales", at, o, is_scale, what)
    else:
        scale = float(get(spec, "scale", at, is_scale, f"a {what}"))
    bias = numbers(spec, "bias", at, o, is_finite, "finite number")
    q = levels(spec.get("weights"), i, o, bits, f"{at}weights")
    weights = q.astype(np.float64) * scale  # broadcast: one scale per output
    return Layer(weights, bias, act), o


def numbers(spec: dict, key: str, at: str, count: int, ok, what: str) -> np.ndarray:
    """spec[key]: `count` numbers passing `ok`; the length first (the likelier mistake)."""
    values = get(spec, key, at, lambda v: isinstance(v, list) and len(v) == count, f"{count} items")
    for j, v in enumerate(values):
        if not ok(v):
            fail(f"{at}{key}[{j}]", f"expected a {what}, got {show(v)}")
    return np.array([float(v) for v in values])  # Python floats: float64


def canonical_base64(text) -> bytes | None:
    """The bytes of canonical base64 (RFC 4648: padded, no whitespace, unused bits zero), None
    for anything else: only the canonical text passes, as it must re-encode to itself."""
    try:
        # no validate=True: text with anything outside the alphabet cannot re-encode to itself
        raw = base64.b64decode(text) if isinstance(text, str) else None
    except (binascii.Error, ValueError):
        return None
    return raw if raw is not None and base64.b64encode(raw).decode("ascii") == text else None


def byte_string(text, count: int, field: str) -> bytes:
    """Canonical base64 of `count` bytes (canonical_base64)."""
    raw = canonical_base64(text)
    if raw is None:
        got = show(text) if text is not None else "undefined"
        fail(field, f"expected a canonical base64 string, got {got}")
    if len(raw) != count:
        fail(field, f"expected {count} bytes, got {len(raw)}")
    return raw


def levels(text, i: int, o: int, bits: int, field: str) -> np.ndarray:
    """A layer's levels as an (inputs, outputs) int8 array, whatever its width (FORMAT.md):
    8 bits are stored in that order, a byte each; 4 bits neuron by neuron ([outputs][inputs]),
    two a byte, high nibble first, sign-extended. The minimum (-128, -8) has no positive twin:
    the quantizer never writes it. The first bad level is named, then a nonzero padding nibble."""
    n = i * o
    raw = np.frombuffer(byte_string(text, (n * bits + 7) // 8, field), dtype=np.uint8)
    if bits == 8:
        q = raw.astype(np.int8)
    else:
        nibbles = np.stack([raw >> 4, raw & 0xF], axis=1).ravel()
        q = ((nibbles.astype(np.int8) ^ 8) - 8)[:n]  # two's complement of 4 bits
    bad = np.flatnonzero(q == -(1 << (bits - 1)))
    if bad.size:
        word, top = "byte" if bits == 8 else "nibble", quantize.levels(bits)
        fail(field, f"{word} {int(bad[0])} is {-top - 1} (expected {-top}..{top})")
    if n * bits % 8 and raw[-1] & 0xF:
        fail(field, f"nibble {n} is not 0")
    return q.reshape(i, o) if bits == 8 else q.reshape(o, i).T
