"""The loader contract written once (fixtures/conformance/model-cases.json), run on the Python
loader: every case in every form a caller can hand it (bytes, text, a path, the parsed dict),
the same verdict and the same field; and no small file can make it allocate or hang.
js/test/conformance.test.js runs the same cases on the JS loader."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from digitnet import reference
from digitnet.errors import DigitnetError

ROOT = Path(__file__).resolve().parents[2]
CASES_FILE = ROOT / "fixtures" / "conformance" / "model-cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def document_bytes(case: dict) -> bytes:
    if "document" in case:
        return case["document"].encode("utf-8")
    return case["documentBytes"].encode("latin-1")


def verdict(source) -> str | None:
    """None if the loader accepts `source`, else the field its error names."""
    try:
        reference.load_model(source)
    except DigitnetError as e:
        assert e.field is not None, f"a loader error without a field: {e}"
        assert "\n" not in str(e), f"not one line: {e!r}"
        return e.field
    return None


def forms(case: dict, tmp_path: Path):
    """(name, source) for every way of handing the loader this document."""
    data = document_bytes(case)
    yield "bytes", data
    yield "bytearray", bytearray(data)
    path = tmp_path / "model.json"
    path.write_bytes(data)
    yield "path", path
    if "document" in case and case["document"].lstrip().startswith("{"):
        yield "text", case["document"]
    try:  # the parsed document, when it parses (a parsed string would be taken as a path)
        parsed = reference.parse(case["document"])
    except (KeyError, DigitnetError):
        return
    if not isinstance(parsed, str):
        yield "parsed", parsed


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_conformance_case(case, tmp_path):
    want = None if case["valid"] else case["field"]
    for form, source in forms(case, tmp_path):
        got = verdict(source)
        assert got == want, f"{form}: {'accepted' if got is None else f'rejected at {got}'}"


def test_error_messages_name_the_field_and_the_file(tmp_path):
    bad = next(c for c in CASES if c.get("field") == "layers[0].scale")
    with pytest.raises(DigitnetError, match=r"^model: layers\[0\]\.scale: expected a positive"):
        reference.load_model(document_bytes(bad))
    path = tmp_path / "m.json"
    path.write_bytes(b"\xff")
    with pytest.raises(DigitnetError, match=rf"^{path}: invalid UTF-8 \(byte 0\)$"):
        reference.load_model(path)


def test_the_cases_match_their_schema_and_generator():
    import jsonschema  # a test dependency (nox -s tests installs it)

    schema = json.loads((CASES_FILE.parent / "model-cases.schema.json").read_text())
    jsonschema.validate(json.loads(CASES_FILE.read_text(encoding="utf-8")), schema)
    generator = ROOT / "tools" / "conformance" / "make_model_cases.py"
    proc = subprocess.run([sys.executable, str(generator), "--check"], capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    kinds = {c.get("field", "valid").split(".")[-1].split("[")[0] for c in CASES}
    assert {"valid", "model", "version", "inputs", "outputs", "scale", "bias", "weights"} <= kinds


# Each case loaded in a child process that may not grow its address space by more than 100 MB:
# a loader allocating anything proportional to a declared size (outputs = 1e9) dies there.
GUARD = textwrap.dedent(
    """
    import json, resource, sys
    from digitnet import reference
    from digitnet.errors import DigitnetError
    cases = json.loads(open(sys.argv[1], encoding="utf-8").read())["cases"]
    docs = [c["document"].encode() if "document" in c else c["documentBytes"].encode("latin-1")
            for c in cases]
    def vm():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    limit = vm() + 100 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for c, doc in zip(cases, docs):
        try:
            reference.load_model(doc)
        except DigitnetError:
            pass
    print("loaded", len(docs))
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_no_case_allocates_100_mb_or_hangs():
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PATH": ""}
    proc = subprocess.run(
        [sys.executable, "-c", GUARD, str(CASES_FILE)],
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang, not a speed test: the cases take about a second
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == f"loaded {len(CASES)}"
