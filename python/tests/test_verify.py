"""`digitnet verify` cannot be fooled: each forgery of a copy of the published fixtures fails with
one line naming the problem, and the untouched copy passes."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from digitnet import cli, data, verify
from digitnet.errors import DigitnetError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

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


def fails(dest: Path, match: str) -> str:
    with pytest.raises(DigitnetError, match=match) as e:
        verify.verify(dest)
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
    index["weights"]["2.0.0"] = index["weights"]["1.0.0"]
    save_index(copy, index)
    fails(copy, r"weights/2.0.0: missing \(listed in index.json\)")


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
    fails(copy, r"cases\[3\] .*probabilities differ by 1e-09 \(allowed 1e-12\)")


def test_without_mnist_it_says_what_it_skipped(copy, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "cache_dir", lambda: tmp_path / "no-cache")
    assert cli.main(["verify", "--dest", str(copy)]) == 0
    lines = capsys.readouterr().out.splitlines()
    skipped = [line for line in lines if line.startswith("skipped: ")]
    assert len(skipped) == 1 and "MNIST is not cached" in skipped[0]
    assert "recorded metrics recomputed" not in "\n".join(lines)
