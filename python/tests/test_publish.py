"""Publishing is one transaction: killed at any write, fsync, mkdir or rename, interrupted by
Ctrl-C or SIGTERM, or raced by another export, the fixtures folder holds the versions it held
before, or those and the whole new one; running the export again completes it, and verify
passes. The kills are real: strace delivers the signal on entry to the Nth such system call."""

import fcntl
import json
import os
import shutil
import signal as signals
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import write_dataset

from digitnet import cli, layout, publish, verify


@pytest.fixture
def strace() -> str:
    """strace's path. Without it the kill tests are skipped, except with CI set: there they fail
    (nox -s tests installs strace, and CI must not pass without having killed anything)."""
    path = shutil.which("strace")
    if path is None and os.environ.get("CI"):
        pytest.fail("strace not installed, and CI is set: the kill tests must run (install it)")
    if path is None:
        pytest.skip("strace not installed (nox installs it)")
    return path


STEPS = "mkdir,write,fsync,rename"  # every system call that changes the fixtures folder


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny run, and a fixtures folder that already holds version 0.1.0. Every command runs
    in the folder above them with relative paths, as a user's would: model.json records the
    commands, and long temporary paths would eat into its 150,000-byte budget."""
    root = tmp_path_factory.mktemp("publish")
    data = write_dataset(root / "data", n_train=64, n_test=40)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert cli.main(["train", "--data", "data", "--epochs", "1", "--out", "run"]) == 0
        assert (
            cli.main(["export", "run", "--version", "0.1.0", "--dest", "base", "--data", "data"])
            == 0
        )
    finally:
        os.chdir(cwd)
    return root / "run", data, root / "base"


def data_arg(data: Path) -> list[str]:
    return ["--data", str(data)]


def export_cmd(setup, dest: Path, version: str) -> list[str]:
    """Run with cwd=dest.parent: relative paths keep model.json's recorded command short."""
    run, data, _ = setup
    rel = lambda p: os.path.relpath(p, dest.parent)  # noqa: E731
    return [sys.executable, "-m", "digitnet", "export", rel(run), "--version", version,
            "--dest", dest.name, "--data", rel(data)]  # fmt: skip


def fresh(setup, tmp_path) -> Path:
    dest = tmp_path / "fixtures"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(setup[2], dest)
    return dest


def visible(dest: Path) -> dict[str, bytes]:
    """What readers see: every file outside hidden (staging, temporary, lock) names."""
    return {
        str(p.relative_to(dest)): p.read_bytes()
        for p in sorted(dest.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(dest).parts)
    }


def leftovers(dest: Path) -> list[str]:
    hidden = [p for p in dest.rglob(".*") if p.name != publish.LOCK]
    return sorted(str(p.relative_to(dest)) for p in hidden)


def published(dest: Path) -> list[str]:
    return sorted(json.loads((dest / "index.json").read_text())["weights"])


def verify_ok(dest: Path, data: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "digitnet", "verify", "--dest", str(dest), *data_arg(data)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "VERIFY OK" in proc.stdout, proc.stderr


def assert_before_or_after(dest: Path, before: dict[str, bytes], version: str) -> bool:
    """The published versions are the old ones, or those and the whole new one; a version folder
    is published when the index lists it (killed between the folder's rename and the index's,
    the folder is whole but not yet published: the next export indexes it)."""
    now = visible(dest)
    if published(dest) == ["0.1.0"]:
        folder = {k: v for k, v in now.items() if k.startswith(f"weights/{version}/")}
        assert {k: v for k, v in now.items() if k not in folder} == before
        assert sorted(folder) in (
            [],
            [f"weights/{version}/{n}" for n in sorted(layout.VERSION_FILES)],
        )
        return False
    assert published(dest) == sorted(["0.1.0", version])
    assert {k: v for k, v in now.items() if k in before and k != "index.json"} == {
        k: v for k, v in before.items() if k != "index.json"
    }
    assert sorted(k for k in now if k.startswith(f"weights/{version}/")) == [
        f"weights/{version}/{n}" for n in sorted(layout.VERSION_FILES)
    ]
    return True


def kill_points(strace: str, setup, tmp_path, syscall: str):
    """Yield (n, killed fixtures folder) for the nth `syscall` of an export, n = 1, 2, ...
    until an export makes fewer than n (strace counts each system call separately)."""
    for n in range(1, 100):
        dest = fresh(setup, tmp_path)
        killed = subprocess.run(
            [strace, "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}", "-e",
             f"inject={syscall}:signal=KILL:when={n}", *export_cmd(setup, dest, "0.2.0")],
            capture_output=True, text=True, cwd=dest.parent,
        )  # fmt: skip
        if killed.returncode == 0:
            return
        yield n, dest


@pytest.mark.parametrize("syscall", STEPS.split(","))
def test_killed_at_every_step_then_run_again(strace, setup, tmp_path, capsys, syscall, monkeypatch):
    monkeypatch.chdir(tmp_path)  # restored after the test; the loop below moves into it
    _, data, base = setup
    before = visible(base)
    outcomes = []
    for n, dest in kill_points(strace, setup, tmp_path, syscall):
        outcomes.append(assert_before_or_after(dest, before, "0.2.0"))
        capsys.readouterr()
        os.chdir(dest.parent)
        again = cli.main(export_cmd(setup, dest, "0.2.0")[3:])
        said = capsys.readouterr()
        if outcomes[-1]:
            assert again == 2 and "already published" in said.err, (n, said)
        else:  # published now, by this run or by completing the killed one's folder
            assert again == 0 and "published 0.2.0" in said.out, (n, said)
        assert leftovers(dest) == [] and published(dest) == ["0.1.0", "0.2.0"]
        assert verify.verify(dest, str(data))
    assert len(outcomes) >= {"mkdir": 2, "write": 4, "fsync": 8, "rename": 5}[syscall]
    # Killed early, nothing is published; once the index's rename (the commit) has happened, the
    # version is: never the other way round.
    assert not outcomes[0] and outcomes == sorted(outcomes)


def sigint_default() -> None:
    """Ctrl-C reaches the export even when this suite runs as a shell's background job, which
    inherits SIGINT ignored (POSIX), as would the export, and Python keeps it ignored."""
    signals.signal(signals.SIGINT, signals.SIG_DFL)


@pytest.mark.parametrize("signal", ["INT", "TERM"])
def test_interrupted_at_each_rename_leaves_no_trace(strace, setup, tmp_path, signal):
    """Ctrl-C or SIGTERM: rolled back (or, after the index's rename, complete), nothing left."""
    _, data, base = setup
    before = visible(base)
    for n in range(1, 6):  # three files, the folder, the index
        dest = fresh(setup, tmp_path)
        proc = subprocess.run(
            [strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename", "-e",
             f"inject=rename:signal={signal}:when={n}", *export_cmd(setup, dest, "0.2.0")],
            capture_output=True, text=True, cwd=dest.parent, preexec_fn=sigint_default,
        )  # fmt: skip
        assert proc.returncode != 0, f"rename {n}: not interrupted"
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        done = assert_before_or_after(dest, before, "0.2.0")
        assert done == (n == 5), f"rename {n}"
        assert leftovers(dest) == []
        verify_ok(dest, data)


def test_two_racing_exports_both_land(setup, tmp_path, monkeypatch, capsys):
    """The first export is stalled inside publish(), holding the lock, until the second is
    blocked on that lock (or, without a lock, has finished): both land, and the second waited."""
    dest = fresh(setup, tmp_path)
    monkeypatch.chdir(dest.parent)
    inside, go, second_blocked = threading.Event(), threading.Event(), threading.Event()
    real_stage, real_flock = publish.stage, fcntl.flock

    def stage(dest_, version, files):
        if version == "0.3.0":
            inside.set()
            go.wait()  # set once the second export is blocked on the lock, or has finished
        return real_stage(dest_, version, files)

    def flock(fd, operation):
        if threading.current_thread().name == "second" and operation == fcntl.LOCK_EX:
            second_blocked.set()  # the blocking call: the non-blocking try found the lock held
            go.set()
        return real_flock(fd, operation)

    monkeypatch.setattr(publish, "stage", stage)
    monkeypatch.setattr(fcntl, "flock", flock)
    codes = {}

    def export(version):
        try:
            codes[version] = cli.main(export_cmd(setup, dest, version)[3:])
        finally:
            inside.set()  # (if the first failed before its stall, the test goes on and fails)
            go.set()

    first = threading.Thread(target=export, args=("0.3.0",), name="first")
    first.start()
    inside.wait()  # the first export holds the lock, stalled in publish()
    second = threading.Thread(target=export, args=("0.4.0",), name="second")
    second.start()
    first.join()
    second.join()
    assert codes == {"0.3.0": 0, "0.4.0": 0}, capsys.readouterr().err
    assert second_blocked.is_set(), "the second export did not wait for the first's lock"
    assert "waiting for another export into" in capsys.readouterr().err
    assert published(dest) == ["0.1.0", "0.3.0", "0.4.0"]
    verify_ok(dest, setup[1])


def test_an_existing_version_is_refused_before_any_work(setup, tmp_path, capsys):
    dest = fresh(setup, tmp_path)
    missing_run = tmp_path / "no-such-run"
    assert cli.main(["export", str(missing_run), "--version", "0.1.0", "--dest", str(dest)]) == 2
    assert "0.1.0 is already published" in capsys.readouterr().err  # the run was never read


def test_the_next_export_cleans_up_after_killed_ones(setup, tmp_path, capsys, monkeypatch):
    dest = fresh(setup, tmp_path)
    monkeypatch.chdir(dest.parent)
    (dest / "weights/.0.5.0.tmp-dead").mkdir()
    (dest / ".index.json.dead").write_text("{")
    shutil.copytree(dest / "weights/0.1.0", dest / "weights/0.6.0")  # renamed, never indexed
    doc = json.loads((dest / "weights/0.6.0/model.json").read_text())
    (dest / "weights/0.6.0/model.json").write_text(json.dumps({**doc, "version": "0.6.0"}))
    assert cli.main(export_cmd(setup, dest, "0.7.0")[3:]) == 0
    out = capsys.readouterr().out
    assert "removed" in out and ".0.5.0.tmp-dead" in out and ".index.json.dead" in out
    assert "indexed 0.6.0: an interrupted export had written it whole" in out
    assert leftovers(dest) == [] and published(dest) == ["0.1.0", "0.6.0", "0.7.0"]


def test_an_unindexed_partial_folder_is_named_not_removed(setup, tmp_path, capsys, monkeypatch):
    dest = fresh(setup, tmp_path)
    monkeypatch.chdir(dest.parent)
    (dest / "weights/0.8.0").mkdir()
    (dest / "weights/0.8.0/model.json").write_text("{}")
    assert cli.main(export_cmd(setup, dest, "0.9.0")[3:]) == 2
    assert "weights/0.8.0: not in index.json and not a whole version" in capsys.readouterr().err
    assert (dest / "weights/0.8.0/model.json").exists()


def test_each_rename_is_made_durable(setup, tmp_path, monkeypatch):
    """After the version folder's rename, weights/ is fsynced; after the index's, the fixtures
    folder: a crash then keeps what the rename did (the strace tests cannot see an fsync skipped,
    only a process killed). Files are fsynced before they are renamed into place."""
    dest = fresh(setup, tmp_path)
    monkeypatch.chdir(dest.parent)
    events, real_rename, real_replace, real_fsync = [], os.rename, os.replace, os.fsync

    def rename(src, dst):
        events.append(("rename", os.path.basename(dst)))
        return real_rename(src, dst)

    def replace(src, dst):
        events.append(("rename", os.path.basename(dst)))
        return real_replace(src, dst)

    def fsync(fd):
        target = os.readlink(f"/proc/self/fd/{fd}")
        events.append(("fsync", os.path.relpath(target, dest) if os.path.isdir(target) else "file"))
        return real_fsync(fd)

    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    assert cli.main(export_cmd(setup, dest, "0.5.0")[3:]) == 0
    folder = events.index(("rename", "0.5.0"))
    assert events[folder + 1] == ("fsync", "weights")
    index = events.index(("rename", "index.json"))
    assert events[index + 1] == ("fsync", ".") and folder < index
    for k, event in enumerate(events):  # every file: written, fsynced, then renamed into place
        if event[0] == "rename" and event[1] in ("model.json", "parity.json", "card.json"):
            assert events[k - 1] == ("fsync", "file"), events[: k + 1]
