"""storage.py: files replaced whole, with the permissions the umask allows, fsynced with their
folder; JSON objects read with one-line errors; the index's SHA-256."""

import os
import stat

import pytest

from digitnet import storage
from digitnet.errors import DigitnetError


def test_sha256_is_the_hex_digest():
    assert storage.sha256(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_umask_is_read_without_changing_it():
    old = os.umask(0o027)
    try:
        assert storage.umask() == 0o027
        assert storage.umask() == 0o027  # still in force
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_write_atomic_writes_the_bytes_with_the_umasks_mode(tmp_path, mask, mode):
    path = tmp_path / "f.json"
    path.write_bytes(b"old")
    old = os.umask(mask)
    try:
        storage.write_atomic(path, b"new bytes")
    finally:
        os.umask(old)
    assert path.read_bytes() == b"new bytes"
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.json"]  # no temporary file left


def fsyncs(monkeypatch) -> list:
    """What os.fsync is called on, in order: ('file', name) or ('folder', path)."""
    seen, real = [], os.fsync

    def spy(fd):
        target = os.readlink(f"/proc/self/fd/{fd}")
        seen.append(("folder" if os.path.isdir(target) else "file", target))
        return real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return seen


def test_write_atomic_fsyncs_the_file_then_its_folder(tmp_path, monkeypatch):
    seen = fsyncs(monkeypatch)
    storage.write_atomic(tmp_path / "f", b"x")
    assert [kind for kind, _ in seen] == ["file", "folder"]
    assert seen[0][1].startswith(str(tmp_path / ".f.")) and seen[1][1] == str(tmp_path)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_bytes(b"old")

    def broken(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        storage.write_atomic(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f"]


def test_fsync_folder_fsyncs_that_folder(tmp_path, monkeypatch):
    seen = fsyncs(monkeypatch)
    storage.fsync_folder(tmp_path)
    assert seen == [("folder", str(tmp_path))]
    storage.fsync_folder(tmp_path / "missing")  # nothing to open: nothing to do, no error
    assert seen == [("folder", str(tmp_path))]


def test_fsync_folder_ignores_a_folder_that_cannot_be_fsynced(tmp_path, monkeypatch):
    def refuse(fd):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "fsync", refuse)
    before = len(os.listdir("/proc/self/fd"))
    storage.fsync_folder(tmp_path)
    assert len(os.listdir("/proc/self/fd")) == before  # and its descriptor is closed


@pytest.mark.parametrize(
    "content, said",
    [
        (b'{"a": 1}', None),
        (b"[1]", "expected a JSON object, got list"),
        (b'"x"', "expected a JSON object, got str"),
        (b'{"a": NaN}', "not valid JSON (NaN is not JSON)"),
        (b"{", "not valid JSON (Expecting property name enclosed in double quotes: "),
        (b'{"a": "\xff"}', "not valid JSON ('utf-8' codec can't decode byte 0xff"),
        (b"[" * 100_000, "not valid JSON ("),
        (b'{"a": 1e400}', "not valid JSON (number 1e400 is out of range)"),
        (b'{"a": [-1E+309]}', "not valid JSON (number -1E+309 is out of range)"),
    ],
)
def test_read_json_object(tmp_path, content, said):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    if said is None:
        assert storage.read_json_object(path) == {"a": 1}
        return
    with pytest.raises(DigitnetError) as e:
        storage.read_json_object(path)
    assert str(e.value).startswith(f"{path}: {said}") and "\n" not in str(e.value)


def test_read_json_object_of_a_missing_file(tmp_path):
    with pytest.raises(DigitnetError) as e:
        storage.read_json_object(tmp_path / "none.json")
    assert str(e.value) == f"{tmp_path / 'none.json'}: cannot read (no such file)"


def test_a_json_error_without_words_is_named_by_its_kind(tmp_path, monkeypatch):
    """Should the parser ever fail without a message, the line still says how."""
    path = tmp_path / "x.json"
    path.write_bytes(b"{}")

    def loads(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr(storage.json, "loads", loads)
    with pytest.raises(DigitnetError) as e:
        storage.read_json_object(path)
    assert str(e.value) == f"{path}: not valid JSON (RecursionError)"


def test_describe_names_every_kind_of_path():
    kinds = [
        (stat.S_IFREG | 0o644, "a regular file"),
        (stat.S_IFDIR | 0o755, "a folder"),
        (stat.S_IFLNK | 0o777, "a symlink"),
        (stat.S_IFIFO, "a FIFO"),
        (stat.S_IFCHR, "a character device"),
        (stat.S_IFBLK, "a block device"),
        (stat.S_IFSOCK, "a socket"),
        (0o160000, "a special file"),  # a BSD whiteout: no kind Python's stat names
        (0, "a special file"),
    ]
    assert [storage.describe(mode) for mode, _ in kinds] == [said for _, said in kinds]


def test_interrupted_as_the_rename_returns_the_new_file_stays(tmp_path, monkeypatch):
    """SIGTERM is a KeyboardInterrupt while publishing: arriving just after the rename, when the
    temporary file is gone, it is what the caller sees (not a FileNotFoundError of the clean-up)."""
    path, real = tmp_path / "f", os.replace
    path.write_bytes(b"old")

    def replace(src, dst):
        real(src, dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        storage.write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["f"]
