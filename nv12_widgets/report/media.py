"""Image and chart encoding for reports: lossless PNG only.

JPEG is never used: its artefacts are as large as the 1-2 grey level differences an NV12
investigation is about.
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG file starts with."""


def check_image(name: str, image: Any) -> np.ndarray:
    """Validate an image and return a read-only, C-contiguous copy of it.

    Parameters
    ----------
    name : str
        Name of the image, used in error messages.
    image : numpy.ndarray
        ``(H, W)`` grey or ``(H, W, 3)`` RGB array of dtype ``uint8``.

    Returns
    -------
    numpy.ndarray
        A copy with the same shape and dtype ``uint8`` whose ``writeable`` flag is False.

    Raises
    ------
    ValueError
        If ``image`` is not a numpy array, not ``uint8``, not 2-D / ``(H, W, 3)`` or empty.
    """
    copy = np.array(_validated(name, image), dtype=np.uint8, order="C", copy=True)
    copy.flags.writeable = False
    return copy


def _validated(name: str, image: Any) -> np.ndarray:
    """Raise ValueError unless ``image`` is a non-empty (H, W) or (H, W, 3) uint8 array."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"image {name!r} must be a numpy.ndarray, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(
            f"image {name!r} must have dtype uint8, got {image.dtype}; convert it first, "
            "e.g. np.clip(np.rint(x), 0, 255).astype(np.uint8)"
        )
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(
            f"image {name!r} must be 2-D (H, W) grey or 3-D (H, W, 3) RGB, got shape {image.shape}"
        )
    if image.size == 0:
        raise ValueError(f"image {name!r} is empty (shape {image.shape})")
    return image


def check_png(name: str, png: Any) -> bytes:
    """Validate PNG bytes and return an immutable copy.

    Parameters
    ----------
    name : str
        Name of the chart, used in error messages.
    png : bytes or bytearray or memoryview
        A complete PNG file.

    Returns
    -------
    bytes
        The same bytes.

    Raises
    ------
    ValueError
        If ``png`` is not bytes-like or not a PNG file Pillow can read.
    """
    if not isinstance(png, (bytes, bytearray, memoryview)):
        hint = (
            " (use figure_to_png(fig) for a matplotlib figure)" if hasattr(png, "savefig") else ""
        )
        raise ValueError(f"chart {name!r} must be PNG bytes, got {type(png).__name__}{hint}")
    data = bytes(png)
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"chart {name!r} is not a PNG file (missing PNG signature)")
    try:
        with Image.open(io.BytesIO(data)) as decoded:
            decoded.verify()
    except Exception as exc:  # Pillow raises many exception types for bad data
        raise ValueError(f"chart {name!r} is not a readable PNG file: {exc}") from exc
    return data


def png_size(png: bytes) -> tuple[int, int]:
    """Return ``(width, height)`` of a PNG file.

    Parameters
    ----------
    png : bytes
        A complete PNG file.

    Returns
    -------
    tuple of int
        Width and height in pixels.
    """
    with Image.open(io.BytesIO(png)) as decoded:
        return decoded.size


def encode_png(image: np.ndarray) -> bytes:
    """Encode an image losslessly as PNG.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W)`` grey (mode ``L``) or ``(H, W, 3)`` RGB array of dtype ``uint8``.

    Returns
    -------
    bytes
        PNG file that decodes to exactly the same pixels.
    """
    array = np.ascontiguousarray(_validated("image", image))
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def downscale_for_display(image: np.ndarray, max_side: int) -> tuple[np.ndarray, int]:
    """Shrink an image by an integer factor so that its longest side fits ``max_side``.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W)`` or ``(H, W, 3)`` array of dtype ``uint8``.
    max_side : int
        Largest allowed width or height in pixels (>= 1).

    Returns
    -------
    tuple of (numpy.ndarray, int)
        The image (unchanged when it already fits) and the factor ``k`` it was shrunk by:
        each output pixel is the mean of a ``k x k`` block (Pillow ``Image.reduce``;
        partial blocks at the right and bottom edges are averaged too).
    """
    if max_side < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    longest = max(image.shape[0], image.shape[1])
    if longest <= max_side:
        return image, 1
    factor = math.ceil(longest / max_side)
    reduced = Image.fromarray(np.ascontiguousarray(image)).reduce(factor)
    return np.asarray(reduced, dtype=np.uint8), factor


def png_data_uri(png: bytes) -> str:
    """Return a ``data:image/png;base64,...`` URI for PNG bytes.

    Parameters
    ----------
    png : bytes
        A complete PNG file.

    Returns
    -------
    str
        The data URI (ASCII only).
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_to_png(fig: Any, *, dpi: float = 100.0) -> bytes:
    """Render a matplotlib figure to PNG bytes.

    matplotlib is not imported here: any object with a matplotlib-compatible
    ``savefig(file, format=..., dpi=..., bbox_inches=..., facecolor=...)`` works. The figure
    is left open; close it yourself if it came from ``pyplot``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    dpi : float, optional
        Resolution of the raster, 100 by default.

    Returns
    -------
    bytes
        A PNG file on a white background, cropped to the drawn content.

    Raises
    ------
    ValueError
        If ``fig`` has no ``savefig`` method or did not produce a PNG.
    """
    if not callable(getattr(fig, "savefig", None)):
        raise ValueError(f"expected a matplotlib Figure, got {type(fig).__name__}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    data = buffer.getvalue()
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("the figure did not render to PNG")
    return data
