"""The parity harness's parts in-process, on tiny synthetic inputs (no MNIST, no engine run):
judge's verdicts, the printed table and messages, the rows each check compares, the case files
it reads, its command line, and the mutant list it takes from js/parity/mutants.mjs. Each whole
verdict, row or message is asserted exactly: this is what `nox -s parity` prints and decides."""

import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import publish_synthetic, write_dataset
from digitnet_tools.parity import parity_check as parity
from digitnet_tools.parity import rows
from digitnet_tools.parity.judge import EXACT, TOLERANCE, Check, Row, judge, table

from digitnet import data, layout, reference

ROOT = Path(__file__).resolve().parents[2]
NAN = np.nan


def check(row: Row, count, max_diff, agree, worst) -> Check:
    return Check(row.version, row.backend, row.what, count, max_diff, agree, worst, row.tolerance)


def test_nothing_compared_and_mismatched_shapes_fail_with_their_reason():
    empty = Row("1.0.0", "js", "probs", np.zeros((0, 3)), np.zeros((0, 3)), [], 0.5)
    assert judge(empty) == check(empty, 0, np.inf, 0, "nothing compared")
    shapes = Row("1.0.0", "wasm", "logits", np.zeros((1, 3)), np.zeros((2, 3)), ["a"], 0.25)
    assert judge(shapes) == check(shapes, 1, np.inf, 0, "shapes (1, 3) and (2, 3)")
    assert not judge(shapes).ok
    wide = Row("1.0.0", "js", "logits", np.zeros((2, 4)), np.zeros((2, 3)), ["a", "b"])
    assert judge(wide) == check(wide, 2, np.inf, 0, "shapes (2, 4) and (2, 3)")


def test_null_on_one_side_only_fails_and_names_that_side():
    js = np.array([[0.0, 1.0], [NAN, NAN], [1.0, 0.0]])
    ref = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    row = Row("-", "js", "drawings", js, ref, ["a", "b", "c"], EXACT)
    assert judge(row) == check(row, 3, np.inf, 2, "b: JS gives null, reference not")
    row = Row("-", "js", "drawings", ref, js, ["a", "b", "c"], EXACT)
    assert judge(row) == check(row, 3, np.inf, 2, "b: JS gives a result, reference not")
    both = Row("-", "js", "drawings", js, js.copy(), ["a", "b", "c"], EXACT)
    assert judge(both) == check(both, 3, 0.0, 3, "all identical")  # null == null


def test_a_partial_nan_is_an_infinite_difference():
    js = np.array([[0.0, 1.0], [0.5, NAN]])
    ref = np.array([[0.0, 1.0], [0.5, 0.5]])
    row = Row("2.0.0", "wasm", "hidden", js, ref, ["a", "b"], argmax=False)
    assert judge(row) == check(row, 2, np.inf, 2, "b: |d|=inf")


def test_the_worst_case_is_the_largest_difference_when_every_digit_agrees():
    js = np.array([[0.0, 1.0], [0.25, 0.75], [0.125, 0.875]])
    ref = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    row = Row("2.0.0", "js", "probs", js, ref, ["a", "b", "c"], 0.5)
    assert judge(row) == check(row, 3, 0.25, 3, "b: |d|=0.25")
    assert judge(row).ok


def test_a_different_top_digit_within_the_tolerance_is_the_worst_case():
    """Row a differs by exactly the tolerance (allowed), row b by less but names another digit:
    b is the case to show, and the check fails."""
    js = np.array([[1.0, 0.0], [0.25, 0.5]])
    ref = np.array([[0.5, 0.5], [0.5, 0.25]])
    row = Row("2.0.0", "js", "probs", js, ref, ["a", "b"], 0.5)
    assert judge(row) == check(row, 2, 0.5, 1, "b: |d|=0.25")
    assert not judge(row).ok
    no_argmax = Row("2.0.0", "js", "hidden", js, ref, ["a", "b"], 0.5, argmax=False)
    assert judge(no_argmax) == check(no_argmax, 2, 0.5, 2, "a: |d|=0.5")
    assert judge(no_argmax).ok


def test_a_difference_beyond_the_tolerance_stays_the_worst_case():
    js = np.array([[0.0, 1.0], [0.5, 0.25]])
    ref = np.array([[0.0, 2.0], [0.25, 0.5]])
    row = Row("2.0.0", "js", "logits", js, ref, ["a", "b"], EXACT)
    assert judge(row) == check(row, 2, 1.0, 1, "a: |d|=1")


def test_the_table_prints_one_aligned_line_per_check_and_marks_failures():
    good = Check("1.0.0", "js", "MNIST logits: JS vs reference", 10000, 0.0, 10000, "all identical")
    bad = Check("-", "wasm", "preprocess cases: JS vs fixture", 3, 0.5, 2, "case 1: |d|=0.5", 0.0)
    assert table([good, bad]).splitlines() == [
        "version  engine  check                                         count    max |d|  allowed"
        "        agree  worst case",
        "1.0.0    js      MNIST logits: JS vs reference                 10000          0    1e-12"
        "  10000/10000  all identical",
        "-        wasm    preprocess cases: JS vs fixture                   3        0.5        0"
        "          2/3  case 1: |d|=0.5  <-- FAILED",
    ]


def test_nan_rows_stand_for_null_as_float64_rows():
    got = rows.nan_rows([[0, 1, 2], None, [3, 4, 5]], 3)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [[0, 1, 2], [NAN, NAN, NAN], [3, 4, 5]])
    assert rows.nan_rows([[0, 1]], 2).dtype == np.float64  # JSON's integers too


def describe(found: list[Row], named: dict) -> list[tuple]:
    """Each row's fields; an array the caller passed in by its name, any other by its values."""
    names = {id(a): k for k, a in named.items()}

    def show(a):
        return names.get(id(a), np.nan_to_num(a, nan=-1.0).tolist())

    return [
        (r.version, r.backend, r.what, show(r.js), show(r.ref), r.names, r.tolerance, r.argmax)
        for r in found
    ]


def test_preprocessing_is_checked_once_per_backend_and_once_for_the_python_twin():
    cases = [
        {"description": "cases.json: a dot", "expected": [0] * 783 + [1]},
        {"description": "cases-2.json: empty", "expected": None},
    ]
    twin = rows.nan_rows([[0.0] * 784, None], 784)
    js = {"js/preprocess": np.zeros((2, 784)), "wasm/preprocess": np.ones((2, 784))}
    names = ["case 0 (cases.json: a dot)", "case 1 (cases-2.json: empty)"]
    expected = [[0.0] * 783 + [1.0], [-1.0] * 784]
    what = "preprocess cases: JS vs fixture"
    found = rows.preprocessing_rows(cases, twin, js, ["js", "wasm"])
    assert describe(found, {**js, "twin": twin}) == [
        ("-", "js", what, "js/preprocess", expected, names, EXACT, True),
        ("-", "wasm", what, "wasm/preprocess", expected, names, EXACT, True),
        (
            "-",
            "-",
            "preprocess cases: Python twin vs fixture",
            "twin",
            expected,
            names,
            EXACT,
            True,
        ),
    ]


def synthetic_expected(logits: bool) -> rows.Expected:
    """Three test digits, labels 0, 1, 1; a 2-wide and a 1-wide hidden layer."""
    return rows.Expected(
        version="2.0.0",
        parity_digits=["digit #0", "digit #5"],
        parity_probs=np.full((2, 2), 0.5),
        parity_logits=np.full((2, 2), 3.0) if logits else None,
        mnist={
            "probs": np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]]),
            "logits": np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 2.0]]),  # 3 of 3 right
            "hidden": [np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([[7.0], [8], [9]])],
        },
        labels=np.array([0, 1, 1]),
        drawn=np.full((1, 2), 0.25),
        classify=np.array([[0, 1, 2, 0.9, 0.1, 0], [1, 0, 2, 0.8, 0.2, 0], [1, 0, 2, 0.7, 0.3, 0]]),
        case_names=["case 0 (cases.json: a dot)"],
    )


def js_outputs(backend: str) -> dict:
    k = f"{backend}/2.0.0"
    return {
        f"{k}/parity": np.zeros((2, 2)),
        f"{k}/parityLogits": np.ones((2, 2)),
        f"{k}/mnist": np.array([[0.1, 0.9], [0.2, 0.8], [0.3, 0.7]]),  # 2 of 3 right
        f"{k}/logits": np.full((3, 2), 4.0),
        f"{k}/hidden": np.full((3, 3), 5.0),
        f"{k}/drawings": np.full((1, 2), 6.0),
        f"{k}/classify": np.tile([1.0, 0, 2, 0.6, 0.3, 0.1], (3, 1)),
    }


def test_each_backend_is_checked_on_every_output_of_a_version():
    ref, js = synthetic_expected(logits=True), js_outputs("js")
    named = {**js, "probs": ref.mnist["probs"], "logits": ref.mnist["logits"], "drawn": ref.drawn}
    named |= {"parity probs": ref.parity_probs, "parity logits": ref.parity_logits}
    digits, names = ["digit #0", "digit #5"], [f"test digit #{i}" for i in range(3)]
    k = "js/2.0.0"
    assert describe(rows.version_rows(ref, "js", js), named) == [
        ("2.0.0", "js", "parity.json probabilities: JS vs stored", f"{k}/parity", "parity probs",
         digits, TOLERANCE, True),
        ("2.0.0", "js", "parity.json logits: JS vs stored", f"{k}/parityLogits", "parity logits",
         digits, EXACT, True),
        ("2.0.0", "js", "MNIST probabilities: JS vs reference", f"{k}/mnist", "probs", names,
         TOLERANCE, True),
        ("2.0.0", "js", "MNIST logits: JS vs reference", f"{k}/logits", "logits", names, EXACT,
         True),
        ("2.0.0", "js", "MNIST hidden activations: JS vs reference", f"{k}/hidden",
         [[1, 2, 7], [3, 4, 8], [5, 6, 9]], names, EXACT, False),
        ("2.0.0", "js", "drawing -> probabilities: JS vs Python", f"{k}/drawings", "drawn",
         ["case 0 (cases.json: a dot)"], TOLERANCE, True),
        ("2.0.0", "js", "MNIST accuracy: JS vs reference", [[2 / 3]], [[1.0]],
         ["JS 66.6667%, reference 100.0000%"], EXACT, False),
        ("2.0.0", "js", "MNIST classify digits: JS vs Python", [[1, 0, 2]] * 3,
         [[0, 1, 2], [1, 0, 2], [1, 0, 2]], names, EXACT, False),
        ("2.0.0", "js", "MNIST classify probabilities: JS vs Python", [[0.6, 0.3, 0.1]] * 3,
         [[0.9, 0.1, 0], [0.8, 0.2, 0], [0.7, 0.3, 0]], names, TOLERANCE, False),
    ]  # fmt: skip
    whats = [r.what for r in rows.version_rows(ref, "js", js)]
    without = rows.version_rows(synthetic_expected(logits=False), "js", js)  # parity format 1
    assert [r.what for r in without] == whats[:1] + whats[2:]


def test_the_wasm_entry_is_checked_bit_for_bit_against_the_core():
    ref, js = synthetic_expected(logits=True), js_outputs("js") | js_outputs("wasm")
    names = [f"test digit #{i}" for i in range(3)]
    assert describe(rows.same_bits_rows(ref, js), js) == [
        ("2.0.0", "wasm", "MNIST probabilities: wasm vs core", "wasm/2.0.0/mnist",
         "js/2.0.0/mnist", names, EXACT, True),
        ("2.0.0", "wasm", "drawing -> probabilities: wasm vs core", "wasm/2.0.0/drawings",
         "js/2.0.0/drawings", ["case 0 (cases.json: a dot)"], EXACT, True),
    ]  # fmt: skip


@pytest.mark.parametrize("logits", [True, False])
def test_the_reference_answers_of_a_published_version(tmp_path, logits):
    """A parity file of format 1 carries no logits: nothing to compare them with."""
    data_dir = write_dataset(tmp_path / "data", n_test=4)
    fixtures = publish_synthetic(tmp_path / "fixtures", data_dir)
    path = layout.version_file(fixtures, "0.1.0", layout.PARITY)
    doc = json.loads(path.read_text())
    if not logits:
        doc["cases"] = [{k: v for k, v in c.items() if k != "logits"} for c in doc["cases"]]
        path.write_text(json.dumps(doc))
    ds = data.load(data_dir)
    model = reference.load_model(layout.version_file(fixtures, "0.1.0", layout.MODEL))
    twin = rows.nan_rows([None, np.full(784, 0.5)], 784)
    cases = [{"description": "empty"}, {"description": "grey"}]
    got = rows.expected_for("0.1.0", fixtures, ds, cases, twin)
    images = ds.test.images.reshape(4, 784) / 255.0
    assert (got.version, got.case_names) == ("0.1.0", ["case 0 (empty)", "case 1 (grey)"])
    assert got.parity_digits == [f"digit #{c['index']}" for c in doc["cases"]]
    np.testing.assert_array_equal(got.parity_probs, [c["probabilities"] for c in doc["cases"]])
    if logits:
        np.testing.assert_array_equal(got.parity_logits, [c["logits"] for c in doc["cases"]])
    else:
        assert got.parity_logits is None
    np.testing.assert_array_equal(got.mnist["logits"], model.forward(images)["logits"])
    np.testing.assert_array_equal(got.labels, ds.test.labels)
    np.testing.assert_array_equal(got.drawn[0], [NAN] * 10)
    np.testing.assert_array_equal(got.drawn[1], model.predict(np.full(784, 0.5)))
    top = model.classify(images)
    assert got.classify.dtype == np.float64
    assert got.classify.tolist() == [[d for d, _ in t] + [p for _, p in t] for t in top]


def test_the_case_files_are_read_in_order_each_description_naming_its_file(tmp_path):
    (tmp_path / "cases.json").write_text(
        json.dumps({"cases": [{"description": "a dot", "ink": "dark"}, {"ink": "light"}]})
    )
    (tmp_path / "cases-2.json").write_bytes(
        json.dumps({"cases": [{"description": "é, auto"}]}, ensure_ascii=False).encode()
    )
    assert parity.read_cases(tmp_path) == [
        {"description": "cases.json: a dot", "ink": "dark"},
        {"ink": "light", "description": "cases.json: None"},
        {"description": "cases-2.json: é, auto"},
    ]
    (tmp_path / "cases-2.json").write_text('{"cases": {}}')
    with pytest.raises(parity.DigitnetError) as e:
        parity.read_cases(tmp_path)
    assert str(e.value) == f"{tmp_path / 'cases-2.json'}: no preprocessing cases to check"
    (tmp_path / "cases.json").write_bytes(b'{"cases": ["\xff"]}')
    with pytest.raises(parity.DigitnetError, match=r"cases\.json: unreadable \(.*utf-8"):
        parity.read_cases(tmp_path)


def fake_js_side(root: Path, script: str) -> SimpleNamespace:
    """A repository whose js/parity/outputs.mjs is `script`; a dataset folder beside it."""
    (root / "js" / "parity").mkdir(parents=True)
    (root / "js" / "parity" / "outputs.mjs").write_text(script)
    (root / "out").mkdir()
    return SimpleNamespace(source=str(root / "mnist"))


def test_the_js_side_is_given_its_inputs_and_its_outputs_are_read_as_float64(tmp_path, monkeypatch):
    monkeypatch.setattr(parity, "ROOT", tmp_path)
    ds = fake_js_side(
        tmp_path,
        "import { readFileSync, writeFileSync } from 'node:fs';\n"
        "const out = JSON.parse(readFileSync(process.argv[2], 'utf8')).out;\n"
        "const rows = new Float64Array([1.5, -2, 0.25, 8]);\n"
        "writeFileSync(out + '/a.f8', new Uint8Array(rows.buffer));\n"
        "const outputs = { 'js/x': { file: 'a.f8', rows: 2, width: 2 } };\n"
        "writeFileSync(out + '/manifest.json', JSON.stringify({ outputs, backends: ['js'] }));\n",
    )
    out = tmp_path / "out"
    found, backends = parity.run_js(tmp_path / "fx", ["1.0.0"], ds, out, "float32-weights")
    assert backends == ["js"] and list(found) == ["js/x"]
    assert found["js/x"].dtype == np.float64 and found["js/x"].tolist() == [[1.5, -2], [0.25, 8]]
    version = tmp_path / "fx" / "weights" / "1.0.0"
    assert json.loads((out / "config.json").read_text()) == {
        "out": str(out),
        "images": str(tmp_path / "mnist" / "t10k-images-idx3-ubyte"),
        "cases": [str(tmp_path / "fx" / "preprocess" / n) for n in ("cases.json", "cases-2.json")],
        "mutant": "float32-weights",
        "versions": [
            {"version": "1.0.0", "model": str(version / "model.json"),
             "parity": str(version / "parity.json")}
        ],
    }  # fmt: skip


def test_a_failing_js_side_is_reported_with_the_end_of_what_it_said(tmp_path, monkeypatch):
    monkeypatch.setattr(parity, "ROOT", tmp_path)
    said = "x" * 99 + "y" + "z" * 500
    ds = fake_js_side(tmp_path, f"process.stderr.write('{said}\\n'); process.exit(3);\n")
    with pytest.raises(parity.DigitnetError) as e:
        parity.run_js(tmp_path / "fx", [], ds, tmp_path / "out", None)
    assert str(e.value) == "the JS side failed: " + "z" * 500


def test_without_the_js_side_it_says_it_needs_a_checkout(tmp_path, monkeypatch):
    monkeypatch.setattr(parity, "ROOT", tmp_path)
    with pytest.raises(parity.DigitnetError) as e:
        parity.run_js(tmp_path, [], SimpleNamespace(source=str(tmp_path)), tmp_path, None)
    assert str(e.value) == (
        f"{tmp_path / 'js' / 'parity' / 'outputs.mjs'} not found: the parity check needs the "
        "digitnet repository (a source checkout with js/), not an installed package"
    )


def run_on(monkeypatch, found: list[Row]) -> tuple[bool, str]:
    """run() on these rows, its clock showing 2.5 s."""
    ticks = iter([100.0, 102.5])
    monkeypatch.setattr(parity, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    monkeypatch.setattr(parity, "rows_for", lambda fixtures, mutant: found)
    out = io.StringIO()
    ok = parity.run(Path("fixtures"), None, out)
    return ok, out.getvalue()


def test_run_prints_the_table_then_its_verdict(monkeypatch):
    same = Row("1.0.0", "js", "MNIST logits: JS vs reference", np.eye(2), np.eye(2), ["a", "b"])
    ok, text = run_on(monkeypatch, [same, same])
    assert ok
    assert text == table([judge(same)] * 2) + (
        "\nPARITY OK: 2 checks (bit-exact logits, activations and preprocessing exact; "
        "probabilities within 1e-12), 2.5s\n"
    )


def test_run_names_the_check_with_the_most_wrong_answers(monkeypatch):
    js, ref = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 1.0]])
    far = Row("1.0.0", "js", "MNIST logits: JS vs reference", 10 * js, ref, ["a", "b"], EXACT)
    other_digit = Row("1.0.0", "wasm", "MNIST probabilities: JS vs reference", js, ref, ["a", "b"])
    checks = [judge(far), judge(other_digit)]
    assert [(c.count - c.agree, c.max_diff) for c in checks] == [(1, 10.0), (1, 1.0)]
    what = "drawing -> probabilities: JS vs Python"  # every digit right, but too far: 0 wrong
    off = Row("1.0.0", "js", what, js[[0, 0, 0]] * 1.5, ref[[0, 0, 0]], ["a", "b", "c"])
    assert (judge(off).count, judge(off).agree, judge(off).ok) == (3, 3, False)
    close = Row("1.0.0", "wasm", what, js[:1] + 1e-13, ref[:1], ["a"])
    assert judge(close).ok
    ok, text = run_on(monkeypatch, [close, off, other_digit, far])
    assert not ok
    assert text.splitlines()[-1] == (
        "PARITY FAILED (2.5s): 1.0.0 js MNIST logits: JS vs reference: b: |d|=10 (allowed 0)"
    )
    ok, text = run_on(monkeypatch, [close, Row("-", "js", "nothing", js[:0], ref[:0], [])])
    assert text.splitlines()[-1] == (
        "PARITY FAILED (2.5s): - js nothing: nothing compared (allowed 1e-12)"
    )


def test_run_with_no_checks_fails(monkeypatch):
    assert run_on(monkeypatch, []) == (
        False,
        table([]) + "\nPARITY FAILED (2.5s): nothing was checked\n",
    )


def test_the_command_line_runs_the_repository_fixtures_by_default(monkeypatch, capsys):
    calls, verdict = [], [True]
    monkeypatch.setattr(parity, "check_mutant", lambda name: calls.append(("check", name)))
    monkeypatch.setattr(parity, "run", lambda *a: calls.append(("run", *a)) or verdict[0])
    assert parity.main([]) == 0
    assert calls == [("run", layout.FIXTURES, None)]
    verdict[0] = False
    assert parity.main(["--fixtures", "elsewhere", "--mutant", "float32-weights"]) == 1
    assert calls[1:] == [
        ("check", "float32-weights"),
        ("run", Path("elsewhere"), "float32-weights"),
    ]
    assert capsys.readouterr() == ("", "")


def test_an_error_is_one_line_and_exit_status_2(monkeypatch, capsys):
    def fail(*args):
        raise parity.DigitnetError("fixtures/index.json: no published versions to check")

    monkeypatch.setattr(parity, "run", fail)
    assert parity.main([]) == 2
    assert capsys.readouterr() == (
        "",
        "PARITY FAILED: fixtures/index.json: no published versions to check\n",
    )


def test_the_command_line_help(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "1000")  # one line per option
    monkeypatch.setenv("NO_COLOR", "1")  # Python 3.14's argparse colours help when forced to
    with pytest.raises(SystemExit) as e:
        parity.main(["--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "usage: python -m digitnet.parity [-h] [--fixtures FIXTURES] [--mutant MUTANT]\n\n"
    )
    assert " ".join(parity.__doc__.split()) in " ".join(text.split())
    assert re.search(
        r"^  --mutant MUTANT +run a deliberately broken JS engine \(js/parity/mutants\.mjs\)$",
        text,
        re.M,
    )


MUTANTS = re.findall(r"^  '([a-z0-9-]+)': \{", (ROOT / "js/parity/mutants.mjs").read_text(), re.M)


def test_the_mutants_are_the_ones_js_parity_mutants_mjs_defines():
    assert len(MUTANTS) >= 7 and parity.mutant_names() == MUTANTS
    assert parity.check_mutant(MUTANTS[-1]) is None
    with pytest.raises(parity.DigitnetError) as e:
        parity.check_mutant("float64-weights")
    assert str(e.value) == (
        f"--mutant 'float64-weights': no such mutant; known: {', '.join(MUTANTS)}"
    )


def test_a_mutant_list_that_cannot_be_read_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "js" / "parity").mkdir(parents=True)
    said = "x" * 99 + "y" + "z" * 300
    (tmp_path / "js" / "parity" / "mutants.mjs").write_text(
        f"process.stderr.write('{said}\\n'); process.exit(1);\n"
    )
    monkeypatch.setattr(parity, "ROOT", tmp_path)
    with pytest.raises(parity.DigitnetError) as e:
        parity.mutant_names()
    assert str(e.value) == "cannot list the mutants: " + "z" * 300
