"""mutmut over the Python proof modules (`nox -s mutants` runs this, then report.py).

    python tools/mutants/python.py [--max-children N] [MODULE ...]

mutmut 3 mutates functions in place behind a trampoline and names each module by its path, so
the modules are staged at their import names (digitnet/verify.py, and tools/ as
digitnet_tools/, as nox installs it) in artifacts/mutants/python/, beside a copy of the
repository's layout (python/tests, fixtures, js, tools) that the tests find as they do in a
checkout (Path(__file__).parents[2]); the mutated copies come first on the import path. Each
mutant runs only the tests that reached its function (mutmut records which, over every
module's tests in MODULES), fastest first. Writes artifacts/mutants/python.json: every
mutant's name, status and diff.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGE = ROOT / "artifacts" / "mutants" / "python"
OUT = ROOT / "artifacts" / "mutants" / "python.json"
PACKAGE = "python/src/digitnet"
# The proof modules: where the stage holds each (its import name as a path), its file in the
# repository, and the test files that exercise it (mutmut runs, for each mutant, those of them
# that reached its function).
MODULES = {
    "digitnet/verify.py": (
        f"{PACKAGE}/verify.py",
        ("test_verify.py", "test_verify_messages.py", "test_publish_edges.py"),
    ),
    "digitnet/publish.py": (
        f"{PACKAGE}/publish.py",
        (
            "test_publish.py",
            "test_storage.py",
            "test_cli_hostile_export.py",
            "test_publish_edges.py",
        ),
    ),
    "digitnet/storage.py": (
        f"{PACKAGE}/storage.py",
        ("test_storage.py", "test_publish.py", "test_publish_edges.py"),
    ),
    "digitnet/quantize.py": (
        f"{PACKAGE}/quantize.py",
        ("test_quantize.py", "test_publish_edges.py"),
    ),
    "digitnet/reference.py": (
        f"{PACKAGE}/reference.py",
        ("test_reference.py", "test_model_edges.py"),
    ),
    "digitnet/validate.py": (
        f"{PACKAGE}/validate.py",
        ("test_reference.py", "test_conformance.py", "test_model_edges.py"),
    ),
    "digitnet/engine.py": (f"{PACKAGE}/engine.py", ("test_reference.py", "test_model_edges.py")),
    "digitnet/parity_file.py": (
        f"{PACKAGE}/parity_file.py",
        ("test_verify.py", "test_verify_messages.py", "test_publish_edges.py"),
    ),
    "digitnet/conformance.py": (
        f"{PACKAGE}/conformance.py",
        ("test_verify_messages.py", "test_parity_synthetic.py", "test_model_edges.py"),
    ),
    "digitnet_tools/parity/parity_check.py": (
        "tools/parity/parity_check.py",
        ("test_parity.py", "test_parity_synthetic.py", "test_parity_harness.py"),
    ),
    # the harness's judgement and rows, split out of parity_check.py (issue 25)
    "digitnet_tools/parity/judge.py": (
        "tools/parity/judge.py",
        ("test_parity.py", "test_parity_synthetic.py", "test_parity_harness.py"),
    ),
    "digitnet_tools/parity/rows.py": (
        "tools/parity/rows.py",
        ("test_parity.py", "test_parity_synthetic.py", "test_parity_harness.py"),
    ),
}
# Tests left out of the run. The entry point runs the harness of a checkout, which the stage's
# layout is not (the harness is imported instead). The others
# are minutes each (strace killing real exports at every system call; all 10,000 MNIST digits
# through node, per engine and per broken engine): what they reach, faster tests reach too
# (test_parity_synthetic.py, test_publish.py's race and durability tests).
DESELECT = (
    "test_parity.py::test_from_a_checkout_the_entry_point_runs_the_harness",
    "test_parity.py::test_real_engine_passes",
    "test_parity.py::test_broken_engine_fails_on_both_backends",
    "test_parity.py::test_logits_in_a_parity_file_are_checked_exactly",
    "test_publish.py::test_killed_at_every_step_then_run_again",
    "test_publish.py::test_interrupted_at_each_rename_leaves_no_trace",
    # verify on the real fixtures (seconds each: MNIST's 10,000 digits through every transform);
    # test_verify.py's synthetic fixtures reach the same lines in a fraction of a second
    "test_verify.py::test_the_untouched_copy_passes_with_metrics_recomputed",
    "test_verify.py::test_edited_metadata_with_matching_hashes",
    "test_verify.py::test_an_edited_confusion_cell_alone",
)
COPIED = ("python/tests", "fixtures", "js", "tools")  # the checkout the tests look around in
SKIP = shutil.ignore_patterns("__pycache__", "node_modules", ".nox", "mutants")


def config(modules: list[str], tests: list[str]) -> str:
    """The stage's pyproject.toml: mutmut's settings, and pytest's (its rootdir)."""
    toml = lambda items: "[" + ", ".join(json.dumps(i) for i in items) + "]"  # noqa: E731
    args = [a for t in DESELECT for a in ("--deselect", f"python/tests/{t}")]
    return "\n".join(
        [
            "[tool.mutmut]",
            f"source_paths = {toml(['digitnet', 'digitnet_tools'])}",
            f"only_mutate = {toml(modules)}",
            f"also_copy = {toml(COPIED)}",
            f"pytest_add_cli_args_test_selection = {toml(tests)}",
            f"pytest_add_cli_args = {toml(['-p', 'no:cacheprovider', *args])}",
            "use_git_change_detection = false",
            "",
            "[tool.pytest.ini_options]",
            'markers = ["mnist: needs the real MNIST data"]',
            "",
        ]
    )


def stage(modules: list[str]) -> None:
    """Copy what the tests need into the stage (mutmut keeps its results beside it, in
    mutants/, and retests only functions that changed)."""
    for old in ("digitnet", "digitnet_tools", *COPIED):  # nothing the repository lost lingers
        shutil.rmtree(STAGE / old, ignore_errors=True)
    STAGE.mkdir(parents=True, exist_ok=True)
    # Which tests reach which function is recorded afresh each run: mutmut's own update only
    # adds new tests, and a function moved to another module kept none of its old tests.
    (STAGE / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    # mutmut regenerates a module's mutants only when the source is newer than its mutated copy,
    # and copytree keeps the repository's times: a module copied unmutated by an earlier run
    # (not selected then) would stay unmutated. Results survive: mutmut keeps them per function
    # hash and retests only functions that changed.
    for module in modules:
        (STAGE / "mutants" / module).unlink(missing_ok=True)
        retest_survivors(STAGE / "mutants" / f"{module}.meta")
    shutil.copytree(ROOT / PACKAGE, STAGE / "digitnet", ignore=SKIP)
    tools = shutil.ignore_patterns("__pycache__", "node_modules", "mutants", "*.json", "*.mjs")
    shutil.copytree(ROOT / "tools", STAGE / "digitnet_tools", ignore=tools)
    for rel in COPIED:
        shutil.copytree(ROOT / rel, STAGE / rel, ignore=SKIP)
    # Every module's tests, whichever modules are mutated: mutmut keeps its results between runs
    # only while the test selection stays the same (a partial run then adds to a full one).
    # digitnet.layout finds the repository's fixtures three folders above the package, which in
    # the stage is artifacts/mutants/: a link there to the stage's copy (read only, as published)
    link = STAGE.parent / "fixtures"
    if not link.is_symlink():
        link.symlink_to(STAGE / "fixtures", target_is_directory=True)
    named = sorted({t for _, tests in MODULES.values() for t in tests})
    tests = [f"python/tests/{t}" for t in named if (ROOT / "python/tests" / t).is_file()]
    (STAGE / "pyproject.toml").write_text(config(modules, tests))


def retest_survivors(meta: Path) -> None:
    """Forget the verdicts of mutants no test killed (survived: 0, no tests: 5 or 33), so they
    meet the tests as they are now: mutmut retests a mutant only when its function changed, and
    a test written to kill a survivor changes no function. Killed mutants keep their verdict."""
    if not meta.is_file():
        return
    data = json.loads(meta.read_text())
    codes = data["exit_code_by_key"]
    for key, code in codes.items():
        if code in (0, 5, 33):
            codes[key] = None
    meta.write_text(json.dumps(data))


def results() -> list[dict]:
    """Every mutant of the run: name, status (killed, survived, no tests, timeout...), and the
    diff of each that was not killed."""
    mutmut = [sys.executable, "-m", "mutmut"]
    out = subprocess.run([*mutmut, "results", "--all=true"], cwd=STAGE, text=True,
                         capture_output=True, check=True).stdout  # fmt: skip
    found = []
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or "__mutmut_" not in name:
            continue
        if status in ("killed", "timeout", "not checked"):  # only the others need their diff
            found.append({"name": name, "status": status, "diff": ""})
            continue
        diff = subprocess.run([*mutmut, "show", name], cwd=STAGE, text=True,
                              capture_output=True).stdout  # fmt: skip
        found.append({"name": name, "status": status, "diff": diff})
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tools/mutants/python.py", description=__doc__)
    p.add_argument("--max-children", default="2", help="parallel mutants (default 2)")
    p.add_argument(
        "--results-only",
        action="store_true",
        help="write python.json from the stage's results so far (an interrupted run's): no run",
    )
    p.add_argument(
        "--mutants",
        action="append",
        default=[],
        metavar="GLOB",
        help="run only this mutant (a mutmut name, or a glob ending in __mutmut_*), whatever its "
        "last verdict: while writing a test to kill it (repeat the option for more)",
    )
    p.add_argument(
        "modules", nargs="*", help="only these (staged paths, e.g. digitnet/quantize.py)"
    )
    args = p.parse_args(argv)
    modules = args.modules or list(MODULES)
    unknown = sorted(set(modules) - set(MODULES))
    if unknown:
        p.error(f"not a proof module: {', '.join(unknown)} (one of {', '.join(MODULES)})")
    if not args.results_only:
        stage(modules)
        # Tests' subprocesses (python -m digitnet ...) run the original modules: mutmut's
        # trampoline needs its own process's state, so only what a test calls in-process kills.
        cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", args.max_children]
        cmd += args.mutants
        proc = subprocess.run(cmd, cwd=STAGE)
        if proc.returncode != 0:
            print(f"mutmut run exited {proc.returncode}", file=sys.stderr)
            return proc.returncode
    found = [m for m in results() if any(m["name"].startswith(mod_name(m2)) for m2 in modules)]
    OUT.write_text(json.dumps(found, indent=1) + "\n")
    print(f"{len(found)} Python mutants: wrote {OUT.relative_to(ROOT)}")
    return 0


def mod_name(staged: str) -> str:
    """digitnet/verify.py -> "digitnet.verify." (how mutmut names the module's mutants)."""
    return staged.removesuffix(".py").replace("/", ".") + "."


if __name__ == "__main__":
    raise SystemExit(main())
