"""Reading images the way PC-side pipelines do, and fitting them to a model's input."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any, BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ._checks import InputError, check_choice, check_image, check_size
from .io import LIMITS, read_file, read_stream

__all__ = [
    "fit_boxes",
    "ImageConversionWarning",
    "READERS",
    "RESIZE_POLICIES",
    "INTERPOLATIONS",
    "load_image",
    "load_image_with_notes",
    "crop_even",
    "pad_even",
    "fit_image",
]

READERS = ("pil", "opencv")
#: How an image is fitted to the model input (:func:`fit_image`); "letterbox-topleft" is
#: YOLOX's ``preproc`` (Megvii-BaseDetection/YOLOX ``yolox/data/data_augment.py``, copied
#: by ddddocr 1.6.1 ``DetectionEngine.preproc``): the scaled image at the top-left corner,
#: the bars below and to the right.
RESIZE_POLICIES = ("resize", "center-crop", "letterbox", "letterbox-topleft")
INTERPOLATIONS = {
    "bilinear": cv2.INTER_LINEAR,
    "area": cv2.INTER_AREA,
    "nearest": cv2.INTER_NEAREST,
    "bicubic": cv2.INTER_CUBIC,
}
#: Grey level of letterbox padding (the YOLO convention).
LETTERBOX_FILL = 114


class ImageConversionWarning(UserWarning):
    """Loading changed the pixels (rotation, alpha, bit depth, colour model).

    Examples
    --------
    >>> import io, warnings
    >>> from PIL import Image
    >>> png = io.BytesIO()
    >>> Image.new("RGBA", (2, 2), (10, 20, 30, 255)).save(png, "PNG")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = load_image(png.getvalue())
    >>> [issubclass(w.category, ImageConversionWarning) for w in caught]
    [True]
    """


Source = str | os.PathLike | bytes | bytearray | BinaryIO


def _read_bytes(source: Source) -> tuple[bytes, str]:
    """The encoded bytes, size-checked (``LIMITS["image"]``) before they are read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > LIMITS["image"]:
            raise InputError(
                f"the image bytes are {len(data)} bytes, over the limit of {LIMITS['image']}; "
                "raise nv12_widgets.core.io.LIMITS['image'] if the image is genuine."
            )
        return data, "<bytes>"
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        return read_stream(source, kind="image", what=f"image {name!r}"), name
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        return read_file(path, kind="image", what="image file"), str(path)
    raise InputError(
        f"load_image() takes a path, bytes or a binary file, got {type(source).__name__}."
    )


def load_image_with_notes(source: Source, *, reader: str = "pil") -> tuple[np.ndarray, list[str]]:
    """Read an image as RGB uint8 and say what the reading changed.

    Parameters
    ----------
    source : path, bytes or binary file object
    reader : {"pil", "opencv"}
        "pil" uses Pillow (EXIF orientation applied, Pillow's decompression-bomb guard
        on); "opencv" uses ``cv2.imdecode`` (EXIF orientation applied by OpenCV, BGR
        turned to RGB), so the two readers' differences can be measured.

    Returns
    -------
    rgb : numpy.ndarray
        (H, W, 3) uint8 RGB.
    notes : list of str
        One sentence per conversion (EXIF rotation, alpha dropped, 16-bit reduced,
        CMYK / grey / palette converted); empty when the file was plain 8-bit RGB.

    Raises
    ------
    InputError
        Unreadable, truncated or corrupt files, and decompression bombs.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> png = io.BytesIO()
    >>> Image.new("RGBA", (2, 2), (10, 20, 30, 255)).save(png, "PNG")
    >>> rgb, notes = load_image_with_notes(png.getvalue())
    >>> rgb.shape, rgb[0, 0].tolist(), len(notes)
    ((2, 2, 3), [10, 20, 30], 1)
    >>> load_image_with_notes(b"not an image")
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: <bytes> is not an image Pillow can read (corrupt or unknown format).
    """
    check_choice("reader", reader, READERS)
    data, name = _read_bytes(source)
    if not data:
        raise InputError(f"{name} is empty; it is not an image.")
    try:
        if reader == "pil":
            return _load_pil(data, name)
        return _load_opencv(data, name)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder's own error on a hostile file
        first = (str(exc).strip().splitlines() or [""])[-1][:200]
        raise InputError(
            f"{name} could not be decoded ({type(exc).__name__}: {first}); the file is "
            "corrupt or not an image."
        ) from exc


def load_image(source: Source, *, reader: str = "pil") -> np.ndarray:
    """Read an image as (H, W, 3) uint8 RGB.

    Each conversion loading made (see :func:`load_image_with_notes`) is reported as an
    :class:`ImageConversionWarning`, never silently.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> png = io.BytesIO()
    >>> Image.new("RGB", (4, 2), (255, 0, 0)).save(png, "PNG")
    >>> rgb = load_image(png.getvalue())
    >>> rgb.shape, rgb.dtype, rgb[1, 3].tolist()
    ((2, 4, 3), dtype('uint8'), [255, 0, 0])
    """
    rgb, notes = load_image_with_notes(source, reader=reader)
    for note in notes:
        warnings.warn(note, ImageConversionWarning, stacklevel=2)
    return rgb


def _load_pil(data: bytes, name: str) -> tuple[np.ndarray, list[str]]:
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            # A bomb *warning* (over MAX_IMAGE_PIXELS, under twice that) becomes an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(
            f"{name} is refused as a possible decompression bomb ({exc}); if the image "
            "is genuine, downscale it before loading."
        ) from exc
    except UnidentifiedImageError as exc:
        raise InputError(
            f"{name} is not an image Pillow can read (corrupt or unknown format)."
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(
            f"{name} could not be decoded ({exc}); the file is truncated or corrupt."
        ) from exc

    orientation = img.getexif().get(0x0112, 1)
    if orientation not in (None, 1):
        img = ImageOps.exif_transpose(img)
        notes.append(f"EXIF orientation {orientation} applied (image rotated/flipped upright).")
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img)
        top = 65535 if arr.max(initial=0) > 255 or mode.startswith("I;16") else 255
        grey = np.clip(np.rint(arr.astype(np.float64) * 255.0 / top), 0, 255).astype(np.uint8)
        notes.append(
            f"{mode} grey image ({'16' if top > 255 else '32'}-bit) reduced to 8 bits and expanded to RGB."
        )
        return np.repeat(grey[..., None], 3, axis=2), notes
    if mode == "F":
        raise InputError(f"{name} is a floating-point image; save it as 8-bit PNG first.")
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        notes.append(f"{mode} image: alpha channel dropped (not composited).")
    if mode == "CMYK":
        notes.append("CMYK image converted to RGB (naive, no ICC profile).")
    elif mode in ("L", "1", "LA"):
        notes.append(f"grey image ({mode}) expanded to RGB (three equal channels).")
    elif mode in ("P", "PA"):
        notes.append("palette image converted to RGB.")
    elif mode not in ("RGB", "RGBA", "RGBX"):
        notes.append(f"{mode} image converted to RGB.")
    rgb = np.array(img.convert("RGB"), dtype=np.uint8)
    return rgb, notes


def _load_opencv(data: bytes, name: str) -> tuple[np.ndarray, list[str]]:
    notes: list[str] = []
    # Same size guard as Pillow's: refuse before OpenCV allocates the pixels.
    mode = None
    try:
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
            mode = probe.mode
    except Image.DecompressionBombError as exc:
        raise InputError(
            f"{name} is refused as a possible decompression bomb ({exc}); if the image "
            "is genuine, downscale it before loading."
        ) from exc
    except Exception:  # noqa: BLE001 - OpenCV may read formats Pillow does not
        w = h = None
    if w is not None and Image.MAX_IMAGE_PIXELS and w * h > Image.MAX_IMAGE_PIXELS:
        raise InputError(
            f"{name} is {w}x{h} pixels, over Pillow's decompression-bomb limit "
            f"({Image.MAX_IMAGE_PIXELS}); downscale it before loading."
        )
    buf = np.frombuffer(data, np.uint8)
    try:
        arr = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        if arr is None:
            raise InputError(
                f"{name} could not be decoded by OpenCV (corrupt, truncated or unknown format)."
            )
        bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)  # applies EXIF orientation, 8-bit, 3 channels
        if bgr is None:
            raise InputError(f"{name} could not be decoded by OpenCV.")
        # Compare pixels, not shapes: a 180-degree turn, a flip or a square image keep the shape.
        unturned = cv2.imdecode(buf, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error as exc:  # OpenCV's own checks (e.g. a header claiming a huge size)
        first = str(exc).strip().splitlines()[-1][:200]
        raise InputError(
            f"{name} could not be decoded by OpenCV ({first}); the file is corrupt or hostile."
        ) from None
    if unturned is not None and (unturned.shape != bgr.shape or not np.array_equal(unturned, bgr)):
        notes.append("EXIF orientation applied by OpenCV (image rotated/flipped upright).")
    if arr.dtype == np.uint16:
        notes.append("16-bit image reduced to 8 bits (value >> 8, OpenCV style).")
    if arr.ndim == 2:
        notes.append("grey image expanded to RGB (three equal channels).")
    elif arr.shape[2] == 4:
        notes.append("alpha channel dropped (not composited).")
    # OpenCV converts these to BGR without a trace in the decoded array: report them too.
    if mode == "CMYK":
        notes.append("CMYK image converted to RGB by OpenCV (naive, no ICC profile).")
    elif mode in ("P", "PA"):
        notes.append("palette image converted to RGB.")
    elif mode in ("LA", "La") and arr.ndim == 3:
        notes.append("grey image expanded to RGB (three equal channels).")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), notes


def crop_even(image: np.ndarray) -> np.ndarray:
    """Drop the last row and/or column so both sides are even (4:2:0 needs 2x2 blocks).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C), any dtype.

    Returns
    -------
    numpy.ndarray
        (H - H % 2, W - W % 2[, C]), a view.

    Examples
    --------
    >>> crop_even(np.zeros((3, 5, 3), np.uint8)).shape
    (2, 4, 3)
    >>> crop_even(np.zeros((1, 5, 3), np.uint8))
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: cropping a 5x1 image to even sides leaves no pixels; ...
    """
    check_image(image, "image", channels=None, dtype=None)
    h, w = image.shape[:2]
    if h == 1 or w == 1:
        raise InputError(
            f"cropping a {w}x{h} image to even sides leaves no pixels; pad it instead "
            "(nv12_widgets.core.pad_even, convert --pad)."
        )
    return image[: h - h % 2, : w - w % 2]


def pad_even(image: np.ndarray) -> np.ndarray:
    """Repeat the last row and/or column so both sides are even.

    Returns
    -------
    numpy.ndarray
        (H + H % 2, W + W % 2[, C]), a new array when padding was needed.

    Examples
    --------
    >>> pad_even(np.zeros((3, 5, 3), np.uint8)).shape
    (4, 6, 3)
    """
    check_image(image, "image", channels=None, dtype=None)
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    pad = [(0, h % 2), (0, w % 2)] + [(0, 0)] * (image.ndim - 2)
    return np.pad(image, pad, mode="edge")


def fit_image(
    rgb: np.ndarray,
    size: tuple[int, int],
    *,
    policy: str = "resize",
    interpolation: str = "bilinear",
) -> np.ndarray:
    """Fit an image to a model's input size.

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, C) uint8.
    size : (int, int)
        Target (height, width).
    policy : {"resize", "center-crop", "letterbox", "letterbox-topleft"}
        "resize" stretches to the size; "center-crop" scales the short side to fit and
        crops the centre; "letterbox" scales the long side to fit and pads with grey 114
        around it (centred, Ultralytics); "letterbox-topleft" scales the same way (sides
        rounded down, as YOLOX's ``preproc``) and puts the image at the top-left corner,
        the grey 114 bars below and to the right.
    interpolation : {"bilinear", "area", "nearest", "bicubic"}
        OpenCV interpolation.

    Returns
    -------
    numpy.ndarray
        (height, width, C) uint8; ``rgb`` itself when it already has that size.

    Examples
    --------
    >>> wide = np.zeros((4, 8, 3), np.uint8)
    >>> fit_image(wide, (2, 2)).shape
    (2, 2, 3)
    >>> fit_image(wide, (4, 4), policy="letterbox")[:, 0, 0].tolist()  # grey 114 bars
    [114, 0, 0, 114]
    >>> fit_image(wide, (4, 4), policy="letterbox-topleft")[:, 0, 0].tolist()
    [0, 0, 114, 114]
    """
    check_image(rgb, "rgb", channels=None)
    check_choice("policy", policy, RESIZE_POLICIES)
    check_choice("interpolation", interpolation, INTERPOLATIONS)
    th, tw = check_size(size)
    h, w = rgb.shape[:2]
    if (h, w) == (th, tw):
        return rgb
    interp = INTERPOLATIONS[interpolation]
    nh, nw, top, left = _fit_geometry((h, w), (th, tw), policy)
    scaled = cv2.resize(rgb, (nw, nh), interpolation=interp)
    if policy == "resize":
        out = scaled
    elif policy == "center-crop":
        out = scaled[top : top + th, left : left + tw]
    else:
        out = np.full((th, tw) + rgb.shape[2:], LETTERBOX_FILL, np.uint8)
        out[top : top + nh, left : left + nw] = scaled.reshape((nh, nw) + rgb.shape[2:])
    return np.ascontiguousarray(out.reshape((th, tw) + rgb.shape[2:]))


def _fit_geometry(
    source: tuple[int, int], size: tuple[int, int], policy: str
) -> tuple[int, int, int, int]:
    """The scaled image's (height, width) and where it sits in the target (top, left):
    for "center-crop" the crop's offset into the scaled image, for "letterbox" the
    scaled image's offset into the padded target, (0, 0) for "resize" and
    "letterbox-topleft" (whose sides are rounded down: ``int(h * r)`` in YOLOX)."""
    (h, w), (th, tw) = source, size
    if policy == "resize":
        return th, tw, 0, 0
    if policy == "center-crop":
        scale = max(th / h, tw / w)
        nh, nw = max(th, round(h * scale)), max(tw, round(w * scale))
        return nh, nw, (nh - th) // 2, (nw - tw) // 2
    scale = min(th / h, tw / w)
    if policy == "letterbox-topleft":
        return min(th, max(1, int(h * scale))), min(tw, max(1, int(w * scale))), 0, 0
    nh, nw = min(th, max(1, round(h * scale))), min(tw, max(1, round(w * scale)))
    return nh, nw, (th - nh) // 2, (tw - nw) // 2


def fit_boxes(
    boxes: Any,
    source_size: tuple[int, int],
    size: tuple[int, int],
    *,
    policy: str = "resize",
) -> np.ndarray:
    """Map boxes drawn on a source image into the frame :func:`fit_image` makes of it.

    The same geometry as :func:`fit_image` (one private helper computes both): each
    axis scales by the scaled image's size over the source's (``cv2.resize`` maps the
    continuous edge coordinate ``x`` to ``x * new / old``; pixel ``i`` spans
    ``[i, i + 1)``), then shifts by the letterbox bars (``+ left, + top``) or the
    centre crop (``- left, - top``). Boxes are clipped to the target; a box the crop
    cut away entirely comes out with zero width or height.

    Parameters
    ----------
    boxes : array-like
        (K, 4) ``x1, y1, x2, y2`` in source pixels (edges, not pixel centres).
    source_size, size : (int, int)
        The source image's and the model input's ``(height, width)``.
    policy : {"resize", "center-crop", "letterbox", "letterbox-topleft"}

    Returns
    -------
    numpy.ndarray
        (K, 4) float64 in model-input pixels.

    Examples
    --------
    >>> fit_boxes([[0, 0, 8, 4]], (4, 8), (4, 4), policy="letterbox").tolist()
    [[0.0, 1.0, 4.0, 3.0]]
    >>> fit_boxes([[2, 0, 6, 4]], (4, 8), (2, 2), policy="center-crop").tolist()
    [[0.0, 0.0, 2.0, 2.0]]
    """
    check_choice("policy", policy, RESIZE_POLICIES)
    (h, w), (th, tw) = check_size(source_size), check_size(size)
    b = np.asarray(boxes, dtype=np.float64)
    if b.size == 0:
        return np.zeros((0, 4))
    if b.ndim != 2 or b.shape[1] != 4:
        raise InputError(f"boxes must be (K, 4) x1, y1, x2, y2, got shape {b.shape}.")
    nh, nw, top, left = _fit_geometry((h, w), (th, tw), policy)
    sign = -1.0 if policy == "center-crop" else 1.0
    out = np.empty_like(b)
    out[:, [0, 2]] = b[:, [0, 2]] * (nw / w) + sign * left
    out[:, [1, 3]] = b[:, [1, 3]] * (nh / h) + sign * top
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, tw)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, th)
    return out
