"""Hostile input to `digitnet export` and `digitnet verify` (issue 14, item 5): every case ends
in one line, `digitnet: error: ...`, and exit status 2: never a traceback, never VERIFY OK.

Each mutated file gets its SHA-256 and size written back into the index, so that what is
judged is the file's content, not a hash mismatch. Verify runs without MNIST (an empty cache),
so the checks that need it are skipped, as on a machine that never fetched it.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import write_dataset

from digitnet import checkpoint, cli, layout, model

FIXTURES = layout.FIXTURES
VERSION = "1.0.0"


@pytest.fixture
def dest(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))  # verify skips MNIST
    monkeypatch.delenv("DIGITNET_DATA", raising=False)
    return Path(shutil.copytree(FIXTURES, tmp_path / "fixtures"))


def one_line_error(capsys, argv, *fragments):
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("digitnet: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err


def republish(dest: Path, name: str, data: bytes) -> None:
    """Replace a published file and record its new hash and size, as a forger would."""
    (dest / "weights" / VERSION / name).write_bytes(data)
    index = json.loads((dest / "index.json").read_text())
    entry = index["weights"][VERSION]["files"][name]
    entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    (dest / "index.json").write_text(json.dumps(index, indent=2) + "\n")


def edit_index(dest: Path, edit) -> None:
    index = json.loads((dest / "index.json").read_text())
    edit(index)
    (dest / "index.json").write_text(json.dumps(index, indent=2) + "\n")


def files(index: dict) -> dict:
    return index["weights"][VERSION]["files"]


# --- the index -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda i: files(i).update({"model.json": "15d2a70fca0ac03b"}),  # an entry that is a string
        lambda i: files(i)["model.json"].pop("size"),  # an entry without its size
        lambda i: files(i)["model.json"].update(size="149285"),
        lambda i: i["weights"].update({VERSION: "published"}),
        lambda i: i.update(weights=[VERSION]),
        lambda i: i["weights"][VERSION].update(files=["model.json"]),
    ],
    ids=["entry-string", "no-size", "size-string", "version-string", "weights-list", "files-list"],
)
def test_malformed_index_entries(dest, capsys, edit):
    edit_index(dest, edit)
    one_line_error(capsys, ["verify", "--dest", str(dest)], "index.json")


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe{}", b'{"format": "digitnet-index\xc3"}', b"[" * 5000 + b"]" * 5000],
    ids=["bad-utf8", "bad-utf8-in-string", "nested-5000"],
)
@pytest.mark.parametrize("command", ["verify", "export"])
def test_unreadable_index(dest, tmp_path, capsys, content, command):
    (dest / "index.json").write_bytes(content)
    if command == "verify":
        argv = ["verify", "--dest", str(dest)]
    else:
        argv = [*export_args(tmp_path, dest), "--version", "9.9.9"]
    one_line_error(capsys, argv, "index.json")


# --- the parity file -------------------------------------------------------------------------


def parity() -> dict:
    return json.loads((layout.version_file(FIXTURES, VERSION, layout.PARITY)).read_text())


def without_cases() -> dict:
    doc = parity()
    del doc["cases"]
    return doc


def with_case(case) -> dict:
    doc = parity()
    doc["cases"][0] = case
    return doc


def with_pixels(value) -> dict:
    doc = parity()
    doc["cases"][0]["pixels"] = value
    return doc


@pytest.mark.parametrize(
    "make",
    [
        without_cases,
        lambda: with_case(5),
        lambda: with_case(None),
        lambda: with_pixels("A"),  # base64 of no whole byte
        lambda: with_pixels("AAAA"),  # 3 bytes, not 784
        lambda: with_pixels(5),
        lambda: {**parity(), "cases": "all"},
        lambda: [parity()],
    ],
    ids=["no-cases", "case-5", "case-null", "pixels-A", "pixels-3-bytes", "pixels-number",
         "cases-string", "document-list"],
)  # fmt: skip
def test_malformed_parity_files(dest, capsys, make):
    republish(dest, "parity.json", json.dumps(make()).encode())
    one_line_error(capsys, ["verify", "--dest", str(dest)], "parity.json")


# --- model files with huge literals ----------------------------------------------------------


HUGE = "9" * 401


@pytest.mark.parametrize(
    "field",
    [
        '"inputs": 784',
        '"outputs": 128',
        '"formatVersion": 1',
    ],
)
def test_model_with_a_401_digit_integer(dest, capsys, field):
    path = layout.version_file(dest, VERSION, layout.MODEL)
    text = path.read_text()
    key = field.split(":")[0]
    assert field in text or field.replace(": ", ":") in text, field
    text = text.replace(field, f"{key}: {HUGE}", 1).replace(
        field.replace(": ", ":"), f"{key}:{HUGE}", 1
    )
    republish(dest, "model.json", text.encode())
    one_line_error(capsys, ["verify", "--dest", str(dest)], "model.json")
    one_line_error(capsys, ["evaluate", str(path), "--data", str(write_dataset(dest.parent / "d"))])


# --- export's destination --------------------------------------------------------------------


def export_args(tmp_path: Path, dest: Path) -> list[str]:
    """`digitnet export` of a run made without training, on a tiny data set."""
    run = tmp_path / "run"
    if not run.exists():
        run.mkdir()
        checkpoint.save(run / checkpoint.NAME, model.init_params(np.random.default_rng(0)))
        (run / "metrics.json").write_text(json.dumps({"command": "digitnet train", "history": []}))
    data = write_dataset(tmp_path / "data")
    return ["export", str(run), "--dest", str(dest), "--data", str(data), "--per-layer"]


def test_export_dest_is_a_file(tmp_path, capsys):
    target = tmp_path / "not-a-folder"
    target.write_text("")
    one_line_error(capsys, [*export_args(tmp_path, target), "--version", "9.9.9"], "not-a-folder")


def test_export_dest_below_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "fixtures"
    one_line_error(capsys, [*export_args(tmp_path, target), "--version", "9.9.9"], "fixtures")


def unprivileged(argv: list[str]) -> list[str]:
    """The command without root's privileges: root (as the suite runs on CI) writes anywhere,
    so there setpriv runs it with no capability at all (CAP_DAC_OVERRIDE gone, the folder's
    permission bits apply to it as to any user; a plain user could not run this Python under
    /root). Any other user has none already."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", *argv]
    return argv


def test_export_read_only_dest(dest, tmp_path):
    os.chmod(dest / "weights", 0o500)
    os.chmod(dest, 0o500)
    try:
        argv = [
            sys.executable,
            "-m",
            "digitnet",
            *export_args(tmp_path, dest),
            "--version",
            "9.9.9",
        ]
        proc = subprocess.run(unprivileged(argv), capture_output=True, text=True)
    finally:
        os.chmod(dest, 0o700)
        os.chmod(dest / "weights", 0o700)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("digitnet: error: ") and proc.stderr.count("\n") == 1
    assert str(dest) in proc.stderr and "9.9.9" not in os.listdir(dest / "weights")
