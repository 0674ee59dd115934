"""tools/function_length.py, the lint that keeps every function in the package and tools/ at
60 lines or fewer."""

from pathlib import Path

from digitnet_tools import function_length

ROOT = Path(__file__).resolve().parents[2]


def function(name: str, lines: int) -> str:
    """Source of a function `lines` long, def line included."""
    return f"def {name}():\n" + "    x = 1\n" * (lines - 1)


def test_a_function_over_the_limit_is_named_and_fails(tmp_path, capsys):
    path = tmp_path / "long.py"
    path.write_text(function("short", 60) + "\n\n" + function("long", 61))
    assert function_length.main([str(path)]) == 1
    out = capsys.readouterr().out
    assert out == f"{path}:63: long is 61 lines (limit 60)\n"


def test_the_package_and_tools_are_within_the_limit(capsys):
    assert function_length.main([]) == 0, capsys.readouterr().out


def test_a_module_over_the_limit_is_named_and_fails(tmp_path, capsys):
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 300)
    assert function_length.main([str(path)]) == 0
    path.write_text("x = 1\n" * 301)
    assert function_length.main([str(path)]) == 1
    assert capsys.readouterr().out.endswith(f"{path}: 301 lines (limit 300)\n")
