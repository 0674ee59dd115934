"""Reference inference on a `digitnet-mlp` v1 model file: strict loading, float64 throughout.

This module defines the right answer that every engine must reproduce (fixtures/FORMAT.md). It
is the public model, as js/src/index.js: `load_model` and `Model`, with the input checks; the
loader's rules live in validate.py and the inference in engine.py, as in JS.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .engine import ROWS_PER_BLOCK, Layer, affine, network, softmax
from .errors import DigitnetError, InputError
from .storage import read_regular
from .validate import (
    CLASSES,
    FORMAT,
    FORMAT_VERSION,
    INPUTS,
    MAX_DEPTH,
    SEMVER,
    as_float,
    decode,
    is_number,
    is_version,
    parse,
    validate,
)

# Re-exported: callers import these from here, the public module.
__all__ = [
    "CLASSES",
    "FORMAT",
    "FORMAT_VERSION",
    "INPUTS",
    "MAX_DEPTH",
    "ROWS_PER_BLOCK",
    "SEMVER",
    "Layer",
    "Model",
    "affine",
    "check_input",
    "is_number",
    "is_version",
    "load_model",
    "parse",
    "softmax",
]


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
        an N x 784 batch. k is an integer >= 0 as JSON and JS count them (3.0 is 3; FORMAT.md,
        "classify"), checked before x as in JS; k above 10 gives all ten."""
        f = as_float(k)
        if f is None or not (f >= 0 and f.is_integer()):  # NaN and infinity fail is_integer
            shown = k if is_number(k) else type(k).__name__
            raise InputError(f"classify: k is {shown}; expected an integer >= 0")
        k = int(f)
        probs = self._run(check_input(x, "classify"))["probs"]
        rows = np.atleast_2d(probs)  # one digit's (10,) or a batch's (N, 10)
        order = np.argsort(-rows, axis=1, kind="stable")[:, :k]
        top = [[(int(d), float(p[d])) for d in row] for p, row in zip(rows, order)]
        return top if probs.ndim == 2 else top[0]

    def _run(self, a: np.ndarray) -> dict:
        return network(self.layers, a)


# --- inputs: what predict/forward take (FORMAT.md, "Inputs"; the JS engine takes the same) ---


def check_input(x, fn: str = "forward") -> np.ndarray:
    """784 numbers in [0, 1] (one digit) or an N x 784 array of them, as float64.

    Numbers only: no numeric strings, booleans or nested lists where a number belongs. Values
    outside [0, 1] are refused (pixel bytes 0..255 not divided by 255 would give confident
    nonsense); preprocessing never leaves [0, 1], its last step clamps to 1.
    """
    if isinstance(x, np.ma.MaskedArray):  # the check would skip masked values, not the engine
        raise InputError(f"{fn}: x is a masked array; expected plain numbers (fill it first)")
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
    if isinstance(values, np.ma.MaskedArray):
        raise InputError(f"{fn}: x{where} is a masked array; expected plain numbers")
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
    return a


def in_range(a: np.ndarray, fn: str, where: str) -> np.ndarray:
    """`a` as float64 once its values, in their own type, are in [0, 1]: judged before the
    cast, so a longdouble just above 1 that would round to 1.0 is refused, as it is in a list."""
    bad = np.flatnonzero(~((a >= 0) & (a <= 1)))  # NaN fails both comparisons
    if bad.size:
        at = np.unravel_index(bad[0], a.shape)
        index = "".join(f"[{int(i)}]" for i in at)
        value = a[at] if a.dtype == np.longdouble else float(a[at])  # a longdouble unrounded
        raise InputError(f"{fn}: x{where}{index} is {value!r}; expected {RANGE}")
    return a.astype(np.float64)


# --- loading: a path, JSON text, bytes or a parsed dict (validate.py checks it) ---

JSON_SPACE, BOM = " \t\n\r", "\ufeff"
# What a model file read from a path may weigh: far above any network this format describes in
# practice (a published model is under 150,000 bytes), so a huge or endless file is refused
# before it is read, not after it has filled the memory.
MAX_FILE_BYTES = 1 << 30


def load_model(source) -> Model:
    """Load and validate a model: a path, JSON text, the file's bytes or a parsed dict.

    A str is JSON text when it starts with "{" (after whitespace or a byte-order mark), else a
    path. Bytes are
    decoded as strict UTF-8. Every rejection is a DigitnetError naming the field (`.field`).
    """
    name = "model"
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            doc = parse(decode(bytes(source)))
        elif isinstance(source, str) and source.lstrip(JSON_SPACE + BOM).startswith("{"):
            doc = parse(source)  # a BOM in text (not bytes) is invalid JSON, as in JS
        elif isinstance(source, (str, os.PathLike)):
            name = str(source)
            doc = parse(decode(read_regular(Path(source), MAX_FILE_BYTES)))
        else:
            doc = source
        return Model(validate(doc), doc)
    except DigitnetError as e:
        if e.field is None:
            raise
        message = str(e) if e.field != "model" else str(e).removeprefix("model: ")
        raise DigitnetError(f"{name}: {message}", e.field) from None
