"""Loader conformance cases (make_model_cases.py): valid files, the model and top-level fields,
nesting and sizes."""

from __future__ import annotations

import json

from digitnet_tools.conformance.casekit import (
    BASE,
    CHANNELS,
    case,
    column_one,
    deleter,
    edit,
    first_item,
    int8,
    setter,
    sub,
    weights_of,
)
from digitnet_tools.conformance.models import model, text


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
