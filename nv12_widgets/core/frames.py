"""Raw camera frames as a source: NV12 / NV21 / I420 files with stride, sidecar and index.

A board or camera dump is a file of raw bytes with no header: its width, height, row
stride and pixel format come from elsewhere. :func:`load_frame` takes them, in this order,
from the arguments, from the JSON sidecar :func:`nv12_widgets.model.exchange.board.save_nv12`
writes next to the file (``frame.json`` for ``frame.nv12``), or from the file name
(``frame_1920x1080.nv12``, ``cam0-1280x720.yuv``). A file may hold several frames back to
back; ``index`` picks one. :func:`nv12_widgets.core.sources.load_source` reads either an image or a raw frame, so every
entry point accepts both.

Encoders and camera pipelines often align the buffer's *height* too (1088 rows for a
1080-line frame: H.264 / HEVC macroblocks are 16 rows; Rockchip MPP calls it
``ver_stride``, Android ``sliceHeight``): the Y plane then has ``aligned_height`` rows,
the chroma plane ``aligned_height / 2``, and only the top ``height`` rows are the
picture. ``aligned_height`` (argument or sidecar field) reads such buffers.

Memory layouts read here (``stride`` = bytes per luma row, ``>= width``; every row,
the last one included, is padded to it, as in a camera buffer dump):

``nv12``
    ``height`` rows of Y, then ``height / 2`` rows of interleaved ``U V U V ...``; the
    chroma rows use the same ``stride`` (they hold ``width`` bytes each).
``nv21``
    as nv12 with ``V U`` order (the Android camera default).
``i420`` (alias ``yuv420p``)
    ``height`` rows of Y, then the U plane, then the V plane, each ``height / 2`` rows of
    ``width / 2`` bytes padded to ``stride / 2`` (FFmpeg's ``yuv420p`` with
    ``linesize = [stride, stride/2, stride/2]``).

So a frame is ``stride * height * 3 / 2`` bytes in all three formats. Source of the
layouts: the V4L2 pixel format pages (``V4L2_PIX_FMT_NV12``, ``V4L2_PIX_FMT_NV21``,
``V4L2_PIX_FMT_YUV420``; Linux kernel ``Documentation/userspace-api/media/v4l/
pixfmt-yuv-planar.rst``) and FFmpeg ``libavutil/pixdesc.c`` (``nv12``, ``nv21``,
``yuv420p``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ._checks import InputError, check_choice, check_even, check_size
from .filetypes import RAW_SUFFIXES, SIDECAR_SUFFIXES, is_raw_frame_path, raw_format_of_name
from .framesize import (
    COMMON_SIZES,
    RAW_FORMATS,
    fitting_sizes,
    frame_nbytes,
    frames_in,
    raw_format,
    size_mismatch_message,
)
from .io import read_json_file
from .nv12 import NV12

__all__ = [
    "COMMON_SIZES",
    "RAW_EXTENSIONS",
    "RAW_FORMATS",
    "SIDECAR_SUFFIXES",
    "fitting_sizes",
    "frame_nbytes",
    "frame_sidecar",
    "frames_in",
    "is_raw_frame_path",
    "load_frame",
    "NV12_PAD",
    "crop_nv12",
    "fit_nv12",
    "NV12_INTERPOLATIONS",
    "parse_size_from_name",
    "resize_nv12",
    "read_sidecar",
    "sidecar_path",
    "size_mismatch_message",
]

#: File extensions taken as raw frames and the format each implies: the one table,
#: :data:`nv12_widgets.core.filetypes.RAW_SUFFIXES` (this name is kept for callers).
RAW_EXTENSIONS = RAW_SUFFIXES
_NAME_SIZE = re.compile(r"(?<![0-9])([0-9]{1,5})[xX]([0-9]{1,5})(?![0-9])")


# ------------------------------------------------------------------------ names
def parse_size_from_name(name: str | os.PathLike) -> tuple[int, int] | None:
    """``(width, height)`` written in a file name as ``WxH``, else None.

    The last ``<digits>x<digits>`` group of the name (not the folders) counts, so
    ``cam2_1280x720_0001.nv12`` gives (1280, 720).

    Examples
    --------
    >>> parse_size_from_name("out/frame_1920x1080.nv12")
    (1920, 1080)
    >>> parse_size_from_name("frame.nv12") is None
    True
    """
    found = _NAME_SIZE.findall(Path(str(name)).name)
    if not found:
        return None
    w, h = (int(v) for v in found[-1])
    return (w, h) if w > 0 and h > 0 else None


# ------------------------------------------------------------------------ sidecar
def sidecar_path(path: str | os.PathLike) -> Path:
    """Where the JSON sidecar of ``path`` lives: the known suffix replaced by ``.json``.

    Examples
    --------
    >>> sidecar_path("out/frame.nv12").as_posix(), sidecar_path("out/t.v2").as_posix()
    ('out/frame.json', 'out/t.v2.json')
    """
    p = Path(path)
    stem = p.with_suffix("") if p.suffix.lower() in SIDECAR_SUFFIXES else p
    return stem.with_name(stem.name + ".json")


def read_sidecar(path: str | os.PathLike, *, missing_hint: str | None = None) -> dict[str, Any]:
    """Read the JSON sidecar of a file (the one home of the sidecar parsing rule).

    Parameters
    ----------
    path : str or os.PathLike
        The data file (``.nv12``, ``.bin``, ...), the ``.json`` itself, or the path
        without extension.
    missing_hint : str, optional
        What to tell the user when there is no sidecar.

    Returns
    -------
    dict
        The sidecar's JSON object.

    Raises
    ------
    InputError
        Missing sidecar, invalid JSON, or JSON that is not an object.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "frame.json").write_text(json.dumps({"width": 4, "height": 2}))
    >>> read_sidecar(folder / "frame.nv12")
    {'width': 4, 'height': 2}
    >>> read_sidecar(folder / "other.nv12", missing_hint="pass width= and height=.")
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: No sidecar ... next to other.nv12: pass width= and height=.
    """
    side = sidecar_path(path)
    if not os.path.lexists(side):
        hint = missing_hint or "pass the width and height yourself."
        raise InputError(f"No sidecar {side} next to {Path(path).name}: {hint}")
    meta = read_json_file(side, what="sidecar")  # bounded, strict (core.io)
    if not isinstance(meta, dict):
        raise InputError(f"Sidecar {side} must hold a JSON object, got {type(meta).__name__}.")
    return meta


def frame_sidecar(path: str | os.PathLike) -> dict[str, Any]:
    """The frame geometry a sidecar gives: a dict with any of ``width``, ``height``,
    ``stride``, ``aligned_height`` (ints) and ``format`` (a :data:`RAW_FORMATS` name); ``{}`` when there is
    no sidecar.

    Raises
    ------
    InputError
        A sidecar that is not valid JSON, or whose geometry values are not positive
        integers / a known format.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> meta = {"width": 4, "height": 2, "stride": 8, "camera": "front"}
    >>> _ = (folder / "frame.json").write_text(json.dumps(meta))
    >>> frame_sidecar(folder / "frame.nv12")  # only the geometry keys
    {'width': 4, 'height': 2, 'stride': 8}
    >>> frame_sidecar(folder / "no_sidecar.nv12")
    {}
    """
    if not sidecar_path(path).is_file():
        return {}
    meta = read_sidecar(path)
    side = sidecar_path(path).name
    out: dict[str, Any] = {}
    for key in ("width", "height", "stride", "aligned_height"):
        if meta.get(key) is not None:
            value = meta[key]
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InputError(
                    f"Sidecar {side}: {key} must be a positive integer, got {value!r}."
                )
            out[key] = value
    if meta.get("format") is not None:
        try:
            out["format"] = raw_format(meta["format"])
        except InputError as exc:
            raise InputError(f"Sidecar {side}: {exc}") from None
    return out


# ------------------------------------------------------------------------ reading
def _decode(buf: np.ndarray, width: int, height: int, fmt: str, stride: int, rows: int) -> NV12:
    """One frame's bytes (exactly ``frame_nbytes(width, rows, fmt, stride)``) -> NV12;
    row padding and the alignment rows below ``height`` dropped."""
    n_y = stride * rows
    y = buf[:n_y].reshape(rows, stride)[:height, :width]
    if fmt in ("nv12", "nv21"):
        uv = buf[n_y : n_y + n_y // 2].reshape(rows // 2, stride)[: height // 2, :width]
        uv = uv.reshape(height // 2, width // 2, 2)
        if fmt == "nv21":
            uv = uv[..., ::-1]
        return NV12(np.ascontiguousarray(y), np.ascontiguousarray(uv))
    cs, ch = stride // 2, rows // 2
    u = buf[n_y : n_y + cs * ch].reshape(ch, cs)[: height // 2, : width // 2]
    v = buf[n_y + cs * ch : n_y + 2 * cs * ch].reshape(ch, cs)[: height // 2, : width // 2]
    return NV12.from_planes(
        np.ascontiguousarray(y), np.ascontiguousarray(u), np.ascontiguousarray(v)
    )


def _resolve(
    name: str | None,
    sidecar: Mapping[str, Any],
    fmt: str | None,
    width: int | None,
    height: int | None,
    stride: int | None,
    nbytes: int,
) -> tuple[str, int, int, int | None]:
    implied = raw_format_of_name(name)
    if fmt is not None:
        fmt = raw_format(fmt)
        if implied is not None and fmt != implied:
            raise InputError(
                f"fmt={fmt!r} contradicts the name {Path(name).name!r} (a {implied} file); "
                "rename the file or drop fmt."
            )
    else:
        fmt = implied or sidecar.get("format") or "nv12"
    named = parse_size_from_name(name) if name else None
    if width is None and height is None:
        if "width" in sidecar and "height" in sidecar:
            width, height = sidecar["width"], sidecar["height"]
        elif named is not None:
            width, height = named
    if stride is None and sidecar.get("width") == width:
        stride = sidecar.get("stride")  # the sidecar's stride goes with the sidecar's width
    if width is None or height is None:
        s = stride or width
        if width is not None and height is None and (2 * nbytes) % (3 * s) == 0:
            height = 2 * nbytes // (3 * s)  # one frame of the given width
        elif (
            height is not None
            and width is None
            and stride is None
            and (2 * nbytes) % (3 * height) == 0
        ):
            width = 2 * nbytes // (3 * height)
        else:
            fits = fitting_sizes(nbytes)
            hint = f" ({nbytes} bytes would fit {', '.join(fits)})" if fits else ""
            raise InputError(
                f"the raw frame {Path(name).name if name else '<bytes>'} does not say its size: "
                'give width and height, write a JSON sidecar ({"width": W, "height": H}) '
                f"or put WxH in the file name (frame_1920x1080.nv12){hint}."
            )
    for key, v in (("width", width), ("height", height), ("stride", stride)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise InputError(f"{key} must be an integer, got {v!r}.")
    if stride is not None and int(stride) == int(width):
        stride = None
    return fmt, int(width), int(height), None if stride is None else int(stride)


def load_frame(
    source: str | os.PathLike | bytes | bytearray | memoryview,
    *,
    fmt: str | None = None,
    width: int | None = None,
    height: int | None = None,
    stride: int | None = None,
    index: int = 0,
    name: str | None = None,
    aligned_height: int | None = None,
) -> NV12:
    """Read one raw NV12 / NV21 / I420 frame from a file or bytes.

    Parameters
    ----------
    source : path or bytes
        A raw frame file (no header), or its bytes (an upload).
    fmt : {"nv12", "nv21", "i420"}, optional
        Default: the extension's (``.nv12`` / ``.nv21`` / ``.i420``), else the sidecar's
        ``format``, else ``"nv12"`` (``.yuv``, ``.raw``, ``.bin``). A ``fmt`` that
        contradicts the extension is an error.
    width, height : int, optional
        Frame size in pixels (even). Default: the sidecar's ``width`` / ``height``, else
        ``WxH`` in the name. With only one given, the other is what makes the file one
        frame.
    stride : int, optional
        Bytes per luma row including padding (camera buffers pad rows to 16/64/256
        bytes). NV12/NV21 chroma rows use the same stride, I420's U and V rows
        ``stride / 2``. Default: the sidecar's ``stride``, else ``width`` (no padding).
    index : int
        Which frame of a file holding several back to back (negative counts from the end).
    name : str, optional
        The file name of ``bytes`` (an upload), used for the extension and ``WxH``.
    aligned_height : int, optional
        Rows of the Y plane in the buffer when the encoder aligned the height (1088 for
        a 1080-line frame); the chroma plane then has ``aligned_height / 2`` rows and
        only the top ``height`` rows are read. Default: the sidecar's
        ``aligned_height`` (with the sidecar's height), else ``height``.

    Returns
    -------
    NV12
        The frame (H, W) with padding dropped, NV21 / I420 repacked as NV12.

    Raises
    ------
    InputError
        Missing file, unknown size, a file that is not a whole number of frames (the
        message names the sizes it would fit), an index out of range.

    Examples
    --------
    >>> from nv12_widgets.core import NV12
    >>> import numpy as np
    >>> f = NV12(np.zeros((2, 4), np.uint8), np.full((1, 2, 2), 128, np.uint8))
    >>> load_frame(f.tobytes() * 3, width=4, height=2, index=2) == f
    True
    """
    path: Path | None = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | None = bytes(source)
        nbytes = len(data)
        sidecar: Mapping[str, Any] = {}
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if not path.is_file():
            raise InputError(f"no raw frame file at {str(path)!r}; check the path.")
        data = None
        nbytes = os.stat(path).st_size
        sidecar = frame_sidecar(path)
        name = name or str(path)
    else:
        raise InputError(
            f"load_frame() takes a path or bytes, got {type(source).__name__}; "
            "an NV12 object is already a frame."
        )
    label = Path(name).name if name else "<bytes>"
    if nbytes == 0:
        raise InputError(f"{label} is empty (0 bytes); it is not a raw frame.")
    fmt, width, height, stride = _resolve(name, sidecar, fmt, width, height, stride, nbytes)
    rows = _aligned_rows(aligned_height, sidecar, height)
    per = frame_nbytes(width, rows, fmt, stride)
    try:
        count = frames_in(nbytes, width, rows, fmt, stride)
    except InputError as exc:
        raise InputError(f"{label}: {exc}") from None
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise InputError(f"index must be an integer, got {index!r}.")
    if not -count <= index < count:
        raise InputError(
            f"{label} holds {count} frame{'s' if count != 1 else ''} of {width}x{rows}; "
            f"index {index} is out of range (use 0..{count - 1})."
        )
    index = int(index) % count
    if data is None:
        with open(path, "rb") as fh:
            fh.seek(index * per)
            chunk = fh.read(per)
        if len(chunk) != per:  # the file shrank under us
            raise InputError(f"{label} changed while being read; try again.")
        buf = np.frombuffer(chunk, np.uint8)
    else:
        buf = np.frombuffer(data, np.uint8)[index * per : (index + 1) * per]
    return _decode(buf, width, height, fmt, stride or width, rows)


def _aligned_rows(aligned_height: Any, sidecar: Mapping[str, Any], height: int) -> int:
    """Rows of Y in the buffer: ``aligned_height``, the sidecar's (for its own height),
    else ``height``."""
    if aligned_height is None and sidecar.get("height") == height:
        aligned_height = sidecar.get("aligned_height")
    if aligned_height is None:
        return height
    if isinstance(aligned_height, bool) or not isinstance(aligned_height, (int, np.integer)):
        raise InputError(f"aligned_height must be an integer, got {aligned_height!r}.")
    if aligned_height < height or aligned_height % 2:
        raise InputError(
            f"aligned_height {aligned_height} must be even and at least the height {height} "
            "(the rows the encoder allocated, e.g. 1088 for a 1080-line frame)."
        )
    return int(aligned_height)


# ------------------------------------------------------------------------ resizing
#: ``resize_nv12`` filters: name -> OpenCV flag.
NV12_INTERPOLATIONS = {
    "bilinear": cv2.INTER_LINEAR_EXACT,
    "area": cv2.INTER_AREA,
    "nearest": cv2.INTER_NEAREST_EXACT,
}


def resize_nv12(frame: NV12, size: tuple[int, int], *, interpolation: str = "bilinear") -> NV12:
    """Resize a frame in the NV12 domain: Y and UV apart, as a device's resizer does.

    The device's resizer / image pyramid (Horizon BPU pyramid, Rockchip RGA, ...) never
    goes through RGB: it scales the luma plane to ``size`` and the interleaved chroma
    plane, both channels together, to ``size / 2``. This does the same with OpenCV.

    Parameters
    ----------
    frame : NV12
        The frame, any even size.
    size : (int, int)
        Target ``(height, width)``, both even (4:2:0).
    interpolation : {"bilinear", "area", "nearest"}
        ``"bilinear"``: ``cv2.INTER_LINEAR_EXACT`` (bit-exact fixed-point bilinear, the
        same on every CPU: what a hardware scaler's bilinear mode computes, up to its
        own rounding); ``"area"``: ``cv2.INTER_AREA`` (pixel-area averaging, the
        anti-aliased choice when shrinking a lot); ``"nearest"``:
        ``cv2.INTER_NEAREST_EXACT`` (pixel-centre nearest, as PIL / scikit-image).
        All use half-pixel centres (``src = (dst + 0.5) * in / out - 0.5``, i.e.
        ``align_corners=False``) on each plane independently, which treats chroma as
        centred in its 2x2 block (JPEG / MPEG-1 siting); a resizer honouring MPEG-2
        left siting would place chroma up to 1/4 chroma pixel differently. Source:
        OpenCV ``modules/imgproc/src/resize.cpp`` (4.x / 5.0).

    Returns
    -------
    NV12
        ``(height, width)``; ``frame`` itself when it already has that size.

    Raises
    ------
    InputError
        Not an NV12 frame, an odd or non-positive size, an unknown filter.

    Examples
    --------
    >>> import numpy as np
    >>> f = NV12(np.tile(np.array([0, 100], np.uint8).repeat(2), (4, 1)),
    ...          np.full((2, 2, 2), 128, np.uint8))
    >>> resize_nv12(f, (2, 2)).y.tolist()
    [[0, 100], [0, 100]]
    """
    if not isinstance(frame, NV12):
        raise InputError(
            f"resize_nv12 needs an NV12 frame, got {type(frame).__name__}; "
            "resize RGB images with nv12_widgets.core.fit_image."
        )
    check_choice("interpolation", interpolation, NV12_INTERPOLATIONS)
    th, tw = check_size(size)
    check_even(th, tw, "a resized NV12 frame")
    if (th, tw) == frame.shape:
        return frame
    flag = NV12_INTERPOLATIONS[interpolation]
    y = cv2.resize(frame.y, (tw, th), interpolation=flag)
    uv = cv2.resize(np.ascontiguousarray(frame.uv), (tw // 2, th // 2), interpolation=flag)
    return NV12(y, uv.reshape(th // 2, tw // 2, 2))


#: Default fill of :func:`fit_nv12`'s letterbox bars: ``(Y, U/V)`` = studio black with
#: neutral chroma, what a resizer writes when told to pad with "black".
NV12_PAD = (16, 128)


def _even(value: float) -> int:
    """Nearest even integer, at least 2."""
    return max(2, 2 * int(round(value / 2)))


def crop_nv12(frame: NV12, box: tuple[int, int, int, int]) -> NV12:
    """Cut ``box = (top, left, height, width)`` out of a frame, Y and UV apart.

    The rectangle must be even in all four numbers (a 4:2:0 chroma sample covers 2x2
    luma pixels): the chroma plane is cut at ``box / 2``. This is what a device's crop
    does (Rockchip RGA ``imcrop(src, dst, rect)`` requires even ``x, y, width, height``
    for YUV420SP: airockchip/librga ``docs/Rockchip_Developer_Guide_RGA_EN.md``, "imcrop";
    Horizon hbdk4 ``insert_roi_resize`` takes a ROI on the NV12 input).

    Raises
    ------
    InputError
        Not an NV12 frame, an odd number, a box outside the frame.

    Examples
    --------
    >>> import numpy as np
    >>> f = NV12(np.arange(32, dtype=np.uint8).reshape(4, 8), np.zeros((2, 4, 2), np.uint8))
    >>> crop_nv12(f, (2, 4, 2, 4)).y.tolist()
    [[20, 21, 22, 23], [28, 29, 30, 31]]
    """
    if not isinstance(frame, NV12):
        raise InputError(f"crop_nv12 needs an NV12 frame, got {type(frame).__name__}.")
    try:
        top, left, h, w = (int(v) for v in box)
    except (TypeError, ValueError):
        raise InputError(f"box must be (top, left, height, width), got {box!r}.") from None
    if min(top, left) < 0 or min(h, w) <= 0 or top + h > frame.height or left + w > frame.width:
        raise InputError(
            f"box {box!r} (top, left, height, width) is not inside the "
            f"{frame.width}x{frame.height} frame."
        )
    if any(v % 2 for v in (top, left, h, w)):
        raise InputError(
            f"box {box!r}: an NV12 crop needs even top, left, height and width (chroma "
            "covers 2x2 pixels)."
        )
    y = frame.y[top : top + h, left : left + w]
    uv = frame.uv[top // 2 : (top + h) // 2, left // 2 : (left + w) // 2]
    return NV12(np.ascontiguousarray(y), np.ascontiguousarray(uv))


def fit_nv12(
    frame: NV12,
    size: tuple[int, int],
    *,
    policy: str = "resize",
    interpolation: str = "bilinear",
    pad: tuple[int, int] = NV12_PAD,
) -> NV12:
    """Fit a frame to a model's input size in the NV12 domain, as a device resizer does.

    The geometry is :func:`nv12_widgets.core.fit_image`'s (same policies), with every
    size rounded to the nearest even number and every offset ``(target - size) // 2``
    rounded down to an even number, because the device scales and cuts the Y
    plane and the interleaved UV plane apart (:func:`resize_nv12`, :func:`crop_nv12`):

    * ``"resize"``: :func:`resize_nv12` to ``size``;
    * ``"center-crop"``: scale so the frame covers ``size`` (short side fits), then cut
      the centre (RGA ``improcess`` with a source rect; hbdk4 ``insert_roi_resize``);
    * ``"letterbox"``: scale so the frame fits inside ``size`` (long side fits), then
      place it in the centre of a frame filled with ``pad`` = ``(Y, UV)`` (hbdk4
      ``insert_roi_resize(..., pad_mode="constant", pad_value=...)``; RGA ``imfill`` of
      the bars). Default ``(16, 128)``: studio black; ``(0, 128)`` is full-swing black;
    * ``"letterbox-topleft"``: the same scale, the frame at the top-left corner, the bars
      below and to the right (YOLOX's ``preproc`` done by the resizer).

    Parameters
    ----------
    frame : NV12
    size : (int, int)
        Target ``(height, width)``, both even.
    policy : {"resize", "center-crop", "letterbox", "letterbox-topleft"}
    interpolation : {"bilinear", "area", "nearest"}
        See :func:`resize_nv12`.
    pad : (int, int)
        Letterbox fill of the Y plane and of both chroma channels, 0..255.

    Returns
    -------
    NV12
        ``(height, width)``.

    Examples
    --------
    >>> import numpy as np
    >>> f = NV12(np.full((2, 4), 200, np.uint8), np.full((1, 2, 2), 90, np.uint8))
    >>> out = fit_nv12(f, (6, 4), policy="letterbox")
    >>> out.y[:, 0].tolist(), out.uv[:, 0, 0].tolist()
    ([16, 16, 200, 200, 16, 16], [128, 90, 128])
    """
    from .image import RESIZE_POLICIES

    if not isinstance(frame, NV12):
        raise InputError(f"fit_nv12 needs an NV12 frame, got {type(frame).__name__}.")
    check_choice("policy", policy, RESIZE_POLICIES)
    th, tw = check_size(size)
    check_even(th, tw, "an NV12 frame fitted to the model")
    try:
        pad_y, pad_uv = (int(v) for v in pad)
    except (TypeError, ValueError):
        raise InputError(f"pad must be (Y, UV) codes, got {pad!r}.") from None
    if not (0 <= pad_y <= 255 and 0 <= pad_uv <= 255):
        raise InputError(f"pad values must be 0..255 codes, got {pad!r}.")
    h, w = frame.shape
    if policy == "resize" or (h, w) == (th, tw):
        return resize_nv12(frame, (th, tw), interpolation=interpolation)
    if policy == "center-crop":
        scale = max(th / h, tw / w)
        nh, nw = max(th, _even(h * scale)), max(tw, _even(w * scale))
        scaled = resize_nv12(frame, (nh, nw), interpolation=interpolation)
        top, left = (nh - th) // 4 * 2, (nw - tw) // 4 * 2
        return crop_nv12(scaled, (top, left, th, tw))
    scale = min(th / h, tw / w)
    nh, nw = min(th, _even(h * scale)), min(tw, _even(w * scale))
    scaled = resize_nv12(frame, (nh, nw), interpolation=interpolation)
    top, left = (
        (0, 0) if policy == "letterbox-topleft" else ((th - nh) // 4 * 2, (tw - nw) // 4 * 2)
    )
    y = np.full((th, tw), pad_y, np.uint8)
    uv = np.full((th // 2, tw // 2, 2), pad_uv, np.uint8)
    y[top : top + nh, left : left + nw] = scaled.y
    uv[top // 2 : (top + nh) // 2, left // 2 : (left + nw) // 2] = scaled.uv
    return NV12(y, uv)
