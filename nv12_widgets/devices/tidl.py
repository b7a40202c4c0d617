"""TI TIDL (``tidl``): the NV12 -> RGB front TI's model converter prepends to a network.

``RGB_YUV_model_converter`` adds nearest chroma (``Resize`` x2) and BT.601 studio swing
as a float 1x1 ``Conv`` with the published weights and bias; nothing rounds before the
network (``decode`` rounds to codes for display, ``decode_float`` is what the network
sees). The device only decodes: its camera is the generic studio BT.601 encoder with mean
chroma. Toolchain snippet: ``ti`` (edgeai-tidl-tools session ``input_mean`` /
``input_scale``).
"""

from __future__ import annotations

import numpy as np

from nv12_widgets.core.nv12 import NV12
from nv12_widgets.core.registry import Device, Source, register_device

from .common import camera_encoder, yuv_nearest
from .graph_ops import GraphOps, integer_rows, nearest_chroma, ordered

__all__ = [
    "TIDL",
    "TIDL_BIAS",
    "TIDL_WEIGHTS",
    "emit_tidl",
    "tidl_nv12_to_rgb",
    "tidl_nv12_to_rgb_float",
]

CONVERTER = Source(
    "TI edgeai-tidl-tools RGB_YUV_model_converter (addYUVConv)",
    "TexasInstruments/edgeai-tidl-tools",
    "scripts/osrt_model_tools/onnx_tools/tidl_onnx_model_utils/RGB_YUV_model_converter.py",
    "1d311a92",
)

# -------------------------------------------------------------------------------- TIDL
#: TI TIDL's YUV -> RGB 1x1 convolution weights, rows R, G, B; columns Y, U, V.
TIDL_WEIGHTS = np.array(
    [[1.164, 0.0, 1.596], [1.164, -0.391, -0.813], [1.164, 2.018, 0.0]], np.float32
)
#: ... and its bias (= -(16 * 1.164) - 128 * coefficients), per output channel.
TIDL_BIAS = np.array([-222.912, 135.488, -276.928], np.float32)


def tidl_nv12_to_rgb_float(frame: NV12) -> np.ndarray:
    """The float RGB tensor TI's converted model feeds its network (no rounding).

    Source: ``TexasInstruments/edgeai-tidl-tools``,
    ``scripts/osrt_model_tools/onnx_tools/tidl_onnx_model_utils/RGB_YUV_model_converter.py``
    (``addYUVConv``, commit 1d311a92): the UV plane is transposed to NCHW, upsampled by
    ONNX ``Resize`` (scales 1, 1, 2, 2, mode "nearest", default coordinate mode
    half_pixel and nearest mode round_prefer_floor, which for x2 is plain repetition),
    concatenated with Y, and converted by a 1x1 ``Conv`` with :data:`TIDL_WEIGHTS` and
    :data:`TIDL_BIAS` (BT.601 studio swing). Its inputs are float32 Y and UV.

    Parameters
    ----------
    frame : NV12

    Returns
    -------
    numpy.ndarray
        (H, W, 3) float32 RGB, *not* rounded and *not* clipped: nothing rounds between
        the convolution and the network (values below 0 and above 255 occur for
        out-of-range codes, e.g. Y < 16).

    Notes
    -----
    The convolution's exact value (float32 weights and bias, integer inputs: a sum of
    multiples of 2^-25 below 2^10, exact in float64) rounded once to float32. A float32
    ``Conv`` kernel may differ from it in the last bit or two, depending on its
    summation order; on the device the convolution is quantised with the network anyway.

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> tidl_nv12_to_rgb_float(yuv_frame((120, 100, 160)))[0, 0]
    array([172.12799, 105.98801,  64.55199], dtype=float32)
    >>> tidl_nv12_to_rgb_float(yuv_frame((10, 128, 128)))[0, 0]  # below black: not clipped
    array([-6.984008 , -6.9839964, -6.984023 ], dtype=float32)
    """
    yuv = yuv_nearest(frame).astype(np.float64)
    out = yuv @ TIDL_WEIGHTS.astype(np.float64).T + TIDL_BIAS.astype(np.float64)
    return out.astype(np.float32)


def tidl_nv12_to_rgb(frame: NV12) -> np.ndarray:
    """:func:`tidl_nv12_to_rgb_float` as uint8 codes (round half to even, clip 0..255).

    The rounding is ours, for display and comparison: TIDL itself feeds the float values
    to the network (see :func:`tidl_nv12_to_rgb_float`).

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> tidl_nv12_to_rgb(yuv_frame((120, 100, 160)))[0, 0].tolist()
    [172, 106, 65]
    >>> tidl_nv12_to_rgb(yuv_frame((10, 128, 128)))[0, 0].tolist()
    [0, 0, 0]
    """
    return np.clip(np.rint(tidl_nv12_to_rgb_float(frame)), 0, 255).astype(np.uint8)


def emit_tidl(g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """TIDL's 1x1 convolution as its exact value rounded once to float32.

    Evaluated in float64 elementwise (every product and partial sum is exact: multiples
    of 2^-25 below 2^10), then cast to float32: equal to :func:`tidl_nv12_to_rgb_float`.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> emit_tidl(DeviceGraph(b), "y", "uv", [0, 1, 2])
    'd_tidl_rgb'
    >>> sorted({node.op_type for node in b.nodes})  # elementwise: no Conv, no MatMul
    ['Add', 'Cast', 'Concat', 'Gather', 'Mul', 'Resize']
    """
    u, v = nearest_chroma(g, uv_half_f)
    planes = [g.cast(x, np.float64, f"tidl_{n}64") for n, x in zip("yuv", (y_f, u, v), strict=True)]
    bias = TIDL_BIAS.astype(np.float64)
    out = [
        g.op("Add", [acc, g.const(f"tidl_bias{ch}", np.array(bias[ch]))], f"tidl_{ch}")
        for ch, acc in enumerate(integer_rows(g, planes, TIDL_WEIGHTS.astype(np.float64), "tidl"))
    ]
    return g.cast(ordered(g, out, rows, "tidl_rgb64"), np.float32, "tidl_rgb")


TIDL = register_device(
    Device(
        "tidl",
        "TI TIDL RGB_YUV_model_converter: nearest chroma (Resize x2), BT.601 studio as "
        "a float 1x1 Conv with the published weights and bias; no rounding before the "
        "network (decode rounds to codes, decode_float is what the network sees).",
        "studio",
        "bt601",
        "mean",
        "nearest",
        camera_encoder("studio", "bt601", "mean"),
        tidl_nv12_to_rgb,
        "TexasInstruments/edgeai-tidl-tools scripts/osrt_model_tools/onnx_tools/"
        "tidl_onnx_model_utils/RGB_YUV_model_converter.py @1d311a92",
        device_encodes=False,
        decode_float=tidl_nv12_to_rgb_float,
        emit=emit_tidl,
        snippets=("ti",),
        sources=(CONVERTER,),
        examples=(
            ((16, 128, 128), (0, 0, 0)),
            ((235, 128, 128), (254.916, 254.916, 254.916)),
            ((120, 100, 160), (172.128, 105.988, 64.552)),
            ((90, 150, 110), (57.408, 92.168, 130.532)),
        ),
    )
)
