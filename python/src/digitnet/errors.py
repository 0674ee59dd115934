"""The one exception type the CLI turns into a one-line message and exit status 2."""

from __future__ import annotations

import re


class DigitnetError(Exception):
    """Bad input or environment: the message names the file or field and the problem.

    `field` is the model file's field the loader rejected (e.g. "layers[1].scales[3]", or
    "model" for the file as a whole), as fixtures/conformance/model-cases.json names it; None
    for other errors.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InputError(DigitnetError, ValueError):
    """An input to `predict`/`forward` that the model does not take (a ValueError too)."""


NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def printable(text: str) -> str:
    """`text` with every character outside printable ASCII written \\uXXXX, one per UTF-16 unit
    (ESC, newlines, U+2028, U+0085, U+202E; an astral character as its two surrogates), as
    js/src/validate.js's `printable` writes it: a message then stays one line and cannot move
    the cursor, clear the terminal or reorder what follows. (The strings a loader shows are
    JSON-quoted first, json.dumps here and JSON.stringify there, which agree.)"""
    return NOT_PRINTABLE.sub(lambda m: units(m.group()), text)


def units(c: str) -> str:
    data = c.encode("utf-16-be", "surrogatepass")
    return "".join(
        f"\\u{int.from_bytes(data[i : i + 2], 'big'):04x}" for i in range(0, len(data), 2)
    )
