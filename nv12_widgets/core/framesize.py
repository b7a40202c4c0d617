"""The size rule of raw 4:2:0 frames: bytes per frame, how many frames a buffer holds,
and what sizes a wrong-sized buffer would fit (one home for NV12 readers, raw-frame files
and the CLI)."""

from __future__ import annotations

import numpy as np

from ._checks import InputError, check_choice, check_even

__all__ = [
    "COMMON_SIZES",
    "RAW_FORMATS",
    "fitting_sizes",
    "frame_nbytes",
    "frames_in",
    "raw_format",
    "size_mismatch_message",
]

RAW_FORMATS = ("nv12", "nv21", "i420")
_ALIASES = {"yuv420p": "i420", "nv12": "nv12", "nv21": "nv21", "i420": "i420"}
#: Camera / video sizes (width, height) proposed when a file's size does not fit.
COMMON_SIZES = (
    (320, 240), (640, 360), (640, 480), (720, 480), (720, 576), (800, 600), (960, 540),
    (1024, 768), (1280, 720), (1280, 800), (1280, 960), (1280, 1024), (1600, 1200),
    (1920, 1080), (1920, 1088), (1920, 1200), (2560, 1440), (2592, 1944), (3840, 2160),
)  # fmt: skip


def raw_format(fmt: str) -> str:
    """The canonical raw-format name ("nv12", "nv21", "i420"; "yuv420p" is I420).

    >>> raw_format("YUV420P")
    'i420'
    """
    if not isinstance(fmt, str) or fmt.lower() not in _ALIASES:
        check_choice("fmt", fmt, RAW_FORMATS)
    return _ALIASES[fmt.lower()]


def frame_nbytes(width: int, height: int, fmt: str = "nv12", stride: int | None = None) -> int:
    """Bytes of one raw 4:2:0 frame: ``stride * height * 3 / 2`` (stride defaults to width).

    Raises
    ------
    InputError
        Non-positive or odd sizes, a stride narrower than the width, an odd stride for
        I420 (its chroma rows are ``stride / 2`` bytes).

    Examples
    --------
    >>> frame_nbytes(640, 480), frame_nbytes(640, 480, stride=704)
    (460800, 506880)
    """
    fmt = raw_format(fmt)
    for name, v in (("width", width), ("height", height), ("stride", stride)):
        if v is None and name == "stride":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(f"{name} must be an integer, got {v!r}.")
        if v <= 0:
            raise InputError(f"{name} must be positive, got {v}.")
    check_even(height, width, fmt.upper())
    stride = width if stride is None else int(stride)
    if stride < width:
        raise InputError(
            f"stride {stride} is smaller than the width {width}: the stride is the bytes per "
            "luma row including padding, so at least the width."
        )
    if fmt == "i420" and stride % 2:
        raise InputError(f"an I420 stride must be even (chroma rows are stride/2), got {stride}.")
    return int(stride) * int(height) * 3 // 2


def fitting_sizes(
    nbytes: int, *, width: int | None = None, height: int | None = None, limit: int = 6
) -> list[str]:
    """Frame geometries a byte count would fit, as short phrases for error messages.

    Parameters
    ----------
    nbytes : int
        The file / buffer size.
    width, height : int, optional
        What the user gave: keeping the width, the height it fits (one frame; when a
        little taller than ``height`` and a multiple of 16, an encoder's aligned
        height: H.264 / HEVC code 16-row macroblocks, 1080 lines in 1088 rows); keeping
        width and height, the row stride it fits (one frame).
    limit : int
        At most this many phrases.

    Returns
    -------
    list of str
        e.g. ``["a height of 4", "1280x720 (2 frames)"]``; empty when nothing fits.

    Examples
    --------
    >>> fitting_sizes(24, width=4)
    ['a height of 4']
    >>> fitting_sizes(1920 * 1088 * 3 // 2, width=1920, height=1080)[0]
    'a height of 1088 (or aligned_height=1088: rows an encoder allocated)'
    >>> fitting_sizes(2 * 1280 * 720 * 3 // 2)[:1]
    ['1280x720 (2 frames)']
    """
    out: list[str] = []
    if nbytes <= 0:
        return out
    if width and width > 0 and (2 * nbytes) % (3 * width) == 0:
        h = 2 * nbytes // (3 * width)
        if h % 2 == 0 and h != height:
            aligned = height is not None and height < h <= height + 64 and h % 16 == 0
            out.append(
                f"a height of {h}"
                + (f" (or aligned_height={h}: rows an encoder allocated)" if aligned else "")
            )
    if width and height and height > 0 and (2 * nbytes) % (3 * height) == 0:
        s = 2 * nbytes // (3 * height)
        if s > width:
            out.append(f"a row stride of {s} bytes at {width}x{height}")
    common = [
        (nbytes // (w * h * 3 // 2), w, h)
        for w, h in COMMON_SIZES
        if nbytes % (w * h * 3 // 2) == 0 and (w, h) != (width, height)
    ]
    for n, w, h in sorted(common):  # fewest frames (largest size) first
        out.append(f"{w}x{h} ({n} frame{'s' if n != 1 else ''})")
    return out[:limit]


def frames_in(nbytes: int, width: int, height: int, fmt: str = "nv12", stride=None) -> int:
    """How many whole frames ``nbytes`` holds; InputError naming sizes that would fit when
    it is not a whole, non-zero number of frames.

    Examples
    --------
    >>> frames_in(3 * 24, 4, 4)
    3
    """
    per = frame_nbytes(width, height, fmt, stride)
    if nbytes >= per and nbytes % per == 0:
        return nbytes // per
    raise InputError(size_mismatch_message(nbytes, width, height, fmt, stride, several=True))


def size_mismatch_message(
    nbytes: int,
    width: int,
    height: int,
    fmt: str,
    stride: int | None = None,
    *,
    several: bool = False,
    where: str = "",
) -> str:
    """The message for a buffer of ``nbytes`` that is not (a whole number of) frames;
    ``where`` names the file it came from.

    Examples
    --------
    >>> print(size_mismatch_message(20, 4, 4, "nv12"))  # doctest: +NORMALIZE_WHITESPACE
    a 4x4 NV12 frame is 24 bytes, the buffer has 20; check width, height, stride and
    that the file is NV12 (not another layout, not RGB).
    """
    per = frame_nbytes(width, height, fmt, stride)
    what = f"a {width}x{height} {raw_format(fmt).upper()} frame"
    if stride is not None and stride != width:
        what += f" with a row stride of {stride} bytes"
    fits = fitting_sizes(nbytes, width=width, height=height)
    hint = f" (it would fit {'; '.join(fits)})" if fits else ""
    count = ", not a whole number of frames" if several and nbytes > per else ""
    return (
        f"{what} is {per} bytes, {'the file ' + where if where else 'the buffer'} has "
        f"{nbytes}{count}{hint}; check width, height, "
        f"stride and that the file is {raw_format(fmt).upper()} (not another layout, not RGB)."
    )
