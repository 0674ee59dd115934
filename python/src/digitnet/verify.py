"""`digitnet verify`: every published version is what the index says, and behaves as recorded.

Checks, each failing with one line naming the file and the problem (fixtures/FORMAT.md): the
index and the version folders match one for one, no staging leftover; each version's files are
listed, present, of the recorded SHA-256 and size; the model passes the strict loader; the
reference reproduces the parity file (activations and logits exactly where the file has them,
probabilities within the tolerance); card, index and metadata agree; and the recorded figures
are what the model does on the test data `metadata.dataSha256` names. verify never says OK about
what it did not check: without that data it fails; `--files-only` says the figures were not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import card as model_card
from . import conformance, data, layout, reference
from .errors import DigitnetError
from .evaluate import measured
from .layout import CARD, INDEX, read_index
from .layout import VERSION_FILES as FILES
from .parity_file import check_parity
from .publish import SUMMARY
from .storage import MAX_RECORD_BYTES, read_json_object, read_regular, sha256

SHA256 = re.compile(r"[0-9a-f]{64}")
TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")  # what the figures are of
FILES_ONLY = (
    "METRICS NOT CHECKED (--files-only): the recorded accuracies, confusion and robustness were "
    "not recomputed; run `digitnet verify` without --files-only for that"
)


def verify(dest: Path, data_dir: str | None = None, files_only: bool = False) -> list[str]:
    """Check every published version; one line per version (and, with `files_only`, one saying
    what was not checked), or a DigitnetError naming the first problem."""
    checked = verify_all_files(dest)
    if files_only:
        return [line for _, _, line in checked.values()] + [FILES_ONLY]
    recomputed(dest, list(checked), data_dir, checked)
    return [line + ", recorded metrics recomputed" for _, _, line in checked.values()]


def recomputed(
    dest: Path, versions: list[str], data_dir: str | None = None, checked: dict | None = None
) -> dict[str, dict]:
    """verify's full check of `versions` (the files of every version first): the figures each
    gives on the test data it names, recomputed and equal to the recorded ones (what a release
    gate compares, never what a file says). All the test data is found before the slow part."""
    checked = checked or verify_all_files(dest)
    unknown = [v for v in versions if v not in checked]
    if unknown:
        raise DigitnetError(f"{layout.index_path(dest)}: no weights version {', '.join(unknown)}")
    found: dict[tuple, data.Split] = {}  # one load per data set the versions name
    tests = {v: find_test_data(checked[v][0], dest, data_dir, found) for v in versions}
    return {v: check_metrics(dest, checked[v][0], tests[v], checked[v][1]) for v in versions}


def verify_all_files(dest: Path) -> dict[str, tuple[reference.Model, bool, str]]:
    """Each published version's model, whether it records the robustness suite, and its line."""
    index = read_index(dest)
    return {v: verify_files(dest, v, index["weights"][v]) for v in published_versions(dest, index)}


def published_versions(dest: Path, index: dict) -> list[str]:
    """The index's versions, which must match the version folders one for one."""
    where = layout.index_path(dest)
    versions = sorted(index["weights"])
    if not versions:
        raise DigitnetError(f"{where}: no published versions")
    for v in versions:
        if not reference.is_version(v):
            raise DigitnetError(f"{where}: version key {v!r} is not an ASCII X.Y.Z version")
        if not layout.version_dir(dest, v).is_dir():
            raise DigitnetError(f"{layout.version_dir(dest, v)}: missing (listed in {INDEX})")
    for entry in sorted(layout.weights_dir(dest).iterdir()):
        if entry.name.startswith(".") and ".tmp-" in entry.name:
            raise DigitnetError(
                f"{entry}: staging leftover of an interrupted export; remove it "
                "(or run the same export again)"
            )
        if entry.name not in index["weights"]:
            raise DigitnetError(f"{entry}: not a published version (not in {INDEX})")
    return versions


def verify_files(dest: Path, version: str, entry) -> tuple[reference.Model, bool, str]:
    """Everything but the figures: the files, the loader, parity and the records. Returns the
    model, whether it must record the robustness suite (from parity format 2 on), its line."""
    folder = layout.version_dir(dest, version)
    check_files(folder, version, entry)
    model = reference.load_model(folder / layout.MODEL)
    if model.version != version:
        raise DigitnetError(
            f"{folder / 'model.json'}: version {model.version!r}, expected {version!r}"
        )
    parity_version, cases = check_parity(model, folder / layout.PARITY)
    check_records(folder, model, entry)
    # what parity formats 1, 2 and 3 (check_parity accepts no other) reproduce exactly
    exact = ("", "logits exact, ", "hidden activations and logits exact, ")[parity_version - 1]
    return (
        model,
        parity_version >= 2,
        (
            f"{version}: files match the index, the model passes the strict loader, parity "
            f"reproduced ({cases} cases: {exact}probabilities within "
            f"{conformance.PROBABILITY_TOLERANCE:g}), card and index agree"
        ),
    )


def check_files(folder: Path, version: str, entry) -> None:
    where = f"{INDEX}: weights[{version!r}]"
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict) or set(files) != set(FILES):
        got = sorted(files) if isinstance(files, dict) else type(files).__name__
        raise DigitnetError(f"{where}.files: expected exactly {list(FILES)}, got {got}")
    on_disk = sorted(p.name for p in folder.iterdir())
    if on_disk != sorted(FILES):
        raise DigitnetError(f"{folder}: holds {on_disk}, expected exactly {sorted(FILES)}")
    for name in FILES:
        want = files[name]
        ok = isinstance(want, dict) and isinstance(want.get("sha256"), str)
        ok = ok and SHA256.fullmatch(want["sha256"]) and type(want.get("size")) is int
        if not ok:
            raise DigitnetError(f"{where}.files[{name!r}]: expected {{sha256, size}}, got {want!r}")
        blob = read_regular(folder / name, MAX_RECORD_BYTES)  # no FIFO, device or folder
        if len(blob) != want["size"] or sha256(blob) != want["sha256"]:
            raise DigitnetError(
                f"{folder / name}: SHA-256 {sha256(blob)} / {len(blob)} bytes, "
                f"{INDEX} says {want['sha256']} / {want['size']} bytes"
            )


def check_records(folder: Path, model: reference.Model, entry: dict) -> None:
    """The card repeats the model's metadata, and the index entry its summary."""
    meta = model.metadata
    card = read_json_object(folder / CARD)
    if card.get("format") != model_card.FORMAT or card.get("weightsVersion") != model.version:
        raise DigitnetError(f"{folder / CARD}: expected a digitnet-card for {model.version}")
    model_card.check_usage(card, folder / CARD)
    for key, value in meta.items():
        if key != "card" and card.get(key) != value:
            raise DigitnetError(f"{folder / CARD}: {key} differs from model.json's metadata")
    for key in SUMMARY:
        if key not in meta or entry.get(key) != meta[key]:
            raise DigitnetError(
                f"{INDEX}: weights[{model.version!r}].{key} is {entry.get(key)!r}, "
                f"model.json's metadata says {meta.get(key)!r}"
            )


def find_test_data(
    model: reference.Model, dest: Path, data_dir: str | None, found: dict
) -> data.Split:
    """The test split that the version's metadata.dataSha256 names, loaded once per data set."""
    want = named_test_data(model, layout.version_file(dest, model.version))
    key = (data_dir, tuple(sorted(want.items())))
    if key not in found:
        found[key] = test_data(want, data_dir, model.version)
    return found[key]


def named_test_data(model: reference.Model, path: Path) -> dict[str, str]:
    """The test files' SHA-256 that metadata.dataSha256 names: a version without them is refused
    (its figures could not be recomputed, so nothing would back them)."""
    named = model.metadata.get("dataSha256")
    want = {n: named.get(n) for n in TEST_FILES} if isinstance(named, dict) else {}
    if not want or not all(isinstance(h, str) and SHA256.fullmatch(h) for h in want.values()):
        raise DigitnetError(
            f"{path}: metadata.dataSha256 must give the SHA-256 of {' and '.join(TEST_FILES)}, "
            "the test data its figures are recomputed from"
        )
    return want


def test_data(want: dict[str, str], data_dir: str | None, version: str) -> data.Split:
    """The test split with exactly the files `want` names: from --data, else MNIST (the verified
    cache, fetched if missing). Anything else fails in one line naming the files' SHA-256."""
    mnist = {n: data.MNIST_SHA256[n] for n in TEST_FILES}
    try:
        if data_dir is not None:
            split, got = data.load_split(Path(data_dir), "t10k")
        elif want == mnist:
            # the cache's files are checked against the pinned hashes as they are read
            split, got = data.load_split(data.fetch(), "t10k", data.MNIST_SHA256)
        else:
            raise DigitnetError("not MNIST, and no --data given")
    except DigitnetError as e:
        raise missing(want, version, str(e)) from None
    if got != want:
        wrong = [f"{n} is {got.get(n)}" for n in TEST_FILES if got.get(n) != want[n]]
        raise missing(want, version, f"--data {data_dir}: {', '.join(wrong)}")
    return split


def missing(want: dict[str, str], version: str, why: str) -> DigitnetError:
    files = ", ".join(f"{n} SHA-256 {h}" for n, h in want.items())
    return DigitnetError(
        f"{version}: cannot recompute its recorded figures without the test data its "
        f"metadata.dataSha256 names ({files}): {why}; run `digitnet data fetch` for MNIST, or "
        "pass --data DIR holding those files (raw or .gz)"
    )


def check_metrics(dest: Path, model: reference.Model, test: data.Split, suite: bool) -> dict:
    """What the metadata records of the model's behaviour must be what it does, exactly: the
    robustness suite too from parity format 2 on, or wherever it is recorded (versions before
    the suite record the shifts alone). Returns the recomputed figures."""
    got = measured(model, test, suite=suite or "robustness" in model.metadata)
    for key, value in got.items():
        recorded = model.metadata.get(key)
        if recorded != value:
            raise DigitnetError(
                f"{dest / 'weights' / model.version / 'model.json'}: metadata.{key} is "
                f"{short(recorded)}, the model gives {short(value)} on the test set"
            )
    return got


def short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
