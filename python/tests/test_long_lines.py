"""tools/long_lines.py, the lint that keeps every JavaScript line Biome checks within 100
characters, strings included."""

import subprocess

from digitnet_tools import long_lines


def test_a_long_line_in_a_tracked_file_is_named_and_fails(tmp_path, monkeypatch, capsys):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "ok.mjs").write_text("x".ljust(100) + "\n")
    (tmp_path / "other.mjs").write_text("\n" + "y" * 101 + "\n")
    (tmp_path / "untracked.mjs").write_text("z" * 200 + "\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "js/ok.mjs", "other.mjs"], cwd=tmp_path, check=True)
    monkeypatch.setattr(long_lines, "ROOT", tmp_path)
    assert long_lines.main([]) == 0
    assert long_lines.main(["other.mjs", "untracked.mjs"]) == 1
    assert capsys.readouterr().out == "JavaScript lines over 100 characters: other.mjs:2\n"
