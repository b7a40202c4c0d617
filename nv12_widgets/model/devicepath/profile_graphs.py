"""ONNX executors of the devices' decoding side (NV12 -> RGB/BGR inside a graph).

Each device record (:mod:`nv12_widgets.devices`) carries its emitter
``emit(g, y_f, uv_half_f, rows) -> str``; the contract (inputs, output, bit-exactness)
is in :mod:`nv12_widgets.devices.graph_ops`. This module gives the emitters their graph:
:class:`DeviceGraph` wraps the :class:`~nv12_widgets.model.devicepath.builder.GraphBuilder` with
the calls of :class:`~nv12_widgets.devices.graph_ops.GraphOps` (the ONNX type codes,
the shared chroma upsampling and the exactly rounded standard conversion live here,
where ``onnx`` may be imported), and :data:`DECODE_GRAPHS` is the live view
``device name -> emit(b, y_f, uv_half_f, rows)`` over the registry: a device registered
later with an emitter is found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial

import numpy as np
from onnx import TensorProto

from nv12_widgets.core.registry import PROFILES, Device
from nv12_widgets.model.devicepath.builder import (
    GraphBuilder,
    emit_affine_round,
    emit_upsample,
    yuv_to_rgb_affine,
)

__all__ = ["DECODE_GRAPHS", "DeviceGraph", "DecodeGraphs"]

Emitter = Callable[[GraphBuilder, str, str, list[int]], str]

_ONNX_TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}


class DeviceGraph:
    """A :class:`GraphBuilder` seen through the calls a device emitter may make.

    Parameters
    ----------
    b : GraphBuilder

    Examples
    --------
    >>> g = DeviceGraph(GraphBuilder("p_"))
    >>> g.cast(g.const("k", np.zeros(1, np.float32)), np.float64, "k64")
    'p_k64'
    """

    def __init__(self, b: GraphBuilder) -> None:
        self.b = b

    def const(self, base: str, value: np.ndarray) -> str:
        """An initializer holding ``value``; returns its name."""
        return self.b.const(base, value)

    def op(self, op_type: str, inputs: list[str], base: str, **attrs) -> str:
        """One node; returns the name of its (single) output."""
        return self.b.op(op_type, inputs, base, **attrs)

    def cast(self, x: str, dtype: type, base: str) -> str:
        """``Cast`` to the ONNX type of numpy ``dtype`` (float32 or float64)."""
        return self.b.op("Cast", [x], base, to=_ONNX_TYPES[np.dtype(dtype)])

    def clip_u8(self, x: str) -> str:
        """Clip float32 codes to 0..255."""
        return self.b.clip_u8(x)

    def upsample_nearest(self, uv_half_f: str) -> str:
        """(1, h, w, 2) -> (1, 2h, 2w, 2), each sample repeated over its 2x2 block."""
        return emit_upsample(self.b, uv_half_f, "nearest")

    def standard_rgb(
        self, y_f: str, uv_half_f: str, swing: str, matrix: str, rows: list[int]
    ) -> str:
        """The exactly rounded standard conversion after nearest chroma
        (``core.nv12_to_rgb(frame, swing, matrix, upsample="nearest")``)."""
        uv_up = self.upsample_nearest(uv_half_f)
        yuv = self.b.op("Concat", [y_f, uv_up], "yuv444", axis=3)
        return emit_affine_round(self.b, yuv, yuv_to_rgb_affine(swing, matrix)[rows])


def _emit(device: Device, b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    return device.emit(DeviceGraph(b), y_f, uv_half_f, rows)


class DecodeGraphs(Mapping):
    """Live view: registered device name -> ``emit(b, y_f, uv_half_f, rows)``.

    Only devices with an emitter are keys (``vendor-pil`` has none: PIL's bicubic
    resampler has no ONNX equivalent).

    Examples
    --------
    >>> "openvino" in DECODE_GRAPHS, "vendor-pil" in DECODE_GRAPHS
    (True, False)
    """

    def __getitem__(self, name: str) -> Emitter:
        device = PROFILES.get(name)
        if device is None or device.emit is None:
            raise KeyError(name)
        return partial(_emit, device)

    def __iter__(self) -> Iterator[str]:
        return iter([n for n, d in PROFILES.items() if d.emit is not None])

    def __len__(self) -> int:
        return sum(1 for d in PROFILES.values() if d.emit is not None)


#: device name -> emitter taking the GraphBuilder (the Pipeline's ONNX executor).
DECODE_GRAPHS = DecodeGraphs()
