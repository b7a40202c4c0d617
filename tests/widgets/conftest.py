"""Tiny models and images for headless widget tests (no browser, no kernel)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.model import PreprocessConfig


def _colour_sensitive_conv(size: int = 32) -> onnx.ModelProto:
    """NCHW float model: 3x3 conv with channel-asymmetric weights, then a sigmoid map."""
    rng = np.random.default_rng(7)
    w = rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32)
    w[:, 0] *= 3.0  # the first channel matters most: channel order and swing show up
    w2 = rng.normal(0, 0.5, (1, 4, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Conv", ["r", "w2"], ["m"]),
        helper.make_node("Sigmoid", ["m"], ["prob"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_detector",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 1, size, size])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(w2, "w2")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


@pytest.fixture(scope="session")
def tiny_model() -> onnx.ModelProto:
    return _colour_sensitive_conv()


@pytest.fixture(scope="session")
def tiny_config() -> PreprocessConfig:
    return PreprocessConfig(
        train_format="rgb", divisor=255.0, mean=(0.5,), std=(0.5,), noise_amplitude=1.0
    )


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A 48x64 colourful image with edges (so chroma subsampling matters)."""
    yy, xx = np.mgrid[0:48, 0:64]
    img = np.stack(
        [(xx * 4) % 256, (yy * 5) % 256, ((xx // 8 + yy // 8) % 2) * 200 + 20], axis=-1
    ).astype(np.uint8)
    return img


@pytest.fixture
def dashboard(tiny_model, tiny_config, photo, tmp_path):
    from nv12_widgets.widgets import NV12Debugger

    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[])
    assert d.comparison is not None, d.errors.message
    return d
