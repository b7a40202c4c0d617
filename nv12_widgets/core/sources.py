"""Where pictures come from: the one source loader and the one image-set collector.

:func:`load_source` reads whatever a user points at: an image file (Pillow or OpenCV, as
:func:`~nv12_widgets.core.load_image_with_notes`), or a raw NV12 / NV21 / I420 frame
(:func:`~nv12_widgets.core.load_frame`: size from the arguments, a JSON sidecar or
``WxH`` in the name; stride, aligned height and frame index likewise). It returns an RGB
array or an :class:`~nv12_widgets.core.NV12` frame plus notes saying what reading did.
:func:`collect_sources` turns a folder, a glob, a file list or a list of paths into the
files of an image set. compare, sweep, evaluate, the CLI and the dashboard use both, and
the suffix tables they rely on (:data:`IMAGE_SUFFIXES`, :data:`RAW_SUFFIXES`) live in
:mod:`nv12_widgets.core.filetypes`, re-exported here.
"""

from __future__ import annotations

import glob as _glob
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import InputError
from .filetypes import (
    IMAGE_SUFFIXES,
    RAW_SUFFIXES,
    is_image_path,
    is_raw_frame_path,
    raw_format_of_name,
)
from .frames import frame_sidecar, load_frame
from .framesize import raw_format
from .image import load_image_with_notes
from .io import read_file
from .nv12 import NV12

__all__ = [
    "IMAGE_SUFFIXES",
    "LIST_SUFFIXES",
    "RAW_SUFFIXES",
    "STUDIO_Y",
    "STUDIO_C",
    "collect_sources",
    "is_image_path",
    "is_raw_frame_path",
    "load_source",
    "swing_hint",
]

#: Suffixes of a text file listing one image path per line.
LIST_SUFFIXES = (".txt", ".lst")
#: Nominal code ranges of studio ("limited", "tv", "video") swing 8-bit YCbCr: Y 16..235,
#: Cb / Cr 16..240 (ITU-R BT.601-7 section 2.5.3; BT.709-6 item 6.10). FFmpeg's
#: swscale writes this range by default when converting RGB to yuv420p / nv12.
STUDIO_Y = (16, 235)
STUDIO_C = (16, 240)
#: A frame spanning fewer luma codes than this says nothing about its swing (a flat grey).
_MIN_SPREAD = 64
#: Percentiles of a plane compared with the nominal range (overshoots are legal).
_PERCENTILES = (0.5, 99.5)


def swing_hint(frame: NV12) -> str | None:
    """A note when a frame's codes stay within studio swing, else None.

    A full-swing camera frame of a normal scene uses codes below 16 or above 235
    (blacks, highlights); one whose Y stays in 16..235 and chroma in 16..240 while
    spanning a real range is very probably studio swing (e.g. FFmpeg's default output,
    a V4L2 camera in limited range), and reading it as full swing washes it out.
    Studio video may overshoot its nominal range (BT.601 leaves codes 1..254 legal;
    FFmpeg's scaler rings to Y 5..248 on sharp edges), so the test is on the 0.5th and
    99.5th percentiles of each plane, not on its extremes.

    Examples
    --------
    >>> ramp = np.linspace(16, 235, 64).astype(np.uint8).reshape(8, 8)
    >>> swing_hint(NV12(ramp, np.full((4, 4, 2), 128, np.uint8)))[:28]
    'codes stay within 16..235: t'
    >>> swing_hint(NV12(ramp // 2, np.full((4, 4, 2), 128, np.uint8))) is None
    True
    """
    y_lo, y_hi = (int(v) for v in np.percentile(frame.y, _PERCENTILES))
    c_lo, c_hi = (int(v) for v in np.percentile(frame.uv, _PERCENTILES))
    if y_hi - y_lo < _MIN_SPREAD:
        return None
    if y_lo < STUDIO_Y[0] or y_hi > STUDIO_Y[1] or c_lo < STUDIO_C[0] or c_hi > STUDIO_C[1]:
        return None
    return (
        f"codes stay within {STUDIO_Y[0]}..{STUDIO_Y[1]}: this frame is probably studio "
        f"swing (99% of Y in {y_lo}..{y_hi}; extremes {int(frame.y.min())}.."
        f"{int(frame.y.max())}, overshoots studio video may have); "
        "set swing to 'studio' if its source writes limited range (FFmpeg does by default)."
    )


def load_source(
    source: Any,
    *,
    fmt: str | None = None,
    width: int | None = None,
    height: int | None = None,
    stride: int | None = None,
    index: int = 0,
    name: str | None = None,
    aligned_height: int | None = None,
    reader: str = "pil",
) -> tuple[np.ndarray | NV12, list[str]]:
    """Read an image or a raw frame, whichever ``source`` is.

    Parameters
    ----------
    source : path, bytes, (H, W, 3) uint8 array or NV12
        A path with a raw suffix (:data:`RAW_SUFFIXES`), or bytes whose ``name`` has
        one, or any raw-frame argument given (``fmt``, ``width``, ``height``,
        ``stride``, ``aligned_height``), is read with
        :func:`~nv12_widgets.core.load_frame`; anything else with
        :func:`~nv12_widgets.core.load_image_with_notes`. Arrays and NV12 frames pass
        through.
    fmt, width, height, stride, index, name, aligned_height
        As in :func:`~nv12_widgets.core.load_frame`.
    reader : {"pil", "opencv"}
        The image reader (images only).

    Returns
    -------
    source : numpy.ndarray or NV12
        (H, W, 3) uint8 RGB, or the NV12 frame.
    notes : list of str
        Image loading notes; for a raw frame one line describing what was read, and
        :func:`swing_hint`'s note when its codes stay within studio swing.

    Raises
    ------
    InputError
        Whatever the reader refuses (missing file, unknown raw size, corrupt image...).

    Examples
    --------
    >>> y = np.tile(np.arange(0, 256, 32, dtype=np.uint8), (2, 1))
    >>> frame, notes = load_source(y.tobytes() + bytes(8), name="cam_8x2.nv12")
    >>> frame.shape, notes
    ((2, 8), ['raw NV12 frame 8x2'])
    """
    if isinstance(source, NV12 | np.ndarray):
        return source, []
    label = (
        name
        if name is not None
        else (str(source) if isinstance(source, str | os.PathLike) else None)
    )
    raw_args = any(v is not None for v in (fmt, width, height, stride, aligned_height))
    if not (is_raw_frame_path(label) or raw_args):
        return load_image_with_notes(source, reader=reader)
    frame = load_frame(
        source,
        fmt=fmt,
        width=width,
        height=height,
        stride=stride,
        index=index,
        name=label,
        aligned_height=aligned_height,
    )
    what = f"raw {_format_label(label, fmt, source)} frame {frame.width}x{frame.height}"
    if index:
        what += f", frame index {index}"
    notes = [what]
    hint = swing_hint(frame)
    if hint:
        notes.append(hint)
    return frame, notes


def _format_label(label: str | None, fmt: str | None, source: Any) -> str:
    if fmt is not None:
        return raw_format(fmt).upper()
    implied = raw_format_of_name(label)
    if implied:
        return implied.upper()
    if isinstance(source, str | os.PathLike):
        side = frame_sidecar(source).get("format")
        if side:
            return side.upper()
    return "NV12"


def _wanted(path: str | os.PathLike, raw: bool) -> bool:
    return is_image_path(path) or (raw and is_raw_frame_path(path))


def collect_sources(source: Any, *, raw: bool = True, recursive: bool = True) -> list[str]:
    """The files of an image set, in a stable order.

    Parameters
    ----------
    source : path, glob, file list, or list of paths
        A folder (every image, and raw frame when ``raw``, below it; sorted by relative
        path); a glob pattern (``"data/**/*.jpg"``, recursive, filtered the same way); a
        ``.txt`` / ``.lst`` file with one path per line (relative paths are relative to
        the list; blank lines and ``#`` comments skipped); a single file; or a list of
        paths (kept as given).
    raw : bool
        Take raw frames (:data:`RAW_SUFFIXES`) from folders and globs too.
    recursive : bool
        Folders: look in sub-folders as well.

    Returns
    -------
    list of str
        Paths as strings (listed files that do not exist are kept: callers report them
        per image).

    Raises
    ------
    InputError
        A folder without images, a glob matching none, an empty list, a missing source.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for n in ("b.png", "a.nv12", "notes.md"):
    ...     _ = (folder / n).write_bytes(b"")
    >>> [Path(p).name for p in collect_sources(folder)]
    ['a.nv12', 'b.png']
    """
    kinds = ", ".join(IMAGE_SUFFIXES + (tuple(RAW_SUFFIXES) if raw else ()))
    if isinstance(source, str | os.PathLike):
        text = os.fspath(source)
        path = Path(text).expanduser()
        if path.is_dir():
            walk = os.walk(path) if recursive else [(path, [], os.listdir(path))]
            files = [str(Path(r) / f) for r, _, names in walk for f in names if _wanted(f, raw)]
            files = [f for f in files if Path(f).is_file()]
            files.sort(key=lambda p: Path(p).relative_to(path).as_posix())
            if not files:
                below = " or below it" if recursive else ""
                raise InputError(f"No images ({kinds}) in folder {path}{below}.")
            return files
        if path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
            return _file_list(path)
        if path.is_file():
            return [str(path)]
        if _glob.has_magic(text):
            matches = _glob.glob(os.path.expanduser(text), recursive=True)
            files = sorted(p for p in matches if _wanted(p, raw) and Path(p).is_file())
            if not files:
                raise InputError(f"The pattern {text!r} matches no image file ({kinds}).")
            return files
        raise InputError(
            f"Source {text!r} is neither a folder, an image, a .txt file list nor a glob "
            "that exists; check the path."
        )
    if isinstance(source, Iterable) and not isinstance(source, bytes | bytearray):
        out = [os.fspath(p) for p in source]
        if not out:
            raise InputError("The list of images is empty.")
        return out
    raise InputError(
        "source must be a folder, a glob, a file list or a list of paths, got "
        f"{type(source).__name__}."
    )


def _file_list(path: Path) -> list[str]:
    try:
        text = read_file(path, kind="json", what="file list").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"The file list {path} is not UTF-8 text ({exc.reason}).") from None
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line).expanduser()
        out.append(str(p if p.is_absolute() else path.parent / p))
    if not out:
        raise InputError(f"The file list {path} names no image.")
    return out
