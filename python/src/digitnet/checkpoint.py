"""The training checkpoint, `checkpoint.npz`: what `train` writes and `evaluate`/`export` read.

A zip (stored, not compressed) of six `.npy` arrays: `W0`, `b0`, `W1`, `b1`, `W2`, `b2`, the
float32 weights (inputs x outputs) and biases of the 784-128-64-10 MLP, as `numpy.load` reads
them. The zip's entries carry a fixed date, so the same weights give the same bytes.

Reading trusts nothing in the file: every entry's `.npy` header is checked against the shape
the model needs, and its size against its header, before any array is allocated.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from . import model, storage
from .errors import DigitnetError

NAME = "checkpoint.npz"
SHAPES = {
    name: shape
    for k, (i, o) in enumerate(zip(model.SIZES[:-1], model.SIZES[1:]))
    for name, shape in ((f"W{k}", (i, o)), (f"b{k}", (o,)))
}
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no clock in the bytes
# The largest file the format allows: each array in float64 with its .npy header (at most a few
# hundred bytes; 4 KiB allowed) and zip records, and a zip comment of at most 65,535 bytes.
MAX_BYTES = sum(8 * int(np.prod(s)) + 4096 for s in SHAPES.values()) + 2 * 65536
# What a damaged or hostile zip can raise while being opened or read.
ZIP_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, NotImplementedError)


def dumps(params: model.Params) -> bytes:
    """The checkpoint's bytes: the same for the same weights."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for k, (w, b) in enumerate(params):
            for name, array in ((f"W{k}", w), (f"b{k}", b)):
                entry = io.BytesIO()
                npy.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)
                z.writestr(zipfile.ZipInfo(f"{name}.npy", FIXED_DATE), entry.getvalue())
    return buffer.getvalue()


def save(path: Path, params: model.Params) -> None:
    """Write atomically, readable as the user's umask allows."""
    storage.write_atomic(path, dumps(params))


def load(path: Path) -> model.Params:
    """A checkpoint file, or the one in a run folder; DigitnetError naming what is wrong."""
    if storage.kind(path) == "a folder":
        path = path / NAME
    try:
        with storage.open_regular(path, MAX_BYTES) as f, zipfile.ZipFile(f) as z:
            arrays = {name: read_entry(z, name, path) for name in entries(z, path)}
    except ZIP_ERRORS as e:
        reason = getattr(e, "strerror", None) or e
        raise DigitnetError(f"{path}: not a digitnet checkpoint ({reason})") from None
    return [(arrays[f"W{k}"], arrays[f"b{k}"]) for k in range(len(model.SIZES) - 1)]


def entries(z: zipfile.ZipFile, path: Path) -> list[str]:
    """The array names, which must be exactly those of SHAPES, each once."""
    files = z.namelist()
    if sorted(files) != sorted(f"{name}.npy" for name in SHAPES):
        raise DigitnetError(
            f"{path}: not a digitnet checkpoint (holds {', '.join(files) or 'nothing'}; "
            f"expected {', '.join(f'{name}.npy' for name in SHAPES)})"
        )
    return list(SHAPES)


def read_entry(z: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    """One array, its header checked before its data is read."""
    info = z.getinfo(f"{name}.npy")
    with z.open(info) as f:
        version = npy.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"{name}: .npy version {version} is not supported")
        header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran, dtype = header(f)
        where = f"{path}: {name}"
        if dtype.kind != "f" or dtype.itemsize not in (4, 8):
            raise DigitnetError(f"{where}: dtype {dtype}, expected float32 or float64")
        if shape != SHAPES[name]:
            raise DigitnetError(f"{where}: shape {shape}, expected {SHAPES[name]}")
        nbytes = dtype.itemsize * int(np.prod(shape))  # a checked shape: small and exact
        if info.file_size != f.tell() + nbytes:
            raise DigitnetError(
                f"{where}: {info.file_size - f.tell()} bytes of data, its shape needs {nbytes}"
            )
        data = f.read(nbytes)
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    if not np.isfinite(array).all():
        raise DigitnetError(f"{where}: holds NaN or infinity")
    return array.astype(dtype.newbyteorder("="))
