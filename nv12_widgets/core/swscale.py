"""FFmpeg's RGB -> NV12 (libswscale's default path), modelled in float.

What ``ffmpeg -i in.png [-vf scale=W:H[:out_color_matrix=..][:out_range=..]] -pix_fmt nv12``
does to an RGB image, as read in FFmpeg's libswscale (FFmpeg 5.1, ``libswscale/input.c``,
``libswscale/utils.c``):

* **Luma**: every pixel's Y from its own R, G, B (``rgb24ToY_c``: the matrix of
  ``out_color_matrix``, default BT.601, and the range of ``out_range``, default ``tv`` =
  studio swing for YUV outputs), then scaled to the output size with the scaler's filter.
* **Chroma, horizontally**: an RGB input's chroma is computed from the *mean of each
  horizontal pixel pair* (``rgb24ToUV_half_c``: unless ``SWS_FULL_CHR_H_INP`` is set,
  ``sws_init_context`` sets ``chrSrcHSubSample`` for RGB inputs), then scaled from W/2
  to the output chroma width.
* **Chroma, vertically**: the full-height chroma rows are scaled to H/2 rows by the
  scaler's filter - a vertical downscale by 2 even when the picture keeps its size.
* **Positions**: with the default chroma positions (-513, ``get_local_pos``) source and
  destination samples are centred on their pixels (``pos = 128 >> subsample`` of 256),
  so a chroma sample sits between its two luma rows and its two luma columns.
* **Filter**: the ffmpeg command's default ``flags=bicubic``: ``initFilter``'s cubic
  with ``B = 0``, ``C = 0.6`` (``param`` defaults), widened by src/dst when
  downscaling, each row normalised to 1 (14-bit fixed point in FFmpeg: the model is
  float, so FFmpeg's rounding of the coefficients and intermediates leaves at most about
  one level); taps outside the picture are folded onto the edge sample.
* **Rounding**: the 15-bit intermediates are rounded to 8 bits (``yuv2plane1_8_c``:
  ``(v + 64) >> 7``), clipped to 0..255.

Tested against the ``ffmpeg`` command's own output (tests/core/test_swscale.py): within
one level at the image's size, for vertical scaling and 2x shrinks; a non-integer
horizontal shrink leaves single chroma samples up to 4 levels off (FFmpeg's integer
filter positions, not modelled).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._checks import InputError, check_choice, check_image
from .color import MATRICES, SWINGS, yuv_matrix
from .nv12 import NV12

__all__ = ["SWSCALE_B", "SWSCALE_C", "swscale_filter", "swscale_resize", "swscale_rgb_to_nv12"]

#: The cubic's parameters of libswscale's default ``bicubic`` (utils.c ``initFilter``).
SWSCALE_B, SWSCALE_C = 0.0, 0.6


def _cubic(d: np.ndarray) -> np.ndarray:
    """The (B, C) cubic of ``initFilter`` at distances ``d`` >= 0 (support 2)."""
    b, c = SWSCALE_B, SWSCALE_C
    near = ((12 - 9 * b - 6 * c) * d**3 + (-18 + 12 * b + 6 * c) * d**2 + (6 - 2 * b)) / 6
    far = (
        (-b - 6 * c) * d**3 + (6 * b + 30 * c) * d**2 + (-12 * b - 48 * c) * d + (8 * b + 24 * c)
    ) / 6
    return np.where(d < 1, near, np.where(d < 2, far, 0.0))


@lru_cache(maxsize=64)
def swscale_filter(src: int, dst: int) -> np.ndarray:
    """(dst, src) float64 weights of libswscale's bicubic scaler along one axis.

    Centre-aligned (source position ``(i + 0.5) * src / dst - 0.5`` of destination
    ``i``), the kernel widened by ``src / dst`` when downscaling, taps beyond the edges
    folded onto the edge sample, every row summing to 1; the identity when
    ``src == dst`` (``initFilter``'s unscaled case).

    Examples
    --------
    >>> swscale_filter(8, 4).round(4).tolist()[1]  # 2x shrink; tap -1 folded onto 0
    [-0.0562, 0.1203, 0.4359, 0.4359, 0.1203, -0.0422, -0.0141, 0.0]
    """
    if src == dst:
        return np.eye(src)
    scale = src / dst
    widen = max(scale, 1.0)
    x = (np.arange(dst) + 0.5) * scale - 0.5
    reach = int(np.ceil(2 * widen)) + 1
    taps = np.floor(x)[:, None].astype(int) + np.arange(-reach, reach + 1)[None, :]
    w = _cubic(np.abs(taps - x[:, None]) / widen)
    w /= w.sum(axis=1, keepdims=True)
    out = np.zeros((dst, src))
    rows = np.broadcast_to(np.arange(dst)[:, None], taps.shape)
    np.add.at(out, (rows, np.clip(taps, 0, src - 1)), w)
    out.flags.writeable = False
    return out


def swscale_resize(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """A float (H, W) plane scaled to (height, width) by :func:`swscale_filter`,
    horizontally then vertically (as ``swscale`` runs its two passes).

    Examples
    --------
    >>> swscale_resize(np.full((4, 6), 7.0), 2, 3).round(9).tolist()
    [[7.0, 7.0, 7.0], [7.0, 7.0, 7.0]]
    """
    h, w = plane.shape
    out = plane if w == width else _apply(plane.T, width).T
    return out if h == height else _apply(out, height)


@lru_cache(maxsize=64)
def _taps(src: int, dst: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`swscale_filter` as (dst, K) source rows and weights (its nonzero band)."""
    m = swscale_filter(src, dst)
    nz = m != 0
    first = nz.argmax(axis=1)
    k = int((src - nz[:, ::-1].argmax(axis=1) - first).max())
    idx = np.minimum(first[:, None] + np.arange(k)[None, :], src - 1)
    w = np.take_along_axis(m, idx, axis=1) * (first[:, None] + np.arange(k) < src)
    return idx, w


def _apply(plane: np.ndarray, n: int) -> np.ndarray:
    """``swscale_filter(len(plane), n) @ plane``, summed over the filter's band only."""
    idx, w = _taps(plane.shape[0], n)
    out = np.zeros((n, plane.shape[1]))
    for j in range(idx.shape[1]):
        out += w[:, j : j + 1] * plane[idx[:, j]]
    return out


def swscale_rgb_to_nv12(
    rgb: np.ndarray,
    *,
    swing: str = "studio",
    matrix: str = "bt601",
    size: tuple[int, int] | None = None,
) -> NV12:
    """The NV12 frame the ``ffmpeg`` command makes of an RGB image (float model).

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8 RGB, W even.
    swing : {"studio", "full"}
        ``out_range`` tv (FFmpeg's default) or pc.
    matrix : {"bt601", "bt709"}
        ``out_color_matrix`` (FFmpeg's default for RGB -> YUV: BT.601).
    size : (int, int), optional
        (height, width) of ``-vf scale=width:height`` (even); default the image's.

    Returns
    -------
    NV12

    Examples
    --------
    >>> frame = swscale_rgb_to_nv12(np.full((4, 4, 3), (255, 0, 0), np.uint8))
    >>> int(frame.y[0, 0]), frame.uv[0, 0].tolist()  # BT.601 studio red: 81, (90, 240)
    (81, [90, 240])
    """
    check_image(rgb, "rgb")
    check_choice("swing", swing, SWINGS)
    check_choice("matrix", matrix, MATRICES)
    h, w = rgb.shape[:2]
    oh, ow = (h, w) if size is None else (int(size[0]), int(size[1]))
    if w % 2 or oh % 2 or ow % 2 or oh <= 0 or ow <= 0:
        raise InputError(
            f"swscale's NV12 model needs an even input width and an even output size, got "
            f"{w} wide -> {ow}x{oh} (width x height)."
        )
    m = yuv_matrix(swing, matrix)
    yuv = rgb.astype(np.float64) @ m[:, :3].T + m[:, 3]
    y = swscale_resize(yuv[..., 0], oh, ow)
    halves = 0.5 * (yuv[:, 0::2, 1:] + yuv[:, 1::2, 1:])  # rgb24ToUV_half: pixel pairs
    uv = np.stack([swscale_resize(halves[..., k], oh // 2, ow // 2) for k in (0, 1)], axis=-1)

    def codes(x: np.ndarray) -> np.ndarray:
        return np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)

    return NV12(codes(y), codes(uv))
