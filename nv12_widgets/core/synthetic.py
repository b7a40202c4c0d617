"""Synthetic test content: grey document pages (the content where a 4:2:0 frame loses
nothing but luma, so a device's own rounding is all there is to see)."""

from __future__ import annotations

import cv2
import numpy as np

from ._checks import InputError

__all__ = ["grey_document_page"]


def grey_document_page(
    height: int = 608, width: int = 800, *, paper: int = 200, ink: int = 60, seed: int = 0
) -> np.ndarray:
    """A grey page of text: a title and lines of random lowercase words.

    Drawn with ``cv2.putText`` (Hershey simplex; OpenCV blends the glyph edges), every
    pixel grey (R = G = B) between ``ink`` and ``paper``: its NV12 frame has U = V = 128
    everywhere.

    Parameters
    ----------
    height, width : int
        Page size in pixels (at least 64 x 64).
    paper, ink : int
        Grey levels 0..255 of the background and of the text.
    seed : int
        Seed of the words.

    Returns
    -------
    numpy.ndarray
        (height, width, 3) uint8 RGB.

    Examples
    --------
    >>> page = grey_document_page(96, 128, paper=230, ink=40)
    >>> grey = bool((page[..., 0] == page[..., 1]).all() and (page[..., 1] == page[..., 2]).all())
    >>> page.shape, int(page.min()) >= 40, int(page.max()), grey
    ((96, 128, 3), True, 230, True)
    """
    if not (isinstance(height, int) and isinstance(width, int) and height >= 64 and width >= 64):
        raise InputError(f"the page needs integer sides of at least 64 px, got {height}x{width}.")
    if not all(isinstance(v, int) and 0 <= v <= 255 for v in (paper, ink)):
        raise InputError(f"paper and ink must be grey levels 0..255, got {paper!r}, {ink!r}.")
    img = np.full((height, width, 3), paper, np.uint8)
    rng = np.random.default_rng(seed)
    scale = width / 800
    colour = (ink, ink, ink)
    cv2.putText(img, "Annual report 2026", (int(40 * scale), int(70 * scale)),
                cv2.FONT_HERSHEY_SIMPLEX, 1.4 * scale, colour, max(1, round(3 * scale)),
                cv2.LINE_8)  # fmt: skip
    y = int(120 * scale)
    while y < height - int(30 * scale):
        words = " ".join(
            "".join(chr(97 + c) for c in rng.integers(0, 26, rng.integers(3, 9))) for _ in range(6)
        )
        cv2.putText(img, words, (int(40 * scale), y), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale,
                    colour, max(1, round(2 * scale)), cv2.LINE_8)  # fmt: skip
        y += max(8, int(32 * scale))
    return img
