"""`digitnet predict`, `digitnet evaluate --weights`, `digitnet.data.load_mnist`, and what the
CLI says around them: help on every argument, hints that name flags that exist, verify run
outside a checkout. The images in images/ are a 7 drawn with the mouse in Chromium (draw.mjs)."""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from digitnet import cli, data
from digitnet.errors import DigitnetError

IMAGES = Path(__file__).parent / "images"
SEVENS = ["seven.png", "seven.jpg", "seven-transparent.png"]
needs_pillow = pytest.mark.skipif(
    importlib.util.find_spec("PIL") is None, reason="PNG and JPEG need the images extra (Pillow)"
)


def run(argv, capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> str:
    assert code == 2 and err.count("\n") == 1 and err.startswith("digitnet: error: "), err
    return err


@needs_pillow
@pytest.mark.parametrize("name", SEVENS)
def test_a_drawn_seven_prints_7(name, capsys):
    assert run(["predict", str(IMAGES / name)], capsys) == (0, "7\n", "")


@needs_pillow
def test_top_k_and_several_images(capsys):
    paths = [str(IMAGES / n) for n in SEVENS]
    code, out, _ = run(["predict", "--top", "3", *paths], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    for path, line in zip(paths, lines):
        found = re.fullmatch(
            rf"{re.escape(path)}: 7 \((0\.9\d+)\), (\d) \(([^)]+)\), (\d) .*", line
        )
        assert found, line
        assert float(found[1]) > float(found[3])  # the runner-up's probability is told apart


@needs_pillow
def test_npy_arrays_need_no_pillow(tmp_path, capsys, monkeypatch):
    from PIL import Image

    grey = np.asarray(Image.open(IMAGES / "seven.png").convert("L"))
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if the images extra were not installed
    for name, array in (
        ("grey.npy", grey),  # black on white
        ("mnist.npy", 255 - grey),  # white on black, as MNIST's digits
        ("rgb.npy", np.dstack([grey] * 3)),
        ("rgba.npy", np.dstack([grey] * 3 + [np.full_like(grey, 255)])),
    ):
        np.save(tmp_path / name, array)
        assert run(["predict", str(tmp_path / name)], capsys) == (0, "7\n", ""), name
    code, _, err = run(["predict", str(IMAGES / "seven.png")], capsys)
    assert "pip install 'digitnet[images]'" in one_line_error(code, err)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((5, 5), np.float64), "a float64 array of shape (5, 5); expected uint8"),
        (np.zeros((5, 5, 2), np.uint8), "2 channels; expected 3 (RGB) or 4 (RGBA)"),
        (np.zeros((0, 5), np.uint8), "of shape (0, 5)"),
        (np.full((6, 6), 255, np.uint8), "no ink found"),
    ],
)
def test_bad_arrays_are_one_line(tmp_path, capsys, array, message):
    np.save(tmp_path / "x.npy", array)
    code, _, err = run(["predict", str(tmp_path / "x.npy")], capsys)
    assert message in one_line_error(code, err)


def test_bad_files_and_options_are_one_line(tmp_path, capsys):
    (tmp_path / "x.npy").write_bytes(b"not numpy")
    for argv, message in (
        (["predict", str(tmp_path / "none.png")], "none.png: no such file"),
        (["predict", str(tmp_path / "x.npy")], "not a readable .npy array"),
        (["predict", "--weights", "9.9.9", str(tmp_path / "x.npy")], "'9.9.9' are not bundled"),
    ):
        assert message in one_line_error(*run(argv, capsys)[::2]), argv
    with pytest.raises(SystemExit) as usage:  # a usage error, as argparse reports them
        cli.main(["predict", "--top", "11", "x.npy"])
    assert usage.value.code == 2
    assert "argument --top: invalid choice: 11" in one_line_error(2, capsys.readouterr().err)


@needs_pillow
def test_a_file_pillow_cannot_read_is_one_line(tmp_path, capsys):
    (tmp_path / "x.png").write_bytes(b"not a png")
    code, _, err = run(["predict", str(tmp_path / "x.png")], capsys)
    assert "not a picture Pillow can read" in one_line_error(code, err)


@needs_pillow
def test_weights_choose_a_bundled_version(capsys):
    for version in ("1.0.0", "1.1.0"):
        seven = str(IMAGES / "seven.png")
        assert run(["predict", "--weights", version, seven], capsys) == (0, "7\n", "")


@pytest.mark.mnist
def test_evaluate_the_bundled_weights(mnist, capsys):
    code, out, _ = run(["evaluate", "--weights", "1.1.0"], capsys)
    assert code == 0 and out.startswith("weights 1.1.0 on ")
    assert "accuracy: 99.24%" in out  # what its card records
    for argv in (["evaluate"], ["evaluate", "x.json", "--weights", "1.1.0"]):
        assert "give a run folder" in one_line_error(*run(argv, capsys)[::2])


@pytest.mark.mnist
def test_load_mnist(mnist):
    test = data.load_mnist("test")
    assert test.images.shape == (10000, 28, 28) and test.images.dtype == np.uint8
    assert np.array_equal(test.labels, mnist.test.labels)
    assert data.load_mnist("train").labels.shape == (60000,)
    with pytest.raises(DigitnetError, match="split 'validation'; expected 'train' or 'test'"):
        data.load_mnist("validation")


def actions(parser: argparse.ArgumentParser, where: str = "digitnet"):
    """Every argument of every (sub)command, with the command it belongs to."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from actions(sub, f"{where} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield where, action


def test_every_cli_argument_has_help():
    found = list(actions(cli.parser()))
    assert len(found) > 20
    missing = [f"{w} {a.dest}" for w, a in found if not a.help or a.help == argparse.SUPPRESS]
    assert not missing, f"arguments without help: {missing}"


def test_the_fetch_hint_names_flags_that_exist(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # nothing cached
    monkeypatch.setattr(data.shutil, "which", lambda name: None)  # as on a machine without npm
    code, _, err = run(["data", "fetch"], capsys)
    one_line_error(code, err)
    named = re.findall(r"`digitnet ([a-z]+)`|`([a-z]+)`|(--[a-z-]+)", err)
    commands = {c for c, d, _ in named for c in (c, d) if c}
    flags = {f for *_, f in named if f}
    assert commands == {"train", "evaluate", "verify"} and flags == {"--data"}
    options = {(w.split()[-1], o) for w, a in actions(cli.parser()) for o in a.option_strings}
    for command in commands:
        assert (command, "--data") in options, command


def test_verify_outside_a_checkout_says_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["verify"], capsys)
    assert f"{tmp_path / 'fixtures' / 'index.json'}: not found" in one_line_error(code, err)
    assert "pass --dest DIR" in err
