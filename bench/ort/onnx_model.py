"""Write a digitnet-mlp model.json as an ONNX graph for onnxruntime (nox -s bench only).

    python bench/ort/onnx_model.py MODEL_JSON OUT_ONNX

The weights are dequantized as FORMAT.md says and stored in float32, as an ONNX user would
(MatMul, Add, Relu, then Softmax): the comparison is with ONNX Runtime doing its usual job.
"""

from __future__ import annotations

import sys

import numpy as np
import onnx
from digitnet import load_model
from onnx import TensorProto, helper, numpy_helper


def build(model_json: str) -> onnx.ModelProto:
    model = load_model(model_json)
    nodes, weights, prev = [], [], "x"
    for k, layer in enumerate(model.layers):
        weights += [
            numpy_helper.from_array(layer.weights.astype(np.float32), f"W{k}"),
            numpy_helper.from_array(layer.bias.astype(np.float32), f"b{k}"),
        ]
        nodes += [
            helper.make_node("MatMul", [prev, f"W{k}"], [f"m{k}"]),
            helper.make_node("Add", [f"m{k}", f"b{k}"], [f"z{k}"]),
        ]
        if layer.activation == "relu":
            nodes.append(helper.make_node("Relu", [f"z{k}"], [f"a{k}"]))
            prev = f"a{k}"
        else:
            nodes.append(helper.make_node("Softmax", [f"z{k}"], ["probs"], axis=-1))
    graph = helper.make_graph(
        nodes,
        "digitnet-mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 784])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
        weights,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    onnx.save(build(sys.argv[1]), sys.argv[2])
