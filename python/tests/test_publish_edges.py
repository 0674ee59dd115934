"""publish.py in-process, on small folders: every refusal word for word, what is left behind
(nothing) when an export fails or is interrupted at each step, and the bytes and modes of what
it writes. test_publish.py kills real exports with strace; these reach the same lines in the
process, where the mutation tests (nox -s mutants) can see them."""

import fnmatch
import hashlib
import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from conftest import publish_synthetic, write_dataset

from digitnet import publish, storage
from digitnet.errors import DigitnetError

FILES = {"model.json": b'{"m": 1}\n', "parity.json": b'{"p": 2}\n', "card.json": b'{"c": 3}\n'}
META = {"createdAt": "2026-01-02", "floatAccuracy": 0.5, "int8Accuracy": 0.25, "quantization": "x"}


class Boom(Exception):
    """A failure no code under test raises itself."""


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A fixtures folder holding a real version 0.1.0 (export's own code, in a tenth of a
    second)."""
    root = tmp_path_factory.mktemp("edges")
    return publish_synthetic(root / "fixtures", write_dataset(root / "data", n_test=40))


@pytest.fixture
def dest(base, tmp_path) -> Path:
    return Path(shutil.copytree(base, tmp_path / "fixtures"))


def refusal(call, *args) -> str:
    with pytest.raises(DigitnetError) as e:
        call(*args)
    return str(e.value)


def hidden(dest: Path) -> list[str]:
    """Every hidden name below dest but the lock: what an export must never leave."""
    return sorted(str(p.relative_to(dest)) for p in dest.rglob(".*") if p.name != publish.LOCK)


def versions_on_disk(dest: Path) -> list[str]:
    return sorted(p.name for p in (dest / "weights").iterdir())


def whole_copy(dest: Path, version: str, recorded: str | None = None) -> Path:
    """Version 0.1.0's folder copied to `version`, its model.json saying `recorded` (by default
    `version`): what a killed export leaves once its folder is renamed into place."""
    folder = Path(shutil.copytree(dest / "weights/0.1.0", dest / "weights" / version))
    doc = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**doc, "version": recorded or version}))
    return folder


def test_a_version_that_is_not_semver_is_refused_before_anything(tmp_path):
    assert refusal(publish.prepare, tmp_path / "new", "1.0") == "version '1.0' is not semver X.Y.Z"
    assert not (tmp_path / "new").exists()


def test_prepare_completes_the_version_a_killed_run_of_it_wrote_whole(dest):
    whole_copy(dest, "0.2.0")
    assert publish.prepare(dest, "0.2.0") == (
        ["indexed 0.2.0: an interrupted export had written it whole"],
        True,
    )
    assert sorted(json.loads((dest / "index.json").read_text())["weights"]) == ["0.1.0", "0.2.0"]
    assert publish.prepare(dest, "0.3.0") == ([], False)  # nothing left to clean up


def test_the_index_is_two_space_indented_json_with_each_files_hash_and_size(tmp_path):
    dest = tmp_path / "fixtures"
    assert publish.publish(dest, "0.2.0", FILES, {**META, "other": 1}) == dest / "weights/0.2.0"
    files = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in FILES.items()}
    index = {"format": "digitnet-index", "formatVersion": 1, "weights": {}}
    index["weights"]["0.2.0"] = {**META, "files": files}
    assert (dest / "index.json").read_bytes() == json.dumps(index, indent=2).encode() + b"\n"
    assert (dest / "index.json").read_text().startswith('{\n  "format": "digitnet-index",\n  "')
    for name, data in FILES.items():
        assert (dest / "weights/0.2.0" / name).read_bytes() == data
    assert hidden(dest) == []


def test_a_published_version_or_anything_at_its_name_is_refused_and_kept(dest):
    said = "{}: version {} is already published and never changes; choose a new version"
    target = dest / "weights/0.1.0"
    assert refusal(publish.prepare, dest, "0.1.0") == said.format(target, "0.1.0")
    assert refusal(publish.publish, dest, "0.1.0", FILES, META) == said.format(target, "0.1.0")
    stray = dest / "weights/0.2.0"
    stray.write_bytes(b"someone's file")  # not in the index: still never overwritten nor moved
    assert refusal(publish.prepare, dest, "0.2.0") == said.format(stray, "0.2.0")
    assert refusal(publish.publish, dest, "0.2.0", FILES, META) == said.format(stray, "0.2.0")
    assert stray.read_bytes() == b"someone's file" and hidden(dest) == []


@pytest.mark.parametrize(
    "name, make, said",
    [
        (".index.json.x", Path.mkdir, "a folder where an interrupted export leaves a temporary "
         "index file"),
        (".index.json.y", lambda p: p.symlink_to("index.json"), "a symlink where an interrupted "
         "export leaves a temporary index file"),
        ("weights/.0.2.0.tmp-x", Path.touch, "a regular file where an interrupted export leaves "
         "a staging folder"),
        ("weights/.0.2.0.tmp-y", lambda p: os.mkfifo(p), "a FIFO where an interrupted export "
         "leaves a staging folder"),
    ],
)  # fmt: skip
def test_what_is_not_an_exports_leftover_is_named_not_removed(dest, name, make, said):
    make(dest / name)
    for call in (publish.prepare, publish.publish):
        args = (FILES, META) if call is publish.publish else ()
        got = refusal(call, dest, "0.2.0", *args)
        assert got == f"{dest / name}: {said}; move it away or remove it"
    assert os.path.lexists(dest / name) and versions_on_disk(dest)[-1] == "0.1.0"


def test_a_symlink_among_the_versions_is_refused(dest, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (dest / "weights/0.0.9").symlink_to(tmp_path / "elsewhere")
    assert refusal(publish.publish, dest, "0.2.0", FILES, META) == (
        f"{dest / 'weights/0.0.9'}: a symlink; version folders are real folders inside "
        f"{dest / 'weights'} (export never follows a link): move it away or remove it"
    )


def test_a_hidden_folder_that_is_no_staging_folder_is_left_alone(dest):
    (dest / "weights/.snapshot").mkdir()  # e.g. a file server's: not ours, not a version
    publish.publish(dest, "0.2.0", FILES, META)
    assert versions_on_disk(dest) == [".snapshot", "0.1.0", "0.2.0"]


def test_an_unindexed_folder_that_is_not_its_versions_is_named(dest):
    whole_copy(dest, "0.2.0", recorded="0.1.0")
    assert refusal(publish.prepare, dest, "0.3.0") == (
        f"{dest / 'weights/0.2.0/model.json'}: version '0.1.0', not the folder's"
    )
    shutil.rmtree(dest / "weights/0.2.0")
    (dest / "weights/0.2.0").mkdir()
    (dest / "weights/0.2.0/model.json").write_text("{}")
    assert refusal(publish.prepare, dest, "0.3.0") == (
        f"{dest / 'weights/0.2.0'}: not in index.json and not a whole version (holds "
        "['model.json']); move it away or remove it"
    )


def test_files_are_staged_in_a_hidden_folder_the_next_export_cleans_up(dest, monkeypatch):
    """Staged beside the versions (a rename within one folder is atomic), under a name that
    recover() removes when a killed export leaves it."""
    written, real = [], publish.write_atomic
    monkeypatch.setattr(publish, "write_atomic", lambda p, d: (written.append(p), real(p, d)))
    publish.publish(dest, "0.2.0", FILES, META)
    staging = {p.parent for p in written if p.name != "index.json"}
    assert len(staging) == 1 and written[-1] == dest / "index.json"
    (folder,) = staging
    assert folder.parent == dest / "weights" and fnmatch.fnmatch(folder.name, ".0.2.0.tmp-*")
    assert sorted(p.name for p in written[:-1]) == sorted(FILES)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o755), (0o027, 0o750)])
def test_the_version_folder_is_readable_as_the_umask_allows(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        publish.publish(tmp_path / "fixtures", "0.2.0", FILES, META)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "fixtures/weights/0.2.0").stat().st_mode) == mode


def test_a_weights_path_that_is_not_a_folder_cannot_be_written(tmp_path):
    dest = tmp_path / "fixtures"
    dest.mkdir()
    (dest / "weights").write_bytes(b"")
    got = refusal(publish.publish, dest, "0.2.0", FILES, META)
    assert got == f"{dest / 'weights'}: cannot write (File exists)"


def test_without_fcntl_a_new_fixtures_folder_is_created(tmp_path, monkeypatch):
    """Windows has no fcntl: nothing locks (nor creates) the folder, staging creates it."""
    monkeypatch.setitem(sys.modules, "fcntl", None)  # `import fcntl` raises ImportError
    dest = tmp_path / "new" / "fixtures"
    publish.publish(dest, "0.2.0", FILES, META)
    assert versions_on_disk(dest) == ["0.2.0"] and not (dest / publish.LOCK).exists()


def failing(monkeypatch, name: str, error: BaseException, when, after: bool = False) -> None:
    """publish.`name` raises `error` on the calls `when(args)` picks: before doing its work, or
    after it (as SIGTERM would, arriving as the system call returns)."""
    real = getattr(publish, name)

    def call(*args):
        if not when(args):
            return real(*args)
        if after:
            real(*args)
        raise error

    monkeypatch.setattr(publish, name, call)


def as_before(dest: Path, index: bytes) -> bool:
    return (
        versions_on_disk(dest) == ["0.1.0"]
        and hidden(dest) == []
        and (dest / "index.json").read_bytes() == index
    )


def test_a_failure_while_staging_leaves_the_fixtures_as_before(dest, monkeypatch):
    index = (dest / "index.json").read_bytes()
    failing(monkeypatch, "write_atomic", Boom(), lambda a: a[0].name == "parity.json")
    with pytest.raises(Boom):  # the failure itself, not one of the clean-up's
        publish.publish(dest, "0.2.0", FILES, META)
    assert as_before(dest, index)


@pytest.mark.parametrize("error", [Boom(), KeyboardInterrupt()])
def test_a_failed_commit_moves_the_renamed_folder_back_out(dest, monkeypatch, error):
    index = (dest / "index.json").read_bytes()
    failing(monkeypatch, "write_atomic", error, lambda a: a[0].name == "index.json")
    with pytest.raises(type(error)):
        publish.publish(dest, "0.2.0", FILES, META)
    assert as_before(dest, index)


def test_interrupted_just_after_the_folders_rename_it_is_rolled_back(dest, monkeypatch):
    index = (dest / "index.json").read_bytes()
    failing(monkeypatch, "fsync_folder", KeyboardInterrupt(), lambda a: True, after=True)
    with pytest.raises(KeyboardInterrupt):  # not the staging folder's clean-up (renamed away)
        publish.publish(dest, "0.2.0", FILES, META)
    assert as_before(dest, index)


def test_interrupted_just_after_the_commit_the_version_stays_published(dest, monkeypatch):
    failing(monkeypatch, "write_atomic", KeyboardInterrupt(), lambda a: a[0].name == "index.json",
            after=True)  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        publish.publish(dest, "0.2.0", FILES, META)
    assert versions_on_disk(dest) == ["0.1.0", "0.2.0"] and hidden(dest) == []
    assert sorted(json.loads((dest / "index.json").read_text())["weights"]) == ["0.1.0", "0.2.0"]


def test_a_rollback_that_cannot_finish_still_reports_the_failure(dest, monkeypatch):
    """The folder moved aside cannot be removed (a busy file server, say): the export still
    fails with its own error, the leftover is hidden, and the next export removes it."""
    failing(monkeypatch, "write_atomic", Boom(), lambda a: a[0].name == "index.json")
    busy, real_rmdir = [True], os.rmdir

    def rmdir(path, *args, **kwargs):
        if busy[0] and str(path).endswith(".tmp-rollback"):
            raise OSError(16, "Device or resource busy", str(path))
        return real_rmdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "rmdir", rmdir)
    with pytest.raises(Boom):
        publish.publish(dest, "0.2.0", FILES, META)
    assert versions_on_disk(dest) == [".0.2.0.tmp-rollback", "0.1.0"]
    busy[0] = False
    monkeypatch.setattr(publish, "write_atomic", storage.write_atomic)
    publish.publish(dest, "0.3.0", FILES, META)
    assert versions_on_disk(dest) == ["0.1.0", "0.3.0"] and hidden(dest) == []
