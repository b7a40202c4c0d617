"""Tiny ONNX models built with ``onnx.helper`` for the model-layer tests.

Every builder returns an ``onnx.ModelProto`` (opset 13, IR version 8) small enough to
run in microseconds, with weights drawn from a seeded generator so answers are
reproducible. They are shared by all tests under ``tests/model/`` (import them with
``from onnx_builders import conv_nchw`` - pytest puts this folder on ``sys.path`` - or
use the fixtures in ``conftest.py``).

Shapes use ``(H, W)`` = ``(8, 8)`` unless told; pass ``size=None`` for dynamic spatial
dimensions (symbolic names ``"H"`` / ``"W"``) and ``batch=None`` for a dynamic batch.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8

__all__ = [
    "OPSET",
    "classifier",
    "conv_nchw",
    "gray_nchw",
    "identity_nchw",
    "int_output",
    "make_model",
    "nan_output",
    "nhwc_model",
    "no_image_input",
    "two_input",
]


def make_model(
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
    initializers: list[onnx.TensorProto] | None = None,
    name: str = "tiny",
) -> onnx.ModelProto:
    """Assemble, check and return a model (opset 13, IR 8)."""
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=initializers or [])
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="nv12_widgets-tests"
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def _dims(batch: int | None, channels: int | None, size: tuple[int, int] | None, nhwc=False):
    n = batch if batch is not None else "N"
    h, w = size if size is not None else ("H", "W")
    return [n, h, w, channels] if nhwc else [n, channels, h, w]


def _f32(name: str, array: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def identity_nchw(
    size: tuple[int, int] | None = (8, 8), channels: int = 3, batch: int | None = 1
) -> onnx.ModelProto:
    """``y = x``: input ``x`` [1, C, H, W] float32, output ``y`` of the same shape."""
    dims = _dims(batch, channels, size)
    return make_model(
        [helper.make_node("Identity", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)],
        name="identity",
    )


def conv_nchw(
    size: tuple[int, int] | None = (8, 8),
    channels: int = 3,
    out_channels: int = 4,
    seed: int = 0,
    batch: int | None = 1,
) -> onnx.ModelProto:
    """3x3 conv (padding 1, random weights per input channel, so colour-sensitive) + Tanh.

    Input ``x`` [1, C, H, W] float32, output ``y`` [1, out_channels, H, W] float32.
    """
    rng = np.random.default_rng(seed)
    weight = rng.normal(0.0, 0.5, size=(out_channels, channels, 3, 3))
    bias = rng.normal(0.0, 0.1, size=(out_channels,))
    in_dims = _dims(batch, channels, size)
    out_dims = _dims(batch, out_channels, size)
    return make_model(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
            helper.make_node("Tanh", ["c"], ["y"]),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_dims)],
        [_f32("w", weight), _f32("b", bias)],
        name="conv_nchw",
    )


def gray_nchw(size: tuple[int, int] | None = (8, 8), seed: int = 0) -> onnx.ModelProto:
    """One-channel version of :func:`conv_nchw`: ``x`` [1, 1, H, W] -> ``y`` [1, 2, H, W]."""
    return conv_nchw(size=size, channels=1, out_channels=2, seed=seed)


def nhwc_model(size: tuple[int, int] | None = (8, 8), seed: int = 1) -> onnx.ModelProto:
    """NHWC model: ``image`` [1, H, W, 3] -> ``y`` [1, H, W, 2], a per-pixel channel mix.

    ``y = tanh(image @ M)`` with a fixed random 3x2 matrix ``M`` (MatMul on the last axis).
    """
    rng = np.random.default_rng(seed)
    mix = rng.normal(0.0, 0.5, size=(3, 2))
    return make_model(
        [
            helper.make_node("MatMul", ["image", "m"], ["p"]),
            helper.make_node("Tanh", ["p"], ["y"]),
        ],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, _dims(1, 3, size, nhwc=True))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, _dims(1, 2, size, nhwc=True))],
        [_f32("m", mix)],
        name="nhwc",
    )


def two_input(size: tuple[int, int] | None = (8, 8), seed: int = 2) -> onnx.ModelProto:
    """Image plus a side input: ``x`` [1, 3, H, W] and ``gain`` [1] -> ``y`` = conv(x) * gain.

    ``y`` is [1, 4, H, W]; ``gain`` is a float32 vector of length 1 (not image-like).
    """
    base = conv_nchw(size=size, seed=seed)
    graph = base.graph
    out_dims = _dims(1, 4, size)
    nodes = list(graph.node)
    nodes[-1].output[0] = "t"
    nodes.append(helper.make_node("Mul", ["t", "gain"], ["y"]))
    return make_model(
        nodes,
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, _dims(1, 3, size)),
            helper.make_tensor_value_info("gain", TensorProto.FLOAT, [1]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_dims)],
        list(graph.initializer),
        name="two_input",
    )


def classifier(
    size: tuple[int, int] | None = (8, 8), num_classes: int = 10, seed: int = 3
) -> onnx.ModelProto:
    """Conv -> ReLU -> global average pool -> flatten -> Gemm -> Softmax.

    Input ``x`` [1, 3, H, W] float32, outputs ``prob`` [1, num_classes] (softmax) and
    ``feat`` [1, 8, H, W] (the conv features, a dense second output).
    """
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.5, size=(8, 3, 3, 3))
    b = rng.normal(0.0, 0.1, size=(8,))
    fc = rng.normal(0.0, 1.0, size=(num_classes, 8))
    fc_b = rng.normal(0.0, 0.1, size=(num_classes,))
    return make_model(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c"], ["feat"]),
            helper.make_node("GlobalAveragePool", ["feat"], ["g"]),
            helper.make_node("Flatten", ["g"], ["f"], axis=1),
            helper.make_node("Gemm", ["f", "fc", "fc_b"], ["logits"], transB=1),
            helper.make_node("Softmax", ["logits"], ["prob"], axis=1),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, _dims(1, 3, size))],
        [
            helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, num_classes]),
            helper.make_tensor_value_info("feat", TensorProto.FLOAT, _dims(1, 8, size)),
        ],
        [_f32("w", w), _f32("b", b), _f32("fc", fc), _f32("fc_b", fc_b)],
        name="classifier",
    )


def no_image_input() -> onnx.ModelProto:
    """A model with no image-like input: ``v`` [1, 16] float32 -> ``y`` = relu(v)."""
    return make_model(
        [helper.make_node("Relu", ["v"], ["y"])],
        [helper.make_tensor_value_info("v", TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16])],
        name="no_image",
    )


def nan_output(size: tuple[int, int] | None = (8, 8)) -> onnx.ModelProto:
    """``y = sqrt(-1 - x^2)``: NaN everywhere, plus ``ok = x`` (a finite second output)."""
    dims = _dims(1, 3, size)
    return make_model(
        [
            helper.make_node("Mul", ["x", "x"], ["x2"]),
            helper.make_node("Sub", ["minus_one", "x2"], ["neg"]),
            helper.make_node("Sqrt", ["neg"], ["y"]),
            helper.make_node("Identity", ["x"], ["ok"]),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, dims),
            helper.make_tensor_value_info("ok", TensorProto.FLOAT, dims),
        ],
        [_f32("minus_one", np.array(-1.0))],
        name="nan_output",
    )


def int_output(size: tuple[int, int] | None = (8, 8), seed: int = 4) -> onnx.ModelProto:
    """A segmentation-like model with an integer output.

    ``x`` [1, 3, H, W] -> ``scores`` [1, 4, H, W] float32 (conv) and ``label``
    [1, 1, H, W] int64 (ArgMax over channels, keepdims).
    """
    base = conv_nchw(size=size, seed=seed)
    nodes = list(base.graph.node)
    nodes[-1].output[0] = "scores"
    nodes.append(helper.make_node("ArgMax", ["scores"], ["label"], axis=1, keepdims=1))
    return make_model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, _dims(1, 3, size))],
        [
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, _dims(1, 4, size)),
            helper.make_tensor_value_info("label", TensorProto.INT64, _dims(1, 1, size)),
        ],
        list(base.graph.initializer),
        name="int_output",
    )
