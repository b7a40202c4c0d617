"""The dashboard opened on models the other widget tests do not use, with no config."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.widgets import NV12Debugger


def _gray_model(width: int | str = 24):
    """[1, 1, 16, W] -> conv: a grey-level model (ddddocr's recognisers are [1, 1, 64, ?])."""
    w = np.random.default_rng(0).normal(0, 0.5, (2, 1, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])],
        "gray",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 16, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 16, width])],
        initializer=[numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("width", [24, "width"])
def test_a_one_channel_model_opens_without_a_config(width):
    """It used to open on "takes 1 channel(s) ... train_format='rgb' gives 3"."""
    rgb = np.random.default_rng(1).integers(0, 256, (30, 44, 3), dtype=np.uint8)
    d = NV12Debugger(_gray_model(width), rgb)
    assert d.errors.last_error is None, d.errors.value
    assert d.comparison is not None and d.comparison.config.train_format == "gray"
    assert d.preprocess.train_format.value == "gray"


def _uint8_nhwc_model():
    """[1, 16, 24, 3] uint8 -> Cast, /255, 1x1 conv: normalises inside, like a
    TensorFlow detector's ``image_tensor``."""
    w = np.random.default_rng(2).normal(0, 0.5, (2, 3, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Cast", ["image"], ["f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["f", "k"], ["s"]),
        helper.make_node("Transpose", ["s"], ["t"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["t", "w"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "u8",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, [1, 16, 24, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 16, 24])],
        initializer=[
            numpy_helper.from_array(w, "w"),
            numpy_helper.from_array(np.float32(1 / 255), "k"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_a_uint8_model_opens_without_a_config():
    """It used to open on "is uint8, not floating point"; it is fed codes (divisor 1)."""
    rgb = np.random.default_rng(3).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    d = NV12Debugger(_uint8_nhwc_model(), rgb)
    assert d.errors.last_error is None, d.errors.value
    c = d.comparison
    assert c.config.divisor == 1.0 and c.tensors["nv12"].dtype == np.uint8
    assert np.array_equal(c.tensors["reference"][0], c.reference_input)


def _side_input_model():
    """x [1, 3, 16, 16] and scale_factor [1, 2] (a PaddleDetection export's side input):
    y = mean(conv(x)) * scale_factor[:, :1]."""
    w = np.random.default_rng(5).normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["c"], ["m"], axes=[2, 3], keepdims=0),
        helper.make_node("Slice", ["scale_factor", "s0", "s1", "ax"], ["sf0"]),
        helper.make_node("Mul", ["m", "sf0"], ["y"]),
    ]
    ints = {"s0": [0], "s1": [1], "ax": [1]}
    graph = helper.make_graph(
        nodes,
        "side",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16]),
            helper.make_tensor_value_info("scale_factor", TensorProto.FLOAT, [1, 2]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        initializer=[numpy_helper.from_array(w, "w")]
        + [numpy_helper.from_array(np.array(v, np.int64), k) for k, v in ints.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_a_model_with_a_side_input_runs_with_extra_feeds():
    """The error told the user to pass extra_feeds, which NV12Debugger did not accept;
    now the comparison, the sweep and the drift by cause all get them."""
    rgb = np.random.default_rng(6).integers(0, 256, (24, 30, 3), dtype=np.uint8)
    bare = NV12Debugger(_side_input_model(), rgb)
    assert "extra_feeds" in str(bare.errors.last_error) and bare.comparison is None
    feeds = {"scale_factor": np.array([[2.0, 3.0]], np.float32)}
    d = NV12Debugger(_side_input_model(), rgb, extra_feeds=feeds)
    assert d.errors.last_error is None, d.errors.value
    assert d.comparison.outputs_reference["y"].shape == (1, 4)
    d.sweep.run()
    d.sweep.wait(60)
    d.drift.run()
    d.drift.wait(60)
    assert d.errors.last_error is None, d.errors.value
    assert d.sweep.result is not None and d.drift.result is not None
