"""Reference inference on a `digitnet-mlp` v1 model file: strict loading, float64 throughout.

This module defines the right answer that every engine must reproduce (fixtures/FORMAT.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DigitnetError, InputError

FORMAT = "digitnet-mlp"
FORMAT_VERSION = 1
INPUTS, CLASSES = 784, 10
# ASCII digits only (\d would take "１"), and fullmatch: "$" would let a trailing newline in.
SEMVER = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){2}")
MAX_DEPTH = 64  # arrays and objects nested in a model file, the file itself being level 1


def is_version(v) -> bool:
    """An ASCII X.Y.Z version string (SEMVER's [0-9] is ASCII; fullmatch refuses a newline)."""
    return isinstance(v, str) and SEMVER.fullmatch(v) is not None


@dataclass(frozen=True)
class Layer:
    weights: np.ndarray  # (inputs, outputs) float64, dequantized
    bias: np.ndarray  # (outputs,) float64
    activation: str


ROWS_PER_BLOCK = 256  # a block's sums stay in cache while every input is added to them


def affine(a: np.ndarray, layer: Layer) -> np.ndarray:
    """x W + b, summed input by input in a fixed order (not BLAS, whose order depends on the
    batch size and the CPU): one vector or a batch, any machine, the same bits.

    Inputs that are zero in every row of a block are skipped: their products are +-0, and adding
    +-0 to a sum that starts at +0 changes no bit of it (FORMAT.md). The rest is the same loop."""
    rows = a.reshape(-1, a.shape[-1])
    z = np.zeros((len(rows), layer.bias.size))
    for start in range(0, len(rows), ROWS_PER_BLOCK):
        block, sums = rows[start : start + ROWS_PER_BLOCK], z[start : start + ROWS_PER_BLOCK]
        for i in np.flatnonzero(block.any(axis=0)):
            sums += block[:, i, None] * layer.weights[i]
    return (z + layer.bias).reshape(a.shape[:-1] + layer.bias.shape)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Model:
    """A loaded model: `predict(x)` gives probabilities, `forward(x)` also the activations."""

    def __init__(self, layers: list[Layer], doc: dict):
        self.layers = layers
        self.version: str = doc["version"]
        self.metadata: dict = doc["metadata"]

    def forward(self, x) -> dict:
        return self._run(check_input(x, "forward"))

    def predict(self, x) -> np.ndarray:
        return self._run(check_input(x, "predict"))["probs"]

    def classify(self, x, k: int = 3) -> list:
        """The k most probable digits as (digit, probability) tuples, most probable first, ties
        lower digit first (a stable sort), as JS's `model.classify`; a list of such lists for
        an N x 784 batch. k above 10 gives all ten."""
        if not isinstance(k, (int, np.integer)) or isinstance(k, (bool, np.bool_)) or k < 0:
            raise InputError(f"classify: k is {k!r}; expected an integer >= 0")
        probs = self._run(check_input(x, "classify"))["probs"]
        rows = probs.reshape(-1, probs.shape[-1])
        order = np.argsort(-rows, axis=1, kind="stable")[:, :k]
        top = [[(int(d), float(p[d])) for d in row] for p, row in zip(rows, order)]
        return top if probs.ndim == 2 else top[0]

    def _run(self, a: np.ndarray) -> dict:
        hidden, logits = [], None
        for layer in self.layers:
            z = affine(a, layer)
            if layer.activation == "relu":
                a = np.maximum(z, 0.0)
                hidden.append(a)
            else:
                logits, a = z, softmax(z)
        return {"probs": a, "hidden": hidden, "logits": logits}


# --- inputs: what predict/forward take (FORMAT.md, "Inputs"; the JS engine takes the same) ---


def is_number(v) -> bool:
    """A JSON number as JavaScript sees one: int or float (NumPy's too), never a bool."""
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_)
    )


def check_input(x, fn: str = "forward") -> np.ndarray:
    """784 numbers in [0, 1] (one digit) or an N x 784 array of them, as float64.

    Numbers only: no numeric strings, booleans or nested lists where a number belongs. Values
    outside [0, 1] are refused (pixel bytes 0..255 not divided by 255 would give confident
    nonsense); preprocessing never leaves [0, 1], its last step clamps to 1.
    """
    if isinstance(x, np.ndarray) and x.ndim == 2:
        return in_range(numeric(x, fn, ""), fn, "")
    if (
        isinstance(x, (list, tuple))
        and x
        and all(isinstance(r, (list, tuple, np.ndarray)) for r in x)
    ):
        return np.stack([vector(row, fn, f"[{k}]") for k, row in enumerate(x)])
    if isinstance(x, (list, tuple, np.ndarray)):
        return vector(x, fn, "")
    raise InputError(
        f"{fn}: expected {INPUTS} numbers or an N x {INPUTS} array, got {type(x).__name__}"
    )


def vector(values, fn: str, where: str) -> np.ndarray:
    """One digit's 784 numbers in [0, 1]: a list, a tuple or a 1-D numeric array."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InputError(f"{fn}: x{where}: expected {INPUTS} values, got shape {values.shape}")
        return in_range(numeric(values, fn, where), fn, where)
    if len(values) != INPUTS:
        raise InputError(f"{fn}: x{where}: expected {INPUTS} values, got {len(values)}")
    for i, v in enumerate(values):  # in order, as JS reports the first bad element
        if not is_number(v):
            raise InputError(f"{fn}: x{where}[{i}] is {type(v).__name__}; expected {RANGE}")
        if not 0 <= v <= 1:
            raise InputError(f"{fn}: x{where}[{i}] is {v!r}; expected {RANGE}")
    return np.array(values, dtype=np.float64)


RANGE = "numbers in [0, 1] (pixel bytes / 255)"


def numeric(a: np.ndarray, fn: str, where: str) -> np.ndarray:
    if a.dtype.kind not in "iuf":
        raise InputError(f"{fn}: x{where}: expected {RANGE}, got an array of {a.dtype}")
    if a.shape[-1] != INPUTS:
        raise InputError(f"{fn}: x{where}: expected {INPUTS} values per digit, got shape {a.shape}")
    return a.astype(np.float64)


def in_range(a: np.ndarray, fn: str, where: str) -> np.ndarray:
    bad = np.flatnonzero(~((a >= 0) & (a <= 1)))  # NaN fails both comparisons
    if bad.size:
        at = np.unravel_index(bad[0], a.shape)
        index = "".join(f"[{int(i)}]" for i in at)
        raise InputError(f"{fn}: x{where}{index} is {float(a[at])!r}; expected {RANGE}")
    return a


# --- the loader: FORMAT.md's rules, in the order they are checked, as js/src/validate.js ---


def fail(field: str, message: str):
    raise DigitnetError(f"{field}: {message}", field)


def load_model(source) -> Model:
    """Load and validate a model: a path, JSON text, the file's bytes or a parsed dict.

    A str is JSON text when it starts with "{" (after whitespace), else a path. Bytes are
    decoded as strict UTF-8. Every rejection is a DigitnetError naming the field (`.field`).
    """
    name = "model"
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            doc = parse(decode(bytes(source)))
        elif isinstance(source, str) and source.lstrip().startswith("{"):
            doc = parse(source)
        elif isinstance(source, (str, os.PathLike)):
            name = str(source)
            try:
                data = Path(source).read_bytes()
            except OSError as e:
                raise DigitnetError(f"{name}: cannot read ({e.strerror})") from None
            doc = parse(decode(data))
        else:
            doc = source
        return Model(validate(doc), doc)
    except DigitnetError as e:
        if e.field is None:
            raise
        message = str(e) if e.field != "model" else str(e).removeprefix("model: ")
        raise DigitnetError(f"{name}: {message}", e.field) from None


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
    for k, spec in enumerate(specs):
        layer, width = validate_layer(spec, k, width, k == len(specs) - 1)
        layers.append(layer)
    return layers


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
    per_channel = "scales" in spec
    if per_channel == ("scale" in spec):
        fail(f"{at}scales", 'expected one of "scales" and "scale"')
    what = "positive number with 127*s finite"
    if per_channel:
        scale = numbers(spec, "scales", at, o, is_scale, what)
    else:
        scale = float(get(spec, "scale", at, is_scale, f"a {what}"))
    bias = numbers(spec, "bias", at, o, is_finite, "finite number")
    q = int8_weights(
        spec.get("weights"),
        i * o,
        f"{at}weights",
    )
    weights = q.astype(np.float64).reshape(i, o) * scale  # broadcast: one scale per output
    return Layer(weights, bias, act), o


def numbers(spec: dict, key: str, at: str, count: int, ok, what: str) -> np.ndarray:
    """spec[key]: `count` numbers passing `ok`; the length first (the likelier mistake)."""
    values = get(spec, key, at, lambda v: isinstance(v, list) and len(v) == count, f"{count} items")
    for j, v in enumerate(values):
        if not ok(v):
            fail(f"{at}{key}[{j}]", f"expected a {what}, got {show(v)}")
    return np.array([float(v) for v in values], dtype=np.float64)


def int8_weights(text, count: int, field: str) -> np.ndarray:
    """Canonical base64 (RFC 4648: padded, no whitespace, unused bits zero) of `count` int8
    values in -127..127. Only the canonical text passes: it must re-encode to itself."""
    try:
        raw = base64.b64decode(text, validate=True) if isinstance(text, str) else None
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != text:
        got = show(text) if text is not None else "undefined"
        fail(field, f"expected a canonical base64 string, got {got}")
    if len(raw) != count:
        fail(field, f"expected {count} bytes, got {len(raw)}")
    q = np.frombuffer(raw, dtype=np.int8)
    bad = np.flatnonzero(q == -128)
    if bad.size:
        fail(field, f"byte {int(bad[0])} is -128 (expected -127..127)")
    return q
