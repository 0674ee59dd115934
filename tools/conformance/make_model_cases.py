"""Write fixtures/conformance/model-cases.json: the loader contract of FORMAT.md as test cases.

    python tools/conformance/make_model_cases.py [--check]

Each case is a model file as text (or as bytes, one char per byte, when it is not UTF-8), whether
a loader must accept it, and the field its error must name. The verdicts are written here by
hand from FORMAT.md's rules, never computed by a loader: both loaders' tests run every case
(python/tests/test_conformance.py, js/test/conformance.test.js). --check exits 1 if the file
differs from what this script writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from digitnet_tools.conformance.casekit import CASES
from digitnet_tools.conformance.document_cases import (
    model_level_cases,
    size_cases,
    top_level_cases,
    valid_cases,
)
from digitnet_tools.conformance.four_bit_cases import (
    four_bit_byte_faults,
    four_bit_cases,
    four_bit_faults,
)
from digitnet_tools.conformance.layer_cases import bias_cases, layer_cases, weights_cases
from digitnet_tools.conformance.overflow_cases import overflow_cases

OUT = Path(__file__).resolve().parents[2] / "fixtures" / "conformance" / "model-cases.json"


def main() -> int:
    for group in (
        valid_cases,
        model_level_cases,
        top_level_cases,
        size_cases,
        layer_cases,
        bias_cases,
        weights_cases,
        four_bit_cases,
        four_bit_faults,
        four_bit_byte_faults,
        overflow_cases,
    ):
        group()
    descriptions = [c["description"] for c in CASES]
    assert len(set(descriptions)) == len(descriptions), "descriptions must be unique"
    doc = {
        "format": "digitnet-model-cases",
        "formatVersion": 1,
        "description": (
            "The digitnet-mlp v1 loader contract (fixtures/FORMAT.md): every loader must accept "
            "exactly the cases marked valid and reject the others with an error naming `field`. "
            "Written by tools/conformance/make_model_cases.py."
        ),
        "cases": CASES,
    }
    out = json.dumps(doc, indent=1, ensure_ascii=True) + "\n"
    if "--check" in sys.argv[1:]:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != out:
            print(f"{OUT}: differs from what {Path(__file__).name} writes; run it", file=sys.stderr)
            return 1
        return 0
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(out, encoding="utf-8")
    tmp.replace(OUT)
    print(f"{OUT}: {len(CASES)} cases, {len(out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
