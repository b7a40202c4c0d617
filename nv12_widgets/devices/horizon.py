"""Horizon Robotics: the training-side conversion (``horizon``) and the BPU (``horizon-bpu``).

- ``"horizon"``: the integer full-swing BT.601 formula of Horizon's training-side
  conversion, chroma by decimation (top-left of each 2x2 block); decoding repeats each
  chroma sample (nearest) and applies the float coefficients of Horizon's
  ``centered_yuv2rgb`` (R = Y + 1.402 V', G = Y - 0.3441 U' - 0.7141 V',
  B = Y + 1.772 U'), rounded to nearest and clipped. This is the *float* form of that
  operator (what a float / QAT model computes); the BPU runs its quantised form, which
  is ``"horizon-bpu"``.
- ``"horizon-bpu"``: the BPU's quantised ``centered_yuv2rgb`` (int8 weights, one scale
  per output row, requantised); encodes as ``"horizon"``.

Toolchain snippets: ``hbdk4`` (``insert_image_preprocess`` / ``insert_image_convert``)
and ``hb_mapper`` (yaml ``input_parameters``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nv12_widgets.core._checks import InputError, check_choice
from nv12_widgets.core.convert import upsample_uv
from nv12_widgets.core.nv12 import NV12
from nv12_widgets.core.registry import Device, Source, register_device

from .common import yuv_nearest
from .graph_ops import GraphOps, clip, integer_rows, mul, nearest_chroma, ordered, sub

__all__ = [
    "HORIZON",
    "HORIZON_BPU",
    "HORIZON_BPU_WEIGHTS",
    "HORIZON_DECODE",
    "HORIZON_ENCODE",
    "emit_horizon",
    "emit_horizon_bpu",
    "horizon_bpu_centered_yuv2rgb",
    "horizon_bpu_effective_weights",
    "horizon_bpu_nv12_to_rgb",
    "horizon_bpu_params",
    "horizon_decode",
    "horizon_encode",
]

PLUGIN = Source(
    "horizon_plugin_pytorch centered_yuv2rgb / _quantized_convert_color (Horizon OpenExplorer "
    "plugin, Bayes / Bayes-E BPU releases)",
    "horizon_plugin_pytorch",
    "horizon_plugin_pytorch/functional.py",
    "",  # shipped as wheels inside OpenExplorer releases; no public tag to pin
)

# -------------------------------------------------------------------- horizon (float)
#: The training-side integer encoder: rows Y, U, V; columns R, G, B (Q8).
HORIZON_ENCODE = np.array([[77, 150, 29], [-43, -84, 127], [127, -106, -21]], np.int32)
#: ``centered_yuv2rgb``'s float coefficients: rows R, G, B; columns U', V'.
HORIZON_DECODE = np.array([[0.0, 1.402], [-0.3441, -0.7141], [1.772, 0.0]], np.float32)


def horizon_encode(rgb: np.ndarray) -> NV12:
    """Horizon's integer full-swing BT.601 (Q8, ``+128 >> 8``), top-left chroma.

    Examples
    --------
    >>> horizon_encode(np.full((2, 2, 3), 255, np.uint8)).y.tolist()
    [[255, 255], [255, 255]]
    """
    full = rgb.astype(np.int32)
    y = (full @ HORIZON_ENCODE[0] + 128) >> 8
    tl = full[::2, ::2]
    u = ((tl @ HORIZON_ENCODE[1] + 128) >> 8) + 128
    v = ((tl @ HORIZON_ENCODE[2] + 128) >> 8) + 128
    uv = np.stack([u, v], axis=-1)
    return NV12.adopt(np.clip(y, 0, 255).astype(np.uint8), np.clip(uv, 0, 255).astype(np.uint8))


def horizon_decode(frame: NV12) -> np.ndarray:
    """Nearest chroma, ``centered_yuv2rgb``'s float coefficients in float32, rint, clip.

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> horizon_decode(yuv_frame((128, 128, 178)))[0, 0].tolist()
    [198, 92, 128]
    """
    uv = upsample_uv(frame.uv, frame.height, frame.width, "nearest").astype(np.float32) - 128.0
    rgb = frame.y[..., None].astype(np.float32) + uv @ HORIZON_DECODE.T
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def emit_horizon(g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """:func:`horizon_decode` in a graph: y + (uv - 128) @ DEC.T in float32, Round, clip.

    Each row of the MatMul adds at most two float32 products (a + b == b + a, so no
    summation order can change it); tests/model/test_profile_graphs.py checks it bit
    for bit.

    Examples
    --------
    >>> import onnxruntime as ort
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> out = emit_horizon(DeviceGraph(b), "y", "uv", [0, 1, 2])
    >>> io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", "uv", out)]
    >>> graph = helper.make_graph(b.nodes, "horizon", io[:2], io[2:], b.inits)
    >>> model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    >>> run = ort.InferenceSession(model.SerializeToString()).run
    >>> f = yuv_frame((120, 100, 160))
    >>> feeds = {"y": f.y[None, ..., None].astype(np.float32), "uv": f.uv[None].astype(np.float32)}
    >>> run(None, feeds)[0][0, 0, 0].tolist(), horizon_decode(f)[0, 0].tolist()
    ([165.0, 107.0, 70.0], [165, 107, 70])
    """
    uv_up = g.upsample_nearest(uv_half_f)
    centred = g.op("Sub", [uv_up, g.const("c128", np.array(128.0, np.float32))], "uv_centred")
    dec = g.const("centered_yuv2rgb", np.ascontiguousarray(HORIZON_DECODE[rows].T))
    chroma = g.op("MatMul", [centred, dec], "rgb_chroma")
    return g.clip_u8(g.op("Round", [g.op("Add", [y_f, chroma], "rgb_float")], "rounded"))


# ------------------------------------------------------------------------ horizon-bpu
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

    Examples
    --------
    >>> w_q, b_q, multiplier = horizon_bpu_params()
    >>> w_q.tolist()  # G's Y weight 1 / 0.0078 saturates at 127
    [[91.0, 0.0, 127.0], [127.0, -44.0, -92.0], [72.0, 127.0, 0.0]]
    >>> b_q.tolist(), multiplier.round(4).tolist()
    ([0.0, 0.0, 0.0], [0.011, 0.0078, 0.0139])
    """
    check_choice("order", order, ("rgb", "bgr"))
    return _bpu_params(swing, mean, std, q_scale, order)


def horizon_bpu_effective_weights(swing: str = "full") -> np.ndarray:
    """(3, 3) float64: the coefficients the BPU really applies (int8 weight x scale).

    Rows R, G, B; columns Y', U', V'. For full swing: R = 1.001 Y' + 1.397 V',
    G = 0.9906 Y' - 0.3432 U' - 0.7176 V' (the Y weight saturates at 127),
    B = 1.0008 Y' + 1.7653 U'.

    Examples
    --------
    >>> horizon_bpu_effective_weights("full").round(4).tolist()
    [[1.001, 0.0, 1.397], [0.9906, -0.3432, -0.7176], [1.0008, 1.7653, 0.0]]
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

    Examples
    --------
    >>> yuv = np.array([[[120, 100, 160]]], np.uint8)
    >>> horizon_bpu_centered_yuv2rgb(yuv).tolist()  # + 128 = RGB codes 165, 107, 71
    [[[37, -21, -57]]]
    >>> horizon_bpu_centered_yuv2rgb(yuv, order="bgr").tolist()
    [[[-57, -21, 37]]]
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

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> horizon_bpu_nv12_to_rgb(yuv_frame((120, 100, 160)))[0, 0].tolist()
    [165, 107, 71]
    """
    q = horizon_bpu_centered_yuv2rgb(yuv_nearest(frame))
    return (q.astype(np.int16) + 128).astype(np.uint8)


def emit_horizon_bpu(g: GraphOps, y_f: str, uv_half_f: str, rows: list[int]) -> str:
    """The BPU's quantised ``centered_yuv2rgb`` with mean 128, std 128, q_scale 1/128.

    Integer accumulator (exact in float64), times the float64 requantisation multiplier,
    rounded half away from zero (``Sign * Floor(Abs + 0.5)``), clipped to -128..127,
    plus 128: equal to :func:`horizon_bpu_nv12_to_rgb`.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.builder import GraphBuilder
    >>> from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph
    >>> b = GraphBuilder("d_")
    >>> emit_horizon_bpu(DeviceGraph(b), "y", "uv", [0, 1, 2])
    'd_bpu_codes'
    >>> {"Sign", "Abs", "Floor"} <= {node.op_type for node in b.nodes}  # half away from zero
    True
    """
    u, v = nearest_chroma(g, uv_half_f)
    w_q, b_q, mult = horizon_bpu_params()
    planes = [
        sub(g, g.cast(x, np.float64, f"bpu_{n}64"), 128.0, f"bpu_{n}c", np.float64)
        for n, x in zip("yuv", (y_f, u, v), strict=True)
    ]
    out = []
    for ch, acc in enumerate(integer_rows(g, planes, w_q, "bpu")):
        if b_q[ch] != 0.0:
            acc = g.op("Add", [acc, g.const(f"bpu_bias{ch}", np.array(b_q[ch]))], f"bpu_{ch}_b")
        x = mul(g, acc, mult[ch], f"bpu_{ch}_requant", np.float64)
        half = g.const(f"bpu_half{ch}", np.array(0.5))
        mag = g.op(
            "Floor",
            [g.op("Add", [g.op("Abs", [x], f"bpu_{ch}_abs"), half], f"bpu_{ch}_h")],
            f"bpu_{ch}_mag",
        )
        out.append(g.op("Mul", [g.op("Sign", [x], f"bpu_{ch}_sign"), mag], f"bpu_{ch}_q"))
    q = clip(
        g,
        g.cast(ordered(g, out, rows, "bpu_q64"), np.float32, "bpu_q"),
        -128.0,
        127.0,
        "bpu_q_clipped",
    )
    return g.op("Add", [q, g.const("bpu_128", np.array(128.0, np.float32))], "bpu_codes")


HORIZON = register_device(
    Device(
        "horizon",
        "Horizon integer full-swing BT.601 (8-bit coefficients), top-left chroma; "
        "decoded by nearest upsampling and centered_yuv2rgb coefficients.",
        "full",
        "bt601",
        "decimate",
        "nearest",
        horizon_encode,
        horizon_decode,
        emit=emit_horizon,
        snippets=("hbdk4", "hb_mapper"),
        sources=(PLUGIN,),
        examples=(
            ((0, 128, 128), (0, 0, 0)),
            ((255, 128, 128), (255, 255, 255)),
            ((120, 100, 160), (165, 107, 70)),
            ((90, 150, 110), (65, 95, 129)),
        ),
    )
)

#: The BPU: Horizon's encoder, the quantised decode (what differs from ``horizon``).
HORIZON_BPU = register_device(
    replace(
        HORIZON,
        name="horizon-bpu",
        description="Horizon BPU: Horizon integer full-swing BT.601 encode (as 'horizon'); "
        "decoded by the BPU's quantised centered_yuv2rgb (int8 weights, one scale per "
        "output row, requantised, round half away) after nearest chroma.",
        decode=horizon_bpu_nv12_to_rgb,
        source="horizon_plugin_pytorch functional.py centered_yuv2rgb / _quantized_convert_color",
        emit=emit_horizon_bpu,
        examples=(
            ((0, 128, 128), (0, 1, 0)),
            ((255, 128, 128), (255, 254, 255)),
            ((120, 100, 160), (165, 107, 71)),
            ((90, 150, 110), (65, 96, 129)),
        ),
    )
)
