"""tools/release_check.py and tools/dist.py: every check passes on a sound repository and fires,
naming the file, on each way a release can go wrong.

Each test builds a small git repository in tmp_path (fixtures/, js/package.json,
digitnet/__init__.py...) with a real, tiny digitnet-mlp model, then breaks one thing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import publish_synthetic, write_dataset
from digitnet_tools import dist, release_check, release_history

import digitnet
from digitnet import data

REPO = Path(__file__).resolve().parents[2]
CheckFailed = release_check.CheckFailed
SmokeFailed = dist.SmokeFailed

needs_npm = pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm and node")


def git(root: Path, *args: str) -> str:
    who = ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "tag.gpgsign=false"]
    cmd = ["git", *who, "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def write(root: Path, rel: str, data: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def dump(doc) -> str:
    return json.dumps(doc, indent=2) + "\n"


def tiny_model(version: str, seed: int = 0) -> tuple[str, dict]:
    """A valid 784 -> 10 digitnet-mlp file, and a parity case computed by the reference."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-127, 128, 784 * 10).astype(np.int8).tobytes()
    layer = {
        "inputs": 784,
        "outputs": 10,
        "activation": "softmax",
        "weights": base64.b64encode(weights).decode(),
        "scale": 0.002,
        "bias": [round(float(b), 6) for b in rng.normal(size=10)],
    }
    doc = {"format": "digitnet-mlp", "formatVersion": 1, "version": version}
    text = dump({**doc, "layers": [layer], "metadata": {}})
    pixels = rng.integers(0, 256, 784).astype(np.uint8).tobytes()
    probs = digitnet.load_model(text).predict(np.frombuffer(pixels, np.uint8) / 255)
    case = {
        "description": "random pixels",
        "pixels": base64.b64encode(pixels).decode(),
        "probabilities": [float(p) for p in probs],
    }
    return text, case


def add_version(
    root: Path, version: str, seed: int = 0, int8: float = 0.99, shift3: float = 0.96
) -> str:
    """Write fixtures/weights/<version>/ and list it in fixtures/index.json; the model's SHA-256.
    The card records the accuracies the release gate compares."""
    model, case = tiny_model(version, seed)
    card = {"weightsVersion": version, "int8Accuracy": int8, "shiftRobustness": {"3": shift3}}
    files = {
        "model.json": model,
        "parity.json": dump({"weightsVersion": version, "cases": [case]}),
        "card.json": dump(card),
    }
    index_path = root / "fixtures" / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {"weights": {}}
    listed = {}
    for name, text in files.items():
        write(root, f"fixtures/weights/{version}/{name}", text)
        digest = hashlib.sha256(text.encode()).hexdigest()
        listed[name] = {"sha256": digest, "size": len(text.encode())}
    index["weights"][version] = {"int8Accuracy": int8, "files": listed}
    write(root, "fixtures/index.json", dump(index))
    return listed["model.json"]["sha256"]


DEV_DEPENDENCIES = {"esbuild": "0.28.2"}


def pin(root: Path, version: str, sha: str | None = None, js_version: str = "1.0.0") -> None:
    """Pin `version` by hand, everywhere nox -s pin does but the READMEs and CHANGELOG.md."""
    sha = sha or hashlib.sha256((root / f"fixtures/weights/{version}/model.json").read_bytes())
    sha = sha if isinstance(sha, str) else sha.hexdigest()
    package = {
        "name": "@digitnet/engine",
        "version": js_version,
        "license": "MIT",
        "digitnet": {"weightsVersion": version, "weightsSha256": sha},
        "devDependencies": DEV_DEPENDENCIES,
    }
    write(root, "js/package.json", dump(package))
    top = {k: package[k] for k in ("name", "version", "license", "devDependencies")}
    lock = {
        "name": "@digitnet/engine",
        "version": js_version,
        "lockfileVersion": 3,
        "packages": {"": top, "node_modules/esbuild": {"version": "0.28.2", "dev": True}},
    }
    write(root, "js/package-lock.json", dump(lock))
    for name in ("model.json", "card.json"):
        shutil.copyfile(root / f"fixtures/weights/{version}/{name}", root / "js" / name)
    model = (root / f"fixtures/weights/{version}/model.json").read_bytes()
    write(root, release_check.WEIGHTS_MODULE, release_check.weights_module(version, model).decode())
    bundled = root / f"python/src/digitnet/weights/{version}"
    bundled.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / f"fixtures/weights/{version}/model.json", bundled / "model.json")


def set_py_version(root: Path, version: str) -> None:
    write(root, "python/src/digitnet/__init__.py", f'__version__ = "{version}"\n')


CHANGELOG = """# Changelog

## @digitnet/engine

### [1.0.0] - 2026-11-25

#### Added

- Weights `1.0.0` pinned.

## digitnet (Python)

### [1.0.0] - 2026-11-25

#### Added

- Weights `1.0.0` published in the repository.
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A sound repository at its first commit: weights 1.0.0 published and pinned, no tag."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    add_version(root, "1.0.0")
    write(root, "fixtures/preprocess/cases.json", dump({"cases": []}))
    pin(root, "1.0.0")
    set_py_version(root, "1.0.0")
    write(root, "CHANGELOG.md", CHANGELOG)
    for licence in ("LICENSE", "js/LICENSE", "python/LICENSE"):
        write(root, licence, "MIT License\n")
    commit(root, "first")
    return root


def fails(check, *args, match: str) -> str:
    with pytest.raises(CheckFailed, match=match) as info:
        check(*args)
    return str(info.value)


# The sound repository passes every check but parity and packages (tested further down).


def test_untouched_repository_passes(repo: Path):
    assert "no tag given" in release_check.check_tag(repo, None)
    assert "1.0.0" in release_check.check_tag(repo, "engine-v1.0.0")
    assert "1.0.0" in release_check.check_tag(repo, "py-v1.0.0")
    assert "weights 1.0.0 pinned" in release_check.check_pin(repo)
    assert "4 published files and 1 index entry unchanged" in release_check.check_published(repo)
    assert "agrees" in release_check.check_lock(repo)
    assert "bundles 1.0.0" in release_check.check_bundled(repo)
    assert "weights 1.0.0 and the 12 files" in release_check.check_committed(repo)
    assert "1.0.0" in release_check.check_changelog(repo, "engine-v1.0.0")
    assert "no earlier release" in release_check.check_accuracy(repo, None)


def test_main_reports_each_check_and_fails_on_any(repo: Path, capsys):
    skip = ["--skip", "parity", "--skip", "packages", "--root", str(repo)]
    assert release_check.main([*skip, "engine-v1.0.0"]) == 0
    out = capsys.readouterr().out
    assert "ok      tag:" in out and "ok      published:" in out and "skipped parity" in out
    assert out.splitlines()[-1] == "RELEASE CHECK OK for engine-v1.0.0"
    write(repo, "fixtures/weights/1.0.0/card.json", "{}\n")
    assert release_check.main([*skip, "engine-v2.0.0"]) == 1
    out = capsys.readouterr().out
    assert "FAILED  tag: js/package.json: version is 1.0.0" in out
    assert "FAILED  published: fixtures/weights/1.0.0/card.json: differs" in out
    assert "FAILED  changelog: CHANGELOG.md: no '### [2.0.0] - YYYY-MM-DD'" in out
    # The edited card also differs from js/card.json and from the commit, and lost its figures.
    failed = "tag, pin, committed, changelog, accuracy, published"
    assert out.splitlines()[-1] == f"RELEASE CHECK FAILED: {failed}"


# a. The tag and the package versions


def test_engine_tag_must_match_package_json(repo: Path):
    message = fails(release_check.check_tag, repo, "engine-v1.0.1", match="js/package.json")
    assert "version is 1.0.0, tag engine-v1.0.1 needs 1.0.1" in message


def test_py_tag_must_match_init(repo: Path):
    message = fails(release_check.check_tag, repo, "py-v1.1.0", match="__init__.py")
    assert "python/src/digitnet/__init__.py: version is 1.0.0, tag py-v1.1.0 needs 1.1.0" in message


def test_engine_tag_does_not_look_at_python(repo: Path):
    pin(repo, "1.0.0", js_version="1.2.0")
    assert "1.2.0" in release_check.check_tag(repo, "engine-v1.2.0")
    fails(release_check.check_tag, repo, "py-v1.2.0", match="__init__.py: version is 1.0.0")


@pytest.mark.parametrize(
    "tag", ["v1.0.0", "engine-1.0.0", "py-v1.0", "wheel-v1.0.0", "py-v1.0.0-rc1"]
)
def test_malformed_tag(repo: Path, tag: str):
    fails(release_check.check_tag, repo, tag, match="expected engine-vX.Y.Z or py-vX.Y.Z")


# b. The pinned weights


def test_pin_with_a_wrong_sha(repo: Path):
    pin(repo, "1.0.0", sha="0" * 64)
    message = fails(release_check.check_pin, repo, match="js/package.json: digitnet.weightsSha256")
    assert "fixtures/weights/1.0.0/model.json: SHA-256 is" in message


def test_pin_of_a_missing_version(repo: Path):
    pin(repo, "1.0.0")
    package = json.loads((repo / "js/package.json").read_text())
    package["digitnet"]["weightsVersion"] = "9.9.9"
    write(repo, "js/package.json", dump(package))
    fails(release_check.check_pin, repo, match="fixtures/index.json: no weights version 9.9.9")


def test_pin_missing_from_package_json(repo: Path):
    write(repo, "js/package.json", dump({"name": "@digitnet/engine", "version": "1.0.0"}))
    fails(release_check.check_pin, repo, match=r'js/package.json: needs "digitnet"')


def test_shipped_model_must_be_the_pinned_file(repo: Path):
    write(repo, "js/model.json", (repo / "js/model.json").read_text() + " ")
    fails(release_check.check_pin, repo, match="js/model.json: differs from fixtures/weights/1.0.0")


def test_shipped_card_must_be_the_published_card(repo: Path):
    shutil.copyfile(repo / "fixtures/weights/1.0.0/card.json", repo / "js/card.json")
    assert "weights 1.0.0 pinned" in release_check.check_pin(repo)
    write(repo, "js/card.json", dump({"weightsVersion": "0.9.0"}))
    fails(release_check.check_pin, repo, match="js/card.json: differs from fixtures/weights/1.0.0")


def test_shipped_weights_module_must_describe_the_pinned_file(repo: Path):
    path = repo / release_check.WEIGHTS_MODULE
    path.write_text(path.read_text().replace("bytes: ", "bytes: 1"))
    fails(release_check.check_pin, repo, match=r"js/src/weights.js: not the version, integrity")
    path.unlink()
    fails(release_check.check_pin, repo, match=r"js/src/weights.js: not the version")


def test_published_model_must_have_the_listed_sha(repo: Path):
    write(repo, "fixtures/weights/1.0.0/model.json", tiny_model("1.0.0", seed=1)[0])
    fails(release_check.check_pin, repo, match="fixtures/weights/1.0.0/model.json: SHA-256 is")


# c. Published files: before the first release, against the commit that first added them


def test_modified_published_file_fires_before_it_is_committed(repo: Path):
    write(repo, "fixtures/weights/1.0.0/parity.json", dump({"cases": []}))
    message = fails(
        release_check.check_published, repo, match="fixtures/weights/1.0.0/parity.json: differs"
    )
    assert "which first added it" in message


def test_modified_published_file_fires_once_committed(repo: Path):
    write(repo, "fixtures/weights/1.0.0/card.json", dump({"weightsVersion": "1.0.0", "x": 1}))
    commit(repo, "edit a published card")
    fails(release_check.check_published, repo, match="fixtures/weights/1.0.0/card.json: differs")


def test_modified_preprocess_cases_fire(repo: Path):
    write(repo, "fixtures/preprocess/cases.json", dump({"cases": [1]}))
    commit(repo, "edit the preprocessing cases")
    fails(release_check.check_published, repo, match="fixtures/preprocess/cases.json: differs")


def test_removed_published_file_fires(repo: Path):
    (repo / "fixtures/weights/1.0.0/card.json").unlink()
    fails(release_check.check_published, repo, match="card.json: missing; it was published in")


def test_unlisted_published_file_fires(repo: Path):
    index = json.loads((repo / "fixtures/index.json").read_text())
    del index["weights"]["1.0.0"]["files"]["card.json"]
    write(repo, "fixtures/index.json", dump(index))
    fails(
        release_check.check_published,
        repo,
        match="fixtures/weights/1.0.0/card.json: no longer listed in fixtures/index.json",
    )


def test_new_uncommitted_version_is_not_published_yet(repo: Path):
    add_version(repo, "1.1.0", seed=2)
    assert "4 published files" in release_check.check_published(repo)


# c. Published files: against the previous release tag


def test_previous_release_skips_tags_on_head(repo: Path):
    assert release_history.previous_release(repo) is None
    git(repo, "tag", "engine-v1.0.0")  # the release being made: HEAD itself
    assert release_history.previous_release(repo) is None
    git(repo, "tag", "-d", "engine-v1.0.0")
    git(repo, "tag", "-a", "-m", "release", "py-v1.0.0")
    write(repo, "README.md", "more\n")
    commit(repo, "later")
    git(repo, "tag", "unrelated-v2.0.0")
    assert release_history.previous_release(repo) == "py-v1.0.0"


def test_after_a_release_only_its_files_are_frozen(repo: Path):
    git(repo, "tag", "engine-v1.0.0")
    add_version(repo, "1.1.0", seed=2)
    commit(repo, "weights 1.1.0")
    write(repo, "fixtures/weights/1.1.0/card.json", dump({"weightsVersion": "1.1.0", "v": 2}))
    commit(repo, "fix the unreleased card")  # not released yet: allowed
    assert "since release engine-v1.0.0" in release_check.check_published(repo)


def test_file_of_the_previous_release_modified(repo: Path):
    git(repo, "tag", "engine-v1.0.0")
    write(repo, "fixtures/weights/1.0.0/parity.json", dump({"cases": []}))
    commit(repo, "edit a released file")
    message = fails(
        release_check.check_published, repo, match="fixtures/weights/1.0.0/parity.json: differs"
    )
    assert "release engine-v1.0.0" in message


def test_index_entry_of_the_previous_release_changed_or_dropped(repo: Path):
    git(repo, "tag", "py-v1.0.0")
    index = json.loads((repo / "fixtures/index.json").read_text())
    index["weights"]["1.0.0"]["int8Accuracy"] = 0.5
    write(repo, "fixtures/index.json", dump(index))
    commit(repo, "edit a released index entry")
    fails(
        release_check.check_published,
        repo,
        match=r"fixtures/index.json: changed the entry of weights 1.0.0 "
        r"\(as published in release py-v1.0.0\)",
    )
    del index["weights"]["1.0.0"]
    write(repo, "fixtures/index.json", dump(index))
    fails(release_check.check_published, repo, match="no longer lists weights 1.0.0")


def test_index_entry_changed_before_the_first_release(repo: Path):
    index = json.loads((repo / "fixtures/index.json").read_text())
    index["weights"]["1.0.0"]["int8Accuracy"] = 0.5
    write(repo, "fixtures/index.json", dump(index))
    fails(
        release_check.check_published,
        repo,
        match="fixtures/index.json: changed the entry of weights 1.0.0 .*which first listed it",
    )


def test_shallow_clone_is_refused(repo: Path, tmp_path: Path):
    write(repo, "README.md", "second\n")
    commit(repo, "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow))
    fails(release_check.check_published, shallow, match="shallow clone")


# f. package-lock.json agrees with package.json


def edit_json(root: Path, rel: str, change) -> None:
    doc = json.loads((root / rel).read_text())
    change(doc)
    write(root, rel, dump(doc))


def test_lock_version_behind_package_json_fires(repo: Path):
    edit_json(repo, "js/package.json", lambda d: d.update(version="1.1.0"))
    message = fails(
        release_check.check_lock, repo, match="js/package-lock.json: version is '1.0.0'"
    )
    assert "packages[\"\"].version is '1.0.0', js/package.json says '1.1.0'" in message


def test_lock_root_package_alone_behind_fires(repo: Path):
    edit_json(repo, "js/package-lock.json", lambda d: d["packages"][""].update(version="0.9.0"))
    fails(release_check.check_lock, repo, match=r'packages\[""\].version is \'0.9.0\'')


def test_lock_with_another_dev_dependency_version_fires(repo: Path):
    edit_json(repo, "js/package.json", lambda d: d["devDependencies"].update(esbuild="0.29.0"))
    message = fails(release_check.check_lock, repo, match="devDependencies")
    assert "esbuild is locked at 0.28.2, js/package.json wants 0.29.0" in message


# g. The Python package's bundled weights and the LICENSE copies


def test_bundled_weights_must_be_the_published_file(repo: Path):
    bundled = "python/src/digitnet/weights/1.0.0/model.json"
    write(repo, bundled, (repo / bundled).read_text() + " ")
    fails(release_check.check_bundled, repo, match=f"{bundled}: differs from fixtures/weights")


def test_bundled_weights_must_include_the_pin(repo: Path):
    add_version(repo, "1.1.0", seed=2)
    pin(repo, "1.1.0")
    shutil.rmtree(repo / "python/src/digitnet/weights/1.1.0")
    fails(
        release_check.check_bundled,
        repo,
        match="the newest bundled weights are 1.0.0, js/package.json pins 1.1.0",
    )
    shutil.rmtree(repo / "python/src/digitnet/weights")
    fails(release_check.check_bundled, repo, match="no bundled weights; run nox -s pin -- 1.1.0")


def test_bundled_version_must_be_published(repo: Path):
    write(repo, "python/src/digitnet/weights/0.1.0/model.json", "{}")
    fails(release_check.check_bundled, repo, match="weights 0.1.0 are not published")


def test_licence_copies_must_match(repo: Path):
    write(repo, "python/LICENSE", "Apache\n")
    fails(release_check.check_bundled, repo, match="python/LICENSE: differs from LICENSE")


# h. The pinned version's files are committed, not just present


def test_pinned_but_uncommitted_version_fires(repo: Path):
    add_version(repo, "1.1.0", seed=2)
    pin(repo, "1.1.0", js_version="1.1.0")
    message = fails(
        release_check.check_committed,
        repo,
        match="fixtures/weights/1.1.0/model.json: not committed",
    )
    assert "fixtures/index.json: differs from the last commit" in message
    assert "python/src/digitnet/weights/1.1.0/model.json: not committed" in message
    commit(repo, "pin 1.1.0")
    assert "weights 1.1.0" in release_check.check_committed(repo)


def test_edited_after_the_commit_fires(repo: Path):
    write(repo, "CHANGELOG.md", CHANGELOG + "\n")
    fails(release_check.check_committed, repo, match="CHANGELOG.md: differs from the last commit")


# i. The CHANGELOG has the version being released


def release_entry(kind: str, version: str, body: str, date: str = "2026-12-01") -> str:
    """CHANGELOG with an entry for `version` on top of the package's section."""
    title = "## @digitnet/engine" if kind == "engine" else "## digitnet (Python)"
    return CHANGELOG.replace(f"{title}\n", f"{title}\n\n### [{version}] - {date}\n\n{body}\n")


def pin_1_1_0(repo: Path, int8: float = 0.99, shift3: float = 0.96) -> None:
    add_version(repo, "1.1.0", seed=2, int8=int8, shift3=shift3)
    pin(repo, "1.1.0", js_version="1.1.0")
    set_py_version(repo, "1.1.0")


def test_changelog_without_the_released_version_fires(repo: Path):
    pin_1_1_0(repo)
    fails(
        release_check.check_changelog,
        repo,
        "engine-v1.1.0",
        match=r"CHANGELOG.md: no '### \[1.1.0\] - YYYY-MM-DD' under '## @digitnet/engine'",
    )
    write(repo, "CHANGELOG.md", release_entry("engine", "1.1.0", "- Weights `1.1.0` pinned."))
    assert "@digitnet/engine 1.1.0" in release_check.check_changelog(repo, "engine-v1.1.0")
    fails(release_check.check_changelog, repo, "py-v1.1.0", match="under '## digitnet")


def test_changelog_entry_needs_a_date_and_the_pinned_weights(repo: Path):
    pin_1_1_0(repo)
    undated = release_entry("engine", "1.1.0", "- Weights `1.1.0` pinned.", date="Unreleased")
    write(repo, "CHANGELOG.md", undated)
    fails(release_check.check_changelog, repo, "engine-v1.1.0", match="1.1.0 has no release date")
    write(repo, "CHANGELOG.md", release_entry("engine", "1.1.0", "- Faster predict."))
    fails(
        release_check.check_changelog,
        repo,
        "engine-v1.1.0",
        match="@digitnet/engine 1.1.0 names weights 1.0.0, but the package pins 1.1.0",
    )


def test_changelog_without_a_tag_checks_both_current_versions(repo: Path):
    assert "and digitnet (Python) 1.0.0" in release_check.check_changelog(repo, None)
    set_py_version(repo, "1.0.1")
    fails(release_check.check_changelog, repo, None, match=r"no '### \[1.0.1\]")


def test_unreadable_changelog_is_one_line(repo: Path, capsys):
    (repo / "CHANGELOG.md").unlink()
    skip = ["--skip", "parity", "--skip", "packages", "--root", str(repo)]
    assert release_check.main(skip) == 1
    assert "FAILED  changelog: CHANGELOG.md: cannot read" in capsys.readouterr().out


# j. The pinned weights are not less accurate than the previous release's, as verify recomputes


@pytest.mark.parametrize(
    ("int8", "shift3", "fires"),
    [
        (9900, 9600, None),
        (9895, 9595, None),  # 0.05 points lower: within the slack
        (9894, 9600, "int8 test accuracy 98.94 % < 99.00 %"),
        (9900, 9594, "shifted by 3 px 95.94 % < 96.00 %"),
        (9545, 7629, "int8 test accuracy 95.45 % < 99.00 %"),
    ],
)
def test_the_slack_is_five_basis_points(int8: int, shift3: int, fires: str | None):
    said = release_check.pin.worse({"int8": int8, "shift3": shift3}, {"int8": 9900, "shift3": 9600})
    assert said == [] if fires is None else fires in "; ".join(said)


@pytest.fixture
def measured(tmp_path: Path) -> tuple[Path, str, list[int]]:
    """A sound repository whose published weights verify can check in full: models that read
    one digit whatever the image, on a small data set (--data); and the digits from the most to
    the least frequent label there (the most accurate such model to the least)."""
    data_dir = write_dataset(tmp_path / "data", n_test=200)
    labels = data.load(data_dir).test.labels
    digits = sorted(range(10), key=lambda d: (-int((labels == d).sum()), d))
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    publish_reading(root, "1.0.0", str(data_dir), digits[1])
    write(root, "fixtures/preprocess/cases.json", dump({"cases": []}))
    pin(root, "1.0.0")
    set_py_version(root, "1.0.0")
    write(root, "CHANGELOG.md", CHANGELOG)
    commit(root, "first")
    return root, str(data_dir), digits


def publish_reading(root: Path, version: str, data_dir: str, digit: int) -> None:
    """Publish weights that read `digit` in every image, and pin them."""
    publish_synthetic(
        root / "fixtures", Path(data_dir), version, [float(d == digit) for d in range(10)]
    )
    if version != "1.0.0":
        pin(root, version, js_version=version)
        set_py_version(root, version)


def test_weights_as_accurate_pass(measured):
    root, data_dir, digits = measured
    publish_reading(root, "1.1.0", data_dir, digits[0])
    write(root, "CHANGELOG.md", release_entry("engine", "1.1.0", "- Weights `1.1.0` pinned."))
    said = release_check.check_accuracy(root, "engine-v1.1.0", data_dir)
    assert "weights 1.1.0 at least as accurate as 1.0.0 (1.0.0)" in said


def test_less_accurate_weights_fire(measured):
    root, data_dir, digits = measured
    publish_reading(root, "1.1.0", data_dir, digits[-1])
    write(root, "CHANGELOG.md", release_entry("engine", "1.1.0", "- Weights `1.1.0` pinned."))
    message = fails(
        release_check.check_accuracy,
        root,
        "engine-v1.1.0",
        data_dir,
        match="fixtures/weights/1.1.0: @digitnet/engine 1.1.0 pins weights less accurate than "
        "1.0.0, pinned by @digitnet/engine 1.0.0: int8 test accuracy ",
    )
    assert "shifted by 3 px" in message  # a model that reads one digit reads it shifted too


def forge(root: Path, version: str, edit) -> None:
    """Edit the metadata, the card and the index's summary alike, with the index's hashes."""
    folder = root / "fixtures" / "weights" / version
    index = json.loads((root / "fixtures/index.json").read_text())
    for name in ("model.json", "card.json"):
        doc = json.loads((folder / name).read_text())
        edit(doc["metadata"] if name == "model.json" else doc)
        text = dump(doc)
        write(root, f"fixtures/weights/{version}/{name}", text)
        digest = hashlib.sha256(text.encode()).hexdigest()
        index["weights"][version]["files"][name] = {"sha256": digest, "size": len(text.encode())}
    index["weights"][version]["int8Accuracy"] = 0.9999
    write(root, "fixtures/index.json", dump(index))


@pytest.mark.parametrize("data_sha256", ["kept", "other", "removed"])
def test_a_forged_accuracy_fires(measured, data_sha256):
    """The card, the metadata and the index say 99.99 %: the gate compares what the model does."""
    root, data_dir, digits = measured
    publish_reading(root, "1.1.0", data_dir, digits[-1])

    def edit(meta):
        meta["int8Accuracy"] = 0.9999
        if data_sha256 == "other":
            meta["dataSha256"]["t10k-labels-idx1-ubyte"] = "0" * 64
        elif data_sha256 == "removed":
            del meta["dataSha256"]

    forge(root, "1.1.0", edit)
    write(root, "CHANGELOG.md", release_entry("engine", "1.1.0", "- Weights `1.1.0` pinned."))
    said = {
        "kept": "metadata.int8Accuracy is 0.9999, the model gives",
        "other": "1.1.0: cannot recompute its recorded figures without the test data",
        "removed": "metadata.dataSha256 must give the SHA-256",
    }[data_sha256]
    fails(release_check.check_accuracy, root, "engine-v1.1.0", data_dir, match=said)
    skip = ["--skip", "parity", "--skip", "packages", "--root", str(root), "--data", data_dir]
    assert release_check.main([*skip, "engine-v1.1.0"]) == 1


def test_a_stated_regression_passes_and_an_empty_one_does_not(measured):
    root, data_dir, digits = measured
    publish_reading(root, "1.1.0", data_dir, digits[-1])
    empty = "- Weights `1.1.0` pinned.\n- Accuracy regression: "
    write(root, "CHANGELOG.md", release_entry("python", "1.1.0", empty))
    fails(release_check.check_accuracy, root, "py-v1.1.0", data_dir, match="less accurate")
    why = "- Weights `1.1.0` pinned.\n- Accuracy regression: half the size, 1 point less."
    write(root, "CHANGELOG.md", release_entry("python", "1.1.0", why))
    said = release_check.check_accuracy(root, "py-v1.1.0", data_dir)
    assert "weights 1.1.0 below 1.0.0, and its entry says why" in said


def test_previous_release_is_the_changelog_entry_below(measured):
    """Two releases back is not the baseline: 1.1.0 is, even if 1.0.0 was better."""
    root, data_dir, digits = measured
    publish_reading(root, "1.1.0", data_dir, digits[-1])
    entry = "- Weights `1.1.0` pinned.\n- Accuracy regression: smaller."
    write(root, "CHANGELOG.md", release_entry("engine", "1.1.0", entry))
    publish_reading(root, "1.2.0", data_dir, digits[-1])
    text = (root / "CHANGELOG.md").read_text()
    top = "## @digitnet/engine\n"
    write(
        root,
        "CHANGELOG.md",
        text.replace(top, top + "\n### [1.2.0] - 2026-12-02\n\n- Weights `1.2.0` pinned.\n"),
    )
    said = release_check.check_accuracy(root, "engine-v1.2.0", data_dir)
    assert "weights 1.2.0 at least as accurate as 1.1.0 (1.1.0)" in said


# d. Parity (a stand-in for python -m digitnet.parity: the real one needs MNIST and node)


def stand_in(*lines: str, code: int = 0) -> list[str]:
    return [sys.executable, "-c", f"print({chr(10).join(lines)!r}); raise SystemExit({code})"]


def test_parity_passes_with_a_row_for_the_pinned_version(repo: Path):
    command = stand_in("1.0.0    parity.json cases   1  0  1/1  -", "PARITY OK: 5 checks")
    assert release_check.check_parity(repo, command) == "PARITY OK: 5 checks"


def test_parity_failure_fires(repo: Path):
    command = stand_in("1.0.0    parity.json  1  0.1  0/1", "PARITY FAILED (...)", code=1)
    message = fails(
        release_check.check_parity, repo, command, match="python -m digitnet.parity exited 1"
    )
    assert "PARITY FAILED" in message


def test_parity_without_the_pinned_version_fires(repo: Path):
    command = stand_in("0.9.0    parity.json  1  0  1/1", "PARITY OK: 1 checks")
    fails(release_check.check_parity, repo, command, match="no row for the pinned weights 1.0.0")


# e. Fresh installs: the smoke tests that nox -s build runs on each artifact


def smoke_fixtures(tmp_path: Path, change=None) -> tuple[Path, str]:
    """A fixtures folder with the published parity files of every version this interpreter's
    digitnet bundles, the newest one's first case passed through `change`; and that version."""
    from digitnet.pretrained import bundled_versions

    versions = bundled_versions()
    for version in versions:
        doc = json.loads((REPO / f"fixtures/weights/{version}/parity.json").read_text())
        if change and version == versions[-1]:
            doc["cases"][0] = change(doc["cases"][0], digitnet.pretrained(version))
        write(tmp_path / "fixtures", f"weights/{version}/parity.json", dump(doc))
    return tmp_path / "fixtures", versions[-1]


def smoke(tmp_path: Path, change=None, prefix: str = "", version: str | None = None) -> str:
    fixtures, newest = smoke_fixtures(tmp_path, change)
    return dist.smoke_python(Path(sys.executable), fixtures, version or newest, prefix)


def test_python_smoke_passes_and_fires(tmp_path: Path):
    said = smoke(tmp_path / "a")
    assert "pretrained() is" in said and "1.0.0: 270 parity digits" in said
    off = lambda c, m: {**c, "probabilities": [p + 1e-9 for p in c["probabilities"]]}  # noqa: E731
    with pytest.raises(SmokeFailed, match=r"cases\[0\] .*probabilities differ by 1e-09"):
        smoke(tmp_path / "b", off)

    # Conformance levels (FORMAT.md): probabilities within the tolerance, so one ulp off passes
    # (exp's last bit is the platform's); logits exact, so one ulp off in a logit fails.
    def one_ulp(c, m):
        p0, *rest = c["probabilities"]
        return {**c, "probabilities": [math.nextafter(p0, 1.0), *rest]}

    assert " parity digits" in smoke(tmp_path / "c", one_ulp)

    def logits(c, m, nudge=False):
        z0, *zs = m.forward(pixels(c))["logits"].tolist()
        return {**c, "logits": [math.nextafter(z0, math.inf) if nudge else z0, *zs]}

    assert " logits exact" in smoke(tmp_path / "d", logits)
    with pytest.raises(SmokeFailed, match=r"cases\[0\] .*logits differ by .* \(exact\)"):
        smoke(tmp_path / "e", lambda c, m: logits(c, m, nudge=True))
    with pytest.raises(SmokeFailed, match="not from the fresh install /nowhere"):
        smoke(tmp_path / "f", prefix="/nowhere")
    with pytest.raises(SmokeFailed, match="digitnet.pretrained\\(\\) is weights .*, pinned 9.9.9"):
        smoke(tmp_path / "g", version="9.9.9")


def test_artifacts_without_licence_or_weights_fire(tmp_path: Path):
    import tarfile
    import zipfile

    wheel = tmp_path / "digitnet-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("digitnet/weights/1.0.0/model.json", "{}")
        z.writestr("digitnet-1.0.0.dist-info/licenses/LICENSE", "MIT")
    dist.check_contents(wheel, "1.0.0")
    with pytest.raises(SmokeFailed, match="lacks digitnet/weights/1.1.0/model.json"):
        dist.check_contents(wheel, "1.1.0")
    sdist = tmp_path / "digitnet-1.0.0.tar.gz"
    (tmp_path / "w").write_text("{}")
    with tarfile.open(sdist, "w:gz") as t:
        t.add(tmp_path / "w", "digitnet-1.0.0/src/digitnet/weights/1.0.0/model.json")
    with pytest.raises(SmokeFailed, match="digitnet-1.0.0.tar.gz: lacks LICENSE"):
        dist.check_contents(sdist, "1.0.0")


def pixels(case: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(case["pixels"]), np.uint8) / 255


def fake_engine(root: Path, out: Path, model: str, predict: str) -> Path:
    """An npm tarball that looks like @digitnet/engine, with the given model.json and predict."""
    package = json.loads((root / "js/package.json").read_text())
    package |= {
        "type": "module",
        "exports": {
            ".": "./index.js",
            "./model.json": "./model.json",
            "./package.json": "./package.json",
        },
    }
    src = out / "src"
    write(src, "package.json", dump(package))
    write(src, "model.json", model)
    forward = f"(x) => ({{ probs: ({predict})(x), hidden: [], logits: [] }})"
    engine = f"({{ info: {{ version: d.version }}, predict: {predict}, forward: {forward} }})"
    write(src, "index.js", f"export const loadModel = (d) => {engine};\n")
    packed = subprocess.run(
        ["npm", "pack", "--json", "--pack-destination", str(out)],
        cwd=src,
        check=True,
        capture_output=True,
        text=True,
    )
    return out / json.loads(packed.stdout)[0]["filename"]


@needs_npm
def test_npm_smoke_fires_on_wrong_predictions_and_wrong_weights(repo: Path, tmp_path: Path):
    version, sha = dist.pinned(repo)
    parity = dist.parity_file(repo, version)
    model = (repo / "js/model.json").read_text()
    uniform = "() => new Float64Array(10).fill(0.1)"
    tarball = fake_engine(repo, tmp_path / "a", model, uniform)
    with pytest.raises(SmokeFailed, match=r"cases\[0\] .*probabilities differ by"):
        dist.smoke_npm(tarball, version, sha, parity)
    tarball = fake_engine(repo, tmp_path / "b", model + " ", uniform)
    with pytest.raises(SmokeFailed, match=f"model.json: SHA-256 [0-9a-f]+, pinned {sha}"):
        dist.smoke_npm(tarball, version, sha, parity)


@needs_npm
@pytest.mark.skipif(not (REPO / "js/package.json").exists(), reason="needs the js/ package")
def test_npm_smoke_passes_on_the_real_package(tmp_path: Path):
    version, sha = dist.pinned(REPO)
    tarball = dist.build_npm(REPO, tmp_path)
    said = dist.smoke_npm(tarball, version, sha, dist.parity_file(REPO, version))
    assert "@digitnet/engine" in said and " parity digits, " in said
