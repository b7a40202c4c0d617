"""Anchor-grid arithmetic shared by the detector kinds (no decoding rules here).

A detector head with strides ``s`` on an ``h x w`` input has ``ceil(h/s) * ceil(w/s)``
cells per stride (PaddleDetection's PicoDet post-processing builds its centres with
``np.arange(input_h / stride)``, i.e. ceil; YOLO inputs are multiples of the largest
stride, where ceil and floor agree) and ``anchors`` predictions per cell (1 for
anchor-free heads, 3 for YOLOv5/v7).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["cell_counts", "grid_centers", "input_sizes_for"]

_MAX_SIDE = 2048
_STEP = 32


def cell_counts(size: tuple[int, int], strides: tuple[int, ...]) -> tuple[int, ...]:
    """Cells per stride of an ``(h, w)`` input.

    Examples
    --------
    >>> cell_counts((320, 320), (8, 16, 32))
    (1600, 400, 100)
    >>> cell_counts((800, 608), (8, 16, 32, 64))
    (7600, 1900, 475, 130)
    """
    h, w = size
    return tuple(math.ceil(h / s) * math.ceil(w / s) for s in strides)


@lru_cache(maxsize=32)
def _table(strides: tuple[int, ...], anchors: int) -> dict[int, list[tuple[int, int]]]:
    table: dict[int, list[tuple[int, int]]] = {}
    sides = range(_STEP, _MAX_SIDE + 1, _STEP)
    for h in sides:
        for w in sides:
            table.setdefault(anchors * sum(cell_counts((h, w), strides)), []).append((h, w))
    return table


def input_sizes_for(
    n: int, strides: tuple[int, ...] = (8, 16, 32), anchors: int = 1
) -> list[tuple[int, int]]:
    """Input sizes (multiples of 32 up to 2048) whose grid has ``n`` predictions,
    squarest first.

    Examples
    --------
    >>> input_sizes_for(2100)[0]
    (320, 320)
    >>> input_sizes_for(25200, anchors=3)[0]
    (640, 640)
    """
    sizes = _table(tuple(strides), int(anchors)).get(int(n), [])
    return sorted(sizes, key=lambda hw: (abs(hw[0] - hw[1]), -hw[0]))


def grid_centers(
    size: tuple[int, int], strides: tuple[int, ...], offset: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Cell indices ``(x, y)`` (+ ``offset``) and their stride, every stride in turn,
    row-major (the flattening of the exported heads).

    Examples
    --------
    >>> xy, s = grid_centers((64, 64), (32,))
    >>> xy.tolist(), s.tolist()
    ([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [32.0, 32.0, 32.0, 32.0])
    """
    cells, strides_out = [], []
    for s in strides:
        gh, gw = math.ceil(size[0] / s), math.ceil(size[1] / s)
        xv, yv = np.meshgrid(np.arange(gw), np.arange(gh))
        cells.append(np.stack([xv, yv], -1).reshape(-1, 2) + offset)
        strides_out.append(np.full(gh * gw, float(s)))
    return np.concatenate(cells).astype(np.float64), np.concatenate(strides_out)
