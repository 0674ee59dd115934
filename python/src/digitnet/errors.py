"""The one exception type the CLI turns into a one-line message and exit status 2."""

from __future__ import annotations


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
