"""A toy device, written as a user's plug-in module is (CONTRIBUTING.md, "Add a device").

A made-up NPU whose camera adds one grey level of black level (full-swing BT.601,
mean chroma) and whose decoder removes it before the standard conversion. Importing this
module registers it: that one module-level ``register_device`` call is all it takes.
"""

from __future__ import annotations

import numpy as np

from nv12_widgets.core import NV12, Device, Source, nv12_to_rgb, register_device, rgb_to_nv12
from nv12_widgets.devices.graph_ops import GraphOps, sub


def encode(rgb: np.ndarray) -> NV12:
    f = rgb_to_nv12(rgb)
    return NV12(np.minimum(f.y, 254) + 1, f.uv)


def decode(frame: NV12) -> np.ndarray:
    return nv12_to_rgb(NV12(np.maximum(frame.y, 1) - 1, frame.uv))


def emit(g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    # max(y, 1) - 1 == Relu(y - 1) on integer codes; then the standard conversion
    y = g.op("Relu", [sub(g, y_f, 1.0, "toy_black")], "toy_y")
    return g.standard_rgb(y, uv_half_f, "full", "bt601", rows)


TOY = register_device(
    Device(
        "toy-npu",
        "A made-up NPU with a +1 black level (test only).",
        "full",
        "bt601",
        "mean",
        "nearest",
        encode,
        decode,
        "tests/devices/toy_device.py",
        emit=emit,
        snippets=("rknn",),
        sources=(Source("made up for the tests", "nv12_widgets", "tests/devices/toy_device.py"),),
        examples=(((17, 128, 128), (16, 16, 16)), ((0, 128, 128), (0, 0, 0))),
    )
)
