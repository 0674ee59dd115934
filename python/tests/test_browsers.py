"""tools/browsers.py: which browsers `-- --browser NAME` names for e2e, examples and bench, and
the Debian packages missing for them."""

import json

import pytest
from digitnet_tools import browsers


def test_all_three_by_default_and_each_one_named():
    assert browsers.chosen([]) == ["chromium", "firefox", "webkit"]
    assert browsers.chosen(["--browser", "webkit", "--browser", "firefox"]) == ["webkit", "firefox"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--browser"], "expected --browser NAME, got '--browser'"),
        (["firefox"], "expected --browser NAME, got 'firefox'"),
        (["--browser", "safari"], "unknown browser 'safari'; known: chromium, firefox, webkit"),
    ],
)
def test_a_bad_argument_is_one_line_and_status_2(argv, message, capsys):
    assert browsers.main(argv) == 2
    assert capsys.readouterr().err.startswith(message)


def test_missing_packages_are_those_whose_files_are_not_there(monkeypatch, capsys):
    monkeypatch.setattr(browsers, "BROWSERS", {"a": {"/nowhere/a": "pkg-a"}, "b": {"/": "pkg-b"}})
    assert browsers.main(["--browser", "a", "--browser", "b"]) == 0
    assert json.loads(capsys.readouterr().out) == {"names": ["a", "b"], "missing": ["pkg-a"]}
