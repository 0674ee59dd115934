import os

import pytest
from conftest import write_dataset

from digitnet import cli


def run(capsys, *args):
    code = cli.main(list(args))
    return code, capsys.readouterr()


def test_bad_data_folder_is_one_line_exit_2(tmp_path, capsys):
    folder = write_dataset(tmp_path / "d")
    (folder / "train-images-idx3-ubyte").write_bytes(b"\0\0\x08\x03" + b"\0" * 5)
    code, out = run(capsys, "train", "--data", str(folder), "--out", str(tmp_path / "o"))
    assert code == 2
    assert out.err.startswith("digitnet: error: ") and out.err.count("\n") == 1
    assert "train-images-idx3-ubyte: truncated" in out.err
    assert "Traceback" not in out.err


def test_missing_data_and_unwritable_out(tmp_path, capsys):
    code, out = run(capsys, "train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert code == 2 and "not a folder" in out.err
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("")
        target = blocker / "run"  # a path below a regular file can never be created, even by root
    else:
        target = tmp_path / "ro" / "run"
        (tmp_path / "ro").mkdir(mode=0o500)
    code, out = run(
        capsys, "train", "--data", str(write_dataset(tmp_path / "d")), "--out", str(target)
    )
    assert code == 2 and "not writable" in out.err


def test_evaluate_missing_path(tmp_path, capsys):
    code, out = run(capsys, "evaluate", str(tmp_path / "none.npz"))
    assert code == 2 and "no such file" in out.err


def test_interrupt_leaves_no_half_written_file(tmp_path, capsys, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.train, "train", interrupted)
    out = tmp_path / "run"
    code, printed = run(
        capsys, "train", "--data", str(write_dataset(tmp_path / "d")), "--out", str(out)
    )
    assert code == 130 and "interrupted" in printed.err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["export", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 0
