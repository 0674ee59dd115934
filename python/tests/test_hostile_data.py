"""The data reader under an honest-header gzip bomb (issue 23, item 5): a command reads only the
splits it needs, and a split is decoded straight into one array (nothing held twice)."""

import gzip
import os
import tracemalloc

import numpy as np
import pytest
from conftest import idx_bytes, write_dataset

from digitnet import cli, data

MODEL = "fixtures/weights/1.0.0/model.json"


@pytest.mark.parametrize("damage", ["fifo", "garbage"])
def test_evaluate_never_opens_the_training_split(tmp_path, capsys, damage, monkeypatch):
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    folder = write_dataset(tmp_path / "d", n_test=30)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (folder / name).unlink()
        if damage == "fifo":  # reading it would block: the test would hang, not fail
            os.mkfifo(folder / name)
        else:
            (folder / name).write_bytes(b"\x1f\x8b not a gzip stream")
    assert cli.main(["evaluate", MODEL, "--data", str(folder)]) == 0, capsys.readouterr().err
    assert "accuracy" in capsys.readouterr().out


def test_load_reads_the_splits_asked_for(tmp_path):
    folder = write_dataset(tmp_path / "d")
    (folder / "train-images-idx3-ubyte").write_bytes(b"broken")
    ds = data.load(folder, splits=("test",))
    assert ds.train is None and len(ds.test.labels) == 10
    assert set(ds.sha256) == {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}


def test_a_gzip_split_is_decoded_into_one_array(tmp_path):
    """Peak traced memory while reading n images is about their n * 784 bytes, not twice that
    (a list of chunks joined into one bytes object held both)."""
    n = 20000
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    images[:, 14, 14] = np.arange(n) % 251
    path = tmp_path / "imgs.gz"
    path.write_bytes(gzip.compress(idx_bytes(images), compresslevel=1))
    tracemalloc.start()
    try:
        with data.IdxReader(path, 3) as reader:
            body = reader.read()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(body, images)
    assert peak < 1.3 * images.nbytes, f"peak {peak:,} bytes for {images.nbytes:,} of images"
