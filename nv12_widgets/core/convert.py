"""RGB <-> NV12: 4:2:0 chroma subsampling and its inverse, generic and per profile."""

from __future__ import annotations

import cv2
import numpy as np

from ._checks import InputError, check_choice, check_even, check_image
from .color import (
    MATRICES,
    SWINGS,
    TRAIN_FORMATS,
    yuv444_to_rgb,
    yuv_matrix,
)
from .color import chroma_tables as _chroma_tables
from .color import decode_full_swing_band as _decode_full_swing_band
from .color import hi_byte_channels as _hi_byte_channels
from .color import hi_matrix as _hi_matrix
from .color import luma_band as _luma_band
from .color import reorder_columns as _reorder_columns
from .color import scratch_array as _scratch_array
from .color import scratch_transform as _transform
from .color import times4_u16 as _times4_u16
from .nv12 import NV12
from .registry import get_profile
from .threads import for_row_bands as _for_row_bands

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
#: How one chroma sample becomes 2x2: repeated, or bilinear (centre-sited, exactly rounded).
CHROMA_UPSAMPLING = ("nearest", "bilinear")


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
    profile : str or None
        A registered device (one of :func:`~nv12_widgets.core.device_names`):
        reproduce that pipeline exactly; ``swing``,
        ``matrix`` and ``chroma`` are then the profile's own and the keywords are
        ignored.

    Returns
    -------
    NV12
        y (H, W) uint8, uv (H/2, W/2, 2) uint8.

    Notes
    -----
    The generic path rounds the exact value of every sample once, to nearest with ties
    up (``floor(x + 0.5)``), then clips to 0..255: it is the ideal a fixed-point device
    pipeline is measured against. "mean" chroma is the mean of the four *unrounded*
    full-resolution samples (computed from the exact 2x2 sums of R, G, B). The
    arithmetic is float32 on values scaled by 256 (OpenCV's uint16 ``transform``, see
    :mod:`nv12_widgets.core.color`), which can differ from exact rounding only where the
    value lies within ~1e-4 of a .5 tie. Full-swing BT.601 never gets that close: it is
    exact for every input (checked for all 2^24 colours and all 1021^3 possible 2x2
    sums). Full-swing BT.709 is exact except its mean chroma, which differs on 0.0007 %
    of all possible blocks (within 6.4e-5 of a tie); studio swing on about 0.006 % of
    the samples; always by one level. Y and the chroma of a flat 2x2 block equal
    :func:`rgb_to_yuv444`'s. Large images are converted in row bands on a small thread
    pool (OpenCV and numpy release the GIL).

    Examples
    --------
    >>> red = np.full((2, 2, 3), (255, 0, 0), np.uint8)
    >>> frame = rgb_to_nv12(red)
    >>> frame.y.tolist(), frame.uv.tolist()  # BT.601 full swing: Y 76, U 85, V 255
    ([[76, 76], [76, 76]], [[[85, 255]]])
    """
    check_image(rgb, "rgb")
    check_choice("order", order, ("rgb", "bgr"))
    check_even(*rgb.shape[:2])
    if profile is not None:
        return get_profile(profile).encode(rgb if order == "rgb" else rgb[..., ::-1])
    check_choice("chroma", chroma, CHROMA_DOWNSAMPLING)
    m = _reorder_columns(yuv_matrix(swing, matrix), order)
    h, w = rgb.shape[:2]
    y = np.empty((h, w), np.uint8)
    uv = np.empty((h // 2, w // 2, 2), np.uint8)
    m_y = _hi_matrix(m[:1], 4.0)
    # The chroma transform reads 4 x RGB: the top-left pixels or, after a 2x2 INTER_AREA
    # mean of 4 x RGB, the exact block sums (= 4 x the block mean).
    m_uv = _hi_matrix(m[1:], 4.0)
    reduce = cv2.INTER_AREA if chroma == "mean" else cv2.INTER_NEAREST  # NEAREST: top-left

    def band(r0: int, r1: int) -> None:
        part = rgb[r0:r1]
        rgb4 = _times4_u16(part)
        _luma_band(part, y[r0:r1], m_y, rgb4)
        blocks = _scratch_array("blocks", ((r1 - r0) // 2, w // 2, 3), np.uint16)
        cv2.resize(rgb4, (w // 2, (r1 - r0) // 2), dst=blocks, interpolation=reduce)
        _hi_byte_channels(_transform(blocks, m_uv, "z_uv"), uv[r0 // 2 : r1 // 2], (0, 1))

    _for_row_bands(band, h, w, align=2)
    return NV12.adopt(y, uv)


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
        the block centre (see Notes), as JPEG decoders do.

    Returns
    -------
    numpy.ndarray
        (H, W, 2) uint8.

    Notes
    -----
    Bilinear geometry: ONNX ``Resize`` ``coordinate_transformation_mode="half_pixel"``:
    output pixel ``x`` reads source position ``(x + 0.5) / 2 - 0.5``, i.e. chroma samples
    sit at the centre of their 2x2 luma block, and positions outside the plane clamp to
    the edge sample (replicate border). For an exact 2x upscale the weights are 1/4 and
    3/4 on each axis, so every output is ``S / 16`` with an integer
    ``S = sum(w_y * w_x * c)`` (weights 1 or 3 per axis) and is rounded once, half up:
    ``(S + 8) >> 4``. This is ``cv2.resize(..., INTER_LINEAR_EXACT)`` bit for bit
    (OpenCV's exact fixed point, 8 + 8 fractional bits, rounding half up) and equals the
    graph of :func:`nv12_widgets.model.insert_nv12_preprocess` (float ``Resize``
    linear/half_pixel, then ``Floor(x + 0.5)``; the 1/16 steps are exact in float32).
    It also equals FFmpeg's swscale (5.1) NV12 -> YUV444P with
    ``scale=flags=bilinear+accurate_rnd:src_h_chr_pos=128:src_v_chr_pos=128``.
    ``cv2.INTER_LINEAR`` is *not* used: its SIMD fixed point (11-bit weights, truncation)
    is up to 0.625 level off, biased downwards.

    Examples
    --------
    >>> uv = np.array([[[0, 200], [100, 0]]], np.uint8)
    >>> upsample_uv(uv, 2, 4, "bilinear")[0, :, 0].tolist()
    [0, 25, 75, 100]
    >>> upsample_uv(np.array([[[85, 255]]], np.uint8), 2, 2)[:, :, 0].tolist()
    [[85, 85], [85, 85]]
    """
    check_choice("upsample", upsample, CHROMA_UPSAMPLING)
    if upsample == "nearest":
        # One 16-bit "pixel" per UV pair: a single-channel resize, then back to bytes.
        pairs = np.ascontiguousarray(uv).view(np.uint16).reshape(uv.shape[:2])
        up = cv2.resize(pairs, (width, height), interpolation=cv2.INTER_NEAREST)
        return up.view(np.uint8).reshape(height, width, 2)
    return cv2.resize(uv, (width, height), interpolation=cv2.INTER_LINEAR_EXACT)


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

    Examples
    --------
    >>> frame = rgb_to_nv12(np.full((2, 2, 3), (255, 0, 0), np.uint8))
    >>> nv12_to_yuv444(frame)[1, 1].tolist()
    [76, 85, 255]
    """
    _check_frame(frame)
    uv = upsample_uv(frame.uv, frame.height, frame.width, upsample)
    out = np.empty((frame.height, frame.width, 3), np.uint8)
    cv2.mixChannels([frame.y, uv], [out], [0, 0, 1, 1, 2, 2])
    return out


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
    profile : str or None
        A registered device (one of :func:`~nv12_widgets.core.device_names`): decode
        with that pipeline's own arithmetic (keywords other than ``order``
        are then ignored).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, clipped to 0..255.

    Notes
    -----
    Equal to ``yuv444_to_rgb(nv12_to_yuv444(frame, upsample=upsample), ...)`` (rounded
    once, ties up, clipped). Full swing is exact for every input: R, G, B = Y + c(U, V)
    with round(c) tabulated for all 65536 (U, V) pairs, added with saturating uint8
    arithmetic (for "nearest" directly from the half-resolution chroma, without
    materialising the upsampled plane). Studio swing goes through YUV 4:4:4 and the
    affine in float64, exact for every input too (no 8-bit input comes within 1e-7 of a
    tie).

    Examples
    --------
    >>> frame = rgb_to_nv12(np.full((2, 2, 3), (255, 0, 0), np.uint8))
    >>> nv12_to_rgb(frame)[0, 0].tolist()  # one level lost to the 8-bit YUV codes
    [254, 0, 0]
    >>> nv12_to_rgb(frame, order="bgr")[0, 0].tolist()
    [0, 0, 254]
    """
    _check_frame(frame)
    check_choice("order", order, ("rgb", "bgr"))
    if profile is not None:
        rgb = get_profile(profile).decode(frame)
        return rgb if order == "rgb" else np.ascontiguousarray(rgb[..., ::-1])
    check_choice("swing", swing, SWINGS)
    check_choice("matrix", matrix, MATRICES)
    check_choice("upsample", upsample, CHROMA_UPSAMPLING)
    if swing == "studio":
        yuv = nv12_to_yuv444(frame, upsample=upsample)
        return yuv444_to_rgb(yuv, swing=swing, matrix=matrix, order=order)
    h, w = frame.height, frame.width
    tables = _chroma_tables(matrix, order, upsample == "nearest")
    # nearest: one chroma sample per 2x2 block, repeated by the kernel itself.
    uv = frame.uv if upsample == "nearest" else upsample_uv(frame.uv, h, w, upsample)
    step = 2 if upsample == "nearest" else 1
    out = np.empty((h, w, 3), np.uint8)

    def band(r0: int, r1: int) -> None:
        _decode_full_swing_band(frame.y[r0:r1], uv[r0 // step : r1 // step], out[r0:r1], tables)

    _for_row_bands(band, h, w, align=2)
    return out


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

    Examples
    --------
    >>> from nv12_widgets.core import NV12
    >>> frame = NV12(np.full((2, 2), 81, np.uint8), np.array([[[90, 240]]], np.uint8))
    >>> nv12_to_format(frame, "rgb", swing="studio")[0, 0].tolist()  # BT.601 studio-swing red
    [254, 0, 0]
    >>> nv12_to_format(frame, "bgr", swing="studio")[0, 0].tolist()
    [0, 0, 254]
    >>> nv12_to_format(frame, "yuv444")[0, 0].tolist(), nv12_to_format(frame, "gray").shape
    ([81, 90, 240], (2, 2, 1))
    """
    check_choice("train format", fmt, TRAIN_FORMATS)
    _check_frame(frame)
    if fmt == "gray":
        return frame.y[..., None]
    if fmt == "yuv444":
        if profile is not None:
            upsample = get_profile(profile).upsample  # a profile upsamples its own way
            if upsample not in CHROMA_UPSAMPLING:
                raise InputError(
                    f"profile={profile!r} has no YUV444 decode: it converts NV12 straight "
                    f"to RGB (its chroma upsampling, {upsample!r}, is part of that); for a "
                    "yuv444 model use profile=None with upsample='nearest' or 'bilinear'."
                )
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
