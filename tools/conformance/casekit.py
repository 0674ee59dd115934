"""What the loader conformance cases (make_model_cases.py) are made with: the base models, a
case (a document, its verdict and the field its error names, written by hand from
FORMAT.md), and edits of a base model's text or structure. CASES collects them in order."""

from __future__ import annotations

import base64
import copy

from digitnet_tools.conformance.models import model, text

BASE = model((784, 1, 10), "per-layer", seed=1)  # about 1.3 KB: cases stay small


CHANNELS = model((784, 2, 10), "per-channel", seed=2)


CASES: list[dict] = []


def case(description: str, document: str | bytes, valid: bool, field: str | None = None):
    assert valid == (field is None), description
    entry = {"description": description}
    if isinstance(document, bytes):
        # Text stays readable as text; a byte-order mark belongs to the bytes, not the text.
        try:
            as_text = None if document.startswith(b"\xef\xbb\xbf") else document.decode("utf-8")
        except UnicodeDecodeError:
            as_text = None
        if as_text is None:
            entry["documentBytes"] = document.decode("latin-1")
        else:
            entry["document"] = as_text
    else:
        document.encode("utf-8")  # no lone surrogates: the text must have UTF-8 bytes
        entry["document"] = document
    entry["valid"] = valid
    if field is not None:
        entry["field"] = field
    CASES.append(entry)


def edit(description, change, field=None, base=BASE):
    """The base model with `change(doc)` applied."""
    doc = copy.deepcopy(base)
    change(doc)
    case(description, text(doc), field is None, field)


def sub(description, old, new, field=None, base=BASE, count=1):
    """The base model's text with `old` (which must occur) replaced by `new`: for literals a
    parsed document cannot hold (784.0, 1e999, duplicate keys)."""
    t = text(base)
    assert t.count(old) >= count, (description, old)
    case(description, t.replace(old, new, count), field is None, field)


def first_item(description, key, literal, field, base):
    """The first item of the first `key` array replaced by `literal` (kept in place)."""
    t = text(base)
    start = t.index(f'"{key}":[') + len(key) + 4
    end = min(t.index(",", start), t.index("]", start))
    case(description, t[:start] + literal + t[end:], field is None, field)


def setter(path, value):
    def change(doc):
        *keys, last = path
        for k in keys:
            doc = doc[k]
        doc[last] = value

    return change


def deleter(path):
    def change(doc):
        *keys, last = path
        for k in keys:
            doc = doc[k]
        del doc[last]

    return change


def weights_of(n_bytes: int) -> str:
    return base64.b64encode(bytes(n_bytes)).decode()


def int8(values) -> str:
    """The base64 of these int8 values, in the file's order."""
    return base64.b64encode(bytes(v & 0xFF for v in values)).decode()


def column_one(weights: str) -> str:
    """A 784-2 layer's weights with output 1's column zero but for a 1 from input 0."""
    q = bytearray(base64.b64decode(weights))
    q[1::2] = bytes(len(q) // 2)
    q[1] = 1
    return base64.b64encode(bytes(q)).decode()
