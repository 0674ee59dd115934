"""Special and unreadable files, and hostile leftovers, given to the CLI (issue 23, items 2, 3
and 9): every case ends in one line naming the path and the problem, exit status 2, at once.

The CLI runs in a subprocess with a timeout, so a FIFO that blocks or a /dev/zero read until
memory runs out fails the test instead of hanging it. Unreadable files need an unprivileged
process: as root, the subprocess runs without the capabilities that bypass file permissions
(setpriv), so a chmod 000 file is unreadable to it as to any user.
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

from digitnet import checkpoint, model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
VERSION = "1.0.0"
UNPRIVILEGED = (
    ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--"] if os.geteuid() == 0 else []
)
needs_setpriv = pytest.mark.skipif(
    os.geteuid() == 0 and not shutil.which("setpriv"), reason="root without setpriv"
)


def digitnet(*args, cwd=None, env=None, unprivileged=False) -> subprocess.CompletedProcess:
    prefix = UNPRIVILEGED if unprivileged else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "digitnet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails here; every case answers in well under a second
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    err = proc.stderr
    assert proc.returncode == 2, err
    assert err.startswith("digitnet: error: ") and err.count("\n") == 1, err
    assert "internal error" not in err and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def dest(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURES, tmp_path / "fixtures"))


@pytest.fixture
def no_cache(tmp_path) -> dict:
    """An empty MNIST cache: verify skips the checks that need MNIST."""
    return {"XDG_CACHE_HOME": str(tmp_path / "no-cache"), "DIGITNET_DATA": ""}


def special(path: Path, what: str) -> None:
    """Replace `path` by a special file: a folder, a symlink loop, /dev/zero or a FIFO."""
    if path.exists() or path.is_symlink():
        path.unlink()
    if what == "folder":
        path.mkdir()
    elif what == "loop":
        path.symlink_to(path.name)
    elif what == "zero":
        path.symlink_to("/dev/zero")
    else:
        os.mkfifo(path)


PROBLEMS = {
    "folder": "a folder, expected a regular file",
    "loop": "Too many levels of symbolic links",
    "zero": "a character device, expected a regular file",
    "fifo": "a FIFO, expected a regular file",
}


@pytest.mark.parametrize("what", PROBLEMS)
@pytest.mark.parametrize("name", ["model.json", "card.json", "parity.json"])
def test_verify_special_version_files(dest, no_cache, name, what):
    path = dest / "weights" / VERSION / name
    special(path, what)
    one_line_error(digitnet("verify", "--dest", dest, env=no_cache), str(path), PROBLEMS[what])


@pytest.mark.parametrize("what", PROBLEMS)
def test_special_index(dest, no_cache, tmp_path, what):
    special(dest / "index.json", what)
    one_line_error(digitnet("verify", "--dest", dest, env=no_cache), "index.json", PROBLEMS[what])
    run = tmp_path / "run"
    run.mkdir()
    proc = digitnet("export", run, "--version", "9.9.9", "--dest", dest, env=no_cache)
    one_line_error(proc, "index.json", PROBLEMS[what])


@needs_setpriv
@pytest.mark.parametrize(
    "target", ["weights/1.0.0/model.json", "weights/1.0.0/card.json", "weights/1.0.0", "weights"]
)
def test_verify_unreadable(dest, no_cache, target):
    (dest / target).chmod(0)
    proc = digitnet("verify", "--dest", dest, env=no_cache, unprivileged=True)
    one_line_error(proc, "Permission denied")


@needs_setpriv
def test_evaluate_model_in_a_folder_without_search_permission(tmp_path):
    folder = tmp_path / "closed"
    folder.mkdir()
    shutil.copy(FIXTURES / "weights" / VERSION / "model.json", folder)
    folder.chmod(0o600)
    proc = digitnet("evaluate", folder / "model.json", unprivileged=True)
    one_line_error(proc, str(folder / "model.json"), "Permission denied")


@pytest.mark.parametrize("name", ["model.json", "checkpoint.npz"])
@pytest.mark.parametrize("what", ["zero", "fifo"])
def test_evaluate_special_model_or_checkpoint(tmp_path, name, what):
    path = tmp_path / name
    special(path, what)
    one_line_error(digitnet("evaluate", path), str(path), PROBLEMS[what])


def test_evaluate_dev_zero(tmp_path):
    one_line_error(digitnet("evaluate", "/dev/zero"), "/dev/zero", PROBLEMS["zero"])


@pytest.mark.parametrize("what", ["fifo", "zero", "folder"])
def test_special_data_file(tmp_path, what):
    folder = write_dataset(tmp_path / "d")
    special(folder / "t10k-images-idx3-ubyte", what)
    model_json = FIXTURES / "weights" / VERSION / "model.json"
    proc = digitnet("evaluate", model_json, "--data", folder)
    one_line_error(proc, "t10k-images-idx3-ubyte", PROBLEMS[what])


def test_special_file_in_the_mnist_cache(tmp_path):
    """The cache is hashed before it is used: a FIFO there is not the verified MNIST (it would
    block the hashing forever), and loading from it names it."""
    from digitnet import data

    cache = Path(shutil.copytree(data.fetch(), tmp_path / "cache"))
    special(cache / "t10k-images-idx3-ubyte", "fifo")
    assert not data.verified(cache)
    with pytest.raises(data.DigitnetError, match="t10k-images-idx3-ubyte: a FIFO, expected"):
        data.check_cached(cache, [cache / "t10k-images-idx3-ubyte"], data.MNIST_SHA256)


# --- export: metrics, leftovers and links ----------------------------------------------------


@pytest.fixture
def run_dir(tmp_path) -> Path:
    """A run folder with a valid checkpoint; metrics.json is each test's."""
    run = tmp_path / "run"
    run.mkdir()
    checkpoint.save(run / checkpoint.NAME, model.init_params(np.random.default_rng(0)))
    return run


METRICS = {
    "testAccuracy": 0.5,
    "history": [],
    "seed": 0,
    "recipe": {},
    "dataSha256": {},
    "command": "digitnet train",
}


@pytest.mark.parametrize(
    "text, problem",
    [
        (json.dumps({k: v for k, v in METRICS.items() if k != "seed"}), "seed: expected"),
        (json.dumps({k: v for k, v in METRICS.items() if k != "testAccuracy"}), "testAccuracy"),
        (json.dumps(METRICS).replace("0.5", "NaN"), "NaN is not JSON"),
        (json.dumps(METRICS).replace("0.5", "1e400"), "out of range"),
        (json.dumps({**METRICS, "history": {}}), "history: expected an array"),
    ],
    ids=["no-seed", "no-accuracy", "nan", "1e400", "history-object"],
)
def test_export_bad_metrics(run_dir, tmp_path, text, problem):
    (run_dir / "metrics.json").write_text(text)
    data = write_dataset(tmp_path / "d")
    dest = tmp_path / "f"
    proc = digitnet("export", run_dir, "--version", "9.9.9", "--dest", dest, "--data", data)
    one_line_error(proc, "metrics.json", problem)


def export_into(dest: Path, run_dir: Path):
    (run_dir / "metrics.json").write_text(json.dumps(METRICS))
    return digitnet("export", run_dir, "--version", "9.9.9", "--dest", dest)


@pytest.mark.parametrize(
    "name, make, problem",
    [
        ("weights/9.9.9", lambda p: p.symlink_to("nowhere"), "a symlink; version folders"),
        ("weights/2.0.1", lambda p: p.symlink_to(FIXTURES / "weights" / VERSION), "a symlink"),
        ("weights/.9.9.9.tmp-x", lambda p: p.write_text(""), "a regular file where"),
        ("weights/.9.9.9.tmp-x", lambda p: p.symlink_to(".."), "a symlink where"),
        (".index.json.abc", lambda p: p.mkdir(), "a folder where"),
    ],
    ids=["dangling-version", "linked-version", "staging-file", "staging-link", "index-folder"],
)
def test_export_hostile_leftovers(dest, run_dir, name, make, problem):
    make(dest / name)
    before = sorted(p.name for p in (dest / "weights").iterdir())
    one_line_error(export_into(dest, run_dir), str(dest / name), problem)
    assert sorted(p.name for p in (dest / "weights").iterdir()) == before  # nothing removed


def test_failed_export_leaves_no_lock_in_the_working_folder(tmp_path):
    proc = digitnet("export", "nope", "--version", "9.9.9", cwd=tmp_path)
    one_line_error(proc, "nope")
    assert list(tmp_path.iterdir()) == []


# --- item 4: what verify and the CLI print stays on its line ----------------------------------


@pytest.mark.parametrize("name", ["evil\n\x1b[2J", "rtl\u202e\u2028\u0085"])
def test_verify_escapes_a_folder_name(dest, no_cache, name):
    (dest / "weights" / name).mkdir()
    proc = digitnet("verify", "--dest", dest, env=no_cache)
    one_line_error(proc, "not a published version")
    assert all(" " <= c <= "~" for c in proc.stderr.rstrip("\n")), proc.stderr
    assert "\\u000a\\u001b[2J" in proc.stderr or "\\u202e\\u2028\\u0085" in proc.stderr


def test_verify_escapes_a_parity_description(dest, no_cache):
    path = dest / "weights" / VERSION / "parity.json"
    doc = json.loads(path.read_text())
    doc["cases"][0]["description"] = "line\nbreak \x1b[2J"
    doc["cases"][0]["probabilities"][0] += 0.5
    data = json.dumps(doc).encode()
    path.write_bytes(data)
    index = json.loads((dest / "index.json").read_text())
    entry = index["weights"][VERSION]["files"]["parity.json"]
    entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    (dest / "index.json").write_text(json.dumps(index))
    proc = digitnet("verify", "--dest", dest, "--files-only", env=no_cache)
    one_line_error(proc, "line\\u000abreak \\u001b[2J")
