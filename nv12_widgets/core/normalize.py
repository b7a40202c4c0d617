"""Device-side normalisation ``(x / divisor - mean) / std``, layouts and int8 quantisation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._checks import InputError, check_choice

__all__ = ["LAYOUTS", "normalize", "denormalize", "to_layout", "quantize", "dequantize"]

LAYOUTS = ("NCHW", "NHWC")

Number = float | int
PerChannel = Number | Sequence[Number] | np.ndarray


def _channel_axis(x: np.ndarray, layout: str) -> int:
    check_choice("layout", layout, LAYOUTS)
    if layout == "NHWC":
        return x.ndim - 1
    if x.ndim < 3:
        raise InputError(
            f"layout='NCHW' needs (C, H, W) or (N, C, H, W) data, got shape {x.shape}."
        )
    return x.ndim - 3


def _per_channel(name: str, value: PerChannel, channels: int, shape_axis: int, ndim: int):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1:
        raise InputError(
            f"{name} must be a number or one value per channel, got shape {arr.shape}."
        )
    if arr.ndim == 1 and arr.size not in (1, channels):
        raise InputError(
            f"{name} has {arr.size} values but the data has {channels} channels; give one "
            f"value per channel or a single number (e.g. {name}=[{', '.join(['v'] * channels)}])."
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite, got {value!r}.")
    arr = arr.reshape(-1)
    if arr.size == 1:
        return arr.reshape(())
    shape = [1] * ndim
    shape[shape_axis] = channels
    return arr.reshape(shape)


def _params(x, divisor, mean, std, layout):
    x = np.asarray(x)
    if x.ndim < 1:
        raise InputError("normalize() needs an array with a channel axis.")
    axis = _channel_axis(x, layout)
    c = x.shape[axis]
    d = _per_channel("divisor", divisor, c, axis, x.ndim)
    m = _per_channel("mean", mean, c, axis, x.ndim)
    s = _per_channel("std", std, c, axis, x.ndim)
    if np.any(d == 0):
        raise InputError(
            "divisor must not be 0; use divisor=1 when the model takes raw 0..255 codes."
        )
    if np.any(s == 0):
        raise InputError(
            "std must not be 0 (it divides); use std=1 for no scaling. Toolchains that "
            "multiply by a scale (Horizon scale_value) need std = 1 / scale."
        )
    return x, d, m, s


def normalize(
    x: np.ndarray,
    *,
    divisor: PerChannel = 1.0,
    mean: PerChannel = 0.0,
    std: PerChannel = 1.0,
    layout: str = "NHWC",
    copy: bool = True,
) -> np.ndarray:
    """The vendor's device-side normalisation, ``(x / divisor - mean) / std`` per channel.

    Parameters
    ----------
    x : numpy.ndarray
        Pixel data, any numeric dtype: (H, W, C) or (N, H, W, C) for ``layout="NHWC"``,
        (C, H, W) or (N, C, H, W) for ``layout="NCHW"``.
    divisor, mean, std : float or sequence of float
        A number, or one value per channel (in the channel order of ``x``).
    layout : {"NHWC", "NCHW"}
        Where the channel axis of ``x`` is.
    copy : bool
        False: a writeable float32 ``x`` is normalised in place (and returned); other
        inputs are copied either way. The arithmetic is the same.

    Returns
    -------
    numpy.ndarray
        float32, same shape as ``x``.

    Examples
    --------
    >>> normalize(np.array([[[0, 128, 255]]], np.uint8), mean=128, std=128).tolist()
    [[[-1.0, 0.0, 0.9921875]]]
    """
    x, d, m, s = _params(x, divisor, mean, std, layout)
    # One fused affine in float32: x * (1 / (d s)) + (-m / s).
    scale = (1.0 / (d * s)).astype(np.float32)
    offset = (-m / s).astype(np.float32)
    if not copy and x.dtype == np.float32 and x.flags.writeable:
        out = x
        out *= scale
    else:  # the same float32 product as astype(float32) then *=, in one pass
        out = np.multiply(x, scale, dtype=np.float32)
    out += offset
    return out


def denormalize(
    x: np.ndarray,
    *,
    divisor: PerChannel = 1.0,
    mean: PerChannel = 0.0,
    std: PerChannel = 1.0,
    layout: str = "NHWC",
) -> np.ndarray:
    """Inverse of :func:`normalize`: ``(x * std + mean) * divisor``, float32, same shape.

    Examples
    --------
    >>> x = np.array([[[0, 128, 255]]], np.uint8)
    >>> y = normalize(x, divisor=255, mean=0.5, std=0.5)
    >>> denormalize(y, divisor=255, mean=0.5, std=0.5).tolist()
    [[[0.0, 128.0, 255.0]]]
    """
    x, d, m, s = _params(x, divisor, mean, std, layout)
    return ((x.astype(np.float64) * s + m) * d).astype(np.float32)


def to_layout(hwc: np.ndarray, layout: str = "NCHW") -> np.ndarray:
    """Add the batch axis and move channels where the model wants them.

    Parameters
    ----------
    hwc : numpy.ndarray
        (H, W, C), any dtype.
    layout : {"NCHW", "NHWC"}

    Returns
    -------
    numpy.ndarray
        (1, C, H, W) or (1, H, W, C), same dtype, C-contiguous.

    Examples
    --------
    >>> hwc = np.zeros((2, 4, 3), np.float32)
    >>> to_layout(hwc, "NCHW").shape, to_layout(hwc, "NHWC").shape
    ((1, 3, 2, 4), (1, 2, 4, 3))
    """
    check_choice("layout", layout, LAYOUTS)
    if not isinstance(hwc, np.ndarray) or hwc.ndim != 3:
        raise InputError(f"to_layout() takes an (H, W, C) array, got shape {np.shape(hwc)}.")
    if layout == "NHWC":
        return np.ascontiguousarray(hwc[None])
    return np.ascontiguousarray(hwc.transpose(2, 0, 1)[None])


_QRANGE = {"int8": (-128, 127), "uint8": (0, 255)}


def quantize(x: np.ndarray, scale: float, zero_point: int = 0, dtype: str = "int8") -> np.ndarray:
    """Affine quantisation ``q = clip(round(x / scale) + zero_point)``.

    Parameters
    ----------
    x : numpy.ndarray
        Real values, any shape.
    scale : float
        Positive step size.
    zero_point : int
        Integer code of real 0, within the dtype's range.
    dtype : {"int8", "uint8"}

    Returns
    -------
    numpy.ndarray
        Same shape, int8 or uint8; rounding half to even (as onnxruntime's
        QuantizeLinear), saturating.

    Examples
    --------
    >>> quantize(np.array([-1.0, 0.0, 0.5, 2.0], np.float32), scale=1 / 64).tolist()  # 2.0 saturates
    [-64, 0, 32, 127]
    """
    check_choice("dtype", dtype, _QRANGE)
    lo, hi = _QRANGE[dtype]
    _check_qparams(scale, zero_point, lo, hi)
    q = np.rint(np.asarray(x, np.float64) / scale) + zero_point
    return np.clip(q, lo, hi).astype(dtype)


def dequantize(q: np.ndarray, scale: float, zero_point: int = 0) -> np.ndarray:
    """Affine dequantisation ``x = (q - zero_point) * scale``.

    Parameters
    ----------
    q : numpy.ndarray
        Integer codes (int8, uint8, or wider), any shape.
    scale : float
    zero_point : int

    Returns
    -------
    numpy.ndarray
        float32, same shape. Example (RKNN): zp=136, scale=4.625256 turns 124 into
        -55.503072.

    Examples
    --------
    >>> dequantize(np.array([-64, 0, 32, 127], np.int8), scale=1 / 64).tolist()
    [-1.0, 0.0, 0.5, 1.984375]
    """
    q = np.asarray(q)
    if not np.issubdtype(q.dtype, np.integer):
        raise InputError(f"dequantize() takes integer codes, got {q.dtype}.")
    _check_qparams(scale, zero_point, -(2**31), 2**31 - 1)
    return ((q.astype(np.float64) - zero_point) * scale).astype(np.float32)


def _check_qparams(scale: float, zero_point: int, lo: int, hi: int) -> None:
    if not np.isfinite(scale) or scale <= 0:
        raise InputError(f"scale must be a positive finite number, got {scale!r}.")
    if int(zero_point) != zero_point or not lo <= zero_point <= hi:
        raise InputError(f"zero_point must be an integer in {lo}..{hi}, got {zero_point!r}.")
