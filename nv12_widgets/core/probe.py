"""Probe frames: NV12 test frames designed to fingerprint a device's colour conversion.

A natural photo barely separates the candidate conversions (BT.601 vs BT.709, a wrong
fixed-point coefficient, truncation vs rounding): its colours are unsaturated and its
chroma is smooth. These frames are built code by code so that every unknown of an
NV12 -> RGB (or RGB -> NV12) converter shows in the device's output:

``patches``
    Flat 16 x 16 patches (8 x 8 chroma samples) of saturated, asymmetric colours (the
    primaries and secondaries of every standard, off-axis mixtures) and of near-limit
    codes (Y 0/1/15/16/17/234/235/236/254/255, U and V at 0, 16, 240, 255). The solved
    matrix, the range (studio codes 16..235 vs full 0..255) and clipping come from
    these: a saturated patch moves the output by whole levels when one coefficient is
    off, where a grey ramp cannot show it.
``ramps``
    8 x 8 cells stepping Y, U and V through 0..255 one code at a time (the others at
    mid-scale): every code of each axis is seen (from 320 x 320 on). The sample points
    are each cell's centre 2 x 2 pixels, which no 4-tap chroma filter (bicubic, FFmpeg's
    swscale default) reaches past the cell from.
``edges``
    Chroma steps (U and V, vertical and horizontal stripes 8 pixels wide) on a flat Y:
    the outputs beside a step show how chroma is upsampled and where its samples sit
    (repeated, bilinear centre-sited, bilinear co-sited left).
``ties``
    4 x 4 cells of seeded pseudo-random codes (one U, V per cell, one Y per pixel):
    ~W x H / 4 exact samples covering every residue of a fixed-point sum, so the exact
    .5 ties that separate round-half-up from round-half-even occur, and an integer
    matrix can be checked bit for bit. Exact under nearest and bilinear (2-tap) chroma
    upsampling, the NPU converters' kinds; a wider filter mixes neighbouring cells and
    the reader then leaves this frame out (:func:`nv12_widgets.model.workflows.probe.probe_read`).

Every design keeps chroma flat around its sample points far enough that the points'
outputs do not depend on the chroma upsampling (``ties``: any 2-tap filter; the other
designs: any filter of up to 4 taps): :attr:`ProbeFrame.points` are
those pixels and :attr:`ProbeFrame.codes` their (Y, U, V). The designs depend only on
(design, width, height, seed): a reader rebuilds them from the name and size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import InputError
from .nv12 import NV12

__all__ = ["PROBE_DESIGNS", "PROBE_MIN_SIZE", "ProbeFrame", "probe_frame", "probe_frames"]

#: The probe designs, in the order :func:`probe_frames` returns them.
PROBE_DESIGNS = ("patches", "ramps", "edges", "ties")
#: Smallest (width, height) a probe frame may have.
PROBE_MIN_SIZE = (64, 64)
_PATCH = 16  # patch side (pixels)
_CELL = 4  # cell side of the ties (pixels): exact under 2-tap chroma upsampling
_RAMP_CELL = 8  # cell side of the ramps: exact under 4-tap (bicubic) chroma upsampling
_STRIPE = 8  # stripe width of the edges design (pixels)


@dataclass(frozen=True, eq=False)
class ProbeFrame:
    """One probe frame and the pixels whose codes are known exactly.

    Attributes
    ----------
    design : str
        One of :data:`PROBE_DESIGNS`.
    frame : NV12
    points : numpy.ndarray
        (N, 2) int (row, column) of sample pixels: chroma is flat around each.
    codes : numpy.ndarray
        (N, 3) int (Y, U, V) at those pixels.
    seed : int

    Examples
    --------
    >>> p = probe_frame("ties", 64, 64, seed=1)
    >>> p.name, p.design, p.seed, (p.frame.width, p.frame.height)
    ('probe_ties_64x64', 'ties', 1, (64, 64))
    >>> row, col = p.points[0]
    >>> bool(p.codes[0, 0] == p.frame.y[row, col])
    True
    """

    design: str
    frame: NV12
    points: np.ndarray
    codes: np.ndarray
    seed: int = 0

    @property
    def name(self) -> str:
        """``probe_<design>_<W>x<H>``: the file stem :func:`probe_frames` users write."""
        return f"probe_{self.design}_{self.frame.width}x{self.frame.height}"


def _patch_colours() -> np.ndarray:
    """(K, 3) YUV codes of the ``patches`` design: saturated, asymmetric, near-limit."""
    ys = (0, 1, 15, 16, 17, 64, 128, 192, 234, 235, 236, 254, 255)
    colours = [(y, 128, 128) for y in ys]
    for c in (0, 1, 16, 64, 192, 240, 254, 255):
        colours += [(128, c, 128), (128, 128, c)]
    # Saturated corners of the YUV cube and off-axis mixtures (asymmetric: no two
    # coefficients can trade against each other on these).
    for y in (41, 82, 145, 170, 210):
        for u, v in ((16, 16), (16, 240), (240, 16), (240, 240), (54, 34), (90, 240), (240, 110)):
            colours.append((y, u, v))
    colours += [(81, 90, 240), (145, 54, 34), (41, 240, 110), (210, 16, 146), (170, 166, 16)]
    colours += [(106, 202, 222), (35, 212, 114), (63, 102, 240), (173, 42, 26), (219, 138, 0)]
    return np.asarray(colours, np.int64)


def _fill(y: np.ndarray, uv: np.ndarray, r0: int, c0: int, side: int, code) -> None:
    y[r0 : r0 + side, c0 : c0 + side] = code[0]
    uv[r0 // 2 : (r0 + side) // 2, c0 // 2 : (c0 + side) // 2] = code[1:]


def _cells(h: int, w: int, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Row / column origins of every ``side`` x ``side`` cell of an (h, w) frame."""
    rows, cols = np.meshgrid(np.arange(0, h - side + 1, side), np.arange(0, w - side + 1, side))
    return rows.T.ravel(), cols.T.ravel()


def _centre_points(r0: np.ndarray, c0: np.ndarray, side: int, margin: int) -> np.ndarray:
    """(N, 2) pixels of each cell at least ``margin`` pixels from its border."""
    d = np.arange(margin, side - margin)
    dr, dc = np.meshgrid(d, d, indexing="ij")
    rows = (r0[:, None] + dr.ravel()[None]).ravel()
    cols = (c0[:, None] + dc.ravel()[None]).ravel()
    return np.stack([rows, cols], axis=1)


def _patches(h: int, w: int, seed: int):
    y = np.full((h, w), 128, np.uint8)
    uv = np.full((h // 2, w // 2, 2), 128, np.uint8)
    colours = _patch_colours()
    r0, c0 = _cells(h, w, _PATCH)
    order = np.random.default_rng(seed).permutation(len(colours))
    idx = np.resize(order, r0.size)  # repeated when the frame holds more patches
    for r, c, k in zip(r0, c0, idx, strict=True):
        _fill(y, uv, int(r), int(c), _PATCH, colours[k])
    return y, uv, _centre_points(r0, c0, _PATCH, 4)


def _ramps(h: int, w: int, seed: int):
    y = np.full((h, w), 128, np.uint8)
    uv = np.full((h // 2, w // 2, 2), 128, np.uint8)
    r0, c0 = _cells(h, w, _RAMP_CELL)
    n = r0.size
    step = np.arange(n) % 256
    band = (np.arange(n) // 256) % 6  # Y, U, V ramps, then U and V on a dark and light Y
    codes = np.full((n, 3), 128, np.int64)
    codes[band == 0, 0] = step[band == 0]
    codes[band == 1, 1] = step[band == 1]
    codes[band == 2, 2] = step[band == 2]
    codes[band == 3, 1] = step[band == 3]
    codes[band == 3, 0] = 64
    codes[band == 4, 2] = step[band == 4]
    codes[band == 4, 0] = 192
    codes[band == 5, 0] = 255 - step[band == 5]
    codes[band == 5, 1] = step[band == 5]
    codes[band == 5, 2] = 255 - step[band == 5]
    for r, c, code in zip(r0, c0, codes, strict=True):
        _fill(y, uv, int(r), int(c), _RAMP_CELL, code)
    return y, uv, _centre_points(r0, c0, _RAMP_CELL, 3)


def _edges(h: int, w: int, seed: int):
    """Chroma stripes on flat Y; no sample points (read as a whole frame)."""
    y = np.full((h, w), 128, np.uint8)
    uv = np.full((h // 2, w // 2, 2), 128, np.uint8)
    lo, hi = 88, 168  # stays inside the gamut at Y 128 for every standard: no clipping
    cols = (np.arange(w // 2) // (_STRIPE // 2)) % 2 == 1
    rows = (np.arange(h // 2) // (_STRIPE // 2)) % 2 == 1
    q = h // 4
    uv[:q, :, 0] = np.where(cols, hi, lo)[None]  # vertical U stripes
    uv[q : 2 * q, :, 1] = np.where(cols, hi, lo)[None]  # vertical V stripes
    uv[2 * q : 3 * q, :, 0] = np.where(rows[2 * q : 3 * q], hi, lo)[:, None]
    uv[3 * q :, :, 1] = np.where(rows[3 * q :], lo, hi)[:, None]
    return y, uv, np.zeros((0, 2), np.int64)


def _ties(h: int, w: int, seed: int):
    rng = np.random.default_rng(seed + 1)
    y = rng.integers(0, 256, (h, w), dtype=np.uint8)
    uv = np.empty((h // 2, w // 2, 2), np.uint8)
    cells = rng.integers(0, 256, (h // _CELL, w // _CELL, 2), dtype=np.uint8)
    uv[: (h // _CELL) * 2, : (w // _CELL) * 2] = np.repeat(np.repeat(cells, 2, 0), 2, 1)
    uv[(h // _CELL) * 2 :] = 128
    uv[:, (w // _CELL) * 2 :] = 128
    r0, c0 = _cells(h, w, _CELL)
    return y, uv, _centre_points(r0, c0, _CELL, 1)


_DESIGNS = {"patches": _patches, "ramps": _ramps, "edges": _edges, "ties": _ties}


def probe_frame(design: str, width: int, height: int, *, seed: int = 0) -> ProbeFrame:
    """One probe frame (see the module docstring for the designs).

    Parameters
    ----------
    design : {"patches", "ramps", "edges", "ties"}
    width, height : int
        Even, at least :data:`PROBE_MIN_SIZE`.
    seed : int
        Arranges the patches and draws the ``ties`` codes (same seed, same frame).

    Returns
    -------
    ProbeFrame

    Examples
    --------
    >>> p = probe_frame("patches", 64, 64)
    >>> p.name, p.points.shape[1], bool((p.codes[:, 0] == p.frame.y[tuple(p.points.T)]).all())
    ('probe_patches_64x64', 2, True)
    """
    if design not in _DESIGNS:
        raise InputError(f"Unknown probe design {design!r}; choose one of {list(PROBE_DESIGNS)}.")
    for name, v, lo in (("width", width, PROBE_MIN_SIZE[0]), ("height", height, PROBE_MIN_SIZE[1])):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo or v % 2:
            raise InputError(f"A probe frame's {name} must be an even integer >= {lo}, got {v!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}.")
    y, uv, points = _DESIGNS[design](int(height), int(width), int(seed))
    points = points.astype(np.int64)
    codes = np.empty((len(points), 3), np.int64)
    codes[:, 0] = y[points[:, 0], points[:, 1]]
    codes[:, 1:] = uv[points[:, 0] // 2, points[:, 1] // 2]
    return ProbeFrame(design, NV12(y, uv), points, codes, int(seed))


def probe_frames(
    width: int, height: int, *, designs: tuple[str, ...] = PROBE_DESIGNS, seed: int = 0
) -> list[ProbeFrame]:
    """Every probe design at one size.

    Examples
    --------
    >>> [p.design for p in probe_frames(64, 64)]
    ['patches', 'ramps', 'edges', 'ties']
    """
    return [probe_frame(d, width, height, seed=seed) for d in designs]
