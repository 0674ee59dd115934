"""Loader conformance cases (make_model_cases.py): each layer's fields, activations, scales,
biases and weights."""

from __future__ import annotations

import base64
import json

from digitnet_tools.conformance.casekit import (
    BASE,
    CHANNELS,
    deleter,
    edit,
    first_item,
    setter,
    sub,
    weights_of,
)
from digitnet_tools.conformance.models import model


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
