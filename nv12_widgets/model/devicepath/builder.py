"""Building ONNX graphs: the node collector of the ONNX executor and shared emitters.

:class:`GraphBuilder` collects nodes and constants with unique, prefixed names;
:func:`emit_upsample` and :func:`emit_affine_round` are the generic chroma upsampling
and exactly rounded YUV -> RGB of :class:`~nv12_widgets.model.devicepath.pipeline.DecodeStage`.
The profiles' own emitters are in :mod:`nv12_widgets.model.devicepath.profile_graphs`.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core.color import ROUND_GUARD, yuv_to_rgb_affine

__all__ = ["GraphBuilder", "emit_affine_round", "emit_upsample", "yuv_to_rgb_affine"]


class GraphBuilder:
    """Collects ONNX nodes and constants with unique, prefixed names (the ONNX executor).

    Parameters
    ----------
    prefix : str
        Prepended to every node, tensor and initializer name.
    taken : set of str
        Names already used in the graph (extended as names are made).

    Examples
    --------
    >>> b = GraphBuilder("pre/", taken={"pre/scale"})
    >>> b.const("scale", np.array(2.0, np.float32))  # "pre/scale" is taken
    'pre/scale_1'
    >>> b.op("Mul", ["x", "pre/scale_1"], "scaled")
    'pre/scaled'
    >>> [(n.op_type, n.name) for n in b.nodes], [i.name for i in b.inits]
    ([('Mul', 'pre/scaled_node')], ['pre/scale_1'])
    >>> b.clip_u8("pre/scaled"), b.nodes[-1].op_type, b.name("scaled")
    ('pre/pixels', 'Clip', 'pre/scaled_1')
    """

    def __init__(self, prefix: str, taken: set[str] | None = None) -> None:
        self.prefix = prefix
        self.taken = taken if taken is not None else set()
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def name(self, base: str) -> str:
        """A new unique name from ``base``."""
        candidate = self.prefix + base
        k = 1
        while candidate in self.taken:
            candidate = f"{self.prefix}{base}_{k}"
            k += 1
        self.taken.add(candidate)
        return candidate

    def const(self, base: str, value: np.ndarray) -> str:
        """Add an initializer; returns its name."""
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(
        self, op_type: str, inputs: list[str], base: str, *, output: str | None = None, **attrs
    ) -> str:
        """Add one node; returns the name of its (single) output."""
        out = output if output is not None else self.name(base)
        self.nodes.append(
            helper.make_node(op_type, inputs, [out], name=self.name(base + "_node"), **attrs)
        )
        return out

    def clip_u8(self, x: str) -> str:
        """Clip float32 codes to 0..255."""
        lo = self.const("zero", np.array(0.0, np.float32))
        hi = self.const("max255", np.array(255.0, np.float32))
        return self.op("Clip", [x, lo, hi], "pixels")


def emit_upsample(b: GraphBuilder, uv_f: str, mode: str) -> str:
    """(1, h, w, 2) float -> (1, 2h, 2w, 2): Resize on the H and W axes of NHWC data.

    Examples
    --------
    >>> import onnxruntime as ort
    >>> from onnx import TensorProto, helper
    >>> def run(b, x, out):
    ...     io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("x", out)]
    ...     graph = helper.make_graph(b.nodes, "g", io[:1], io[1:], b.inits)
    ...     model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    ...     return ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    >>> b = GraphBuilder("p_")
    >>> uv = np.array([[[[10, 20], [30, 40]]]], np.float32)  # (1, 1, 2, 2): two U, V pairs
    >>> run(b, uv, emit_upsample(b, "x", "nearest"))[0, :, :, 0]  # U over 2x2 blocks
    array([[10., 10., 30., 30.],
           [10., 10., 30., 30.]], dtype=float32)
    """
    roi = b.const("roi", np.zeros(0, np.float32))
    scales = b.const("uv_scales", np.array([1.0, 2.0, 2.0, 1.0], np.float32))
    if mode == "nearest":
        # out[i] = in[floor(i / 2)]: each chroma sample repeated over its 2x2 block.
        return b.op(
            "Resize",
            [uv_f, roi, scales],
            "uv_up",
            mode="nearest",
            coordinate_transformation_mode="asymmetric",
            nearest_mode="floor",
        )
    # Centre-sited bilinear (cv2 geometry), then round half up to uint8 codes:
    # bit-exact to cv2.INTER_LINEAR_EXACT.
    lin = b.op(
        "Resize",
        [uv_f, roi, scales],
        "uv_linear",
        mode="linear",
        coordinate_transformation_mode="half_pixel",
    )
    half = b.const("half", np.array(0.5, np.float32))
    return b.op("Floor", [b.op("Add", [lin, half], "uv_linear_half")], "uv_up")


def emit_affine_round(b: GraphBuilder, yuv: str, m: np.ndarray) -> str:
    """``floor(yuv @ m[:, :3].T + m[:, 3] + 0.5)`` clipped to 0..255, in float64.

    Exactly rounded (ties up) like ``core.nv12_to_rgb``: float64 is exact to ~1e-13 on
    8-bit inputs and ``core.color.ROUND_GUARD`` makes exact .5 ties round up whatever
    the order in which the runtime sums.

    Examples
    --------
    >>> import onnxruntime as ort
    >>> from onnx import TensorProto, helper
    >>> def run(b, x, out):
    ...     io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("x", out)]
    ...     graph = helper.make_graph(b.nodes, "g", io[:1], io[1:], b.inits)
    ...     model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    ...     return ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    >>> b = GraphBuilder("p_")
    >>> yuv = np.array([[[[120, 100, 160], [235, 128, 128]]]], np.float32)
    >>> rgb = run(b, yuv, emit_affine_round(b, "x", yuv_to_rgb_affine("studio", "bt601")))
    >>> rgb[0, 0].tolist()  # as core.nv12_to_rgb rounds
    [[172.0, 106.0, 65.0], [255.0, 255.0, 255.0]]
    """
    d = np.float64
    yuv64 = b.op("Cast", [yuv], "yuv444_f64", to=TensorProto.DOUBLE)
    w = b.const("yuv2rgb_matrix", np.ascontiguousarray(m[:, :3].T).astype(d))
    off = b.const("yuv2rgb_offset_plus_half", (m[:, 3] + (0.5 + ROUND_GUARD)).astype(d))
    exact = b.op("Add", [b.op("MatMul", [yuv64, w], "rgb_linear"), off], "rgb_plus_half")
    rounded = b.op("Floor", [exact], "rgb_rounded_f64")
    return b.clip_u8(b.op("Cast", [rounded], "rgb_rounded", to=TensorProto.FLOAT))
