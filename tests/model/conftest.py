"""Fixtures for the model-layer tests: tiny ONNX models, images, and the demo detector.

The builders live in ``onnx_builders.py`` (plain functions returning ModelProtos) so
tests can also build variants directly: ``from onnx_builders import conv_nchw``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import onnx_builders` in any import mode

import onnx_builders  # noqa: E402

from nv12_widgets.model import Model, PreprocessConfig  # noqa: E402


@pytest.fixture(scope="session")
def conv_model() -> Model:
    """3x3 conv + tanh, NCHW [1, 3, 8, 8] -> [1, 4, 8, 8], colour-sensitive weights."""
    return Model(onnx_builders.conv_nchw())


@pytest.fixture(scope="session")
def identity_model() -> Model:
    """y = x, NCHW [1, 3, 8, 8]."""
    return Model(onnx_builders.identity_nchw())


@pytest.fixture(scope="session")
def nhwc_model() -> Model:
    """NHWC [1, 8, 8, 3] -> [1, 8, 8, 2]."""
    return Model(onnx_builders.nhwc_model())


@pytest.fixture(scope="session")
def two_input_model() -> Model:
    """Image ``x`` [1, 3, 8, 8] plus side input ``gain`` [1]."""
    return Model(onnx_builders.two_input())


@pytest.fixture(scope="session")
def classifier_model() -> Model:
    """Softmax classifier: ``prob`` [1, 10] and ``feat`` [1, 8, 8, 8]."""
    return Model(onnx_builders.classifier())


@pytest.fixture(scope="session")
def gray_model() -> Model:
    """One-channel NCHW [1, 1, 8, 8]."""
    return Model(onnx_builders.gray_nchw())


@pytest.fixture
def rgb_image() -> np.ndarray:
    """A smooth, colourful 24x32 RGB uint8 image (gradients plus a few blocks)."""
    h, w = 24, 32
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack(
        [255 * xx / (w - 1), 255 * yy / (h - 1), 128 + 100 * np.sin(xx / 3 + yy / 5)], axis=-1
    )
    img[4:10, 6:14] = (230, 30, 40)
    img[14:20, 18:28] = (20, 60, 220)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@pytest.fixture
def tiny_config() -> PreprocessConfig:
    """ImageNet-style normalisation, the tiny models' 8x8 size."""
    return PreprocessConfig(
        train_format="rgb",
        divisor=255.0,
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
    )


@pytest.fixture(scope="session")
def detector() -> Model:
    """The bundled PP-OCRv4 text detector (dynamic NCHW input)."""
    from nv12_widgets.model import demo_model

    return demo_model("detector")


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from nv12_widgets.core import load_image
    from nv12_widgets.model import demo_image_paths

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_image(demo_image_paths()[0])


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """The bundled photo with text on the cup: the detector has something to find."""
    from nv12_widgets.core import load_image
    from nv12_widgets.model import demo_image_paths

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_image(next(p for p in demo_image_paths() if p.stem == "coffee"))
