"""ONNX executors of the device profiles' decoding side (NV12 -> RGB/BGR inside a graph).

:data:`DECODE_GRAPHS` maps a profile name of :data:`nv12_widgets.core.PROFILES` to an
emitter ``emit(b, y_f, uv_half_f, rows) -> str`` that appends nodes to a graph builder
``b`` (``b.const(base, array) -> name``, ``b.op(op_type, inputs, base, **attrs) -> name``)
and returns the name of the decoded image:

- ``y_f``: float32 NHWC Y, (1, H, W, 1), integer codes 0..255;
- ``uv_half_f``: float32 NHWC chroma at *half* resolution, (1, H/2, W/2, 2), U then V;
- ``rows``: output channel order, ``[0, 1, 2]`` for RGB, ``[2, 1, 0]`` for BGR;
- result: float32 NHWC (1, H, W, 3). For profiles with ``decode_float`` (``tidl``,
  ``openvino-f32``) it is that unrounded tensor, which is what the device's network
  sees; otherwise the uint8 codes of ``Profile.decode`` as float32 (0..255).

Each emitter includes the profile's own chroma upsampling (all of them repeat each
chroma sample over its 2x2 block) and reproduces the numpy executor of
:mod:`nv12_widgets.core.device_profiles` *bit for bit*: elementwise ops in the same
order and precision (float32 where the device is float32), integer arithmetic exactly
(float32/float64 hold the integers exactly), no ``MatMul`` or ``Conv`` whose summation
order is the runtime's. Every op used exists from opset 11 on with the same signature.

The ``horizon`` (float coefficients, ``Round`` = ``np.rint``) and ``opencv``
(OpenCV's integer arithmetic, exact in float64) emitters follow the same contract.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from onnx import TensorProto

from nv12_widgets.core import device_profiles as dev

from .builder import GraphBuilder, emit_affine_round, emit_upsample, yuv_to_rgb_affine

__all__ = ["DECODE_GRAPHS", "emit_nearest_chroma"]

Emitter = Callable[[GraphBuilder, str, str, list[int]], str]


def emit_nearest_chroma(b: GraphBuilder, uv_half_f: str) -> tuple[str, str]:
    """U and V at full resolution, each sample repeated over its 2x2 block.

    ``Resize`` nearest, asymmetric, floor (``out[i] = in[i // 2]``), then ``Gather`` of
    channel 0 and 1: two (1, H, W, 1) float tensors.
    """
    up = emit_upsample(b, uv_half_f, "nearest")
    u = b.op("Gather", [up, b.const("idx_u", np.array([0], np.int64))], "u", axis=3)
    v = b.op("Gather", [up, b.const("idx_v", np.array([1], np.int64))], "v", axis=3)
    return u, v


def _sub(b: GraphBuilder, x: str, value: float, base: str, dtype=np.float32) -> str:
    return b.op("Sub", [x, b.const(base + "_k", np.array(value, dtype))], base)


def _mul(b: GraphBuilder, x: str, value, base: str, dtype=np.float32) -> str:
    return b.op("Mul", [x, b.const(base + "_k", np.array(value, dtype))], base)


def _clip(b: GraphBuilder, x: str, lo: float, hi: float, base: str = "clipped") -> str:
    """Clip float32 to lo..hi (Clip takes min/max inputs from opset 11)."""
    return b.op(
        "Clip",
        [x, b.const(base + "_lo", np.array(lo, np.float32)), b.const(base + "_hi", np.array(hi, np.float32))],
        base,
    )  # fmt: skip


def _ordered(b: GraphBuilder, channels: list[str], rows: list[int], base: str) -> str:
    """Concat the R, G, B tensors in ``rows`` order along the channel axis."""
    return b.op("Concat", [channels[r] for r in rows], base, axis=3)


# -- OpenVINO ---------------------------------------------------------------------------
def _openvino_float(b: GraphBuilder, y_f: str, uv_half_f: str) -> list[str]:
    """R, G, B of ``openvino_nv12_to_rgb_float`` before clipping (float32, same order)."""
    u, v = emit_nearest_chroma(b, uv_half_f)
    k = dev.OPENVINO_NV12_COEFFICIENTS
    c = _sub(b, y_f, 16.0, "ov_c")
    d = _sub(b, u, 128.0, "ov_d")
    e = _sub(b, v, 128.0, "ov_e")
    cy = _mul(b, c, k[0, 0], "ov_1164c")
    r = b.op("Add", [cy, _mul(b, e, k[0, 2], "ov_r_e")], "ov_r")
    g = b.op("Add", [cy, _mul(b, d, k[1, 1], "ov_g_d")], "ov_g_cd")
    g = b.op("Add", [g, _mul(b, e, k[1, 2], "ov_g_e")], "ov_g")
    bl = b.op("Add", [cy, _mul(b, d, k[2, 1], "ov_b_d")], "ov_b")
    return [r, g, bl]


def emit_openvino(b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """OpenVINO NV12toRGB on u8 tensors: the float32 formula, ``Round`` (half to even,
    as the CPU plugin), clip 0..255 (:func:`~nv12_widgets.core.device_profiles.openvino_nv12_to_rgb`)."""
    rgb = _ordered(b, _openvino_float(b, y_f, uv_half_f), rows, "ov_rgb_float")
    return _clip(b, b.op("Round", [rgb], "ov_rounded"), 0.0, 255.0, "ov_codes")


def emit_openvino_f32(b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """OpenVINO NV12toRGB on f32 tensors: the float32 formula clipped, not rounded."""
    rgb = _ordered(b, _openvino_float(b, y_f, uv_half_f), rows, "ov_rgb_float")
    return _clip(b, rgb, 0.0, 255.0, "ov_f32")


# -- TIDL -------------------------------------------------------------------------------
def emit_tidl(b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """TIDL's 1x1 convolution as its exact value rounded once to float32.

    Evaluated in float64 elementwise (every product and partial sum is exact: multiples
    of 2^-25 below 2^10), then cast to float32: equal to ``tidl_nv12_to_rgb_float``.
    """
    u, v = emit_nearest_chroma(b, uv_half_f)
    planes = [b.op("Cast", [x], f"tidl_{n}64", to=TensorProto.DOUBLE) for n, x in zip("yuv", (y_f, u, v), strict=True)]  # fmt: skip
    w = dev.TIDL_WEIGHTS.astype(np.float64)
    bias = dev.TIDL_BIAS.astype(np.float64)
    out = []
    for ch in range(3):
        acc = None
        for col in range(3):
            if w[ch, col] == 0.0:
                continue
            term = _mul(b, planes[col], w[ch, col], f"tidl_{ch}{col}", np.float64)
            acc = term if acc is None else b.op("Add", [acc, term], f"tidl_{ch}_sum")
        acc = b.op("Add", [acc, b.const(f"tidl_bias{ch}", np.array(bias[ch]))], f"tidl_{ch}")
        out.append(acc)
    rgb = _ordered(b, out, rows, "tidl_rgb64")
    return b.op("Cast", [rgb], "tidl_rgb", to=TensorProto.FLOAT)


# -- Horizon BPU ------------------------------------------------------------------------
def emit_horizon_bpu(b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """The BPU's quantised ``centered_yuv2rgb`` with mean 128, std 128, q_scale 1/128.

    Integer accumulator (exact in float64), times the float64 requantisation multiplier,
    rounded half away from zero (``Sign * Floor(Abs + 0.5)``), clipped to -128..127,
    plus 128: equal to ``horizon_bpu_nv12_to_rgb``.
    """
    u, v = emit_nearest_chroma(b, uv_half_f)
    w_q, b_q, mult = dev.horizon_bpu_params()
    planes = [
        _sub(b, b.op("Cast", [x], f"bpu_{n}64", to=TensorProto.DOUBLE), 128.0, f"bpu_{n}c", np.float64)
        for n, x in zip("yuv", (y_f, u, v), strict=True)
    ]  # fmt: skip
    out = []
    for ch in range(3):
        acc = None
        for col in range(3):
            if w_q[ch, col] == 0.0:
                continue
            term = _mul(b, planes[col], w_q[ch, col], f"bpu_{ch}{col}", np.float64)
            acc = term if acc is None else b.op("Add", [acc, term], f"bpu_{ch}_acc")
        if b_q[ch] != 0.0:
            acc = b.op("Add", [acc, b.const(f"bpu_bias{ch}", np.array(b_q[ch]))], f"bpu_{ch}_b")
        x = _mul(b, acc, mult[ch], f"bpu_{ch}_requant", np.float64)
        half = b.const(f"bpu_half{ch}", np.array(0.5))
        mag = b.op(
            "Floor",
            [b.op("Add", [b.op("Abs", [x], f"bpu_{ch}_abs"), half], f"bpu_{ch}_h")],
            f"bpu_{ch}_mag",
        )
        q = b.op("Mul", [b.op("Sign", [x], f"bpu_{ch}_sign"), mag], f"bpu_{ch}_q")
        out.append(q)
    rgb = b.op("Cast", [_ordered(b, out, rows, "bpu_q64")], "bpu_q", to=TensorProto.FLOAT)
    q = _clip(b, rgb, -128.0, 127.0, "bpu_q_clipped")
    return b.op("Add", [q, b.const("bpu_128", np.array(128.0, np.float32))], "bpu_codes")


# -- Ascend AIPP ------------------------------------------------------------------------
def emit_ascend_aipp(
    preset: str, b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]
) -> str:
    """AIPP CSC: ``(M @ (yuv - input_bias)) >> 8`` saturated, integers exact in float32
    (``>> 8`` of an integer below 2^18 is ``Floor(x / 256)``)."""
    m, bias = dev.AIPP_PRESETS[preset]
    u, v = emit_nearest_chroma(b, uv_half_f)
    planes = [x if off == 0 else _sub(b, x, float(off), f"aipp_{n}b") for n, x, off in zip("yuv", (y_f, u, v), bias, strict=True)]  # fmt: skip
    out = []
    for ch in range(3):
        acc = None
        for col in range(3):
            if m[ch][col] == 0:
                continue
            term = _mul(b, planes[col], float(m[ch][col]), f"aipp_{ch}{col}")
            acc = term if acc is None else b.op("Add", [acc, term], f"aipp_{ch}_acc")
        out.append(acc)
    acc = _ordered(b, out, rows, "aipp_acc")
    shifted = b.op("Floor", [_mul(b, acc, 1.0 / 256.0, "aipp_div256")], "aipp_shifted")
    return _clip(b, shifted, 0.0, 255.0, "aipp_codes")


#: profile name -> emitter (see the module docstring for the contract).
# Horizon's float centered_yuv2rgb coefficients (core.profiles "horizon").
_HORIZON_DEC = np.array([[0.0, 1.402], [-0.3441, -0.7141], [1.772, 0.0]], np.float32)
# OpenCV's COLOR_YUV2RGB_NV12 integer coefficients (modules/imgproc/src/color_yuv.simd.hpp).
_CV_SHIFT = 20
_CV_CY = 1220542
_CV_CUB = 2116026
_CV_CUG = -409993
_CV_CVG = -852492
_CV_CVR = 1673527


def emit_horizon(b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    # rgb = y + (uv - 128) @ DEC.T, in float32, rint, clip (core.profiles "horizon").
    uv_up = emit_upsample(b, uv_half_f, "nearest")
    c128 = b.const("c128", np.array(128.0, np.float32))
    centred = b.op("Sub", [uv_up, c128], "uv_centred")
    dec = b.const("centered_yuv2rgb", np.ascontiguousarray(_HORIZON_DEC[rows].T))
    chroma = b.op("MatMul", [centred, dec], "rgb_chroma")
    return b.clip_u8(b.op("Round", [b.op("Add", [y_f, chroma], "rgb_float")], "rounded"))


def emit_opencv(b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    # cv2.cvtColor(COLOR_YUV2RGB_NV12): integer arithmetic, exact in float64.
    uv_up = emit_upsample(b, uv_half_f, "nearest")
    d = np.float64
    yd = b.op("Cast", [y_f], "y_f64", to=TensorProto.DOUBLE)
    uvd = b.op("Cast", [uv_up], "uv_f64", to=TensorProto.DOUBLE)
    y16 = b.op("Relu", [b.op("Sub", [yd, b.const("c16", np.array(16.0, d))], "y_m16")], "y_m16_pos")
    yc = b.op("Mul", [y16, b.const("cy", np.array(float(_CV_CY), d))], "y_scaled")
    uvc = b.op("Sub", [uvd, b.const("c128_f64", np.array(128.0, d))], "uv_centred")
    coef = np.array([[0.0, _CV_CVR], [_CV_CUG, _CV_CVG], [_CV_CUB, 0.0]], d)[rows].T
    chroma = b.op("MatMul", [uvc, b.const("cv_coef", coef)], "rgb_chroma")
    total = b.op(
        "Add",
        [
            b.op("Add", [yc, chroma], "rgb_fixed"),
            b.const("cv_round", np.array(float(1 << (_CV_SHIFT - 1)), d)),
        ],
        "rgb_fixed_round",
    )
    scaled = b.op(
        "Mul", [total, b.const("cv_shift", np.array(1.0 / (1 << _CV_SHIFT), d))], "rgb_scaled"
    )
    shifted = b.op("Floor", [scaled], "rgb_shifted")
    # integers below 2^24 after the shift: exact in float32
    return b.clip_u8(b.op("Cast", [shifted], "rgb_shifted_f32", to=TensorProto.FLOAT))


def emit_standard(
    swing: str, matrix: str, b: GraphBuilder, y_f: str, uv_half_f: str, rows: list[int]
) -> str:
    """A standard's exactly rounded conversion after nearest chroma (the RGA profiles:
    ``core.nv12_to_rgb(frame, swing, matrix, upsample="nearest")``)."""
    uv_up = emit_upsample(b, uv_half_f, "nearest")
    yuv = b.op("Concat", [y_f, uv_up], "yuv444", axis=3)
    return emit_affine_round(b, yuv, yuv_to_rgb_affine(swing, matrix)[rows])


DECODE_GRAPHS: dict[str, Emitter] = {
    "horizon": emit_horizon,
    "opencv": emit_opencv,
    "horizon-bpu": emit_horizon_bpu,
    "openvino": emit_openvino,
    "openvino-f32": emit_openvino_f32,
    "tidl": emit_tidl,
    **{f"ascend-aipp-{p}": partial(emit_ascend_aipp, p) for p in dev.AIPP_PRESETS},
    **{
        f"rga-{std}": partial(emit_standard, swing, matrix)
        for std, (swing, matrix) in (
            ("bt601-limited", ("studio", "bt601")),
            ("bt601-full", ("full", "bt601")),
            ("bt709-limited", ("studio", "bt709")),
        )
    },
}
