"""Loader conformance cases (make_model_cases.py): FORMAT.md's Overflow rule, at and past its
limit."""

from __future__ import annotations

import base64
import math

from digitnet_tools.conformance.casekit import CHANNELS, edit, int8, setter
from digitnet_tools.conformance.models import model

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
