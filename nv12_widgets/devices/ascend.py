"""Huawei Ascend AIPP colour-space conversion (CSC): five presets, one table.

AIPP's documented CSC presets for ``input_format: YUV420SP_U8`` -> RGB are a Q8 matrix
and an input bias: ``[R, G, B] = (M @ [Y - b0, U - b1, V - b2]) >> 8``, saturated.
:data:`AIPP_TABLE` holds each preset once, with the standard (swing, matrix) it
implements; the five ``ascend-aipp-<preset>`` devices, :data:`AIPP_PRESETS` and
:data:`AIPP_STANDARDS` (the preset a standard's camera needs, used by the ``aipp_op``
snippet) are derived from it. NV21 (``YVU420SP_U8``) uses the same matrices with
``rbuv_swap_switch: true`` (:func:`ascend_aipp_nv12_to_rgb` ``rbuv_swap=True``).
The devices only decode: their camera is the generic exactly rounded encoder of the
preset's standard with mean chroma. Toolchain snippet: ``ascend_aipp``.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from nv12_widgets.core._checks import check_choice
from nv12_widgets.core.nv12 import NV12
from nv12_widgets.core.registry import Device, Source, register_device

from .common import camera_encoder, yuv_nearest
from .graph_ops import GraphOps, clip, integer_rows, nearest_chroma, ordered, sub

__all__ = [
    "AIPP_PRESETS",
    "AIPP_STANDARDS",
    "AIPP_TABLE",
    "ASCEND_AIPP",
    "ascend_aipp_nv12_to_rgb",
    "emit_ascend_aipp",
]

CSC_DOC = Source(
    "Huawei CANN ATC Instructions, AIPP, CSC Configuration (hiascend.com/document/detail/en/"
    "canncommercial/800/devaids/atc/atlasatc_16_0021.html; the same tables in the Chinese "
    "edition)",
    version="CANN 8.0.0",
)

#: preset -> (Q8 matrix rows R, G, B over columns Y, U, V; input_bias_0..2; the
#: standard's swing; its matrix). "jpeg" and "bt601-wide" are the same matrix in the
#: documentation; the standards' own names are the ``bt...`` presets.
AIPP_TABLE = {
    "jpeg": (((256, 0, 359), (256, -88, -183), (256, 454, 0)), (0, 128, 128), "full", "bt601"),
    "bt601-narrow": (((298, 0, 409), (298, -100, -208), (298, 516, 0)), (16, 128, 128), "studio", "bt601"),
    "bt601-wide": (((256, 0, 359), (256, -88, -183), (256, 454, 0)), (0, 128, 128), "full", "bt601"),
    "bt709-narrow": (((298, 0, 459), (298, -55, -136), (298, 541, 0)), (16, 128, 128), "studio", "bt709"),
    "bt709-wide": (((256, 0, 403), (256, -48, -120), (256, 475, 0)), (0, 128, 128), "full", "bt709"),
}  # fmt: skip

#: preset -> (matrix, input bias): the CSC fields of each preset.
AIPP_PRESETS = {p: (m, bias) for p, (m, bias, _, _) in AIPP_TABLE.items()}
#: (swing, matrix) -> the preset named after that standard (``bt601-wide``, not ``jpeg``).
AIPP_STANDARDS = {(s, m): p for p, (_, _, s, m) in AIPP_TABLE.items() if p.startswith("bt")}


def ascend_aipp_nv12_to_rgb(
    frame: NV12, preset: str = "bt601-narrow", *, rbuv_swap: bool = False
) -> np.ndarray:
    """NV12 (or NV21) -> RGB as Ascend AIPP's colour-space conversion (CSC) computes it.

    Source: Huawei CANN "ATC Instructions", AIPP, "CSC Configuration" (CANN 8.0.0,
    hiascend.com/document/detail/en/canncommercial/800/devaids/atc/atlasatc_16_0021.html;
    the same tables in the Chinese edition): ``[R, G, B] = (M @ [Y - b0, U - b1,
    V - b2]) >> 8`` with the preset matrices and input biases of
    :data:`AIPP_PRESETS` for ``YUV420SP_U8`` -> RGB; for NV21 (``YVU420SP_U8``) the
    same matrices with ``rbuv_swap_switch: true``.

    Parameters
    ----------
    frame : NV12
        With ``rbuv_swap=True`` the chroma plane holds V, U pairs (an NV21 buffer read
        as NV12); AIPP swaps them back before the CSC.
    preset : {"jpeg", "bt601-narrow", "bt601-wide", "bt709-narrow", "bt709-wide"}
        "jpeg" and "bt601-wide" are the same matrix in the documentation.
    rbuv_swap : bool

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.

    Notes
    -----
    Integer arithmetic: a Q8 matrix, ``>> 8`` (arithmetic shift: floor, no rounding
    term), saturated to 0..255. The documentation gives the formula but neither the
    saturation nor the chroma upsampling of YUV420SP; we saturate (the CSC output is
    8-bit) and repeat each chroma sample over its 2x2 block (nearest).

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> ascend_aipp_nv12_to_rgb(yuv_frame((120, 100, 160)), "bt601-narrow")[0, 0].tolist()
    [172, 106, 64]
    >>> ascend_aipp_nv12_to_rgb(yuv_frame((235, 128, 128)))[0, 0].tolist()  # Q8 floor: 254
    [254, 254, 254]
    >>> nv21 = yuv_frame((120, 160, 100))  # V, U pairs
    >>> ascend_aipp_nv12_to_rgb(nv21, "bt601-narrow", rbuv_swap=True)[0, 0].tolist()
    [172, 106, 64]
    """
    check_choice("AIPP preset", preset, tuple(AIPP_PRESETS))
    m, bias = AIPP_PRESETS[preset]
    yuv = yuv_nearest(frame).astype(np.int32)
    if rbuv_swap:
        yuv = yuv[..., [0, 2, 1]]
    x = yuv - np.asarray(bias, np.int32)
    out = (x @ np.asarray(m, np.int32).T) >> 8
    return np.clip(out, 0, 255).astype(np.uint8)


def emit_ascend_aipp(preset: str, g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """AIPP CSC in a graph: ``(M @ (yuv - input_bias)) >> 8`` saturated, integers exact in
    float32 (``>> 8`` of an integer below 2^18 is ``Floor(x / 256)``).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> emit_ascend_aipp("bt601-narrow", DeviceGraph(b), "y", "uv", [0, 1, 2])
    'd_aipp_codes'
    >>> [node.op_type for node in b.nodes][-3:]  # x / 256, floor, saturate
    ['Mul', 'Floor', 'Clip']
    """
    m, bias = AIPP_PRESETS[preset]
    u, v = nearest_chroma(g, uv_half_f)
    planes = [
        x if off == 0 else sub(g, x, float(off), f"aipp_{n}b")
        for n, x, off in zip("yuv", (y_f, u, v), bias, strict=True)
    ]
    weights = [[float(w) for w in row] for row in m]
    acc = ordered(g, integer_rows(g, planes, weights, "aipp", np.float32), rows, "aipp_acc")
    div = g.op(
        "Mul", [acc, g.const("aipp_div256_k", np.array(1.0 / 256.0, np.float32))], "aipp_div256"
    )
    return clip(g, g.op("Floor", [div], "aipp_shifted"), 0.0, 255.0, "aipp_codes")


#: Known answers per preset: ((Y, U, V), (R, G, B)), the documented formula evaluated by
#: hand in integers (tests/devices/test_devices.py checks the devices against them).
EXAMPLES = {
    "jpeg": (((0, 128, 128), (0, 0, 0)), ((255, 128, 128), (255, 255, 255)), ((120, 100, 160), (164, 106, 70)), ((90, 150, 110), (64, 95, 129)),),
    "bt601-narrow": (((16, 128, 128), (0, 0, 0)), ((235, 128, 128), (254, 254, 254)), ((120, 100, 160), (172, 106, 64)), ((90, 150, 110), (57, 92, 130)),),
    "bt601-wide": (((0, 128, 128), (0, 0, 0)), ((255, 128, 128), (255, 255, 255)), ((120, 100, 160), (164, 106, 70)), ((90, 150, 110), (64, 95, 129)),),
    "bt709-narrow": (((16, 128, 128), (0, 0, 0)), ((235, 128, 128), (254, 254, 254)), ((120, 100, 160), (178, 110, 61)), ((90, 150, 110), (53, 90, 132)),),
    "bt709-wide": (((0, 128, 128), (0, 0, 0)), ((255, 128, 128), (255, 255, 255)), ((120, 100, 160), (170, 110, 68)), ((90, 150, 110), (61, 94, 130)),),
}  # fmt: skip


def _register(preset: str) -> Device:
    _, _, swing, matrix = AIPP_TABLE[preset]
    return register_device(
        Device(
            f"ascend-aipp-{preset}",
            f"Huawei Ascend AIPP CSC, preset {preset} (YUV420SP_U8 -> RGB): Q8 matrix, "
            "input_bias, >> 8, saturate; nearest chroma.",
            swing,
            matrix,
            "mean",
            "nearest",
            camera_encoder(swing, matrix, "mean"),
            partial(ascend_aipp_nv12_to_rgb, preset=preset),
            "Huawei CANN 8.0.0 ATC Instructions, AIPP, CSC Configuration",
            device_encodes=False,
            emit=partial(emit_ascend_aipp, preset),
            snippets=("ascend_aipp",),
            sources=(CSC_DOC,),
            examples=EXAMPLES[preset],
        )
    )


#: preset -> its registered device.
ASCEND_AIPP = {preset: _register(preset) for preset in AIPP_TABLE}
