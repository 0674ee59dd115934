"""The preprocessing fixture file is what its generator writes, byte for byte (the generator,
tools/fixtures/drawings.py, lives outside the package; a published file never changes, so any
drift in the generator or in the preprocessing it calls shows up here)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def generator():
    path = ROOT / "tools" / "fixtures" / "drawings.py"
    spec = importlib.util.spec_from_file_location("drawings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_rewrites_the_published_file_byte_for_byte(tmp_path):
    out = tmp_path / "cases.json"
    assert generator().main([str(out)]) == 0
    assert out.read_bytes() == (ROOT / "fixtures" / "preprocess" / "cases.json").read_bytes()


def test_the_generator_refuses_an_existing_file(tmp_path, capsys):
    out = tmp_path / "cases.json"
    out.write_text("{}")
    assert generator().main([str(out)]) == 2
    assert out.read_text() == "{}"
