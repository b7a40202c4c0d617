"""``opencv``: OpenCV's BT.601 studio-swing NV12 conversions.

Encode: ``cv2.cvtColor(rgb, COLOR_RGB2YUV_I420)`` (studio swing BT.601, OpenCV's fixed
point, top-left chroma) repacked as NV12; decode: ``cv2.cvtColor(buf,
COLOR_YUV2RGB_NV12)`` (20-bit fixed point, chroma repeated over each 2x2 block).
Source: opencv/opencv ``modules/imgproc/src/color_yuv.simd.hpp`` (4.x).
"""

from __future__ import annotations

import cv2
import numpy as np

from nv12_widgets.core.nv12 import NV12
from nv12_widgets.core.registry import Device, Source, register_device

from .graph_ops import GraphOps

__all__ = ["OPENCV", "OPENCV_NV12_FIXED", "emit_opencv", "opencv_decode", "opencv_encode"]

#: COLOR_YUV2RGB_NV12's integer coefficients and shift (color_yuv.simd.hpp ITUR_BT_601_*).
OPENCV_NV12_FIXED = {
    "shift": 20,
    "cy": 1220542,
    "cub": 2116026,
    "cug": -409993,
    "cvg": -852492,
    "cvr": 1673527,
}


def opencv_encode(rgb: np.ndarray) -> NV12:
    """``cv2.cvtColor(rgb, COLOR_RGB2YUV_I420)`` repacked as NV12.

    Examples
    --------
    >>> opencv_encode(np.zeros((2, 2, 3), np.uint8)).y.tolist()
    [[16, 16], [16, 16]]
    """
    h, w = rgb.shape[:2]
    i420 = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    return NV12.from_i420(i420.reshape(-1), w, h)


def opencv_decode(frame: NV12) -> np.ndarray:
    """``cv2.cvtColor(buf, COLOR_YUV2RGB_NV12)``.

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> opencv_decode(yuv_frame((235, 128, 128)))[0, 0].tolist()
    [255, 255, 255]
    """
    buf = np.frombuffer(frame.tobytes(), np.uint8).reshape(frame.height * 3 // 2, frame.width)
    return cv2.cvtColor(buf, cv2.COLOR_YUV2RGB_NV12)


def emit_opencv(g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """``COLOR_YUV2RGB_NV12`` in a graph: OpenCV's integer arithmetic, exact in float64.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> emit_opencv(DeviceGraph(b), "y", "uv", [0, 1, 2])
    'd_pixels'
    >>> sorted({node.op_type for node in b.nodes})
    ['Add', 'Cast', 'Clip', 'Floor', 'MatMul', 'Mul', 'Relu', 'Resize', 'Sub']
    """
    k = OPENCV_NV12_FIXED
    uv_up = g.upsample_nearest(uv_half_f)
    d = np.float64
    yd = g.cast(y_f, d, "y_f64")
    uvd = g.cast(uv_up, d, "uv_f64")
    y16 = g.op("Relu", [g.op("Sub", [yd, g.const("c16", np.array(16.0, d))], "y_m16")], "y_m16_pos")
    yc = g.op("Mul", [y16, g.const("cy", np.array(float(k["cy"]), d))], "y_scaled")
    uvc = g.op("Sub", [uvd, g.const("c128_f64", np.array(128.0, d))], "uv_centred")
    coef = np.array([[0.0, k["cvr"]], [k["cug"], k["cvg"]], [k["cub"], 0.0]], d)[rows].T
    chroma = g.op("MatMul", [uvc, g.const("cv_coef", coef)], "rgb_chroma")
    half = g.const("cv_round", np.array(float(1 << (k["shift"] - 1)), d))
    total = g.op("Add", [g.op("Add", [yc, chroma], "rgb_fixed"), half], "rgb_fixed_round")
    unit = g.const("cv_shift", np.array(1.0 / (1 << k["shift"]), d))
    shifted = g.op("Floor", [g.op("Mul", [total, unit], "rgb_scaled")], "rgb_shifted")
    # integers below 2^24 after the shift: exact in float32
    return g.clip_u8(g.cast(shifted, np.float32, "rgb_shifted_f32"))


OPENCV = register_device(
    Device(
        "opencv",
        "OpenCV COLOR_RGB2YUV_I420 (studio swing BT.601, top-left chroma) repacked "
        "as NV12; decoded by COLOR_YUV2RGB_NV12.",
        "studio",
        "bt601",
        "decimate",
        "opencv",
        opencv_encode,
        opencv_decode,
        emit=emit_opencv,
        sources=(
            Source(
                "OpenCV cvtColor YUV <-> RGB",
                "opencv/opencv",
                "modules/imgproc/src/color_yuv.simd.hpp",
                "4.x to 5.0.0 (the tests run 5.0.0)",
            ),
        ),
        examples=(
            ((16, 128, 128), (0, 0, 0)),
            ((235, 128, 128), (255, 255, 255)),
            ((120, 100, 160), (172, 106, 65)),
            ((90, 150, 110), (57, 92, 131)),
        ),
    )
)
