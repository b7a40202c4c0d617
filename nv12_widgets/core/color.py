"""Colour conversion between RGB/BGR and YUV (Y'CbCr) at full resolution.

Vocabulary follows colour-science: *full* swing (JFIF / "full range", Y, U, V in
0..255) and *studio* swing ("legal" / video range, Y in 16..235, U and V in 16..240).
Matrices are BT.601 (SD video, JPEG) and BT.709 (HD video).

All conversions compute in float32 and round half to even once at the end, so they are
the *ideal* reference a fixed-point device pipeline is measured against. The exact
fixed-point pipelines of real tools live in :mod:`nv12_widgets.core.profiles`.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from ._checks import InputError, check_choice, check_image

__all__ = [
    "SWINGS",
    "MATRICES",
    "ORDERS",
    "TRAIN_FORMATS",
    "yuv_matrix",
    "rgb_to_yuv444",
    "yuv444_to_rgb",
    "rgb_to_format",
    "to_centered",
    "from_centered",
]

SWINGS = ("full", "studio")
MATRICES = ("bt601", "bt709")
ORDERS = ("rgb", "bgr")
#: The vendor's ``input_type_train`` values an image can be converted to.
TRAIN_FORMATS = ("rgb", "bgr", "yuv444", "gray")

_KR_KB = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}


@functools.cache
def yuv_matrix(swing: str = "full", matrix: str = "bt601") -> np.ndarray:
    """The affine RGB -> YUV matrix.

    Parameters
    ----------
    swing : {"full", "studio"}
    matrix : {"bt601", "bt709"}

    Returns
    -------
    numpy.ndarray
        (3, 4) float64, rows Y, U (Cb), V (Cr); columns R, G, B, offset; for R, G, B
        in 0..255. ``yuv = M[:, :3] @ rgb + M[:, 3]``. Read-only.
    """
    check_choice("swing", swing, SWINGS)
    check_choice("matrix", matrix, MATRICES)
    kr, kb = _KR_KB[matrix]
    kg = 1.0 - kr - kb
    luma = np.array([kr, kg, kb])
    cb = (np.array([0.0, 0.0, 1.0]) - luma) / (2.0 * (1.0 - kb))
    cr = (np.array([1.0, 0.0, 0.0]) - luma) / (2.0 * (1.0 - kr))
    if swing == "full":
        ys, cs, yo = 1.0, 1.0, 0.0
    else:
        ys, cs, yo = 219.0 / 255.0, 224.0 / 255.0, 16.0
    m = np.empty((3, 4))
    m[0, :3], m[0, 3] = ys * luma, yo
    m[1, :3], m[1, 3] = cs * cb, 128.0
    m[2, :3], m[2, 3] = cs * cr, 128.0
    m.setflags(write=False)
    return m


@functools.cache
def _inverse_matrix(swing: str, matrix: str) -> np.ndarray:
    """(3, 4) affine YUV -> RGB matrix, the exact inverse of :func:`yuv_matrix`."""
    m = yuv_matrix(swing, matrix)
    inv = np.linalg.inv(m[:, :3])
    out = np.empty((3, 4))
    out[:, :3] = inv
    out[:, 3] = -inv @ m[:, 3]
    out.setflags(write=False)
    return out


def _reorder_columns(m: np.ndarray, order: str) -> np.ndarray:
    """Affine matrix that reads BGR pixels instead of RGB ones."""
    check_choice("order", order, ORDERS)
    return m if order == "rgb" else m[:, [2, 1, 0, 3]]


def _reorder_rows(m: np.ndarray, order: str) -> np.ndarray:
    check_choice("order", order, ORDERS)
    return m if order == "rgb" else m[[2, 1, 0], :]


def affine_u8(image: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Apply an affine colour matrix to a uint8 image, rounding once, saturating.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, C) uint8, C = 1..4 (``m.shape[1] - 1`` channels).
    m : numpy.ndarray
        (K, C + 1) float affine matrix.

    Returns
    -------
    numpy.ndarray
        (H, W, K) uint8 (K = 1 gives (H, W)). Computed in float32; round half to even.
    """
    out = cv2.transform(image.astype(np.float32), np.asarray(m, np.float32))
    return saturate_u8(out)


def saturate_u8(x: np.ndarray) -> np.ndarray:
    """Round half to even and clip a float32 array to uint8 (OpenCV's saturate_cast)."""
    out = cv2.add(x, 0.0, dtype=cv2.CV_8U)
    return out.reshape(x.shape) if out.shape != x.shape else out


def rgb_to_yuv444(
    rgb: np.ndarray, *, swing: str = "full", matrix: str = "bt601", order: str = "rgb"
) -> np.ndarray:
    """Convert an RGB (or BGR) image to YUV 4:4:4.

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8, channel order given by ``order``.
    swing : {"full", "studio"}
        Full swing gives Y, U, V in 0..255 (PIL's ``YCbCr``, JPEG); studio swing gives
        Y in 16..235 and U, V in 16..240.
    matrix : {"bt601", "bt709"}
    order : {"rgb", "bgr"}
        Channel order of ``rgb``.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, channels Y, U (Cb), V (Cr).

    Examples
    --------
    >>> rgb_to_yuv444(np.full((1, 1, 3), 255, np.uint8))[0, 0].tolist()
    [255, 128, 128]
    """
    check_image(rgb, "rgb")
    m = _reorder_columns(yuv_matrix(swing, matrix), order)
    return affine_u8(rgb, m)


def yuv444_to_rgb(
    yuv: np.ndarray, *, swing: str = "full", matrix: str = "bt601", order: str = "rgb"
) -> np.ndarray:
    """Convert YUV 4:4:4 to RGB (or BGR), the inverse of :func:`rgb_to_yuv444`.

    Parameters
    ----------
    yuv : numpy.ndarray
        (H, W, 3) uint8, channels Y, U, V.
    swing, matrix : str
        How ``yuv`` was encoded; see :func:`rgb_to_yuv444`.
    order : {"rgb", "bgr"}
        Channel order of the result.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, clipped to 0..255 (studio-swing codes outside 16..235 and
        out-of-gamut YUV combinations clip).
    """
    check_image(yuv, "yuv")
    m = _reorder_rows(_inverse_matrix(swing, matrix), order)
    return affine_u8(yuv, m)


def rgb_to_format(
    rgb: np.ndarray, fmt: str, *, swing: str = "full", matrix: str = "bt601"
) -> np.ndarray:
    """Convert an RGB image to a model's training format (the vendor's input_type_train).

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8 RGB.
    fmt : {"rgb", "bgr", "yuv444", "gray"}
    swing, matrix : str
        Used by "yuv444" and "gray" (gray is the Y channel of that YUV).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, or (H, W, 1) uint8 for "gray".
    """
    check_choice("train format", fmt, TRAIN_FORMATS)
    check_image(rgb, "rgb")
    if fmt == "rgb":
        return rgb
    if fmt == "bgr":
        return np.ascontiguousarray(rgb[..., ::-1])
    if fmt == "yuv444":
        return rgb_to_yuv444(rgb, swing=swing, matrix=matrix)
    y = affine_u8(rgb, yuv_matrix(swing, matrix)[:1])
    return y[..., None]


def to_centered(x: np.ndarray) -> np.ndarray:
    """Centred YUV: uint8 codes minus 128, as int8 (-128..127), the BPU pyramid's output.

    Parameters
    ----------
    x : numpy.ndarray
        Any shape, uint8.

    Returns
    -------
    numpy.ndarray
        Same shape, int8.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8:
        raise InputError(
            f"to_centered() takes uint8 YUV codes; got {getattr(x, 'dtype', type(x).__name__)}."
        )
    return (x ^ np.uint8(0x80)).view(np.int8)


def from_centered(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_centered`: int8 centred codes back to uint8 (adds 128)."""
    if not isinstance(x, np.ndarray) or x.dtype != np.int8:
        raise InputError(
            "from_centered() takes int8 centred codes; got "
            f"{getattr(x, 'dtype', type(x).__name__)}."
        )
    return x.view(np.uint8) ^ np.uint8(0x80)
