"""The preprocessing fixture file is what its generator writes, byte for byte (the generator,
tools/fixtures/drawings.py, lives outside the package; a published file never changes, so any
drift in the generator or in the preprocessing it calls shows up here)."""

from pathlib import Path

from digitnet_tools.fixtures import drawings

ROOT = Path(__file__).resolve().parents[2]


def generator():
    """tools/fixtures/drawings.py, the generator of fixtures/preprocess/cases.json."""
    return drawings


def test_the_generator_rewrites_the_published_file_byte_for_byte(tmp_path):
    out = tmp_path / "cases.json"
    assert generator().main([str(out)]) == 0
    assert out.read_bytes() == (ROOT / "fixtures" / "preprocess" / "cases.json").read_bytes()


def test_the_generator_refuses_an_existing_file(tmp_path, capsys):
    out = tmp_path / "cases.json"
    out.write_text("{}")
    assert generator().main([str(out)]) == 2
    assert out.read_text() == "{}"
