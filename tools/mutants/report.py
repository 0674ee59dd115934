"""The figures of `nox -s mutants`: artifacts/mutants.json and a readable artifacts/mutants.md.

    python tools/mutants/report.py [--only python|javascript]

Reads what python.py (mutmut) and javascript.mjs (StrykerJS) wrote under artifacts/mutants/,
and tools/mutants/equivalent.txt: the survivors that cannot change behaviour, each with a
one-line reason. Per language: `total` mutants (those the tool could run: Stryker's compile and
runtime errors are not mutants of behaviour), `killed` (a test failed, or it timed out: an
endless loop is caught), `equivalent` (survivors listed in equivalent.txt). Exits 1 unless, in
each language, total >= 100, equivalents < 10 % of the total and killed >= 95 % of the
non-equivalent mutants.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "artifacts" / "mutants"
EQUIVALENT = ROOT / "tools" / "mutants" / "equivalent.txt"
LANGUAGES = ("python", "javascript")
GOAL, MAX_EQUIVALENT, MIN_TOTAL = 0.95, 0.10, 100
KILLED = {"python": {"killed", "timeout", "segfault"}, "javascript": {"Killed", "Timeout"}}
# Not counted: what the tool could not run, and (an interrupted run's) what it has not run yet.
NOT_MUTANTS = {
    "javascript": {"CompileError", "RuntimeError", "Ignored", "Pending"},
    "python": {"skipped", "not checked"},
}


def python_mutants() -> list[dict]:
    """mutmut's mutants: where (the function), the changed lines (key) and the status."""
    found = []
    for m in json.loads((RESULTS / "python.json").read_text()):
        where = m["name"].partition("__mutmut_")[0]
        lines = [line for line in m["diff"].splitlines() if re.match(r"[-+] ", line)]
        found.append({"where": where, "lines": [squash(x) for x in lines], "status": m["status"]})
    return found


def javascript_mutants() -> list[dict]:
    """Stryker's mutants (mutation-testing-report-schema): file, original and replacement."""
    report = json.loads((RESULTS / "javascript.json").read_text())
    found = []
    for name, f in sorted(report["files"].items()):
        source = f["source"].splitlines()
        for m in f["mutants"]:
            start, end = m["location"]["start"], m["location"]["end"]
            original = "\n".join(source[start["line"] - 1 : end["line"]])
            lines = [f"- {squash(original)}", f"+ {squash(m.get('replacement', m['mutatorName']))}"]
            where = f"js/{Path(name).as_posix()}".replace("js/js/", "js/")
            found.append({"where": where, "lines": lines, "status": m["status"]})
    return found


def squash(text: str) -> str:
    return " ".join(text.split())


def read_equivalents() -> dict[tuple, str]:
    """equivalent.txt: blocks of `LANGUAGE WHERE`, the mutant's `- `/`+ ` lines, `why: ...`."""
    found = {}
    for block in re.split(r"\n\s*\n", EQUIVALENT.read_text(encoding="utf-8")):
        lines = [x for x in block.strip().splitlines() if not x.startswith("#")]
        if not lines:
            continue
        why = [x for x in lines if x.startswith("why: ")]
        changed = tuple(squash(x) for x in lines[1:] if re.match(r"[-+] ", x))
        if len(why) != 1 or not changed:
            raise SystemExit(f"{EQUIVALENT}: each block needs `- `/`+ ` lines and one why: {block}")
        found[(*lines[0].split(None, 1), changed)] = why[0].removeprefix("why: ")
    return found


def figures(language: str, mutants: list[dict], equivalents: dict) -> tuple:
    """{total, killed, equivalent}, the survivors, the equivalent ones (with why), and the
    listed equivalents that were killed (the list is stale there)."""
    real = [m for m in mutants if m["status"] not in NOT_MUTANTS[language]]
    killed = [m for m in real if m["status"] in KILLED[language]]
    survivors, equivalent, stale = [], [], []
    for m in real:
        key = (language, m["where"], tuple(m["lines"]))
        if m["status"] in KILLED[language]:
            stale += [m] if key in equivalents else []
        elif key in equivalents:
            equivalent.append({**m, "why": equivalents[key]})
        else:
            survivors.append(m)
    said = {"total": len(real), "killed": len(killed), "equivalent": len(equivalent)}
    return said, survivors, equivalent, stale


def verdict(language: str, f: dict) -> list[str]:
    """Why the figures fail the goal; empty when they meet it."""
    problems = []
    if f["total"] < MIN_TOTAL:
        problems.append(f"{language}: {f['total']} mutants, fewer than {MIN_TOTAL}")
    if f["equivalent"] >= MAX_EQUIVALENT * f["total"]:
        problems.append(f"{language}: {f['equivalent']} equivalents, not under 10 % of the total")
    live = f["total"] - f["equivalent"]
    if f["killed"] < GOAL * live:
        problems.append(f"{language}: {f['killed']}/{live} killed, under 95 %")
    return problems


def markdown(results: dict) -> str:
    out = ["# Mutation testing (`nox -s mutants`)", ""]
    out += ["| language | total | killed | equivalent | killed of the rest |"]
    out += ["| --- | ---: | ---: | ---: | ---: |"]
    for language, (f, _, _, _) in results.items():
        rest = f["total"] - f["equivalent"]
        share = f"{f['killed'] / rest:.1%}" if rest else "-"
        out.append(f"| {language} | {f['total']} | {f['killed']} | {f['equivalent']} | {share} |")
    for language, (_, survivors, equivalent, stale) in results.items():
        out += ["", f"## {language}: {len(survivors)} survivors", ""]
        for m in survivors:
            lines = "\n  ".join(m["lines"])
            out.append(f"- `{m['where']}` ({m['status']})\n\n  ```\n  {lines}\n  ```")
        out += ["", f"### {language}: {len(equivalent)} equivalent (equivalent.txt)", ""]
        out += [f"- `{m['where']}`: `{' / '.join(m['lines'])}`: {m['why']}" for m in equivalent]
        for m in stale:
            out.append(
                f"- listed as equivalent but killed (remove it): `{m['where']}` {m['lines']}"
            )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tools/mutants/report.py", description=__doc__)
    p.add_argument("--only", choices=LANGUAGES, help="report one language (a partial run)")
    args = p.parse_args(argv)
    equivalents = read_equivalents()
    read = {"python": python_mutants, "javascript": javascript_mutants}
    results, problems = {}, []
    for language in [args.only] if args.only else LANGUAGES:
        results[language] = figures(language, read[language](), equivalents)
        problems += verdict(language, results[language][0])
    (ROOT / "artifacts" / "mutants.json").write_text(
        json.dumps({k: v[0] for k, v in results.items()}, indent=2) + "\n"
    )
    (ROOT / "artifacts" / "mutants.md").write_text(markdown(results))
    for language, (f, survivors, _, _) in results.items():
        print(f"{language}: {f['total']} mutants, {f['killed']} killed, {f['equivalent']} "
              f"equivalent, {len(survivors)} survived")  # fmt: skip
    print("wrote artifacts/mutants.json and artifacts/mutants.md (every survivor)")
    if problems:
        print("MUTANTS FAILED: " + "; ".join(problems))
        return 1
    print("MUTANTS OK: at least 95 % of the non-equivalent mutants killed in each language")
    return 0


if __name__ == "__main__":
    sys.exit(main())
