"""The parity harness's judgement: a Row (what the JS side gave beside what the reference
gives), its Check (judged exactly, or within the probability tolerance) and the printed table.
js/e2e/check_reference.py judges the browser's drawings with the same rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from digitnet import conformance

TOLERANCE = conformance.PROBABILITY_TOLERANCE  # exp()'s last bit is the platform's
EXACT = conformance.EXACT  # logits and activations (same summation order), preprocessing


@dataclass
class Check:
    version: str
    backend: str
    what: str
    count: int
    max_diff: float
    agree: int  # argmax agreement (or null-ness agreement for preprocessing)
    worst: str
    tolerance: float = TOLERANCE

    @property
    def ok(self) -> bool:
        return self.count > 0 and self.max_diff <= self.tolerance and self.agree == self.count


@dataclass
class Row:
    """One line of the table: the engine's rows against the reference's, and how close."""

    version: str  # "-" for what does not depend on the weights
    backend: str  # "js" or "wasm"; "-" for what no JS backend computes
    what: str
    js: np.ndarray
    ref: np.ndarray
    names: list[str]  # one per row, to name the worst case
    tolerance: float = TOLERANCE
    argmax: bool = True  # the same digit on top, too


def judge(row: Row) -> Check:
    """Rows of js against rows of ref; NaN rows stand for null and must match null exactly.
    Zero rows is a failure: a check that compared nothing proves nothing."""
    js, ref, names = row.js, row.ref, row.names
    if len(js) == 0 or js.shape != ref.shape:
        why = "nothing compared" if len(js) == 0 else f"shapes {js.shape} and {ref.shape}"
        return Check(row.version, row.backend, row.what, len(js), np.inf, 0, why, row.tolerance)
    js_null, ref_null = np.isnan(js).all(axis=1), np.isnan(ref).all(axis=1)
    both = ~js_null & ~ref_null
    diff = np.where(both[:, None], np.abs(js - ref), 0.0)
    diff = np.where(np.isnan(diff), np.inf, diff).max(axis=1)  # a partial NaN is a failure
    diff[js_null != ref_null] = np.inf
    agree = js_null == ref_null
    if row.argmax:
        agree &= ~both | (js.argmax(axis=1) == ref.argmax(axis=1))  # ~both: null rows as above
    k = int(np.argmax(diff))
    if agree.sum() < len(agree) and diff[k] <= row.tolerance:
        k = int(np.argmin(agree))  # the worst case is the one whose answer differs
    worst = f"{names[k]}: |d|={diff[k]:.3g}"
    if diff[k] == 0 and agree.all():
        worst = "all identical"
    if js_null[k] != ref_null[k]:
        worst = f"{names[k]}: JS gives {'null' if js_null[k] else 'a result'}, reference not"
    return Check(
        row.version,
        row.backend,
        row.what,
        len(js),
        float(diff.max()),
        int(agree.sum()),
        worst,
        row.tolerance,
    )


def table(checks: list[Check]) -> str:
    """The checks as the table `nox -s parity` and the e2e check print: one line each."""
    header = (
        f"{'version':<9}{'engine':<8}{'check':<44}{'count':>7}{'max |d|':>11}{'allowed':>9}"
        f"{'agree':>13}  worst case"
    )
    return "\n".join(
        [header]
        + [
            f"{c.version:<9}{c.backend:<8}{c.what:<44}{c.count:>7}{c.max_diff:>11.3g}"
            f"{c.tolerance:>9.3g}"
            f"{f'{c.agree}/{c.count}':>13}  {c.worst}{'' if c.ok else '  <-- FAILED'}"
            for c in checks
        ]
    )
