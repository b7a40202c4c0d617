"""What a file name says it holds: the one image-suffix table and the one raw-frame table.

Every reader, collector and upload filter of the package takes its suffixes from here
(through :mod:`nv12_widgets.core.sources`, which re-exports them; ``RAW_EXTENSIONS`` is
the raw table's older name): an image set, the dashboard's upload buttons, ``identify``'s
dump reader and the CLI agree on what is an image and what is a raw frame.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "IMAGE_SUFFIXES",
    "RAW_SUFFIXES",
    "SIDECAR_SUFFIXES",
    "is_image_path",
    "is_raw_frame_path",
    "raw_format_of_name",
]

#: Image file suffixes read by :func:`nv12_widgets.core.load_image` (Pillow / OpenCV both
#: decode these).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
#: Raw frame suffixes and the byte layout each implies (None: the name does not say;
#: NV12 unless a sidecar or an argument says otherwise).
RAW_SUFFIXES: dict[str, str | None] = {
    ".nv12": "nv12",
    ".nv21": "nv21",
    ".i420": "i420",
    ".yuv": None,
    ".raw": None,
    ".bin": None,
}
#: Suffixes dropped to find a file's JSON sidecar (``a/b.nv12`` -> ``a/b.json``): the raw
#: frames' and the tensor files' (``.npy``, ``.json``).
SIDECAR_SUFFIXES = (".npy", ".json", *RAW_SUFFIXES)


def _suffix(path: str | os.PathLike | None) -> str:
    return "" if path is None else Path(str(path)).suffix.lower()


def is_raw_frame_path(path: str | os.PathLike | None) -> bool:
    """True when the name's suffix is a raw frame's (see :data:`RAW_SUFFIXES`).

    Examples
    --------
    >>> is_raw_frame_path("dump/frame_1280x720.NV12"), is_raw_frame_path("photo.jpg")
    (True, False)
    """
    return _suffix(path) in RAW_SUFFIXES


def is_image_path(path: str | os.PathLike | None) -> bool:
    """True when the name's suffix is an image's (see :data:`IMAGE_SUFFIXES`).

    Examples
    --------
    >>> is_image_path("a/b.JPG"), is_image_path("frame.nv12")
    (True, False)
    """
    return _suffix(path) in IMAGE_SUFFIXES


def raw_format_of_name(path: str | os.PathLike | None) -> str | None:
    """The raw layout a name implies (``"nv12"``, ``"nv21"``, ``"i420"``), else None.

    Examples
    --------
    >>> raw_format_of_name("cam.nv21"), raw_format_of_name("cam.yuv")
    ('nv21', None)
    """
    return RAW_SUFFIXES.get(_suffix(path))
