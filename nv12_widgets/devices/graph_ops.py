"""What a device's ONNX emitter may call, and the small emitters several devices share.

A device record's ``emit(g, y_f, uv_half_f, rows) -> str`` appends the device's decode
to an ONNX graph through ``g``, an object with the methods of :class:`GraphOps` (the
model layer passes :class:`nv12_widgets.model.devicepath.profile_graphs.DeviceGraph`, which wraps
its graph builder). This package imports no ``onnx``: an emitter only names ops.

The contract of an emitter:

- ``y_f``: float32 NHWC Y, (1, H, W, 1), integer codes 0..255;
- ``uv_half_f``: float32 NHWC chroma at *half* resolution, (1, H/2, W/2, 2), U then V;
- ``rows``: output channel order, ``[0, 1, 2]`` for RGB, ``[2, 1, 0]`` for BGR;
- result: float32 NHWC (1, H, W, 3). For devices with ``decode_float`` it is that
  unrounded tensor (what the device's network sees); otherwise the uint8 codes of
  ``decode`` as float32 (0..255).

Each emitter reproduces its numpy decode *bit for bit*: elementwise ops in the same
order and precision (float32 where the device is float32), integer arithmetic exactly
(float32/float64 hold the integers exactly), no ``MatMul`` or ``Conv`` whose summation
order is the runtime's unless every partial sum is exact. Every op used exists from
opset 11 on with the same signature (tests/model/test_profile_graphs.py runs them).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["GraphOps", "clip", "integer_rows", "mul", "nearest_chroma", "ordered", "sub"]


class GraphOps(Protocol):
    """The graph-building calls a device emitter uses (names in, names out).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> b = GraphBuilder("p_")
    >>> g = DeviceGraph(b)
    >>> g.op("Relu", [g.const("k", np.zeros(1, np.float32))], "r")
    'p_r'
    >>> g.cast("y", np.float64, "y64"), g.clip_u8("x"), g.upsample_nearest("uv")
    ('p_y64', 'p_pixels', 'p_uv_up')
    >>> g.standard_rgb("y", "uv", "studio", "bt601", [2, 1, 0])  # BGR, exactly rounded
    'p_pixels_1'
    >>> [n.op_type for n in b.nodes][-6:]
    ['Cast', 'MatMul', 'Add', 'Floor', 'Cast', 'Clip']
    """

    def const(self, base: str, value: np.ndarray) -> str:
        """An initializer holding ``value``; returns its name."""

    def op(self, op_type: str, inputs: list[str], base: str, **attrs) -> str:
        """One node; returns the name of its (single) output."""

    def cast(self, x: str, dtype: type, base: str) -> str:
        """``Cast`` to the ONNX type of numpy ``dtype`` (float32 or float64)."""

    def clip_u8(self, x: str) -> str:
        """Clip float32 codes to 0..255."""

    def upsample_nearest(self, uv_half_f: str) -> str:
        """(1, h, w, 2) -> (1, 2h, 2w, 2), each sample repeated over its 2x2 block."""

    def standard_rgb(
        self, y_f: str, uv_half_f: str, swing: str, matrix: str, rows: list[int]
    ) -> str:
        """The exactly rounded standard conversion after nearest chroma
        (``core.nv12_to_rgb(frame, swing, matrix, upsample="nearest")``)."""


def sub(g: GraphOps, x: str, value: float, base: str, dtype=np.float32) -> str:
    """``x - value`` with ``value`` a ``dtype`` scalar.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> sub(DeviceGraph(b), "y", 16.0, "c")
    'd_c'
    >>> [(node.op_type, list(node.input)) for node in b.nodes], b.inits[0].data_type  # FLOAT
    ([('Sub', ['y', 'd_c_k'])], 1)
    """
    return g.op("Sub", [x, g.const(base + "_k", np.array(value, dtype))], base)


def mul(g: GraphOps, x: str, value, base: str, dtype=np.float32) -> str:
    """``x * value`` with ``value`` a ``dtype`` scalar.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> mul(DeviceGraph(b), "y", 1.164, "scaled", np.float64)
    'd_scaled'
    >>> b.nodes[0].op_type, b.inits[0].data_type  # DOUBLE
    ('Mul', 11)
    """
    return g.op("Mul", [x, g.const(base + "_k", np.array(value, dtype))], base)


def clip(g: GraphOps, x: str, lo: float, hi: float, base: str = "clipped") -> str:
    """Clip float32 to lo..hi (Clip takes min/max inputs from opset 11).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> clip(DeviceGraph(b), "x", 0.0, 255.0)
    'd_clipped'
    >>> list(b.nodes[0].input)
    ['x', 'd_clipped_lo', 'd_clipped_hi']
    """
    lo_k = g.const(base + "_lo", np.array(lo, np.float32))
    return g.op("Clip", [x, lo_k, g.const(base + "_hi", np.array(hi, np.float32))], base)


def ordered(g: GraphOps, channels: list[str], rows: list[int], base: str) -> str:
    """Concat the R, G, B tensors in ``rows`` order along the channel axis.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> ordered(DeviceGraph(b), ["r", "g", "b"], [2, 1, 0], "bgr")
    'd_bgr'
    >>> list(b.nodes[0].input)
    ['b', 'g', 'r']
    """
    return g.op("Concat", [channels[r] for r in rows], base, axis=3)


def nearest_chroma(g: GraphOps, uv_half_f: str) -> tuple[str, str]:
    """U and V at full resolution, each sample repeated over its 2x2 block.

    ``Resize`` nearest (``out[i] = in[i // 2]``), then ``Gather`` of channel 0 and 1:
    two (1, H, W, 1) float tensors.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> nearest_chroma(DeviceGraph(b), "uv")
    ('d_u', 'd_v')
    >>> [node.op_type for node in b.nodes]
    ['Resize', 'Gather', 'Gather']
    """
    up = g.upsample_nearest(uv_half_f)
    u = g.op("Gather", [up, g.const("idx_u", np.array([0], np.int64))], "u", axis=3)
    v = g.op("Gather", [up, g.const("idx_v", np.array([1], np.int64))], "v", axis=3)
    return u, v


def integer_rows(g: GraphOps, planes: list[str], weights, base: str, dtype=np.float64) -> list[str]:
    """Per output row, ``sum(weights[row][col] * planes[col])`` left to right, zero
    weights skipped: exact when every product and partial sum is (integers, or
    multiples of a power of two within the mantissa).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> integer_rows(DeviceGraph(b), ["y", "u", "v"], [[2, 0, 3], [1, 0, 0]], "r")
    ['d_r_0_acc', 'd_r_10']
    >>> [node.op_type for node in b.nodes]  # row 0: 2y + 3v; row 1: 1y; zeros skipped
    ['Mul', 'Mul', 'Add', 'Mul']
    """
    out = []
    for ch, row in enumerate(weights):
        acc = None
        for col, w in enumerate(row):
            if w == 0:
                continue
            term = mul(g, planes[col], w, f"{base}_{ch}{col}", dtype)
            acc = term if acc is None else g.op("Add", [acc, term], f"{base}_{ch}_acc")
        out.append(acc)
    return out
