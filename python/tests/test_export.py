import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import write_dataset

from digitnet import cli, export, layout, reference, verify
from digitnet.errors import DigitnetError
from digitnet.evaluate import DESCRIPTIONS
from digitnet.storage import sha256

FIXTURES = layout.FIXTURES


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    """A real (tiny) training run on a small synthetic data set. Paths are relative to the
    working folder, as a user's are: model.json records the commands, and pytest's long
    temporary paths would eat into the file's 150,000-byte budget."""
    monkeypatch.chdir(tmp_path)
    folder = write_dataset(tmp_path / "data", n_train=64, n_test=40)
    assert cli.main(["train", "--data", "data", "--epochs", "1", "--out", "run"]) == 0
    return tmp_path / "run", folder


def export_args(run_dir, dest) -> list[str]:
    run, data_dir = (os.path.relpath(p) for p in run_dir)
    return ["export", run, "--dest", os.path.relpath(dest), "--data", data_dir]


def snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_publishes_and_verify_accepts(run_dir, tmp_path, capsys):
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.1.0"]) == 0
    index = json.loads((dest / "index.json").read_text())
    entry = index["weights"]["0.1.0"]
    assert set(entry["files"]) == {"model.json", "parity.json", "card.json"}
    doc = json.loads((dest / "weights/0.1.0/model.json").read_text())
    meta = doc["metadata"]
    assert meta["quantization"] == "per-layer" and "digitnet export" in meta["command"]
    card = json.loads((dest / "weights/0.1.0/card.json").read_text())
    assert card["history"][0]["epoch"] == 1 and card["int8Accuracy"] == meta["int8Accuracy"]
    assert len(meta["confusion"]) == 10 and set(meta["shiftRobustness"]) == {"2", "3", "4"}
    assert entry["int8Accuracy"] == meta["int8Accuracy"]
    parity = json.loads((dest / "weights/0.1.0/parity.json").read_text())
    assert len(parity["cases"]) == 40  # every test digit of this tiny set
    assert cli.main(["verify", "--dest", str(dest), "--data", "data"]) == 0  # its own test data
    assert "VERIFY OK" in capsys.readouterr().out


def test_a_new_card_says_what_the_model_is_for(run_dir, tmp_path):
    """card.json formatVersion 2: intendedUse and limitations, the last built from the card's
    own robustness figures (its three weakest transforms, with their accuracies)."""
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.1.0"]) == 0
    card = json.loads((dest / "weights/0.1.0/card.json").read_text())
    assert card["formatVersion"] == 2 and "centred" in card["intendedUse"]
    assert any("always answers one of the ten digits" in s for s in card["limitations"])
    weakest = sorted((a, k) for k, a in card["robustness"].items() if k != "worst")[:3]
    for accuracy, key in weakest:
        assert f"{key} ({DESCRIPTIONS[key]}) {100 * accuracy:.2f} %" in card["limitations"][-1]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c.pop("intendedUse"), "intendedUse: expected a non-empty text"),
        (lambda c: c.update(limitations=[]), "limitations: expected a non-empty list"),
        (lambda c: c.update(limitations=["ok", 3]), "limitations: expected a non-empty list"),
        (lambda c: c.update(formatVersion="2"), "formatVersion: expected 1 to 2"),
    ],
)
def test_verify_refuses_a_new_card_without_its_use(run_dir, tmp_path, edit, message):
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.1.0"]) == 0
    path = dest / "weights/0.1.0/card.json"
    card = json.loads(path.read_text())
    edit(card)
    path.write_text(json.dumps(card))
    index = json.loads((dest / "index.json").read_text())
    index["weights"]["0.1.0"]["files"]["card.json"] = {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "size": path.stat().st_size,
    }
    (dest / "index.json").write_text(json.dumps(index))
    with pytest.raises(DigitnetError, match=message):
        verify.verify(dest)


def camel_keys_everywhere(value) -> bool:
    """No key with an underscore anywhere in a JSON value."""
    if isinstance(value, dict):
        return all("_" not in k and camel_keys_everywhere(v) for k, v in value.items())
    if isinstance(value, list):
        return all(camel_keys_everywhere(v) for v in value)
    return True


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def test_new_runs_and_cards_write_camel_case(run_dir, tmp_path):
    metrics = json.loads((run_dir[0] / "metrics.json").read_text())
    assert {"testAccuracy", "dataSha256", "trainSeconds"} <= set(metrics)
    assert camel_keys_everywhere(metrics)
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.1.0"]) == 0
    card = json.loads((dest / "weights/0.1.0/card.json").read_text())
    assert camel_keys_everywhere(card) and "trainAccuracy" in card["history"][0]


def test_a_run_written_with_snake_case_keys_still_exports(run_dir, tmp_path):
    """Runs trained before the keys became camelCase: their metrics.json is read as camelCase."""
    path = run_dir[0] / "metrics.json"
    metrics = json.loads(path.read_text())
    old = {snake(k): v for k, v in metrics.items()}
    old["history"] = [{snake(k): v for k, v in e.items()} for e in metrics["history"]]
    old["recipe"] = {snake(k): v for k, v in metrics["recipe"].items()}
    assert "test_accuracy" in old and "train_accuracy" in old["history"][0]
    assert "batch_size" in old["recipe"]
    path.write_text(json.dumps(old))
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.1.0"]) == 0
    card = json.loads((dest / "weights/0.1.0/card.json").read_text())
    assert card["floatAccuracy"] == metrics["testAccuracy"]
    assert card["history"] == metrics["history"] and card["recipe"] == metrics["recipe"]


def test_existing_version_is_refused_and_nothing_changes(run_dir, tmp_path, capsys):
    dest = tmp_path / "fx"
    args = export_args(run_dir, dest)
    assert cli.main([*args, "--version", "1.0.0"]) == 0
    before = snapshot(dest)
    capsys.readouterr()
    assert cli.main([*args, "--version", "1.0.0", "--per-layer"]) == 2
    assert "already published" in capsys.readouterr().err
    assert snapshot(dest) == before
    assert cli.main([*args, "--version", "1.0"]) == 2
    assert "not semver" in capsys.readouterr().err
    assert snapshot(dest) == before


def test_verify_fails_on_a_flipped_byte(run_dir, tmp_path):
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.2.0"]) == 0
    path = dest / "weights/0.2.0/model.json"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(DigitnetError, match="model.json: SHA-256"):
        verify.verify(dest)


def test_model_file_size_budget(run_dir, tmp_path, capsys):
    """Per channel, 202 scales do not fit beside full-precision biases: the export says so before
    any work (it does not even read the data) and writes nothing; per layer (the default) fits."""
    dest = tmp_path / "fx"
    args = export_args(run_dir, dest)
    no_data = [*args[:-1], "no-such-data"]  # --data is last
    assert cli.main([*no_data, "--version", "1.0.0", "--per-channel"]) == 2
    err = capsys.readouterr().err
    assert "at least" in err and "over the 150,000-byte budget" in err, err
    assert not dest.exists() or not any(dest.rglob("*.json"))
    assert cli.main([*args, "--version", "1.0.0"]) == 0
    assert (dest / "weights/1.0.0/model.json").stat().st_size <= 150_000


def test_the_final_document_is_held_to_the_same_budget():
    """The metadata can push a document that passed the early lower bound over the budget: the
    final bytes are checked by the same function, without "at least"."""
    doc = {"layers": [{"scale": 1.0}], "metadata": {"padding": "x" * 150_000}}
    with pytest.raises(DigitnetError, match=r"^model.json would be 150,0\d\d bytes \(per-layer"):
        export.within_budget(doc)
    small = {"layers": [{"scales": [1.0]}]}
    assert export.within_budget(small) == export.dumps(small)


@pytest.mark.mnist
def test_published_versions_verify_and_reach_recorded_accuracy(mnist):
    dest = FIXTURES
    assert verify.verify(dest)
    index = layout.read_index(dest)

    for version, entry in index["weights"].items():
        m = reference.load_model(layout.version_file(dest, version, layout.MODEL))
        x = mnist.test.images.reshape(-1, 784) / 255.0
        acc = float((m.predict(x).argmax(1) == mnist.test.labels).mean())
        assert acc == entry["int8Accuracy"] == m.metadata["int8Accuracy"]


def test_the_parity_schema_requires_logits_from_format_2_and_hidden_in_format_3(run_dir, tmp_path):
    import jsonschema

    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.3.0"]) == 0
    schema = json.loads((FIXTURES / "parity.schema.json").read_text())
    doc = json.loads((dest / "weights/0.3.0/parity.json").read_text())
    assert doc["formatVersion"] == 3 and all(len(c["logits"]) == 10 for c in doc["cases"])
    assert all([len(h) for h in c["hidden"]] == [128, 64] for c in doc["cases"])
    jsonschema.validate(doc, schema)
    hidden = [case.pop("hidden") for case in doc["cases"]]
    with pytest.raises(jsonschema.ValidationError):  # format 3 without hidden activations
        jsonschema.validate(doc, schema)
    doc["formatVersion"] = 2
    jsonschema.validate(doc, schema)
    doc["cases"][0]["hidden"] = hidden[0]
    with pytest.raises(jsonschema.ValidationError):  # hidden in a format 2 file: not format 2
        jsonschema.validate(doc, schema)
    del doc["cases"][0]["hidden"]
    del doc["cases"][0]["logits"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)
    doc["formatVersion"] = 1
    with pytest.raises(jsonschema.ValidationError):  # logits in a format 1 file: not format 1
        jsonschema.validate(doc, schema)
    for case in doc["cases"]:
        case.pop("logits", None)
    jsonschema.validate(doc, schema)


def forge_parity(dest: Path, version: str, edit) -> None:
    """Edit a version's parity file and its index entry's SHA-256 and size, as a forger would."""
    path = layout.version_file(dest, version, layout.PARITY)
    doc = json.loads(path.read_text())
    edit(doc)
    blob = json.dumps(doc).encode()
    path.write_bytes(blob)
    index = json.loads((dest / "index.json").read_text())
    index["weights"][version]["files"]["parity.json"] = {"sha256": sha256(blob), "size": len(blob)}
    (dest / "index.json").write_text(json.dumps(index))


def test_verify_checks_hidden_activations_exactly_and_names_the_worst_case(run_dir, tmp_path):
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.4.0"]) == 0
    assert "hidden activations and logits exact" in verify.verify(dest, files_only=True)[0]

    def one_activation(doc):
        hidden = doc["cases"][5]["hidden"][1]
        hidden[hidden.index(max(hidden))] += 1e-6  # logits and probabilities left as they were

    forge_parity(dest, "0.4.0", one_activation)
    with pytest.raises(DigitnetError) as e:
        verify.verify(dest, files_only=True)
    assert str(e.value).startswith(f"{dest / 'weights/0.4.0/parity.json'}: cases[5] (")
    assert "the reference's hidden[1] activations differ by 1e-06 (exact)" in str(e.value)
    assert "cases fail" not in str(e.value)  # one case fails: no worst to name

    def two_more(doc):
        doc["cases"][9]["logits"][0] += 1e-3
        doc["cases"][12]["probabilities"][0] += 1e-9

    forge_parity(dest, "0.4.0", two_more)
    with pytest.raises(DigitnetError) as e:
        verify.verify(dest, files_only=True)
    first, worst = str(e.value).split("; 3 of 40 cases fail, the worst ")
    assert "cases[5]" in first and "hidden[1] activations differ by 1e-06" in first
    assert worst.startswith("cases[9] (") and "logits differ by 0.001 (exact)" in worst


def test_published_files_follow_their_json_schemas():
    import jsonschema  # a test dependency (nox -s tests installs it)

    dest = FIXTURES
    for version in layout.read_index(dest)["weights"]:
        for name in ("model", "parity"):
            schema = json.loads((dest / f"{name}.schema.json").read_text())
            doc = json.loads((dest / "weights" / version / f"{name}.json").read_text())
            jsonschema.validate(doc, schema)


@pytest.mark.mnist
def test_evaluate_works_on_a_model_json(mnist, capsys):
    path = layout.version_file(FIXTURES, "1.0.0", layout.MODEL)
    assert cli.main(["evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    recorded = reference.load_model(path).metadata
    assert f"accuracy: {recorded['int8Accuracy']:.2%}" in out
    assert f"3 px: {recorded['shiftRobustness']['3']:.2%}" in out
    assert "confusion" in out


def test_recorded_command_is_relative_to_the_repository(tmp_path, monkeypatch, capsys):
    """Issue 23 item 9: metadata.command names no folder of the machine that trained it: paths
    inside the repository are written relative to it, absolute or not, from any subfolder."""
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    (repo / "python").mkdir()
    monkeypatch.chdir(repo / "python")
    write_dataset(repo / "data", n_train=64, n_test=40)
    train = ["train", "--data", "../data", "--epochs", "1", f"--out={repo / 'runs' / 'r'}"]
    assert cli.main(train) == 0
    run = str(repo / "runs" / "r")
    export = ["export", run, "--version", "0.1.0", "--dest", "../fx", "--data", "../data"]
    assert cli.main(export) == 0
    meta = json.loads((repo / "fx/weights/0.1.0/model.json").read_text())["metadata"]
    assert meta["command"] == (
        "digitnet train --data data --epochs 1 --out=runs/r && "
        "digitnet export runs/r --version 0.1.0 --dest fx --data data"
    )
    assert str(tmp_path) not in json.dumps(meta)


def test_a_command_recorded_before_keeps_its_relative_paths(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    recorded = ["digitnet", "train", "--seed", "1", "--out", str(tmp_path / "runs/1.1.0")]
    assert cli.portable(recorded, None)[-1] == "runs/1.1.0"
    assert cli.portable(["digitnet", "train", "--out", "../x"], None)[-1] == "../x"
    assert cli.portable(["digitnet", "train", "--out", "/elsewhere/x"], None)[-1] == "/elsewhere/x"


def test_a_4_bit_run_exports_what_it_was_trained_for(tmp_path, monkeypatch, capsys):
    """`train --bits 4` records its widths; `export` writes them (4-bit, per-channel), verify
    accepts the version, and the recorded accuracy is the 4-bit model's."""
    monkeypatch.chdir(tmp_path)
    write_dataset(tmp_path / "data", n_train=64, n_test=40)
    train = ["train", "--data", "data", "--epochs", "1", "--bits", "4", "--out", "run4"]
    assert cli.main(train) == 0
    assert json.loads((tmp_path / "run4/metrics.json").read_text())["recipe"]["bits"] == [4, 4, 4]
    dest = tmp_path / "fx"
    assert cli.main(["export", "run4", "--dest", "fx", "--data", "data", "--version", "2.0.0"]) == 0
    out = capsys.readouterr().out
    assert "quantized (4,4,4 bits, per-channel)" in out and "post-training" not in out
    doc = json.loads((dest / "weights/2.0.0/model.json").read_text())
    assert [layer["bits"] for layer in doc["layers"]] == [4, 4, 4]
    assert all(len(layer["scales"]) == layer["outputs"] for layer in doc["layers"])
    assert doc["metadata"]["quantization"] == "per-channel"
    assert cli.main(["verify", "--dest", "fx", "--data", "data"]) == 0


def test_export_bits_quantizes_after_training_and_prints_the_cost(run_dir, tmp_path, capsys):
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.1.0", "--bits", "4,4,8"]) == 0
    out = capsys.readouterr().out
    assert "post-training quantization to 4,4,8 bits costs" in out
    doc = json.loads((dest / "weights/0.1.0/model.json").read_text())
    assert [layer.get("bits", 8) for layer in doc["layers"]] == [4, 4, 8]
    assert "bits" not in doc["layers"][2]  # an int8 layer as 1.x writes it (per channel here)


def test_export_refuses_a_run_whose_recorded_bits_are_not_widths(run_dir, tmp_path, capsys):
    run, _ = run_dir
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["recipe"]["bits"] = [4, 3, 4]
    (run / "metrics.json").write_text(json.dumps(metrics))
    assert cli.main([*export_args(run_dir, tmp_path / "fx"), "--version", "0.1.0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "recipe.bits is [4, 3, 4], expected widths 4 or 8" in err


def test_a_card_names_the_version_it_follows_with_its_accuracy_and_sizes(run_dir, tmp_path):
    dest = tmp_path / "fx"
    assert cli.main([*export_args(run_dir, dest), "--version", "0.9.0"]) == 0
    assert cli.main([*export_args(run_dir, dest), "--version", "0.10.0", "--bits", "4"]) == 0
    first = json.loads((dest / "weights/0.9.0/card.json").read_text())
    card = json.loads((dest / "weights/0.10.0/card.json").read_text())
    model = (dest / "weights/0.9.0/model.json").read_bytes()
    assert "previous" not in first
    assert card["previous"] == {
        "weightsVersion": "0.9.0",  # 0.10.0 follows 0.9.0: versions compare as numbers
        "int8Accuracy": first["int8Accuracy"],
        "modelBytes": len(model),
        "modelGzipBytes": first["modelGzipBytes"],
    }
    assert first["modelGzipBytes"] == len(gzip.compress(model, 9, mtime=0)) < len(model)
