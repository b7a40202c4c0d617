"""RGB <-> NV12: 4:2:0 chroma subsampling and its inverse, generic and per profile."""

from __future__ import annotations

import cv2
import numpy as np

from ._checks import InputError, check_choice, check_even, check_image
from .color import (
    MATRICES,
    SWINGS,
    TRAIN_FORMATS,
    _inverse_matrix,
    _reorder_columns,
    _reorder_rows,
    affine_u8,
    saturate_u8,
    yuv_matrix,
)
from .nv12 import NV12

__all__ = [
    "CHROMA_DOWNSAMPLING",
    "CHROMA_UPSAMPLING",
    "rgb_to_nv12",
    "nv12_to_yuv444",
    "nv12_to_rgb",
    "nv12_to_format",
    "upsample_uv",
]

#: How 2x2 blocks of chroma become one sample: their mean, or the top-left one.
CHROMA_DOWNSAMPLING = ("mean", "decimate")
#: How one chroma sample becomes 2x2: repeated, or bilinear (centre-sited, as cv2.resize).
CHROMA_UPSAMPLING = ("nearest", "bilinear")


def _block_sums(rgb: np.ndarray) -> np.ndarray:
    """Sum of each 2x2 block: (H, W, C) uint8 -> (H/2, W/2, C) float32, exact."""
    h, w, c = rgb.shape
    rows = rgb.reshape(h // 2, 2 * w * c)
    vsum = cv2.add(rows[:, : w * c], rows[:, w * c :], dtype=cv2.CV_16U)
    # Doubling keeps INTER_AREA's 2:1 horizontal average an exact integer.
    vsum = cv2.add(vsum, vsum).reshape(h // 2, w, c)
    s = cv2.resize(vsum, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return s.reshape(h // 2, w // 2, c).astype(np.float32)


def rgb_to_nv12(
    rgb: np.ndarray,
    *,
    swing: str = "full",
    matrix: str = "bt601",
    chroma: str = "mean",
    order: str = "rgb",
    profile: str | None = None,
) -> NV12:
    """Convert an RGB (or BGR) image to an NV12 frame.

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8 with even H and W (see :func:`crop_even` / :func:`pad_even`).
    swing : {"full", "studio"}
    matrix : {"bt601", "bt709"}
    chroma : {"mean", "decimate"}
        "mean": each chroma sample is the mean of its 2x2 block (computed from the
        unrounded full-resolution chroma, rounded once); "decimate": the top-left
        sample of the block (what cheap hardware and OpenCV's I420 do).
    order : {"rgb", "bgr"}
        Channel order of ``rgb``.
    profile : {None, "vendor-pil", "horizon", "opencv"}
        Reproduce a real pipeline exactly (see :data:`PROFILES`); ``swing``,
        ``matrix`` and ``chroma`` are then the profile's own and the keywords are
        ignored.

    Returns
    -------
    NV12
        y (H, W) uint8, uv (H/2, W/2, 2) uint8.

    Notes
    -----
    The generic path computes in float32 and rounds half to even once per sample: it
    is the ideal a fixed-point device pipeline is measured against.
    """
    check_image(rgb, "rgb")
    check_choice("order", order, ("rgb", "bgr"))
    check_even(*rgb.shape[:2])
    if profile is not None:
        from .profiles import get_profile

        return get_profile(profile).encode(rgb if order == "rgb" else rgb[..., ::-1])
    check_choice("chroma", chroma, CHROMA_DOWNSAMPLING)
    m = _reorder_columns(yuv_matrix(swing, matrix), order)
    y = affine_u8(rgb, m[:1])
    if chroma == "mean":
        muv = m[1:].copy()
        muv[:, :3] /= 4.0
        uv = saturate_u8(cv2.transform(_block_sums(rgb), muv.astype(np.float32)))
    else:
        uv = affine_u8(np.ascontiguousarray(rgb[::2, ::2]), m[1:])
    return NV12._adopt(y, uv)


def upsample_uv(uv: np.ndarray, height: int, width: int, upsample: str = "nearest") -> np.ndarray:
    """Upsample an interleaved chroma plane to full resolution.

    Parameters
    ----------
    uv : numpy.ndarray
        (H/2, W/2, 2) uint8.
    height, width : int
        Full-resolution size H, W.
    upsample : {"nearest", "bilinear"}
        "nearest" repeats each sample over its 2x2 block (co-sited with the top-left
        pixel, as most NPU front ends do); "bilinear" interpolates with chroma sited at
        the block centre (``cv2.resize(..., INTER_LINEAR)``, as JPEG decoders).

    Returns
    -------
    numpy.ndarray
        (H, W, 2) uint8.
    """
    check_choice("upsample", upsample, CHROMA_UPSAMPLING)
    if upsample == "nearest":
        # One 16-bit "pixel" per UV pair: a single-channel resize, then back to bytes.
        pairs = np.ascontiguousarray(uv).view(np.uint16).reshape(uv.shape[:2])
        up = cv2.resize(pairs, (width, height), interpolation=cv2.INTER_NEAREST)
        return up.view(np.uint8).reshape(height, width, 2)
    return cv2.resize(uv, (width, height), interpolation=cv2.INTER_LINEAR)


def nv12_to_yuv444(frame: NV12, *, upsample: str = "nearest") -> np.ndarray:
    """Upsample an NV12 frame's chroma to YUV 4:4:4.

    Parameters
    ----------
    frame : NV12
    upsample : {"nearest", "bilinear"}
        See :func:`upsample_uv`.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, channels Y, U, V.
    """
    _check_frame(frame)
    uv = upsample_uv(frame.uv, frame.height, frame.width, upsample)
    return cv2.merge([frame.y, uv])


def nv12_to_rgb(
    frame: NV12,
    *,
    swing: str = "full",
    matrix: str = "bt601",
    upsample: str = "nearest",
    order: str = "rgb",
    profile: str | None = None,
) -> np.ndarray:
    """Convert an NV12 frame to RGB (or BGR), as a device's conversion node would.

    Parameters
    ----------
    frame : NV12
    swing, matrix : str
        How the frame was encoded.
    upsample : {"nearest", "bilinear"}
        Chroma upsampling, see :func:`upsample_uv`.
    order : {"rgb", "bgr"}
        Channel order of the result.
    profile : {None, "vendor-pil", "horizon", "opencv"}
        Decode with a real pipeline's own arithmetic (keywords other than ``order``
        are then ignored).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, clipped to 0..255.
    """
    _check_frame(frame)
    check_choice("order", order, ("rgb", "bgr"))
    if profile is not None:
        from .profiles import get_profile

        rgb = get_profile(profile).decode(frame)
        return rgb if order == "rgb" else np.ascontiguousarray(rgb[..., ::-1])
    check_choice("swing", swing, SWINGS)
    check_choice("matrix", matrix, MATRICES)
    yuv = nv12_to_yuv444(frame, upsample=upsample)
    return affine_u8(yuv, _reorder_rows(_inverse_matrix(swing, matrix), order))


def nv12_to_format(
    frame: NV12,
    fmt: str,
    *,
    swing: str = "full",
    matrix: str = "bt601",
    upsample: str = "nearest",
    profile: str | None = None,
) -> np.ndarray:
    """What a device feeds a model trained on ``fmt`` after its NV12 conversion node.

    Parameters
    ----------
    frame : NV12
    fmt : {"rgb", "bgr", "yuv444", "gray"}
        The model's training format (the vendor's ``input_type_train``).
    swing, matrix, upsample, profile : str
        As in :func:`nv12_to_rgb`.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, or (H, W, 1) uint8 for "gray" (the Y plane as is).
    """
    check_choice("train format", fmt, TRAIN_FORMATS)
    _check_frame(frame)
    if fmt == "gray":
        return frame.y[..., None]
    if fmt == "yuv444":
        if profile is not None:
            from .profiles import get_profile

            upsample = get_profile(profile).upsample
        return nv12_to_yuv444(frame, upsample=upsample)
    return nv12_to_rgb(
        frame, swing=swing, matrix=matrix, upsample=upsample, order=fmt, profile=profile
    )


def _check_frame(frame: object) -> None:
    if not isinstance(frame, NV12):
        raise InputError(
            f"expected an NV12 frame, got {type(frame).__name__}; build one with "
            "rgb_to_nv12(rgb), NV12.frombuffer(buf, width, height) or "
            "NV12.from_model_inputs(y, uv)."
        )
