"""Numpy building blocks the device modules share (no device's own arithmetic here).

Chroma siting: every device decoder of this package repeats each chroma sample over its
2x2 luma block ("nearest": the chroma sample is treated as co-sited with the block's
top-left pixel); none of the sources interpolates.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from nv12_widgets.core.convert import nv12_to_rgb, rgb_to_nv12, upsample_uv
from nv12_widgets.core.nv12 import NV12

__all__ = ["camera_encoder", "standard_decoder", "yuv_frame", "yuv_nearest"]


def yuv_nearest(frame: NV12) -> np.ndarray:
    """(H, W, 3) uint8 Y, U, V with each chroma sample repeated over its 2x2 block.

    Examples
    --------
    >>> f = NV12(np.arange(4, dtype=np.uint8).reshape(2, 2), np.array([[[7, 9]]], np.uint8))
    >>> yuv_nearest(f)[1, 1].tolist()
    [3, 7, 9]
    """
    uv = upsample_uv(frame.uv, frame.height, frame.width, "nearest")
    return np.concatenate([frame.y[..., None], uv], axis=-1)


def yuv_frame(yuv: tuple[int, int, int]) -> NV12:
    """A 2x2 frame whose every pixel is ``yuv`` (how the known answers are checked).

    Examples
    --------
    >>> yuv_frame((16, 128, 128)).uv.tolist()
    [[[128, 128]]]
    """
    y, u, v = (int(c) for c in yuv)
    return NV12(np.full((2, 2), y, np.uint8), np.array([[[u, v]]], np.uint8))


def _camera_encode(swing: str, matrix: str, chroma: str, rgb: np.ndarray) -> NV12:
    return rgb_to_nv12(rgb, swing=swing, matrix=matrix, chroma=chroma)


def camera_encoder(swing: str, matrix: str, chroma: str = "mean") -> Callable[[np.ndarray], NV12]:
    """The generic exactly rounded encoder standing in for a decode-only device's camera.

    Examples
    --------
    >>> enc = camera_encoder("studio", "bt601")
    >>> enc(np.zeros((2, 2, 3), np.uint8)).y.tolist()
    [[16, 16], [16, 16]]
    """
    return partial(_camera_encode, swing, matrix, chroma)


def _standard_decode(swing: str, matrix: str, frame: NV12) -> np.ndarray:
    return nv12_to_rgb(frame, swing=swing, matrix=matrix, upsample="nearest")


def standard_decoder(swing: str, matrix: str) -> Callable[[NV12], np.ndarray]:
    """The standard's exactly rounded decode after nearest chroma.

    Examples
    --------
    >>> standard_decoder("studio", "bt601")(yuv_frame((235, 128, 128)))[0, 0].tolist()
    [255, 255, 255]
    """
    return partial(_standard_decode, swing, matrix)
