import gzip
import json
import os
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import write_dataset

import digitnet
from digitnet import checkpoint, cli, model, runs, train
from digitnet.errors import DigitnetError


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
    assert not out.exists()  # the folder it made, empty, is gone too


HELP = {
    (): ["data", "train", "evaluate", "export", "verify"],
    ("train",): ["--data", "--epochs", "--seed", "--out", "--recipe", *train.RECIPES],
    ("export",): ["run_dir", "--version", "--dest", "--per-layer", "--per-channel", "--data"],
}


@pytest.mark.parametrize(("command", "words"), HELP.items())
def test_help(command, words, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([*command, "--help"])
    out = capsys.readouterr()
    assert e.value.code == 0 and out.err == ""
    assert out.out.startswith(" ".join(("usage: digitnet", *command)))
    for word in words:  # each command and flag is listed: a help that says nothing fails
        assert word in out.out


# --- every error is one line and exit 2 (issue 14) ------------------------------------------


def one_line_error(code, out, *fragments):
    assert code == 2, out.err
    assert out.err.startswith("digitnet: error: ") and out.err.count("\n") == 1, out.err
    for fragment in fragments:
        assert fragment in out.err


def trained_run(folder: Path) -> Path:
    """A run folder as train leaves it, without training."""
    folder.mkdir(parents=True)
    checkpoint.save(folder / checkpoint.NAME, model.init_params(np.random.default_rng(0)))
    (folder / "metrics.json").write_text(json.dumps({"command": "digitnet train"}))
    return folder


@pytest.mark.parametrize("command", ["evaluate", "export"])
@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[: len(b) // 2], "not a digitnet checkpoint"),
        (lambda b: b"\x00" * 64, "not a digitnet checkpoint"),
    ],
)
def test_damaged_checkpoint(tmp_path, capsys, command, damage, message):
    run_dir = trained_run(tmp_path / "run")
    path = run_dir / checkpoint.NAME
    path.write_bytes(damage(path.read_bytes()))
    extra = ["--version", "9.9.9", "--dest", str(tmp_path / "f")] if command == "export" else []
    one_line_error(*run(capsys, command, str(run_dir), *extra), "checkpoint.npz: " + message)


def test_checkpoint_with_a_1d_weight(tmp_path, capsys):
    run_dir = trained_run(tmp_path / "run")
    params = checkpoint.load(run_dir)
    params[0] = (params[0][0].reshape(-1), params[0][1])
    with zipfile.ZipFile(run_dir / checkpoint.NAME, "w") as z:  # as np.savez would
        for k, (w, b) in enumerate(params):
            for name, a in ((f"W{k}", w), (f"b{k}", b)):
                with z.open(f"{name}.npy", "w") as f:
                    np.lib.format.write_array(f, a)
    one_line_error(*run(capsys, "evaluate", str(run_dir)), "W0: shape (100352,)")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe{}", "metrics.json: not valid JSON"),
        (b"[" * 5000 + b"]" * 5000, "metrics.json: not valid JSON"),
        (b"[1, 2]", "metrics.json: expected a JSON object, got list"),
        (None, "metrics.json: cannot read (no such file)"),
    ],
)
def test_bad_metrics_file(tmp_path, capsys, content, message):
    run_dir = trained_run(tmp_path / "run")
    if content is None:
        (run_dir / "metrics.json").unlink()
    else:
        (run_dir / "metrics.json").write_bytes(content)
    args = ("export", str(run_dir), "--version", "9.9.9", "--dest", str(tmp_path / "f"))
    one_line_error(*run(capsys, *args), message)


def idx_header(*shape: int) -> bytes:
    return bytes([0, 0, 0x08, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_hostile_data_files(tmp_path, capsys, command):
    target = ["--out", str(tmp_path / "o")]
    if command == "evaluate":
        target = [str(trained_run(tmp_path / "run"))]
    folder = write_dataset(tmp_path / "d")
    # 2^22 x 2^21 x 2^21: the product wraps to 0 in 64 bits ("cannot reshape" before)
    (folder / "t10k-images-idx3-ubyte").write_bytes(idx_header(2**22, 2**21, 2**21))
    code, out = run(capsys, command, *target, "--data", str(folder))
    one_line_error(code, out, "images are 2097152x2097152, expected 28x28")
    # a valid file with zero test images (a division by zero before)
    (folder / "t10k-images-idx3-ubyte").write_bytes(idx_header(0, 28, 28))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(idx_header(0))
    code, out = run(capsys, command, *target, "--data", str(folder))
    one_line_error(code, out, "t10k-images-idx3-ubyte: no images")
    assert not (tmp_path / "o").exists()


def test_gzip_bomb_is_one_line(tmp_path, capsys):
    folder = write_dataset(tmp_path / "d", gz=True)
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb") as f:  # 64 MiB of zeros
        for _ in range(64):
            f.write(bytes(1 << 20))
    code, out = run(capsys, "train", "--data", str(folder), "--out", str(tmp_path / "o"))
    one_line_error(code, out, "train-images-idx3-ubyte.gz: type code 0x00")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--seed", "-1"], "argument --seed: expected an integer >= 0, got -1"),
        (["train", "--seed", "x"], "argument --seed: expected an integer, got 'x'"),
        (["train", "--epochs", "0"], "argument --epochs: expected an integer >= 1, got 0"),
        (["train", "--recipe", "nope"], "argument --recipe: invalid choice: 'nope'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: command"),
        (["export", "runs/x"], "the following arguments are required: --version"),
    ],
)
def test_usage_errors_are_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    out = capsys.readouterr()
    one_line_error(e.value.code, out, message, "--help")


def test_an_unexpected_exception_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    def broken(*a, **k):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(cli.train, "train", broken)
    monkeypatch.delenv("DIGITNET_TRACEBACK", raising=False)
    args = ("train", "--data", str(write_dataset(tmp_path / "d")), "--out", str(tmp_path / "o"))
    code, out = run(capsys, *args)
    assert code == 1 and out.err.count("\n") == 1
    assert out.err.startswith("digitnet: internal error: ZeroDivisionError: float division")
    assert "please report it" in out.err and "DIGITNET_TRACEBACK=1" in out.err
    monkeypatch.setenv("DIGITNET_TRACEBACK", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(list(args))


# --- run folders: unique, readable, gone when the run fails (issue 14) ------------------------


def fake_train(ds, recipe, seed, log, teacher=None):
    history = [{"epoch": 1, "testAccuracy": 0.5}]
    return model.init_params(np.random.default_rng(seed)), history


def test_runs_started_in_the_same_second_get_their_own_folders(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.train, "train", fake_train)
    monkeypatch.setattr(runs, "datetime", FrozenClock)
    data_dir = str(write_dataset(tmp_path / "d"))
    for seed in range(3):
        assert run(capsys, "train", "--data", data_dir, "--seed", str(seed))[0] == 0
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert folders == ["20240102-030405", "20240102-030405-2", "20240102-030405-3"]
    seeds = [
        json.loads((tmp_path / "runs" / f / "metrics.json").read_text())["seed"] for f in folders
    ]
    assert seeds == [0, 1, 2]


class FrozenClock:
    @staticmethod
    def now():
        from datetime import datetime

        return datetime(2024, 1, 2, 3, 4, 5)


@pytest.mark.parametrize("out", [None, "new/nested/run"])
def test_a_failed_train_leaves_no_folder(tmp_path, capsys, monkeypatch, out):
    def fails(*a, **k):
        raise DigitnetError("no progress")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.train, "train", fails)
    data_dir = str(write_dataset(tmp_path / "d"))
    code, printed = run(capsys, "train", "--data", data_dir, *(["--out", out] if out else []))
    one_line_error(code, printed, "no progress")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_a_failed_train_keeps_an_existing_out_folder_and_its_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        cli.train, "train", lambda *a, **k: (_ for _ in ()).throw(DigitnetError("x"))
    )
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "notes.txt").write_text("mine")
    run(capsys, "train", "--data", str(write_dataset(tmp_path / "d")), "--out", str(tmp_path / "o"))
    assert (tmp_path / "o" / "notes.txt").read_text() == "mine"


def test_out_that_is_a_file(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    code, out = run(
        capsys, "train", "--data", str(write_dataset(tmp_path / "d")), "--out", str(tmp_path / "f")
    )
    one_line_error(code, out, "f: a file, not a folder")


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_outputs_follow_the_umask(tmp_path, capsys, monkeypatch, mask):
    monkeypatch.setattr(cli.train, "train", fake_train)
    old = os.umask(mask)
    try:
        args = ("train", "--data", str(write_dataset(tmp_path / "d")), "--out", str(tmp_path / "o"))
        assert run(capsys, *args)[0] == 0
    finally:
        os.umask(old)
    for name in ("checkpoint.npz", "metrics.json"):
        assert stat.S_IMODE((tmp_path / "o" / name).stat().st_mode) == 0o666 & ~mask, name


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"digitnet {digitnet.__version__}"


def test_evaluate_measures_a_run_through_the_widths_it_was_trained_for(tmp_path):
    """A `--bits 4` run learnt through 4-bit weights: evaluate (a run folder or its checkpoint)
    measures those, not the raw floats, which were never the model (they score points lower)."""
    params = model.init_params(np.random.default_rng(0))
    meta = {"testAccuracy": 0.5, "seed": 0, "dataSha256": {}, "history": []}
    runs.write(tmp_path, params, meta | {"recipe": {"bits": [4, 4, 4]}})
    x = np.random.default_rng(1).integers(0, 256, (300, 28, 28), dtype=np.uint8)
    as_trained = model.predict(train.quantized(params, (4, 4, 4))[0], train.to_inputs(x))
    raw = model.predict(params, train.to_inputs(x))
    assert not np.array_equal(as_trained, raw)  # else this test could not tell them apart
    for path in (tmp_path, tmp_path / runs.CHECKPOINT):
        assert np.array_equal(cli.classifier(path)(x), as_trained)
    runs.write(tmp_path, params, meta | {"recipe": {}})  # runs before --bits: 8 bits, as saved
    assert np.array_equal(cli.classifier(tmp_path)(x), raw)
