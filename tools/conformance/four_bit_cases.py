"""Loader conformance cases (make_model_cases.py): 4-bit layers, their packing, padding nibble
and refused levels."""

from __future__ import annotations

import base64

from digitnet_tools.conformance.casekit import case, edit, setter, sub, weights_of
from digitnet_tools.conformance.models import model, text

# 4-bit layers: 784*3 and 5*10 levels are even, layer 1's 3*5 = 15 odd (a padding nibble).
FOUR = model((784, 3, 5, 10), "per-channel", seed=7, bits=(4, 4, 4))


def with_bytes(layer: int, change, base=FOUR):
    """A change to the document that rewrites layer `layer`'s weight bytes with change(bytes)."""

    def apply(doc):
        spec = doc["layers"][layer]
        spec["weights"] = base64.b64encode(change(base64.b64decode(spec["weights"]))).decode()

    return apply


def last_byte(value: int):
    return lambda b: b[:-1] + bytes([value(b[-1])])


def four_bit_cases():
    """FORMAT.md's 4-bit layers that load: mixed widths, the packing's last nibble, -7 and 7."""
    case("4-bit layers (784-3-5-10): layer 1's 15 levels end in a padding nibble", text(FOUR), True)
    mixed = ((4, 8, 4), (8, 4, 4))
    for n, bits in enumerate(mixed):
        doc = model((784, 3, 5, 10), "mixed", seed=8 + n, bits=bits)
        case(f"mixed widths: {', '.join(map(str, bits))} bits", text(doc), True)
    case("bits 8 stated: the default width", text(model((784, 1, 10), bits=(8, 8))), True)
    case(
        "a 4-bit layer with a per-layer scale", text(model((784, 1, 10), seed=9, bits=(4, 4))), True
    )
    sub("bits 4.0 is the integer 4", '"bits":4', '"bits":4.0', base=FOUR)
    edit("levels -7 and 7 everywhere (0x97)", with_bytes(0, lambda b: b"\x97" * len(b)), base=FOUR)
    edit(
        "the last level of an even count at -7 (low nibble 0x9)",
        with_bytes(2, last_byte(lambda v: v & 0xF0 | 0x9)),
        base=FOUR,
    )
    edit(
        "the last level of an odd count at 7 (high nibble 0x7, then the padding)",
        with_bytes(1, last_byte(lambda v: 0x70)),
        base=FOUR,
    )


def four_bit_faults():
    """4-bit layers with one fault each: the width, and its place in the order of checks."""
    for literal in ("2", "16", "0", '"4"', "null", "true", "4.5", "[4]"):
        sub(f"bits {literal}", '"bits":4', f'"bits":{literal}', "layers[0].bits", base=FOUR)
    edit(
        "bits is checked before the scales (bits 3, scales null)",
        lambda d: d["layers"][0].update(bits=3, scales=d["layers"][0].pop("scales") and None),
        "layers[0].bits",
        base=FOUR,
    )
    edit(
        "bits is checked after the activation (bits 3, activation softmax)",
        lambda d: d["layers"][0].update(bits=3, activation="softmax"),
        "layers[0].activation",
        base=FOUR,
    )


def four_bit_byte_faults():
    """4-bit weights with one fault each: a -8 level, a padding nibble, the byte count."""
    low = lambda nibble: last_byte(lambda v: v & 0xF0 | nibble)  # noqa: E731
    for description, layer, change in [
        ("a -8 nibble in the high half of byte 0", 0, lambda b: bytes([0x80 | b[0] & 0xF]) + b[1:]),
        (
            "a -8 nibble in the low half of byte 5",
            0,
            lambda b: b[:5] + bytes([b[5] & 0xF0 | 8]) + b[6:],
        ),
        ("a -8 nibble as the last level of an even count", 2, low(0x8)),
        ("a -8 nibble as the last level of an odd count", 1, last_byte(lambda v: 0x80)),
        ("a padding nibble of 1 after an odd count", 1, low(0x1)),
        ("a padding nibble of 8 after an odd count", 1, low(0x8)),
        ("a 4-bit layer with an odd count one byte short", 1, lambda b: b[:-1]),
        ("a 4-bit layer with a byte too many", 2, lambda b: b + b"\0"),
        ("a 4-bit layer with I*O bytes (int8-sized)", 0, lambda b: bytes(2 * len(b))),
    ]:
        edit(description, with_bytes(layer, change), f"layers[{layer}].weights", base=FOUR)
    edit(
        "an 8-bit layer with 4-bit-sized weights",
        setter(["layers", 0, "weights"], weights_of(392)),
        "layers[0].weights",
    )
    edit(
        "a 4-bit layer's scales with 127*scale overflowing (one rule for every width)",
        setter(["layers", 0, "scales", 2], 1e307),
        "layers[0].scales[2]",
        base=FOUR,
    )
