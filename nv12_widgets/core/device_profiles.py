"""The NV12 -> RGB arithmetic of real NPU toolchains, re-implemented from their sources.

Each function below reproduces one vendor's published decoding (coefficients, fixed
point, rounding, clipping, chroma upsampling) and names its source. They are registered
as profiles in :data:`nv12_widgets.core.PROFILES` (see :mod:`nv12_widgets.core.profiles`)
and their constants are public so that the ONNX executors
(:mod:`nv12_widgets.model.profile_graphs`) use the very same numbers.

Chroma siting: every device decoder here repeats each chroma sample over its 2x2 luma
block ("nearest": the chroma sample is treated as co-sited with the block's top-left
pixel); none of the sources interpolates. Where a source leaves a detail open it is
said in the function's Notes, with the choice made.

What is *not* here, because it is not public: the fixed-point coefficients of Rockchip
RGA's built-in colour-space modes (``imcvtcolor`` with ``IM_YUV_TO_RGB_BT601_LIMIT`` /
``_BT601_FULL`` / ``_BT709_LIMIT``): librga (github.com/airockchip/librga) ships only
headers and binaries, and the kernel driver (``drivers/video/rockchip/rga3``) only
selects the mode bits; the coefficients are in the hardware. :data:`RGA_MODES` maps each
mode to the standard it implements, to use with the generic (exactly rounded)
conversion ``nv12_to_rgb(frame, swing=..., matrix=...)``.
"""

from __future__ import annotations

import numpy as np

from ._checks import InputError, check_choice
from .convert import upsample_uv
from .nv12 import NV12

__all__ = [
    "AIPP_PRESETS",
    "HORIZON_BPU_WEIGHTS",
    "OPENVINO_NV12_COEFFICIENTS",
    "RGA_MODES",
    "TIDL_BIAS",
    "TIDL_WEIGHTS",
    "ascend_aipp_nv12_to_rgb",
    "horizon_bpu_centered_yuv2rgb",
    "horizon_bpu_effective_weights",
    "horizon_bpu_nv12_to_rgb",
    "horizon_bpu_params",
    "openvino_nv12_to_rgb",
    "openvino_nv12_to_rgb_float",
    "tidl_nv12_to_rgb",
    "tidl_nv12_to_rgb_float",
]


def _yuv_nearest(frame: NV12) -> np.ndarray:
    """(H, W, 3) uint8 Y, U, V with each chroma sample repeated over its 2x2 block."""
    uv = upsample_uv(frame.uv, frame.height, frame.width, "nearest")
    return np.concatenate([frame.y[..., None], uv], axis=-1)


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
    """
    yuv = _yuv_nearest(frame).astype(np.float32)
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
    """
    yuv = _yuv_nearest(frame).astype(np.float64)
    out = yuv @ TIDL_WEIGHTS.astype(np.float64).T + TIDL_BIAS.astype(np.float64)
    return out.astype(np.float32)


def tidl_nv12_to_rgb(frame: NV12) -> np.ndarray:
    """:func:`tidl_nv12_to_rgb_float` as uint8 codes (round half to even, clip 0..255).

    The rounding is ours, for display and comparison: TIDL itself feeds the float values
    to the network (see :func:`tidl_nv12_to_rgb_float`).
    """
    return np.clip(np.rint(tidl_nv12_to_rgb_float(frame)), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------- Horizon BPU
#: horizon_plugin_pytorch ``centered_yuv2rgb``: float weights (rows R, G, B; columns
#: Y', U', V' centred codes), int8 weight scale per output row, and the offset.
HORIZON_BPU_WEIGHTS = {
    "full": (
        np.array([[1.0, 0.0, 1.402], [1.0, -0.3441, -0.7141], [1.0, 1.772, 0.0]], np.float32),
        np.array([0.0110, 0.0078, 0.0139], np.float32),
        np.float32(128.0),
    ),
    "studio": (
        np.array([[1.164, 0.0, 1.596], [1.164, -0.392, -0.812], [1.164, 2.016, 0.0]], np.float32),
        np.array([0.0125, 0.0091, 0.0158], np.float32),
        np.float32(112 * 1.164),
    ),
}


def _round_half_away(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _bpu_params(swing: str, mean, std, q_scale, order: str = "rgb"):
    """(int8 weights, int bias, requantisation multiplier) per output row, in ``order``."""
    check_choice("swing", swing, tuple(HORIZON_BPU_WEIGHTS))
    mean = np.broadcast_to(np.asarray(mean, np.float32).reshape(-1), (3,))
    std = np.broadcast_to(np.asarray(std, np.float32).reshape(-1), (3,))
    q_scale = np.float32(q_scale)
    if not (np.all(std > 0) and q_scale > 0):
        raise InputError(f"std and q_scale must be positive, got std={std}, q_scale={q_scale}.")
    w, ws, offset = HORIZON_BPU_WEIGHTS[swing]
    if order == "bgr":  # centered_yuv2bgr: the same rows and scales, reversed
        w, ws = w[::-1], ws[::-1]
    # _quantized_convert_color: weight / std with scale weight_scale / std (float32)
    w_std = w / std[:, None]
    ws_std = ws / std
    w_q = np.clip(_round_half_away(w_std / ws_std[:, None]), -128, 127)
    bias = (offset - mean) / std
    b_q = _round_half_away(bias / ws_std)
    multiplier = ws_std.astype(np.float64) / np.float64(q_scale)
    return w_q.astype(np.float64), b_q.astype(np.float64), multiplier


def horizon_bpu_params(
    swing: str = "full",
    mean=(128.0,),
    std=(128.0,),
    q_scale: float = 1.0 / 128.0,
    order: str = "rgb",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The integer parameters of :func:`horizon_bpu_centered_yuv2rgb` per output row.

    Returns
    -------
    (w_q, b_q, multiplier) : tuple of numpy.ndarray
        (3, 3) float64 int8 weights (rows in ``order``; columns Y', U', V'), (3,)
        float64 integer bias at the accumulator scale, (3,) float64 requantisation
        multiplier ``weight_scale / std / q_scale``.
    """
    check_choice("order", order, ("rgb", "bgr"))
    return _bpu_params(swing, mean, std, q_scale, order)


def horizon_bpu_effective_weights(swing: str = "full") -> np.ndarray:
    """(3, 3) float64: the coefficients the BPU really applies (int8 weight x scale).

    Rows R, G, B; columns Y', U', V'. For full swing: R = 1.001 Y' + 1.397 V',
    G = 0.9906 Y' - 0.3432 U' - 0.7176 V' (the Y weight saturates at 127),
    B = 1.0008 Y' + 1.7653 U'.
    """
    w_q, _, _ = _bpu_params(swing, (128.0,), (128.0,), 1.0 / 128.0)
    return w_q * HORIZON_BPU_WEIGHTS[swing][1].astype(np.float64)[:, None]


def horizon_bpu_centered_yuv2rgb(
    yuv444: np.ndarray,
    *,
    swing: str = "full",
    mean=(128.0,),
    std=(128.0,),
    q_scale: float = 1.0 / 128.0,
    order: str = "rgb",
) -> np.ndarray:
    """Horizon BPU's quantised ``centered_yuv2rgb`` (int8 out) on uint8 YUV 4:4:4.

    Source: ``horizon_plugin_pytorch/functional.py`` (``centered_yuv2rgb``,
    ``centered_yuv2bgr``, ``_quantized_convert_color``; Horizon OpenExplorer plugin,
    public Python source of the releases for the Bayes / Bayes-E BPUs), and the
    plugin's "YUV input" guide (set ``swing="full"`` for BPU pyramid data).

    Parameters
    ----------
    yuv444 : numpy.ndarray
        (H, W, 3) uint8 Y, U, V; the BPU sees them centred (minus 128, int8).
    swing : {"full", "studio"}
    mean, std : sequence of float
        The training RGB normalisation, 1 or 3 values (RGB order).
    q_scale : float
        The QuantStub scale of the original model's input.
    order : {"rgb", "bgr"}
        ``centered_yuv2rgb`` or ``centered_yuv2bgr`` (the same rows reversed; mean and
        std are then in BGR order).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) int8: the quantised, normalised image; ``q * q_scale`` is
        ``(rgb - mean) / std``. With the defaults (mean 128, std 128, q_scale 1/128)
        ``q + 128`` is the RGB code.

    Notes
    -----
    A 1x1 quantised convolution with input scale 1 (the centred int8 codes): weights
    ``w / std`` quantised with one scale per output row, ``weight_scale / std``, i.e.
    the int8 weights are ``clip(round(w / weight_scale), -128, 127)`` (G's Y weight
    1 / 0.0078 = 128.2 saturates at 127); bias ``(offset - mean) / std`` quantised at
    the accumulator scale ``weight_scale / std``; the int32 accumulator is requantised
    to ``q_scale``: ``q = clip(round(acc * weight_scale / std / q_scale), -128, 127)``.
    Rounding is half away from zero (the plugin's ``horizon.functional.round`` documents
    it as the BPU's rounding). Not public: the compiled ``convert_conv_params`` /
    ``bpu_scale_quanti_convolution`` ops implement the requantisation with an integer
    multiplier and shifts, and the bias with a left shift; here the multiplier is the
    exact product of the float32 scales (evaluated in float64). With the default mean
    the bias is 0 and with power-of-two std and q_scale the multiplier is the float32
    weight scale itself; the fixed-point multiplier can then differ only for
    accumulators within about 2^-15 relative of a rounding tie.
    """
    check_choice("order", order, ("rgb", "bgr"))
    w_q, b_q, mult = _bpu_params(swing, mean, std, q_scale, order)
    centred = yuv444.astype(np.float64) - 128.0
    acc = centred @ w_q.T + b_q
    q = _round_half_away(acc * mult)
    return np.clip(q, -128, 127).astype(np.int8)


def horizon_bpu_nv12_to_rgb(frame: NV12) -> np.ndarray:
    """NV12 -> RGB codes through the BPU's quantised ``centered_yuv2rgb``.

    Nearest chroma (the BPU pyramid's NV12 -> YUV444), then
    :func:`horizon_bpu_centered_yuv2rgb` with ``swing="full"`` and the defaults mean
    128, std 128, q_scale 1/128 (the int8 output is then the RGB code minus 128).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.
    """
    q = horizon_bpu_centered_yuv2rgb(_yuv_nearest(frame))
    return (q.astype(np.int16) + 128).astype(np.uint8)


# -------------------------------------------------------------------------- Ascend AIPP
#: Huawei Ascend AIPP colour-space conversion presets for ``input_format: YUV420SP_U8``
#: to RGB: (3, 3) int16 matrix (rows R, G, B; columns Y, U, V) and input_bias_0..2.
AIPP_PRESETS = {
    "jpeg": (((256, 0, 359), (256, -88, -183), (256, 454, 0)), (0, 128, 128)),
    "bt601-narrow": (((298, 0, 409), (298, -100, -208), (298, 516, 0)), (16, 128, 128)),
    "bt601-wide": (((256, 0, 359), (256, -88, -183), (256, 454, 0)), (0, 128, 128)),
    "bt709-narrow": (((298, 0, 459), (298, -55, -136), (298, 541, 0)), (16, 128, 128)),
    "bt709-wide": (((256, 0, 403), (256, -48, -120), (256, 475, 0)), (0, 128, 128)),
}


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
    """
    check_choice("AIPP preset", preset, tuple(AIPP_PRESETS))
    m, bias = AIPP_PRESETS[preset]
    yuv = _yuv_nearest(frame).astype(np.int32)
    if rbuv_swap:
        yuv = yuv[..., [0, 2, 1]]
    x = yuv - np.asarray(bias, np.int32)
    out = (x @ np.asarray(m, np.int32).T) >> 8
    return np.clip(out, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------ Rockchip RGA
#: librga ``imcvtcolor`` YUV -> RGB modes (include/im2d_type.h) and the standard each
#: implements, as generic ``(swing, matrix)`` keywords. The hardware's fixed-point
#: coefficients are not public (see the module notes).
RGA_MODES = {
    "IM_YUV_TO_RGB_BT601_LIMIT": ("studio", "bt601"),
    "IM_YUV_TO_RGB_BT601_FULL": ("full", "bt601"),
    "IM_YUV_TO_RGB_BT709_LIMIT": ("studio", "bt709"),
}
