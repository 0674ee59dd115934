"""What a model card says the model is for (fixtures/FORMAT.md, "Model card"): `intendedUse` and
`limitations`, written by the export into card.json from formatVersion 2 on (cards published
before, 1.0.0 and 1.1.0, never change and have neither). The measured part of the limitations
is built from the card's own figures, so it cannot disagree with them."""

from __future__ import annotations

from pathlib import Path

from .errors import DigitnetError
from .evaluate import DESCRIPTIONS

FORMAT = "digitnet-card"
FORMAT_VERSION = 2  # 2 adds intendedUse and limitations
WEAKEST_SHOWN = 3  # transforms named in the "where it breaks" limitation

INTENDED_USE = (
    "Classifying one handwritten digit, 0 to 9, centred in a square image the way MNIST's are: "
    "drawn on a canvas or scanned, then preprocessed to 28x28 grey levels (fixtures/"
    "PREPROCESS.md). Small enough to run in a web page or a script with no server."
)
ALWAYS_ANSWERS = (
    "It always answers one of the ten digits, even for a letter, a scribble or an empty "
    "image: a high probability does not mean the input is a digit at all."
)
ONE_DIGIT = (
    "One digit at a time: several digits, a digit touching the image's edge, or a photo with "
    "a textured background are outside what it was trained on."
)
MNIST_ONLY = (
    "Trained and measured on MNIST alone (American Census Bureau staff and students, US-style "
    "1 and 7); other hands and styles may do worse than the figures below."
)


def percent(fraction: float) -> str:
    return f"{100 * fraction:.2f} %"


def measured_limitation(metadata: dict) -> str:
    """Where the model breaks, from the card's robustness figures (the shifts alone for a card
    without the suite)."""
    suite = metadata.get("robustness") or {
        f"shift{d}": a for d, a in metadata["shiftRobustness"].items()
    }
    weakest = sorted((a, k) for k, a in suite.items() if k != "worst")[:WEAKEST_SHOWN]
    named = ", ".join(f"{k} ({DESCRIPTIONS.get(k, k)}) {percent(a)}" for a, k in weakest)
    accuracy = percent(metadata["int8Accuracy"])
    return (
        "Measured on the 10,000 MNIST test digits (this file's quantized weights, 4 or 8 bits): "
        f"{accuracy} as they are; it does worst on {named}: every figure of the robustness "
        "suite is in `robustness` (fixtures/FORMAT.md)."
    )


def usage(metadata: dict) -> dict:
    """The card's `intendedUse` and `limitations` for a model with this metadata."""
    return {
        "intendedUse": INTENDED_USE,
        "limitations": [ALWAYS_ANSWERS, ONE_DIGIT, MNIST_ONLY, measured_limitation(metadata)],
    }


def check_usage(card: dict, path: Path) -> None:
    """From formatVersion 2 a card says what the model is for: a non-empty `intendedUse` text and
    a non-empty list of `limitations` texts."""
    version = card.get("formatVersion")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise DigitnetError(f"{path}: formatVersion: expected 1 to {FORMAT_VERSION}")
    if version < 2:
        return
    use, limits = card.get("intendedUse"), card.get("limitations")
    if not isinstance(use, str) or not use.strip():
        raise DigitnetError(f"{path}: intendedUse: expected a non-empty text")
    texts = isinstance(limits, list) and all(isinstance(s, str) and s.strip() for s in limits)
    if not texts or not limits:
        raise DigitnetError(f"{path}: limitations: expected a non-empty list of texts")
