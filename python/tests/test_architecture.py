"""ARCHITECTURE.md, the pipeline's whiteboard: every module it names exists. A full path must be
there; a bare module name (`model.py` beside `python/src/digitnet/train.py`) must be in one of the
folders the document names, or at the top of the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# paths (with a slash) to files or folders, and bare module names (file formats such as
# model.json or metrics.json are not modules: FORMAT.md owns them)
NAMED = re.compile(r"(?<![@\w.-])[\w.-]+(?:/[\w.-]+)+/?|\b[\w-]+\.(?:py|js|mjs)\b")


def named(text: str) -> list[str]:
    return NAMED.findall(text)


def missing(text: str, root: Path = ROOT) -> list[str]:
    names = named(text)
    folders = {root} | {root / Path(n).parent for n in names if "/" in n.rstrip("/")}
    folders |= {root / n for n in names if n.endswith("/")}
    return [
        n
        for n in names
        if not ((root / n).exists() if "/" in n else any((f / n).exists() for f in folders))
    ]


def test_every_module_the_architecture_names_exists():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert len(named(text)) > 30  # the boxes were read, not skipped
    assert missing(text) == []


def test_a_module_that_does_not_exist_is_caught():
    assert missing("train: python/src/digitnet/train.py  trainer.py") == ["trainer.py"]
    assert missing("python/src/digitnet/gone.py") == ["python/src/digitnet/gone.py"]
