"""OpenVINO ``NV12toRGB-8``: ``openvino`` (u8 tensors) and ``openvino-f32`` (f32 tensors).

- ``"openvino"``: ``NV12toRGB`` on u8 tensors (``convert_color`` before
  ``convert_element_type``): studio BT.601, 3-decimal float32 coefficients, nearest
  chroma, rounded half to even (CPU plugin), clipped.
- ``"openvino-f32"``: on f32 tensors (``convert_element_type(f32)`` before
  ``convert_color``): the same float32 values unrounded (clipped to 0..255);
  ``decode`` rounds them to codes, ``decode_float`` is what the network sees.

Both only decode: their NV12 comes from a camera, modelled by the generic exactly
rounded studio BT.601 encoder with mean chroma. Toolchain snippets: ``openvino`` (``mo``)
and ``openvino_ppp`` (``PrePostProcessor``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nv12_widgets.core._checks import check_choice
from nv12_widgets.core.nv12 import NV12
from nv12_widgets.core.registry import Device, Source, register_device

from .common import camera_encoder, yuv_nearest
from .graph_ops import GraphOps, clip, mul, nearest_chroma, ordered, sub

__all__ = [
    "OPENVINO",
    "OPENVINO_F32",
    "OPENVINO_NV12_COEFFICIENTS",
    "emit_openvino",
    "emit_openvino_f32",
    "openvino_nv12_to_rgb",
    "openvino_nv12_to_rgb_float",
]

REFERENCE = Source(
    "OpenVINO NV12toRGB-8 reference implementation (yuv_pixel_to_rgb, color_convert_nv12) "
    "and operation specification NV12toRGB-8 (docs.openvino.ai)",
    "openvinotoolkit/openvino",
    "src/core/reference/include/openvino/reference/convert_color_nv12.hpp",
    "0bfff824",
)
SOURCE_LINE = (
    "openvinotoolkit/openvino src/core/reference/include/openvino/reference/"
    "convert_color_nv12.hpp @0bfff824; spec NV12toRGB-8"
)

# ---------------------------------------------------------------------------- OpenVINO
#: OpenVINO ``NV12toRGB-8``: rows R, G, B; columns (Y - 16), (U - 128), (V - 128);
#: float32 constants as written in the reference implementation.
OPENVINO_NV12_COEFFICIENTS = np.array(
    [[1.164, 0.0, 1.596], [1.164, -0.391, -0.813], [1.164, 2.018, 0.0]], np.float32
)


def openvino_nv12_to_rgb_float(frame: NV12) -> np.ndarray:
    """NV12 -> RGB as OpenVINO's ``NV12toRGB`` computes it on float input (unrounded).

    What a model receives when its ``PrePostProcessor`` converts the NV12 tensor to f32
    *before* ``convert_color`` (``preprocess().convert_element_type(f32)
    .convert_color(RGB)``): the float32 values below, clipped to 0..255, not rounded.

    Source: ``openvinotoolkit/openvino``,
    ``src/core/reference/include/openvino/reference/convert_color_nv12.hpp``
    (``yuv_pixel_to_rgb``, ``color_convert_nv12``; commit 0bfff824, 2023), and the
    operation specification "NV12toRGB-8" (docs.openvino.ai): BT.601 studio swing with
    the specification's 3-decimal coefficients :data:`OPENVINO_NV12_COEFFICIENTS`.

    Parameters
    ----------
    frame : NV12

    Returns
    -------
    numpy.ndarray
        (H, W, 3) float32 RGB in 0..255.

    Notes
    -----
    In float32, per pixel: ``c = Y - 16, d = U - 128, e = V - 128``;
    ``R = 1.164 c + 1.596 e``, ``G = 1.164 c - 0.391 d - 0.813 e`` (left to right),
    ``B = 1.164 c + 2.018 d``; each product and sum rounded to float32 (no fused
    multiply-add). Chroma: ``uv[h / 2, w / 2]``, i.e. nearest, co-sited with the
    block's top-left pixel. Measured equal, bit for bit, to OpenVINO 2026.4's CPU
    plugin on the bundled photos.

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> openvino_nv12_to_rgb_float(yuv_frame((120, 100, 160)))[0, 0]
    array([172.12799, 105.988  ,  64.552  ], dtype=float32)
    """
    yuv = yuv_nearest(frame).astype(np.float32)
    c = yuv[..., 0] - np.float32(16.0)
    d = yuv[..., 1] - np.float32(128.0)
    e = yuv[..., 2] - np.float32(128.0)
    k = OPENVINO_NV12_COEFFICIENTS
    r = k[0, 0] * c + k[0, 2] * e
    g = k[1, 0] * c + k[1, 1] * d + k[1, 2] * e  # + (-0.391 d) == - 0.391 d exactly
    b = k[2, 0] * c + k[2, 1] * d
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255)


def openvino_nv12_to_rgb(frame: NV12, *, rounding: str = "half_even") -> np.ndarray:
    """NV12 -> RGB uint8 as OpenVINO's ``NV12toRGB`` on u8 tensors.

    The float32 value of :func:`openvino_nv12_to_rgb_float` (same source), rounded to
    an integer and clipped to 0..255.

    Parameters
    ----------
    frame : NV12
    rounding : {"half_even", "half_away"}
        "half_even": what OpenVINO's CPU plugin does (measured: OpenVINO 2026.4,
        ``PrePostProcessor`` with ``convert_color`` on the u8 NV12 tensor, bit for bit
        on the bundled photos); "half_away": ``std::round`` of the reference
        implementation. They differ only where the float32 value is an exact .5
        (about 0.04 % of samples on photos), by one level.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.

    Examples
    --------
    >>> f = NV12(np.full((2, 2), 235, np.uint8), np.full((1, 1, 2), 128, np.uint8))
    >>> openvino_nv12_to_rgb(f)[0, 0].tolist()
    [255, 255, 255]
    """
    check_choice("rounding", rounding, ("half_even", "half_away"))
    x = openvino_nv12_to_rgb_float(frame)
    if rounding == "half_even":
        return np.rint(x).astype(np.uint8)
    return _round_half_away_clip(x)


def _round_half_away_clip(x: np.ndarray) -> np.ndarray:
    """std::round then clip to 0..255, as uint8.

    Negative values clip to 0 whatever their rounding, so for x >= 0 half away from
    zero is half up: ``f + (x - f >= 0.5)`` with ``f = floor(x)`` (``x - f`` is exact).
    """
    f = np.floor(x)
    r = f + (x - f >= 0.5).astype(x.dtype)
    return np.clip(r, 0, 255).astype(np.uint8)


def openvino_codes_of_float(frame: NV12) -> np.ndarray:
    """:func:`openvino_nv12_to_rgb_float` rounded half to even: ``openvino-f32``'s codes.

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> openvino_codes_of_float(yuv_frame((16, 128, 128)))[0, 0].tolist()
    [0, 0, 0]
    """
    return np.rint(openvino_nv12_to_rgb_float(frame)).astype(np.uint8)


def _openvino_float(g: GraphOps, y_f: str, uv_half_f: str) -> list[str]:
    """R, G, B of ``openvino_nv12_to_rgb_float`` before clipping (float32, same order)."""
    u, v = nearest_chroma(g, uv_half_f)
    k = OPENVINO_NV12_COEFFICIENTS
    c = sub(g, y_f, 16.0, "ov_c")
    d = sub(g, u, 128.0, "ov_d")
    e = sub(g, v, 128.0, "ov_e")
    cy = mul(g, c, k[0, 0], "ov_1164c")
    r = g.op("Add", [cy, mul(g, e, k[0, 2], "ov_r_e")], "ov_r")
    gr = g.op("Add", [cy, mul(g, d, k[1, 1], "ov_g_d")], "ov_g_cd")
    gr = g.op("Add", [gr, mul(g, e, k[1, 2], "ov_g_e")], "ov_g")
    bl = g.op("Add", [cy, mul(g, d, k[2, 1], "ov_b_d")], "ov_b")
    return [r, gr, bl]


def emit_openvino(g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """``openvino`` in a graph: the float32 formula, ``Round`` (half to even, as the CPU
    plugin), clip 0..255 (:func:`openvino_nv12_to_rgb`).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> emit_openvino(DeviceGraph(b), "y", "uv", [2, 1, 0])  # BGR
    'd_ov_codes'
    >>> [node.op_type for node in b.nodes][-3:]
    ['Concat', 'Round', 'Clip']
    """
    rgb = ordered(g, _openvino_float(g, y_f, uv_half_f), rows, "ov_rgb_float")
    return clip(g, g.op("Round", [rgb], "ov_rounded"), 0.0, 255.0, "ov_codes")


def emit_openvino_f32(g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """``openvino-f32`` in a graph: the float32 formula clipped, not rounded.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> emit_openvino_f32(DeviceGraph(b), "y", "uv", [0, 1, 2])
    'd_ov_f32'
    >>> "Round" in {node.op_type for node in b.nodes}
    False
    """
    rgb = ordered(g, _openvino_float(g, y_f, uv_half_f), rows, "ov_rgb_float")
    return clip(g, rgb, 0.0, 255.0, "ov_f32")


OPENVINO = register_device(
    Device(
        "openvino",
        "OpenVINO NV12toRGB-8 on u8 tensors (convert_color before convert_element_type): "
        "studio BT.601, 3-decimal float32 coefficients, nearest chroma, rounded half to "
        "even (CPU plugin), clipped.",
        "studio",
        "bt601",
        "mean",
        "nearest",
        camera_encoder("studio", "bt601", "mean"),
        openvino_nv12_to_rgb,
        SOURCE_LINE,
        device_encodes=False,
        emit=emit_openvino,
        snippets=("openvino", "openvino_ppp"),
        sources=(REFERENCE,),
        examples=(
            ((16, 128, 128), (0, 0, 0)),
            ((235, 128, 128), (255, 255, 255)),
            ((120, 100, 160), (172, 106, 65)),
            ((90, 150, 110), (57, 92, 131)),
        ),
    )
)

#: The same conversion on f32 tensors: what differs from ``openvino`` is replaced.
OPENVINO_F32 = register_device(
    replace(
        OPENVINO,
        name="openvino-f32",
        description="OpenVINO NV12toRGB-8 on f32 tensors (convert_element_type(f32) before "
        "convert_color): as 'openvino' but unrounded (clipped to 0..255); decode "
        "rounds to codes, decode_float is what the network sees.",
        decode=openvino_codes_of_float,
        decode_float=openvino_nv12_to_rgb_float,
        emit=emit_openvino_f32,
        examples=(
            ((16, 128, 128), (0, 0, 0)),
            ((235, 128, 128), (254.916, 254.916, 254.916)),
            ((120, 100, 160), (172.128, 105.988, 64.552)),
            ((90, 150, 110), (57.408, 92.168, 130.532)),
        ),
    )
)
