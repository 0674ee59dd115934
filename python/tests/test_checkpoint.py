"""checkpoint.npz: written reproducibly, read without trusting a byte of it."""

import io
import tracemalloc
import zipfile

import numpy as np
import pytest

from digitnet import checkpoint, model
from digitnet.errors import DigitnetError


def params(seed=0) -> model.Params:
    return model.init_params(np.random.default_rng(seed))


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def entries(p: model.Params) -> dict[str, bytes]:
    return {
        f"{kind}{k}.npy": npy(a) for k, (w, b) in enumerate(p) for kind, a in (("W", w), ("b", b))
    }


def write_zip(path, files: dict[str, bytes], compression=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in files.items():
            z.writestr(name, data)


def test_round_trip_and_numpy_reads_it(tmp_path):
    p = params()
    checkpoint.save(tmp_path / "c.npz", p)
    for (w, b), (w2, b2) in zip(p, checkpoint.load(tmp_path / "c.npz")):
        assert np.array_equal(w, w2) and np.array_equal(b, b2) and w2.dtype == np.float32
    with np.load(tmp_path / "c.npz") as z:  # still an ordinary .npz
        assert np.array_equal(z["W2"], p[2][0])


def test_same_weights_same_bytes():
    assert checkpoint.dumps(params(1)) == checkpoint.dumps(params(1))
    assert checkpoint.dumps(params(1)) != checkpoint.dumps(params(2))


def test_a_run_folder_is_read_through_its_checkpoint(tmp_path):
    checkpoint.save(tmp_path / checkpoint.NAME, params())
    assert len(checkpoint.load(tmp_path)) == 3
    (tmp_path / "empty").mkdir()
    with pytest.raises(DigitnetError, match="empty/checkpoint.npz: cannot read \\(no such file\\)"):
        checkpoint.load(tmp_path / "empty")


def hostile(tmp_path, mutate) -> str:
    files = entries(params())
    mutate(files)
    write_zip(tmp_path / "c.npz", files)
    with pytest.raises(DigitnetError) as e:
        checkpoint.load(tmp_path / "c.npz")
    return str(e.value)


def header_declaring(shape, dtype="<f4") -> bytes:
    """A .npy header alone: it declares an array, and no data follows."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda f: f.update({"W0.npy": npy(np.zeros(784 * 128, np.float32))}),
            "W0: shape (100352,), expected (784, 128)",
        ),
        (
            lambda f: f.update({"b1.npy": npy(np.zeros((64, 1), np.float32))}),
            "b1: shape (64, 1), expected (64,)",
        ),
        (
            lambda f: f.update({"W1.npy": npy(np.zeros((128, 64), np.int32))}),
            "W1: dtype int32, expected float32",
        ),
        (lambda f: f.update({"b2.npy": npy(np.array([None] * 10))}), "b2: dtype object"),
        (
            lambda f: f.update({"b0.npy": npy(np.full(128, np.nan, np.float32))}),
            "b0: holds NaN or infinity",
        ),
        (
            lambda f: f.update({"W2.npy": npy(np.zeros((64, 10), np.float32))[:-1]}),
            "W2: 2559 bytes of data, its shape needs 2560",
        ),
        (lambda f: f.update({"W0.npy": b"not an npy file"}), "not a digitnet checkpoint"),
        (lambda f: f.pop("b2.npy"), "holds W0.npy, b0.npy, W1.npy, b1.npy, W2.npy; expected"),
        (lambda f: f.update({"extra.npy": npy(np.zeros(1))}), "not a digitnet checkpoint"),
        (lambda f: f.update({"W1": f.pop("W1.npy")}), "not a digitnet checkpoint"),
    ],
)
def test_hostile_entries_are_named(tmp_path, mutate, message):
    assert message in hostile(tmp_path, mutate)


def test_a_huge_declared_array_is_refused_before_allocation(tmp_path):
    huge = header_declaring((10**6, 10**6))  # 4 TB of float32, in 128 bytes
    tracemalloc.start()
    try:
        message = hostile(tmp_path, lambda f: f.update({"W0.npy": huge}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "W0: shape (1000000, 1000000), expected (784, 128)" in message
    assert peak < 20_000_000


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[: len(b) // 2], "not a digitnet checkpoint"),  # truncated: BadZipFile
        (lambda b: b"", "not a digitnet checkpoint"),
        (lambda b: b"PK\x03\x04" + bytes(100), "not a digitnet checkpoint"),
        (lambda b: b.replace(b"\x93NUMPY", b"\x93NUMPX", 1), "not a digitnet checkpoint"),  # CRC
    ],
)
def test_damaged_zips_are_named(tmp_path, damage, message):
    good = checkpoint.dumps(params())
    (tmp_path / "c.npz").write_bytes(damage(good))
    with pytest.raises(DigitnetError, match=message):
        checkpoint.load(tmp_path / "c.npz")


def test_a_deflated_checkpoint_is_read_within_its_declared_sizes(tmp_path):
    p = params()
    write_zip(tmp_path / "c.npz", entries(p), zipfile.ZIP_DEFLATED)
    assert np.array_equal(checkpoint.load(tmp_path / "c.npz")[1][0], p[1][0])
