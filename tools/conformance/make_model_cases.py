"""Write fixtures/conformance/model-cases.json: the loader contract of FORMAT.md as test cases.

    python tools/conformance/make_model_cases.py [--check]

Each case is a model file as text (or as bytes, one char per byte, when it is not UTF-8), whether
a loader must accept it, and the field its error must name. The verdicts are written here by
hand from FORMAT.md's rules, never computed by a loader: both loaders' tests run every case
(python/tests/test_conformance.py, js/test/conformance.test.js). --check exits 1 if the file
differs from what this script writes.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import sys
from pathlib import Path

from digitnet_tools.conformance.models import model, text

OUT = Path(__file__).resolve().parents[2] / "fixtures" / "conformance" / "model-cases.json"

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


def valid_cases():
    case("the base model: 784-1-10, per-layer scales", text(BASE), True)
    case("per-channel scales", text(CHANNELS), True)
    case("mixed: per-channel then per-layer", text(model((784, 3, 10), "mixed", 3)), True)
    case("one layer (784-10)", text(model((784, 10), "per-layer", 4)), True)
    case("five layers (784-3-1-2-4-10)", text(model((784, 3, 1, 2, 4, 10), "mixed", 5)), True)
    sub("formatVersion 1.0 is the integer 1", '"formatVersion":1', '"formatVersion":1.0')
    sub("inputs 784.0 is the integer 784", '"inputs":784', '"inputs":784.0')
    sub("outputs 1e0 is the integer 1", '"outputs":1,', '"outputs":1e0,')
    sub("outputs 10.000 on the last layer", '"outputs":10', '"outputs":10.000')
    sub("whitespace around and inside the text", "{", " \n\t\r{ ", count=1)
    edit("fields the format does not define are ignored", lambda d: d.update(comment="hi"))
    edit("an extra field in a layer", lambda d: d["layers"][0].update(note="x"))
    edit(
        "a __proto__ key at the top is an ordinary extra field",
        lambda d: d.update({"__proto__": {"polluted": True}}),
    )
    edit(
        "a constructor key in a layer is an ordinary extra field",
        lambda d: d["layers"][1].update(constructor={"prototype": 1}),
    )
    sub(
        "duplicate keys: the last one counts",
        '"format":"digitnet-mlp"',
        '"format":"digitnet-cnn","format":"digitnet-mlp"',
    )
    edit("metadata empty", setter(["metadata"], {}))
    edit(
        "metadata with non-ASCII text and an escaped lone surrogate",
        setter(["metadata"], {"name": "chiffres é 数字 🙂"}),
    )
    sub("metadata string with an escaped lone surrogate", '"synthetic"', '"\\ud800"')
    sub("metadata may hold a number that overflows (it is informative)", '"synthetic"', "1e999")
    sub("metadata may hold a 401-digit integer", '"synthetic"', "1" + "0" * 400)
    edit(
        "metadata nested to level 64 (the file is level 1)",
        setter(["metadata"], {"deep": nested(62)}),
    )
    edit("version 0.0.0", setter(["version"], "0.0.0"))
    edit("version 10.20.30", setter(["version"], "10.20.30"))
    edit("a subnormal scale", setter(["layers", 0, "scale"], 5e-324))
    large_scales()
    edit("a bias of 1e308", setter(["layers", 1, "bias", 9], 1e308))
    first_item("a bias of -0.0", "bias", "-0.0", None, model((784, 2, 10), "per-layer", 6))
    first_item("a bias that underflows to 0", "bias", "1e-400", None, BASE)
    edit("all weights zero", setter(["layers", 0, "weights"], weights_of(784)))
    case(
        "a UTF-8 byte-order mark before the text is dropped",
        b"\xef\xbb\xbf" + text(BASE).encode(),
        True,
    )


def large_scales():
    """Scales near the scale rule's edge, on weights whose sums stay finite."""
    edit(  # one weight of 1: the layer's reach is then 1e306 (FORMAT.md, Overflow)
        "a scale of 1e306: 127 * scale is finite",
        lambda d: d["layers"][0].update(scale=1e306, weights=int8([1] + [0] * 783)),
    )
    edit("an integer scale", setter(["layers", 1, "scale"], 1))
    edit(  # output 1's weights: one of 1, so its reach is 1e306 (FORMAT.md, Overflow)
        "a per-channel scale of 1e306",
        lambda d: (
            d["layers"][0]["scales"].__setitem__(1, 1e306)
            or d["layers"][0].update(weights=column_one(d["layers"][0]["weights"]))
        ),
        base=CHANNELS,
    )


def nested(levels: int):
    """`levels` arrays, one inside the other."""
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


def model_level_cases():
    t = text(BASE)
    for description, doc in [
        ("an empty file", ""),
        ("only whitespace", " \n"),
        ("not JSON, over two lines (V8 quotes it: the error must stay one line)", "x\ny"),
        ("null", "null"),
        ("a number", "42"),
        ("a string", '"digitnet-mlp"'),
        ("an array", "[]"),
        ("an array holding the model", f"[{t}]"),
        ("truncated to half", t[: len(t) // 2]),
        ("truncated by its last brace", t[:-1]),
        ("text after the object", t + "x"),
        ("two objects", t + t),
        ("a trailing comma", t[:-1] + ",}"),
        ("a comment", "/* model */" + t),
        ("single quotes", t.replace('"format"', "'format'")),
        ("NaN literal (not JSON)", t.replace('"synthetic"', "NaN")),
        ("Infinity literal (not JSON)", t.replace('"synthetic"', "Infinity")),
        ("-Infinity literal (not JSON)", t.replace('"synthetic"', "-Infinity")),
        ("a leading zero in a number", t.replace('"formatVersion":1', '"formatVersion":01')),
        ("a plus sign in a number", t.replace('"formatVersion":1', '"formatVersion":+1')),
        ("a fullwidth digit as a number", t.replace('"formatVersion":1', '"formatVersion":１')),
        ("a raw control character in a string", t.replace('"synthetic"', '"a\tb"')),
        ("a byte-order mark inside the text, after one dropped", "\ufeff" + t),
        ("metadata nested to level 65", t.replace('"synthetic"', json.dumps(nested(63)))),
        ("metadata nested 3,000 deep", t.replace('"synthetic"', "[" * 3000 + "]" * 3000)),
        ("an unclosed array 3,000 deep", t.replace('"synthetic"', "[" * 3000)),
        (
            "an extra layer field nested to level 65",
            t.replace('"inputs":784', '"x":' + json.dumps(nested(62)) + ',"inputs":784'),
        ),
    ]:
        # the BOM case: the file's bytes start with two byte-order marks
        doc_bytes = doc.encode()
        if doc.startswith("\ufeff"):
            doc_bytes = b"\xef\xbb\xbf" + doc_bytes
        case(description, doc_bytes, False, "model")
    u = t.encode()
    for description, doc in [
        ("invalid UTF-8: a 0xFF byte in a string", u.replace(b"synthetic", b"synth\xffetic")),
        ("invalid UTF-8: Latin-1 e-acute", u.replace(b"synthetic", b"caf\xe9")),
        ("invalid UTF-8: an overlong '/' (C0 AF)", u.replace(b"synthetic", b"a\xc0\xafb")),
        (
            "invalid UTF-8: an encoded surrogate (ED A0 80)",
            u.replace(b"synthetic", b"\xed\xa0\x80"),
        ),
        ("invalid UTF-8: a sequence cut short at the end", u + b"\xe2\x82"),
        ("invalid UTF-8: a continuation byte alone", u.replace(b"synthetic", b"\x80")),
        (
            "invalid UTF-8: beyond U+10FFFF (F4 90 80 80)",
            u.replace(b"synthetic", b"\xf4\x90\x80\x80"),
        ),
        ("UTF-16 with its byte-order mark", b"\xff\xfe" + t.encode("utf-16-le")),
    ]:
        case(description, doc, False, "model")


def top_level_cases():
    for value, what in [
        (None, "null"),
        ("digitnet-cnn", "another format"),
        (1, "a number"),
        ("DIGITNET-MLP", "upper case"),
        (" digitnet-mlp", "a leading space"),
    ]:
        edit(f"format {what}", setter(["format"], value), "format")
    edit("format missing", deleter(["format"]), "format")
    edit("Format instead of format", lambda d: d.update(Format=d.pop("format")), "format")
    edit(
        "only a __proto__ key holds the format",
        lambda d: d.update({"__proto__": {"format": d.pop("format")}}),
        "format",
    )
    sub(
        "duplicate keys: the last one is wrong",
        '"format":"digitnet-mlp"',
        '"format":"digitnet-mlp","format":"digitnet-cnn"',
        "format",
    )
    for value in (2, 0, "1", True, 1.5, None, [1]):
        edit(
            f"formatVersion {json.dumps(value)}", setter(["formatVersion"], value), "formatVersion"
        )
    edit("formatVersion missing", deleter(["formatVersion"]), "formatVersion")
    sub("formatVersion 1e999", '"formatVersion":1', '"formatVersion":1e999', "formatVersion")
    for value in (
        "1.0",
        "v1.0.0",
        "1.01.0",
        "1.0.0\n",
        "1.0.1\uff10",
        "\u0661.0.0",
        "1.0.0-rc1",
        " 1.0.0",
        "1.0.0 ",
        "1..0",
        "",
        1,
        None,
    ):
        edit(f"version {json.dumps(value)}", setter(["version"], value), "version")
    edit("version missing", deleter(["version"]), "version")
    for value in (None, [], "card", 1):
        edit(f"metadata {json.dumps(value)}", setter(["metadata"], value), "metadata")
    edit("metadata missing", deleter(["metadata"]), "metadata")
    for value in ([], {}, None, "dense", 3):
        edit(f"layers {json.dumps(value)}", setter(["layers"], value), "layers")
    edit("layers missing (zero layers)", deleter(["layers"]), "layers")
    for value in ("dense", None, [], 1):
        edit(f"a layer that is {json.dumps(value)}", setter(["layers", 1], value), "layers[1]")


def size_cases():
    for value in (783, "784", 784.5, True, None, -784, 0, [784]):
        edit(
            f"first layer inputs {json.dumps(value)}",
            setter(["layers", 0, "inputs"], value),
            "layers[0].inputs",
        )
    edit("inputs missing", deleter(["layers", 0, "inputs"]), "layers[0].inputs")
    sub("inputs 1e999", '"inputs":784', '"inputs":1e999', "layers[0].inputs")
    edit("sizes do not chain", setter(["layers", 1, "inputs"], 2), "layers[1].inputs")
    edit("the second layer's inputs 1.0 chain with outputs 1", setter(["layers", 1, "inputs"], 1.0))
    for value in (0, -1, 1.5, "1", True, None):
        edit(
            f"hidden outputs {json.dumps(value)}",
            setter(["layers", 0, "outputs"], value),
            "layers[0].outputs",
        )
    edit("outputs missing", deleter(["layers", 0, "outputs"]), "layers[0].outputs")
    for value in (9, 11, "10", 10.5):
        edit(
            f"last layer outputs {json.dumps(value)}",
            setter(["layers", 1, "outputs"], value),
            "layers[1].outputs",
        )
    edit("one layer that does not end in 10", lambda d: d["layers"].pop(), "layers[0].outputs")
    five = model((784, 3, 1, 2, 4, 10), "mixed", 5)
    edit(
        "five layers whose sizes do not chain",
        setter(["layers", 3, "inputs"], 3),
        "layers[3].inputs",
        base=five,
    )
    # Huge declared sizes must be refused at once, before anything that big is allocated.
    for n in (10**9, 2**32, 10**300):

        def huge(d, n=n):
            d["layers"][0]["outputs"] = n
            d["layers"][1]["inputs"] = n

        edit(f"outputs {n} with a per-layer scale", huge, "layers[0].bias")
        edit(f"outputs {n} with per-channel scales", huge, "layers[0].scales", base=CHANNELS)
    sub(
        "outputs of 401 digits (overflows to infinity)",
        '"outputs":1,',
        '"outputs":1' + "0" * 400 + ",",
        "layers[0].outputs",
    )


def layer_cases():
    activation_cases()
    per_layer_scale_cases()
    per_channel_scale_cases()


def activation_cases():
    """Activations, and a layer with both, neither or a hidden scale."""
    for value, field in [("tanh", 0), ("softmax", 0), ("RELU", 0), (None, 0), ("relu", 1)]:
        edit(
            f"activation {json.dumps(value)} on layer {field}",
            setter(["layers", field, "activation"], value),
            f"layers[{field}].activation",
        )
    edit("activation missing", deleter(["layers", 0, "activation"]), "layers[0].activation")
    edit(
        "both scale and scales",
        lambda d: d["layers"][1].update(scales=[0.01] * 10),
        "layers[1].scales",
    )
    edit("neither scale nor scales", deleter(["layers", 0, "scale"]), "layers[0].scales")
    edit(
        "the scale only inside __proto__",
        lambda d: d["layers"][0].update({"__proto__": {"scale": d["layers"][0].pop("scale")}}),
        "layers[0].scales",
    )


def per_layer_scale_cases():
    """A per-layer scale that is not a positive finite number."""
    for value in (0, -1, -0.0, "0.01", None, True, [0.01], 1e307, {}):
        edit(
            f"per-layer scale {json.dumps(value)}",
            setter(["layers", 0, "scale"], value),
            "layers[0].scale",
        )
    sub("per-layer scale 1e999", '"scale":', '"scale":1e999,"x":', "layers[0].scale")
    sub(
        "per-layer scale of 401 digits",
        '"scale":',
        '"scale":1' + "0" * 400 + ',"x":',
        "layers[0].scale",
    )


def per_channel_scale_cases():
    """Per-channel scales of the wrong kind or length, or a scale that is not positive finite."""
    edit(
        "scales not an array",
        setter(["layers", 0, "scales"], 0.01),
        "layers[0].scales",
        base=CHANNELS,
    )
    edit(
        "scales one short",
        lambda d: d["layers"][0]["scales"].pop(),
        "layers[0].scales",
        base=CHANNELS,
    )
    edit(
        "scales one long",
        lambda d: d["layers"][1]["scales"].append(0.01),
        "layers[1].scales",
        base=CHANNELS,
    )
    for value in (0, -0.01, -0.0, None, "0.01", True, 1e307, [0.01]):
        edit(
            f"a per-channel scale {json.dumps(value)}",
            setter(["layers", 0, "scales", 1], value),
            "layers[0].scales[1]",
            base=CHANNELS,
        )
    sub(
        "a per-channel scale 1e999",
        '"scales":[',
        '"scales":[1e999,',
        "layers[0].scales",
        base=CHANNELS,
    )
    first_item(
        "a per-channel scale -1e999 in place",
        "scales",
        "-1e999",
        "layers[0].scales[0]",
        model((784, 2, 10), "per-channel", 7),
    )


def bias_cases():
    edit("bias missing", deleter(["layers", 1, "bias"]), "layers[1].bias")
    edit("bias not an array", setter(["layers", 0, "bias"], 0.5), "layers[0].bias")
    edit("bias one short", lambda d: d["layers"][1]["bias"].pop(), "layers[1].bias")
    edit("bias one long", lambda d: d["layers"][0]["bias"].append(0), "layers[0].bias")
    edit(
        "bias of the next layer",
        lambda d: d["layers"][0].update(bias=d["layers"][1]["bias"]),
        "layers[0].bias",
    )
    for value in (None, "0", True, [0], {}):
        edit(
            f"a bias {json.dumps(value)}",
            setter(["layers", 1, "bias", 4], value),
            "layers[1].bias[4]",
        )
    for literal in ("1e999", "-1e999", "1" + "0" * 400):
        sub(
            f"a bias {literal[:8]}{'...' if len(literal) > 8 else ''}",
            '"bias":[',
            f'"bias":[{literal},',
            "layers[0].bias",
            base=model((784, 1, 10), "per-layer", 8),
        )
    first_item(
        "a bias 1e999 in place",
        "bias",
        "1e999",
        "layers[0].bias[0]",
        model((784, 2, 10), "per-layer", 9),
    )


def weights_cases():
    w = BASE["layers"][1]["weights"]  # 10 bytes: "xxxxxxxxxxxxxw==" (16 chars)
    assert len(w) == 16 and w.endswith("==")
    at = "layers[1].weights"
    for value, what in [
        (None, "null"),
        (7, "a number"),
        ([1, 2], "an array"),
        ("", "empty"),
        ("!" + w[1:], "a character outside the alphabet"),
        (
            w.replace("+", "-").replace("/", "_") if ("+" in w or "/" in w) else "-_" + w[2:],
            "base64url characters",
        ),
        ("AAA=" + w, "'=' inside"),
        (w[:8] + "\n" + w[8:], "a line break"),
        (w + "\n", "a trailing newline"),
        (" " + w, "a leading space"),
        (w[:-2], "padding missing"),
        (w + "=", "padding too long"),
        (w[:-3] + chr(ord(w[-3]) ^ 1) + "==", "unused bits not zero"),
        (base64.b64encode(bytes(9)).decode(), "one byte short"),
        (base64.b64encode(bytes(11)).decode(), "one byte long"),
        (base64.b64encode(b"\x80" + bytes(9)).decode(), "a byte -128"),
        ("ＡＡＡＡ" + w[4:], "fullwidth letters"),
        ({"b64": w}, "an object"),
    ]:
        edit(f"weights: {what}", setter(["layers", 1, "weights"], value), at)
    edit("weights missing", deleter(["layers", 1, "weights"]), at)
    edit(
        "weights of the first layer one byte short",
        setter(["layers", 0, "weights"], weights_of(783)),
        "layers[0].weights",
    )
    edit(
        "weights as the transposed layer (sizes swapped)",
        lambda d: d["layers"][0].update(weights=weights_of(784 * 2)),
        "layers[0].weights",
    )


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


LIMIT = 2.0**1023 * 1.9375  # FORMAT.md, Overflow: the most any |z| may reach


def layer_update(k: int, **fields):
    return lambda d: d["layers"][k].update(fields)


def both(*changes):
    def change(d):
        for c in changes:
            c(d)

    return change


def overflow_cases():
    """FORMAT.md's Overflow rule: |z_j| <= sum_i reach_i |W[i][j]| + |b_j|, the first layer's
    inputs reaching 1, refused past 2^1023 * 1.9375. Verdicts from that arithmetic, by hand."""
    one_127 = int8([127] + [0] * 783)
    edit(  # 784 * 127 * 1.4155e306 overflows; each weight alone is finite
        "overflow: scale 1.4155e306 with all 784 weights 127",
        layer_update(0, scale=1.4155e306, weights=int8([127] * 784)),
        "layers[0]",
    )
    edit(  # 127 * 1.4155e306 = 1.797685e308 > 1.7415e308
        "overflow: one weight 127 at scale 1.4155e306 reaches 1.7977e308, past the limit",
        layer_update(0, scale=1.4155e306, weights=one_127),
        "layers[0]",
    )
    edit(  # 127 * 1.3e306 = 1.651e308; layer 1 then adds only its biases
        "no overflow: one weight 127 at scale 1.3e306 (1.651e308), the next layer's weights 0",
        both(
            layer_update(0, scale=1.3e306, weights=one_127), layer_update(1, weights=int8([0] * 10))
        ),
    )
    edit(  # 1.651e308 * (1 * 1.1) = 1.816e308 > 1.7415e308, in layer 1's output 0
        "overflow: that reach times a next-layer weight 1 at scale 1.1",
        both(
            layer_update(0, scale=1.3e306, weights=one_127),
            layer_update(1, scale=1.1, weights=int8([1] + [0] * 9)),
        ),
        "layers[1]",
    )
    hidden_bias = layer_update(0, weights=int8([0] * 784), bias=[1.7e308])
    edit(  # 1.7e308 * 127 * 0.01 = 2.159e308, in layer 1's output 3
        "overflow: a hidden bias of 1.7e308 feeding a weight 127 at scale 0.01",
        both(hidden_bias, layer_update(1, scale=0.01, weights=int8([0, 0, 0, 127] + [0] * 6))),
        "layers[1]",
    )
    edit(  # 1.7e308 <= the limit, and 1.7e308 * 0 = 0
        "no overflow: a hidden bias of 1.7e308 whose next-layer weights are all 0",
        both(hidden_bias, layer_update(1, weights=int8([0] * 10))),
    )
    edit(  # refused where the reach passes the limit, though infinity * 0 would follow
        "overflow: a hidden layer reaching infinity, the next layer's weights all 0",
        both(
            layer_update(0, scale=1e306, weights=int8([127] * 784)),
            layer_update(1, weights=int8([0] * 10)),
        ),
        "layers[0]",
    )
    overflow_limit_cases()


def overflow_limit_cases():
    """The limit itself, and overflow in a later layer, one output, a 4-bit layer."""
    zero_last = layer_update(1, weights=int8([0] * 10))
    edit(
        "no overflow: a logit's bias of exactly the limit, 2^1023 * 1.9375",
        both(zero_last, setter(["layers", 1, "bias", 9], LIMIT)),
    )
    edit(
        "overflow: a logit's bias one double above the limit",
        both(zero_last, setter(["layers", 1, "bias", 9], math.nextafter(LIMIT, math.inf))),
        "layers[1]",
    )
    edit(  # output 1: 784 random weights (most nonzero) at 1e306
        "overflow: per-channel, only output 1 of the first layer overflows",
        setter(["layers", 0, "scales", 1], 1e306),
        "layers[0]",
        base=CHANNELS,
    )
    edit(  # layer 2's outputs reach at least their bias 1; 2 * 127 * 1e306 > the limit
        "overflow: the fourth of five layers",
        both(
            layer_update(2, bias=[1.0, 1.0]),
            layer_update(3, scale=1e306, weights=int8([127] * 8)),
        ),
        "layers[3]",
        base=model((784, 3, 1, 2, 4, 10), "mixed", 5),
    )
    edit(  # 784 * 7 * 1e306 overflows
        "overflow: a 4-bit layer, every level 7 at scale 1e306",
        layer_update(0, scale=1e306, weights=base64.b64encode(b"\x77" * 392).decode()),
        "layers[0]",
        base=model((784, 1, 10), seed=9, bits=(4, 4)),
    )


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
