"""`digitnet verify`'s messages, word for word (one line naming the file, the field and what was
expected), on small synthetic fixtures that verify checks in a fraction of a second: what the
mutation tests (nox -s mutants) run against verify.py, beside test_verify.py's forgeries."""

import hashlib
import json
import math
import shutil
from pathlib import Path

import pytest
from conftest import publish_synthetic, write_dataset

from digitnet import data, verify
from digitnet.conformance import PROBABILITY_TOLERANCE as TOL
from digitnet.errors import DigitnetError

V = "0.1.0"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ORIGINAL = data.cache_dir()  # the verified MNIST cache, before a test moves XDG_CACHE_HOME


@pytest.fixture
def fx(tmp_path) -> tuple[Path, str]:
    data_dir = write_dataset(tmp_path / "data", n_test=40)
    return publish_synthetic(tmp_path / "fixtures", data_dir), str(data_dir)


def message(dest: Path, data_dir=None, files_only=False) -> str:
    with pytest.raises(DigitnetError) as e:
        verify.verify(dest, data_dir, files_only)
    return str(e.value)


def doc(dest: Path, name: str) -> dict:
    return json.loads((dest / "weights" / V / name).read_text())


def put(dest: Path, name: str, value: dict) -> None:
    """Write a version's file and its hash and size into the index, as a forger would."""
    blob = json.dumps(value).encode()
    (dest / "weights" / V / name).write_bytes(blob)
    index = json.loads((dest / "index.json").read_text())
    index["weights"][V]["files"][name] = {
        "sha256": hashlib.sha256(blob).hexdigest(),
        "size": len(blob),
    }
    (dest / "index.json").write_text(json.dumps(index))


def edit_index(dest: Path, edit) -> None:
    index = json.loads((dest / "index.json").read_text())
    edit(index)
    (dest / "index.json").write_text(json.dumps(index))


def test_the_lines_of_a_sound_folder(fx):
    dest, data_dir = fx
    line = (
        f"{V}: files match the index, the model passes the strict loader, parity reproduced "
        f"(40 cases: hidden activations and logits exact, probabilities within {TOL:g}), card and "
        "index agree"
    )
    assert verify.verify(dest, data_dir) == [line + ", recorded metrics recomputed"]
    assert verify.verify(dest, None, files_only=True) == [line, verify.FILES_ONLY]
    assert verify.FILES_ONLY.startswith("METRICS NOT CHECKED (--files-only): ")


def test_a_recomputed_figure_names_the_file(fx):
    dest, data_dir = fx
    meta = doc(dest, "model.json")["metadata"]
    for name in ("model.json", "card.json"):
        d = doc(dest, name)
        (d.get("metadata") or d)["int8Accuracy"] = 0.875
        put(dest, name, d)
    edit_index(dest, lambda i: i["weights"][V].update(int8Accuracy=0.875))
    assert message(dest, data_dir) == (
        f"{dest / 'weights' / V / 'model.json'}: metadata.int8Accuracy is 0.875, the model "
        f"gives {meta['int8Accuracy']} on the test set"
    )


@pytest.mark.parametrize(
    "value, said",
    [("a" * 58, '"' + "a" * 58 + '"'), ("a" * 59, '"' + "a" * 56 + "..."), ([1] * 3, "[1, 1, 1]")],
)
def test_long_figures_are_cut_at_60_characters(value, said):
    assert verify.short(value) == said


def test_no_test_data_names_both_files(fx):
    dest, _ = fx
    named = doc(dest, "model.json")["metadata"]["dataSha256"]
    images, labels = named["t10k-images-idx3-ubyte"], named["t10k-labels-idx1-ubyte"]
    assert message(dest) == (
        f"{V}: cannot recompute its recorded figures without the test data its "
        f"metadata.dataSha256 names (t10k-images-idx3-ubyte SHA-256 {images}, "
        f"t10k-labels-idx1-ubyte SHA-256 {labels}): not MNIST, and no --data given; run "
        "`digitnet data fetch` for MNIST, or pass --data DIR holding those files (raw or .gz)"
    )


def test_other_data_names_each_file_that_differs(fx, tmp_path):
    dest, _ = fx
    other = write_dataset(tmp_path / "other", n_test=40, seed=3)
    got = message(dest, str(other))
    assert f"): --data {other}: t10k-images-idx3-ubyte is " in got
    assert ", t10k-labels-idx1-ubyte is " in got and got.endswith("(raw or .gz)")
    (other / "t10k-images-idx3-ubyte").unlink()
    assert f"): {other / 't10k-images-idx3-ubyte'}: missing (looked for " in message(
        dest, str(other)
    )


@pytest.mark.parametrize(
    "named",
    [
        None,
        "x",
        {"t10k-images-idx3-ubyte": "0" * 64},
        {"t10k-images-idx3-ubyte": "0" * 63, "t10k-labels-idx1-ubyte": "0" * 64},
    ],
)
def test_data_sha256_must_name_both_test_files(fx, named):
    dest, data_dir = fx
    for name in ("model.json", "card.json"):
        d = doc(dest, name)
        target = d.get("metadata") or d
        if named is None:
            del target["dataSha256"]
        else:
            target["dataSha256"] = named
        put(dest, name, d)
    assert message(dest, data_dir) == (
        f"{dest / 'weights' / V / 'model.json'}: metadata.dataSha256 must give the SHA-256 of "
        "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, the test data its figures are "
        "recomputed from"
    )


def without_the_suite(dest: Path, keep_robustness: bool, parity_format: int = 1) -> None:
    """The version as 1.0.0 was published: parity format 1 (no logits), no robustness suite
    (or, with keep_robustness, a suite figure it cannot have); format 2 drops only the hidden
    activations."""
    parity = doc(dest, "parity.json")
    parity["formatVersion"] = parity_format
    for case in parity["cases"]:
        case.pop("logits" if parity_format == 1 else "hidden")
    put(dest, "parity.json", parity)
    for name in ("model.json", "card.json"):
        d = doc(dest, name)
        target = d.get("metadata") or d
        if keep_robustness:
            target["robustness"]["worst"] = 0.0625
        else:
            del target["robustness"]
        put(dest, name, d)


def test_a_version_before_the_suite_is_checked_on_the_shifts(fx):
    dest, data_dir = fx
    without_the_suite(dest, keep_robustness=False)
    (line,) = verify.verify(dest, data_dir)
    assert f"(40 cases: probabilities within {TOL:g})" in line and line.endswith("recomputed")
    assert set(verify.recomputed(dest, [V], data_dir)[V]) == {
        "int8Accuracy", "perClassAccuracy", "confusion", "shiftRobustness"
    }  # fmt: skip


def test_a_recorded_suite_is_recomputed_whatever_the_parity_format(fx):
    dest, data_dir = fx
    without_the_suite(dest, keep_robustness=True)
    assert "metadata.robustness is {" in message(dest, data_dir)


def test_recomputed_refuses_an_unknown_version(fx):
    dest, data_dir = fx
    with pytest.raises(DigitnetError) as e:
        verify.recomputed(dest, ["9.9.9", "8.8.8"], data_dir)
    assert str(e.value) == f"{dest / 'index.json'}: no weights version 9.9.9, 8.8.8"


def test_folders_and_index(fx):
    dest, _ = fx
    (dest / "weights" / ".0.2.0.tmp-x").mkdir()
    assert message(dest) == (
        f"{dest / 'weights' / '.0.2.0.tmp-x'}: staging leftover of an interrupted export; "
        "remove it (or run the same export again)"
    )
    (dest / "weights" / ".0.2.0.tmp-x").rmdir()
    (dest / "weights" / ".hidden").mkdir()
    assert (
        message(dest)
        == f"{dest / 'weights' / '.hidden'}: not a published version (not in index.json)"
    )
    (dest / "weights" / ".hidden").rmdir()
    edit_index(dest, lambda i: i["weights"].update({"0.2.0": i["weights"][V]}))
    assert message(dest) == f"{dest / 'weights' / '0.2.0'}: missing (listed in index.json)"
    edit_index(dest, lambda i: i.update(weights={}))
    assert message(dest) == f"{dest / 'index.json'}: no published versions"


def test_files(fx):
    dest, _ = fx
    where = f"index.json: weights['{V}']"
    sound = (dest / "index.json").read_text()
    edit_index(dest, lambda i: i["weights"][V].update(files=["model.json"]))
    assert message(dest) == (
        f"{where}.files: expected exactly ['model.json', 'parity.json', 'card.json'], got list"
    )
    (dest / "index.json").write_text(sound)
    edit_index(dest, lambda i: i["weights"][V]["files"].pop("card.json"))
    assert message(dest) == (
        f"{where}.files: expected exactly ['model.json', 'parity.json', 'card.json'], got "
        "['model.json', 'parity.json']"
    )
    (dest / "index.json").write_text(sound)
    edit_index(dest, lambda i: i["weights"][V]["files"]["card.json"].update(size="7"))
    assert message(dest).startswith(
        f"{where}.files['card.json']: expected {{sha256, size}}, got {{"
    )


def test_a_file_that_is_not_the_listed_one(fx):
    dest, _ = fx
    path = dest / "weights" / V / "card.json"
    listed = json.loads((dest / "index.json").read_text())["weights"][V]["files"]["card.json"]
    path.write_bytes(path.read_bytes() + b" ")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert message(dest) == (
        f"{path}: SHA-256 {digest} / {listed['size'] + 1} bytes, index.json says "
        f"{listed['sha256']} / {listed['size']} bytes"
    )
    (dest / "weights" / V / "extra").write_text("")
    assert message(dest) == (
        f"{dest / 'weights' / V}: holds ['card.json', 'extra', 'model.json', 'parity.json'], "
        "expected exactly ['card.json', 'model.json', 'parity.json']"
    )


def test_parity_files(fx):
    dest, _ = fx
    path = dest / "weights" / V / "parity.json"
    good = doc(dest, "parity.json")
    put(dest, "parity.json", {**good, "weightsVersion": "0.0.9"})
    assert message(dest) == f"{path}: weightsVersion: expected '{V}'"
    put(dest, "parity.json", {**good, "formatVersion": 4})
    assert message(dest).startswith(f"{path}: expected a digitnet-parity file, formatVersion 1, 2")
    put(dest, "parity.json", {**good, "format": "other"})
    assert message(dest).startswith(f"{path}: expected a digitnet-parity file, formatVersion 1, 2")
    put(dest, "parity.json", {**good, "cases": []})
    assert message(dest) == f"{path}: cases: expected a non-empty array"
    bad = json.loads(json.dumps(good))
    bad["cases"][4]["pixels"] = "AAAA"
    put(dest, "parity.json", bad)
    assert message(dest) == f"{path}: cases[4].pixels: expected canonical base64 of 784 bytes"
    bad = json.loads(json.dumps(good))
    bad["cases"][6]["probabilities"] = bad["cases"][6]["probabilities"][:9]
    put(dest, "parity.json", bad)
    name = f"cases[6] ({good['cases'][6]['description']})"
    assert message(dest) == f"{path}: {name}.probabilities: expected 10 numbers"


def test_every_failing_case_is_counted_and_the_worst_named(fx):
    dest, _ = fx
    path = dest / "weights" / V / "parity.json"
    bad = doc(dest, "parity.json")
    bad["cases"][3]["probabilities"][0] += 1e-9
    bad["cases"][8]["probabilities"][0] += 1e-6
    put(dest, "parity.json", bad)
    first = f"cases[3] ({bad['cases'][3]['description']})"
    worst = f"cases[8] ({bad['cases'][8]['description']})"
    got = message(dest)
    assert got.startswith(f"{path}: {first}: the reference's probabilities differ by 1e-09 ")
    assert (
        f"; 2 of 40 cases fail, the worst {worst}: the reference's probabilities differ by 1e-06 "
        f"(allowed {TOL:g}) or pick another digit" in got
    )


def test_records(fx):
    dest, _ = fx
    card = doc(dest, "card.json")
    put(dest, "card.json", {**card, "weightsVersion": "0.0.9"})
    path = dest / "weights" / V / "card.json"
    assert message(dest) == f"{path}: expected a digitnet-card for {V}"
    put(dest, "card.json", {**card, "seed": 8})
    assert message(dest) == f"{path}: seed differs from model.json's metadata"
    put(dest, "card.json", {**card, "intendedUse": " "})
    assert message(dest) == f"{path}: intendedUse: expected a non-empty text"
    put(dest, "card.json", card)
    edit_index(dest, lambda i: i["weights"][V].update(quantization="per-channel"))
    assert message(dest) == (
        f"index.json: weights['{V}'].quantization is 'per-channel', model.json's metadata "
        "says 'per-layer'"
    )


@pytest.mark.parametrize(
    "pixels", [None, 784, "AAAA", "!" + "A" * 1044, "A" * 1044 + "=", "A" * 1043 + "B="]
)
def test_parity_pixels_must_be_canonical_base64_of_784_bytes(fx, pixels):
    dest, _ = fx
    bad = doc(dest, "parity.json")
    bad["cases"][5] = 7 if pixels is None else {**bad["cases"][5], "pixels": pixels}
    put(dest, "parity.json", bad)
    path = dest / "weights" / V / "parity.json"
    assert message(dest) == f"{path}: cases[5].pixels: expected canonical base64 of 784 bytes"


def test_from_parity_format_2_the_suite_must_be_recorded(fx):
    """A version with a format 2 or 3 parity file records the robustness suite: one whose
    metadata and card dropped it is refused (the suite cannot be left out to hide it)."""
    dest, data_dir = fx
    for name in ("model.json", "card.json"):
        d = doc(dest, name)
        del (d.get("metadata") or d)["robustness"]
        put(dest, name, d)
    assert message(dest, data_dir).startswith(
        f"{dest / 'weights' / V / 'model.json'}: metadata.robustness is null, the model gives {{"
    )


def test_each_version_gets_the_test_data_it_names(fx, tmp_path):
    """Two versions measured on different data: --data holds the first's, so the second fails
    (the data found for one version is not reused for another that names other files)."""
    dest, data_dir = fx
    other = write_dataset(tmp_path / "other", n_test=40, seed=4)
    publish_synthetic(dest, other, version="0.2.0")
    got = message(dest, data_dir)
    assert got.startswith("0.2.0: cannot recompute its recorded figures") and str(data_dir) in got
    assert verify.verify(dest, None, files_only=True)[-1] == verify.FILES_ONLY


def test_only_the_file_that_differs_is_named(fx, tmp_path):
    dest, data_dir = fx
    other = Path(shutil.copytree(data_dir, tmp_path / "relabelled"))
    labels = bytearray((other / "t10k-labels-idx1-ubyte").read_bytes())
    labels[-1] = (labels[-1] + 1) % 10
    (other / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))
    got = message(dest, str(other))
    digest = hashlib.sha256(bytes(labels)).hexdigest()
    assert f"): --data {other}: t10k-labels-idx1-ubyte is {digest}; run " in got


@pytest.mark.mnist
def test_mnist_from_the_cache_and_a_corrupted_cache(mnist, tmp_path, monkeypatch):
    """1.0.0 alone (the shifts, not the suite: seconds) against MNIST from the cache; then the
    same with a cache whose test labels were altered: named, and how to refetch."""
    dest = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "weights" / "1.0.0", dest / "weights" / "1.0.0")
    index = json.loads((FIXTURES / "index.json").read_text())
    index["weights"] = {"1.0.0": index["weights"]["1.0.0"]}
    (dest / "index.json").write_text(json.dumps(index))
    (line,) = verify.verify(dest)
    assert line.startswith("1.0.0: ") and line.endswith("recorded metrics recomputed")
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    copy = data.cache_dir()
    copy.mkdir(parents=True)
    for name in data.MNIST_SHA256:
        (copy / name).symlink_to(ORIGINAL / name)
    (copy / "t10k-labels-idx1-ubyte").unlink()
    labels = bytearray((ORIGINAL / "t10k-labels-idx1-ubyte").read_bytes())
    labels[8] = (labels[8] + 1) % 10
    (copy / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))
    got = message(dest)
    assert f"{copy / 't10k-labels-idx1-ubyte'}: SHA-256 mismatch in the cache (" in got


def case_name(dest: Path, k: int) -> str:
    return f"cases[{k}] ({doc(dest, 'parity.json')['cases'][k]['description']})"


def test_format_3_hidden_activations_are_exact(fx):
    """One hidden activation one ulp off fails; so do a missing layer and a short one."""
    dest, _ = fx
    path, name = dest / "weights" / V / "parity.json", case_name(dest, 9)
    good = doc(dest, "parity.json")
    assert good["formatVersion"] == 3 and len(good["cases"][9]["hidden"]) == 1
    bad = json.loads(json.dumps(good))
    hidden = bad["cases"][9]["hidden"][0]
    j = next(i for i, v in enumerate(hidden) if v > 0)
    hidden[j] = math.nextafter(hidden[j], math.inf)
    put(dest, "parity.json", bad)
    assert message(dest).startswith(
        f"{path}: {name}: the reference's hidden[0] activations differ by "
    )
    bad["cases"][9]["hidden"] = []
    put(dest, "parity.json", bad)
    assert message(dest) == f"{path}: {name}.hidden: expected 1 arrays"
    bad["cases"][9]["hidden"] = [good["cases"][9]["hidden"][0][:15]]
    put(dest, "parity.json", bad)
    assert message(dest) == f"{path}: {name}.hidden[0]: expected 16 numbers"


def test_format_2_logits_are_exact(fx):
    """A format 2 file (logits, no hidden activations) still has its logits checked exactly."""
    dest, _ = fx
    path, name = dest / "weights" / V / "parity.json", case_name(dest, 4)
    bad = doc(dest, "parity.json")
    bad["formatVersion"] = 2
    for case in bad["cases"]:
        case.pop("hidden")
    put(dest, "parity.json", bad)
    assert verify.verify(dest, None, files_only=True)[0].endswith(
        f"(40 cases: logits exact, probabilities within {TOL:g}), card and index agree"
    )
    bad["cases"][4]["logits"][1] = math.nextafter(bad["cases"][4]["logits"][1], -math.inf)
    put(dest, "parity.json", bad)
    assert message(dest).startswith(f"{path}: {name}: the reference's logits differ by ")


def test_the_worst_is_the_first_of_the_largest(fx):
    dest, _ = fx
    path = dest / "weights" / V / "parity.json"
    bad = doc(dest, "parity.json")
    for k, by in ((3, 1e-6), (8, 1e-9), (11, 1e-6)):  # 3 and 11 tie for the largest
        bad["cases"][k]["probabilities"][0] += by
    put(dest, "parity.json", bad)
    got = message(dest)
    assert got.startswith(f"{path}: {case_name(dest, 3)}: the reference's probabilities differ")
    assert f"; 3 of 40 cases fail, the worst {case_name(dest, 3)}: " in got
    bad["cases"][3]["probabilities"][0] -= 1e-6  # now 8 first, 11 the worst
    put(dest, "parity.json", bad)
    assert f"; 2 of 40 cases fail, the worst {case_name(dest, 11)}: " in message(dest)


def test_a_model_file_of_another_version(fx):
    dest, _ = fx
    model = doc(dest, "model.json")
    put(dest, "model.json", {**model, "version": "0.0.9"})
    path = dest / "weights" / V / "model.json"
    assert message(dest) == f"{path}: version '0.0.9', expected '{V}'"


def test_a_format_2_version_must_record_the_suite_too(fx):
    """Format 2 (logits, no hidden activations) is as bound to the suite as format 3."""
    dest, data_dir = fx
    without_the_suite(dest, keep_robustness=False, parity_format=2)
    assert message(dest, data_dir).startswith(
        f"{dest / 'weights' / V / 'model.json'}: metadata.robustness is null, the model gives {{"
    )


def test_a_file_edited_in_place_at_its_listed_size(fx):
    dest, _ = fx
    path = dest / "weights" / V / "card.json"
    listed = json.loads((dest / "index.json").read_text())["weights"][V]["files"]["card.json"]
    blob = path.read_bytes()
    path.write_bytes(blob.replace(b"{", b"[", 1))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert message(dest) == (
        f"{path}: SHA-256 {digest} / {listed['size']} bytes, index.json says "
        f"{listed['sha256']} / {listed['size']} bytes"
    )


def test_one_failing_case_is_named_alone(fx):
    dest, _ = fx
    path, name = dest / "weights" / V / "parity.json", case_name(dest, 6)
    bad = doc(dest, "parity.json")
    bad["cases"][6]["probabilities"][2] += 0.5
    put(dest, "parity.json", bad)
    assert message(dest) == (
        f"{path}: {name}: the reference's probabilities differ by 0.5 (allowed {TOL:g}) or pick "
        "another digit"
    )


def test_of_two_cases_that_drift_alike_the_first_is_the_worst(fx):
    """Case 8 a copy of case 3, both off by the same: the worst named is 3 (the first), though
    8's line would sort after it."""
    dest, _ = fx
    bad = doc(dest, "parity.json")
    bad["cases"][8] = json.loads(json.dumps(bad["cases"][3]))
    for k in (3, 8):
        bad["cases"][k]["probabilities"][1] += 1e-6
    bad["cases"][0]["probabilities"][1] += 1e-9
    put(dest, "parity.json", bad)
    got = message(dest)
    assert f"; 3 of 40 cases fail, the worst {case_name(dest, 3)}: " in got
    assert got.startswith(f"{dest / 'weights' / V / 'parity.json'}: {case_name(dest, 0)}: ")


def test_logits_must_be_ten_numbers(fx):
    dest, _ = fx
    path, name = dest / "weights" / V / "parity.json", case_name(dest, 2)
    bad = doc(dest, "parity.json")
    bad["cases"][2]["logits"] = bad["cases"][2]["logits"][:9]
    put(dest, "parity.json", bad)
    assert message(dest) == f"{path}: {name}.logits: expected 10 numbers"


def test_each_versions_files_are_checked_once(fx, monkeypatch):
    """The parity replay is verify's slowest check of the files: the full check reuses what the
    file check found rather than replaying every version's parity file again."""
    dest, data_dir = fx
    publish_synthetic(dest, Path(data_dir), version="0.2.0")
    replayed, real = [], verify.check_parity
    monkeypatch.setattr(verify, "check_parity", lambda m, p: (replayed.append(p), real(m, p))[1])
    assert len(verify.verify(dest, data_dir)) == 2
    assert sorted(p.parent.name for p in replayed) == ["0.1.0", "0.2.0"]
