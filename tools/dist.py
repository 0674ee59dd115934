"""`nox -s build`: the wheel, the sdist and the npm tarball in dist/, each smoke-tested fresh.

    python tools/dist.py [python] [npm]       (both when none is named; needs `build` installed)

Each artifact is installed where the source tree cannot leak in (a new venv, a new npm project,
run from an empty directory) and must reproduce every digit of the pinned weights' parity file
at the conformance levels of fixtures/FORMAT.md: the same digit, the same logits to the bit
and activations where the case carries them, and probabilities within the conformance tolerance
(exp() differs in the last bit between C libraries, NumPy's SIMD paths and V8): Python checks
with `digitnet verify`'s checker, JavaScript with js/parity/replay.mjs. The wheel and the sdist
do it with their own bundled weights, `digitnet.pretrained()`, which must be the pinned version
(and every other bundled version reproduces its own parity file). `nox -s release_check` reuses
this.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from digitnet import layout

ROOT = Path(__file__).resolve().parents[1]

# Run by the fresh venv's interpreter: argv = fixtures folder, pinned version, required prefix.
# digitnet.pretrained() must be the pinned weights, and every bundled version must reproduce
# its published parity file, as `digitnet verify` checks one (check_parity: activations and
# logits to the bit where the file carries them, probabilities within the conformance tolerance,
# the same digit).
PY_SMOKE = """
import os, sys
from pathlib import Path
import digitnet
fixtures, pinned, prefix = sys.argv[1:4]
if prefix and not os.path.realpath(digitnet.__file__).startswith(prefix):
    sys.exit(f"digitnet was imported from {digitnet.__file__}, not from the fresh install {prefix}")
from digitnet.errors import DigitnetError
from digitnet.pretrained import bundled_versions
from digitnet.verify import check_parity
if digitnet.pretrained().version != pinned:
    sys.exit(f"digitnet.pretrained() is weights {digitnet.pretrained().version}, pinned {pinned}")
said = []
for version in bundled_versions():
    try:
        path = Path(fixtures, "weights", version, "parity.json")
        fv, n = check_parity(digitnet.pretrained(version), path)
    except DigitnetError as e:
        sys.exit(f"weights {version}: {e}")
    exact = ("", "", ", logits exact", ", activations and logits exact")[fv]
    said.append(f"{version}: {n} parity digits reproduced{exact}")
print(f"digitnet {digitnet.__version__}: pretrained() is {pinned}; " + "; ".join(said))
"""

# Run by node in the fresh npm project: argv = parity file, pinned version, pinned SHA-256, the
# parity checker (js/parity/replay.mjs, imported by its path: it is not in the package).
JS_SMOKE = """
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { loadModel } from '@digitnet/engine';
const [parityPath, version, sha, checker] = process.argv.slice(1);
const { replay } = await import(pathToFileURL(checker));
const require = createRequire(`${process.cwd()}/`);
const file = require.resolve('@digitnet/engine/model.json');
const bytes = readFileSync(file);
const fail = (msg) => { console.error(msg); process.exit(1); };
const got = createHash('sha256').update(bytes).digest('hex');
if (got !== sha) fail(`${file}: SHA-256 ${got}, pinned ${sha}`);
const model = loadModel(JSON.parse(bytes));
const info = model.info.version;
if (info !== version) fail(`model.info.version is ${info}, pinned ${version}`);
const parity = JSON.parse(readFileSync(parityPath, 'utf8'));
let said;
try {
  said = replay(parity, (x) => ({ ...model.forward(x), probs: model.predict(x) }), parityPath);
} catch (e) {
  fail(e.message);
}
const zeros = Array.from(model.predict(new Array(784).fill(0)));
const total = zeros.reduce((a, b) => a + b, 0);
if (zeros.length !== 10 || !(Math.abs(total - 1) < 1e-9)) fail(`predict(zeros) sums to ${total}`);
const pkg = require('@digitnet/engine/package.json');
const d = said.worst.toExponential(3);
const exact = `${said.logits} logits and ${said.hidden} activations exact`;
console.log(`${pkg.name} ${pkg.version}: ${said.cases} parity digits, ${exact}, max |d| ${d}`);
"""

REPLAY = ROOT / "js" / "parity" / "replay.mjs"  # the JS parity-file checker


class SmokeFailed(Exception):
    """A build or smoke test failed; the message says which artifact and what went wrong."""


def run(cmd: list[str], cwd: Path, what: str) -> str:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr.strip() or proc.stdout.strip()).splitlines()[-15:])
        shown = " ".join(map(str, cmd[:4]))
        raise SmokeFailed(f"{what}: `{shown} ...` exited {proc.returncode}\n{tail}")
    return proc.stdout


def pinned(root: Path) -> tuple[str, str]:
    """The weights version and SHA-256 pinned by js/package.json."""
    pin = json.loads((root / "js" / "package.json").read_text())["digitnet"]
    return pin["weightsVersion"], pin["weightsSha256"]


def parity_file(root: Path, version: str) -> Path:
    """The version's parity file: real MNIST digits and their probabilities (and logits)."""
    return layout.version_file(root / layout.DEFAULT_DEST, version, layout.PARITY)


def build_python(root: Path, out: Path) -> list[Path]:
    for old in [*out.glob("digitnet-*.whl"), *out.glob("digitnet-*.tar.gz")]:
        old.unlink()
    run([sys.executable, "-m", "build", "--outdir", out, root / "python"], root, "python -m build")
    built = sorted(out.glob("digitnet-*.whl")) + sorted(out.glob("digitnet-*.tar.gz"))
    if len(built) != 2:
        raise SmokeFailed(f"{out}: expected one wheel and one sdist, found {built}")
    for artifact in built:
        check_contents(artifact, pinned(root)[0])
    return built


def check_contents(artifact: Path, version: str) -> None:
    """The wheel and the sdist carry the LICENSE and the pinned weights."""
    if artifact.suffix == ".whl":
        with zipfile.ZipFile(artifact) as wheel:
            names = wheel.namelist()
    else:
        with tarfile.open(artifact) as sdist:
            names = [name.split("/", 1)[-1] for name in sdist.getnames()]
    weights = f"digitnet/weights/{version}/model.json"
    wanted = {"LICENSE": lambda n: n == "LICENSE" or n.endswith(".dist-info/licenses/LICENSE")}
    wanted[weights] = lambda n: n.endswith(weights)
    missing = [what for what, found in wanted.items() if not any(map(found, names))]
    if missing:
        raise SmokeFailed(f"{artifact.name}: lacks {', '.join(missing)}")


def build_npm(root: Path, out: Path) -> Path:
    for old in out.glob("digitnet-engine-*.tgz"):
        old.unlink()
    packed = run(["npm", "pack", "--json", "--pack-destination", out], root / "js", "npm pack")
    [info] = json.loads(packed)
    names = {f["path"] for f in info["files"]}
    missing = {"package.json", "model.json", "src/index.js"} - names
    if missing:
        raise SmokeFailed(f"{info['filename']}: the tarball lacks {', '.join(sorted(missing))}")
    return out / info["filename"]


def smoke_python(python: Path, fixtures: Path, version: str, prefix: str = "") -> str:
    """`python`'s digitnet.pretrained() (imported from under `prefix` when given) is `version`
    and reproduces the parity file of every bundled version in `fixtures`."""
    with tempfile.TemporaryDirectory() as cwd:  # an empty cwd: the source tree is not importable
        cmd = [python, "-c", PY_SMOKE, fixtures.resolve(), version, prefix]
        return run(cmd, Path(cwd), f"digitnet from {prefix or python}").strip()


def install_python(artifact: Path, fixtures: Path, version: str) -> str:
    """Install a wheel or sdist into a new venv; `digitnet --help` and the bundled weights."""
    with tempfile.TemporaryDirectory(prefix="digitnet-smoke-") as tmp:
        venv = Path(tmp) / "venv"
        run([sys.executable, "-m", "venv", venv], Path(tmp), f"{artifact.name}: venv")
        python = venv / "bin" / "python"
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        run([*pip, artifact], Path(tmp), f"{artifact.name}: pip install")
        run([venv / "bin" / "digitnet", "--help"], Path(tmp), f"{artifact.name}: digitnet --help")
        prefix = str(venv.resolve())
        said = smoke_python(python, fixtures, version, prefix)
        return f"{artifact.name}: digitnet --help ok; {said}"


def smoke_npm(tarball: Path, version: str, sha: str, parity: Path) -> str:
    """Install the tarball into a new npm project; its model.json is the pinned file and
    reproduces the parity file."""
    with tempfile.TemporaryDirectory(prefix="digitnet-smoke-") as tmp:
        project = Path(tmp)
        (project / "package.json").write_text('{"name": "smoke", "private": true}\n')
        quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
        run(["npm", "install", *quiet, tarball.resolve()], project, f"{tarball.name}: npm install")
        cmd = [
            "node",
            "--input-type=module",
            "-e",
            JS_SMOKE,
            parity.resolve(),
            version,
            sha,
            REPLAY,
        ]
        said = run(cmd, project, f"{tarball.name}: import and predict")
        return f"{tarball.name}: {said.strip()}"


def build_and_smoke(root: Path, kinds: list[str], out: Path | None = None) -> list[str]:
    """Build the named kinds ("python", "npm") into dist/ and smoke-test each artifact."""
    out = out or root / "dist"
    out.mkdir(parents=True, exist_ok=True)
    version, sha = pinned(root)
    report = []
    if "python" in kinds:
        for artifact in build_python(root, out):
            report.append(install_python(artifact, root / layout.DEFAULT_DEST, version))
    if "npm" in kinds:
        report.append(smoke_npm(build_npm(root, out), version, sha, parity_file(root, version)))
    return report


def main(argv: list[str]) -> int:
    kinds = argv or ["python", "npm"]
    if unknown := set(kinds) - {"python", "npm"}:
        print(
            f"dist: unknown kind {', '.join(sorted(unknown))} (expected python, npm)",
            file=sys.stderr,
        )
        return 2
    if shutil.which("npm") is None and "npm" in kinds:
        print("dist: npm not found (needed for npm pack)", file=sys.stderr)
        return 2
    try:
        for line in build_and_smoke(ROOT, kinds):
            print(f"ok  {line}")
    except SmokeFailed as e:
        print(f"BUILD FAILED: {e}", file=sys.stderr)
        return 1
    print(f"BUILD OK: {', '.join(p.name for p in sorted((ROOT / 'dist').iterdir()))} in dist/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
