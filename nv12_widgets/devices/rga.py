"""Rockchip RGA (``rga-*``): ``imcvtcolor``'s YUV -> RGB modes feeding RKNN, one table.

librga's built-in colour-space modes (``IM_YUV_TO_RGB_BT601_LIMIT`` / ``_BT601_FULL`` /
``_BT709_LIMIT``, include/im2d_type.h) each implement a standard. Their fixed-point
coefficients are *not* public: librga (github.com/airockchip/librga) ships only headers
and binaries, and the kernel driver (``drivers/video/rockchip/rga3``) only selects the
mode bits; the coefficients are in the hardware. So each ``rga-*`` device models its
mode's standard, exactly rounded after nearest chroma: a wrong limited/full mode is
reproduced, RGA's last-bit rounding is not. :data:`RGA_MODES` is the one table; the
devices are derived from it. Toolchain snippet: ``rknn`` (``rknn.config``).
"""

from __future__ import annotations

from functools import partial

from nv12_widgets.core.registry import Device, Source, register_device

from .common import camera_encoder, standard_decoder
from .graph_ops import GraphOps

__all__ = ["RGA", "RGA_MODES", "emit_rga", "rga_device_name"]

HEADER = Source(
    "librga im2d_type.h (IM_YUV_TO_RGB_* / IM_RGB_TO_YUV_* modes); coefficients not "
    "published (docs/Rockchip_FAQ_RGA)",
    "airockchip/librga",
    "include/im2d_type.h",
)

#: librga ``imcvtcolor`` YUV -> RGB mode -> the standard it implements, as generic
#: ``(swing, matrix)`` keywords.
RGA_MODES = {
    "IM_YUV_TO_RGB_BT601_LIMIT": ("studio", "bt601"),
    "IM_YUV_TO_RGB_BT601_FULL": ("full", "bt601"),
    "IM_YUV_TO_RGB_BT709_LIMIT": ("studio", "bt709"),
}
_RANGE_WORD = {"LIMIT": "limited", "FULL": "full"}


def rga_device_name(mode: str) -> str:
    """The device name of a librga mode.

    Examples
    --------
    >>> rga_device_name("IM_YUV_TO_RGB_BT601_LIMIT")
    'rga-bt601-limited'
    """
    *_, standard, swing_range = mode.split("_")
    return f"rga-{standard.lower()}-{_RANGE_WORD[swing_range]}"


def emit_rga(
    swing: str, matrix: str, g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]
) -> str:
    """An RGA mode in a graph: the standard's exactly rounded conversion after nearest
    chroma (``core.nv12_to_rgb(frame, swing, matrix, upsample="nearest")``).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> emit_rga("studio", "bt601", DeviceGraph(b), "y", "uv", [0, 1, 2])
    'd_pixels'
    >>> [node.op_type for node in b.nodes]
    ['Resize', 'Concat', 'Cast', 'MatMul', 'Add', 'Floor', 'Cast', 'Clip']
    """
    return g.standard_rgb(y_f, uv_half_f, swing, matrix, rows)


#: Known answers per standard: ((Y, U, V), (R, G, B)), the ITU-R BT.601 / BT.709 equations
#: evaluated exactly (fractions) and rounded half up (tests/devices checks them).
EXAMPLES = {
    ('studio', 'bt601'): (((16, 128, 128), (0, 0, 0)), ((235, 128, 128), (255, 255, 255)), ((120, 100, 160), (172, 106, 65)), ((90, 150, 110), (57, 92, 131)),),
    ('full', 'bt601'): (((0, 128, 128), (0, 0, 0)), ((255, 128, 128), (255, 255, 255)), ((120, 100, 160), (165, 107, 70)), ((90, 150, 110), (65, 95, 129)),),
    ('studio', 'bt709'): (((16, 128, 128), (0, 0, 0)), ((235, 128, 128), (255, 255, 255)), ((120, 100, 160), (178, 110, 62)), ((90, 150, 110), (54, 91, 133)),),
}  # fmt: skip


def _register(mode: str) -> Device:
    swing, matrix = RGA_MODES[mode]
    name = rga_device_name(mode)
    return register_device(
        Device(
            name,
            f"Rockchip RGA imcvtcolor {mode} (feeding RKNN): the standard's conversion "
            f"({swing} swing {matrix.upper()}), exactly rounded, nearest chroma. RGA's own "
            "fixed-point coefficients are not public: this models the mode's standard, "
            "so a wrong limited/full mode is reproduced, RGA's last-bit rounding is not.",
            swing,
            matrix,
            "mean",
            "nearest",
            camera_encoder(swing, matrix, "mean"),
            standard_decoder(swing, matrix),
            "airockchip/librga include/im2d_type.h (IM_YUV_TO_RGB_* / IM_RGB_TO_YUV_* "
            "modes); coefficients not published (docs/Rockchip_FAQ_RGA)",
            device_encodes=False,
            emit=partial(emit_rga, swing, matrix),
            snippets=("rknn",),
            sources=(HEADER,),
            examples=EXAMPLES[(swing, matrix)],
        )
    )


#: mode -> its registered device.
RGA = {mode: _register(mode) for mode in RGA_MODES}
