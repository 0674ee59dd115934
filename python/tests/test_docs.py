"""The docs say what the code does: the front page stays a front page (at most 200 lines), the
sessions table of CONTRIBUTING.md is `nox -l`, every relative link leads to a file, and every
code block of the user-facing READMEs runs: shell commands (but installs) and Python blocks
here, JavaScript in Node or, for browser code, as lines of an example that `nox -s examples`
drives in three browsers."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USER_DOCS = ("README.md", "js/README.md", "python/README.md")
DOCS = (*USER_DOCS, "CONTRIBUTING.md", "RELEASING.md", "examples/README.md", "bench/README.md")
IMAGES = Path(__file__).parent / "images"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


def blocks(doc: str, *languages: str) -> list[tuple[str, str]]:
    """(language, code) of each fenced block of `doc` in one of `languages`."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [(lang, code) for lang, code in FENCE.findall(text) if lang in languages]


def cases(*languages: str):
    found = [(doc, code) for doc in USER_DOCS for _, code in blocks(doc, *languages)]
    return pytest.mark.parametrize(
        ("doc", "code"), found, ids=[f"{doc}-{k}" for k, (doc, _) in enumerate(found)]
    )


def test_the_front_page_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 200, f"README.md has {lines} lines"


def nox_sessions() -> dict[str, bool]:
    """Every session `nox -l` lists, and whether the bare `nox` runs it."""
    nox = shutil.which("nox") or pytest.fail("nox not found (installed from .ci/requirements.txt)")
    listed = subprocess.run([nox, "-l"], cwd=ROOT, capture_output=True, text=True, check=True)
    found = re.findall(r"^([*-]) (\S+)", listed.stdout, re.M)
    assert found, listed.stdout
    return {name: mark == "*" for mark, name in found}


def test_contributing_lists_every_session_as_nox_does():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([^`]+)` \| (yes|no) \|", text, re.M))
    assert {name: flag == "yes" for name, flag in table.items()} == nox_sessions()


def test_relative_links_lead_to_files():
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not re.match(r"[a-z]+:", target):
                assert (ROOT / doc).parent.joinpath(target).exists(), f"{doc}: {target}"


def run_here(tmp_path: Path) -> Path:
    """A folder with what the recipes name: a drawn 7 as seven.png."""
    shutil.copy(IMAGES / "seven.png", tmp_path / "seven.png")
    return tmp_path


@pytest.mark.mnist
@cases("sh")
def test_shell_recipes_run(doc, code, tmp_path, mnist):
    for line in code.splitlines():
        command = line.split("#")[0].strip()
        if not command or re.match(r"(npm|pip) install ", command):
            continue  # installs: the tests run on the installed packages
        argv = shlex.split(command)
        assert argv[0] == "digitnet", f"{doc}: {command!r} is neither an install nor digitnet"
        done = subprocess.run(
            [sys.executable, "-m", "digitnet", *argv[1:]],
            cwd=run_here(tmp_path),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{doc}: {command}: {done.stderr}"


@pytest.mark.mnist
@cases("python")
def test_python_recipes_run(doc, code, tmp_path, mnist):
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=run_here(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 0, f"{doc}:\n{code}\n{done.stderr}"


def code_lines(code: str) -> list[str]:
    """The lines of code, trimmed, without comments (a recipe may comment what its example
    does not)."""
    lines = (re.sub(r"(^|\s+)//\s.*$", "", line.strip()) for line in code.splitlines())
    return [line for line in lines if line]


def in_an_example(code: str) -> Path | None:
    """The example file holding every line of `code`, in order, if one does."""
    want = code_lines(code)
    for path in sorted((ROOT / "examples").rglob("*")):
        built = {"node_modules", "dist"} & set(path.parts)
        if path.suffix not in (".js", ".mjs", ".html") or built:
            continue
        k = 0
        for line in code_lines(path.read_text(encoding="utf-8")):
            k += k < len(want) and line == want[k]
        if k == len(want):
            return path
    return None


@cases("js", "html")
def test_javascript_recipes_run(doc, code, tmp_path):
    """Browser code must be lines of an example (nox -s examples runs them); the rest runs here
    in Node, as a file inside js/ so that `@digitnet/engine` resolves to this package."""
    if in_an_example(code):
        return
    browser = re.search(r"\b(document|canvas|window|Worker)\b", code) or code.startswith("<")
    assert not browser, f"{doc}: browser code that no example holds:\n{code}"
    suffix = ".cjs" if "require(" in code and not re.search(r"^import ", code, re.M) else ".mjs"
    script = ROOT / "js" / f".readme-{tmp_path.name}{suffix}"
    script.write_text(code, encoding="utf-8")
    try:
        done = subprocess.run(["node", str(script)], capture_output=True, text=True)
    finally:
        script.unlink()
    assert done.returncode == 0, f"{doc}:\n{code}\n{done.stderr}"
