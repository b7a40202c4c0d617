"""Solve a device's colour conversion from probe samples: matrix, offsets, rounding, range.

The arithmetic model (one output channel ``c`` of a conversion, ``x`` the input codes)::

    float converter:        out_c = clip(R(M[c] . (x - i) + o_c))
    fixed-point converter:  out_c = clip(R_q(Mi[c] . x + k_c))      R_q: rounding of /2^q

with ``R`` one of :data:`ROUNDINGS`: ``truncate`` (floor, an arithmetic ``>> q``),
``half_up`` (``(acc + 2^(q-1)) >> q``, ``floor(v + 0.5)``) and ``half_even`` (ties to
the even neighbour, ``numpy.round``). Decode (NV12 -> RGB): ``x`` = (Y, U, V), input
offsets ``i = (y0, 128, 128)``, ``y0`` = 16 for studio swing, 0 for full. Encode
(RGB -> NV12): ``x`` = (R, G, B), output offsets ``o = (y0, 128, 128)``.
The named standards are :func:`nv12_widgets.core.color.yuv_to_rgb_affine` /
:func:`~nv12_widgets.core.color.yuv_matrix` (ITU-R BT.601-7 / BT.709-6).

How (:func:`solve_conversion`):

1. least squares of every output channel on its inputs (unclipped samples, 1..254):
   the float matrix, its residual, the channel order (decode: the row with the largest
   V coefficient is R, the largest U coefficient B; encode: the columns the same way);
2. every named standard x rounding, checked sample by sample (exact: 0 mismatches);
3. else fixed point: for q = 6..20 fractional bits, ``Mi = round(M * 2^q)`` and its
   neighbours (+-1 per coefficient), and the integer offset ``k`` solved *exactly*:
   ``floor((Mi . x + k) / 2^q) = out`` is an interval of ``k`` per sample (one-sided for
   clipped samples), their intersection non-empty means a bit-exact converter. The
   smallest such q wins. ``truncate`` and ``half_up`` are the same family with ``k``
   shifted by ``2^(q-1)``: the rounding is named from the offset, i.e. whether the
   structural offset (``-Mi . i`` decode, ``o * 2^q`` encode) or it plus one half lies in
   the interval; ``half_even`` is checked with the structural offset. When no exact .5
   tie occurs among the samples, half-up and half-even cannot be told apart and the
   result says so (``ties_seen`` = 0).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nv12_widgets.core import InputError, upsample_uv
from nv12_widgets.core.color import yuv_matrix, yuv_to_rgb_affine

__all__ = [
    "ROUNDINGS",
    "UPSAMPLINGS",
    "Conversion",
    "affine_residual",
    "solve_conversion",
    "upsample_chroma",
]

#: Rounding modes a converter may use (see the module docstring).
ROUNDINGS = ("truncate", "half_up", "half_even")
#: Chroma upsampling hypotheses: repeated, bilinear centre-sited, bilinear co-sited left.
UPSAMPLINGS = ("nearest", "bilinear", "bilinear-left")
_STANDARDS = (("full", "bt601"), ("studio", "bt601"), ("full", "bt709"), ("studio", "bt709"))
_SHIFTS = range(6, 21)
_LS_SAMPLES = 60000  # samples the least squares use at most (a seeded random subset)
_EPS = 1e-7
#: Largest rms residual (levels) of the least squares for outputs to count as a colour
#: conversion of the probe codes at all (a real converter leaves < 0.5, OpenCV's input
#: clamp ~1.5; unrelated images leave tens of levels).
MAX_AFFINE_RMS = 4.0  # float converters: values within this of an integer count as that integer


@dataclass(frozen=True, eq=False)
class Conversion:
    """A colour conversion as :func:`solve_conversion` found it (and can re-apply).

    Attributes
    ----------
    direction : {"decode", "encode"}
        decode: (Y, U, V) codes -> (R, G, B); encode: (R, G, B) -> (Y, U, V).
    matrix : numpy.ndarray
        (3, 3) float: rows are outputs (R, G, B / Y, U, V), columns inputs.
    offset : numpy.ndarray
        (3,) float added before rounding: ``out = R(matrix @ x + offset)``.
    rounding : str
        One of :data:`ROUNDINGS`.
    shift : int or None
        Fractional bits of a fixed-point converter (``matrix = matrix_int / 2^shift``).
    matrix_int, offset_int : numpy.ndarray or None
        The integer matrix and offset (``acc = matrix_int @ x + offset_int``, then the
        rounding of ``acc / 2^shift``), for fixed point.
    standard : (swing, matrix) or None
        The named standard this is exactly (None for another converter).
    order : str
        Decode: the output channel order ("rgb", "bgr", ...); encode: the input order.
    upsample : str
        Decode: chroma upsampling (one of :data:`UPSAMPLINGS`).

    Examples
    --------
    >>> c = standard_conversion("studio", "bt601", "half_up")
    >>> c.direction, c.standard, c.rounding, c.shift
    ('decode', ('studio', 'bt601'), 'half_up', None)
    >>> c.matrix.round(3).tolist()
    [[1.164, 0.0, 1.596], [1.164, -0.392, -0.813], [1.164, 2.017, 0.0]]
    >>> c.apply([[120, 100, 160], [16, 128, 128]]).tolist()
    [[172, 106, 65], [0, 0, 0]]
    >>> c.to_dict()["standard"]
    ['studio', 'bt601']
    """

    direction: str
    matrix: np.ndarray
    offset: np.ndarray
    rounding: str
    shift: int | None = None
    matrix_int: np.ndarray | None = None
    offset_int: np.ndarray | None = None
    standard: tuple[str, str] | None = None
    order: str = "rgb"
    upsample: str = "nearest"
    notes: tuple[str, ...] = field(default=())

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Outputs (N, 3) int64 for inputs (N, 3) (canonical order, clipped 0..255).

        Examples
        --------
        >>> c = standard_conversion("full", "bt601", "half_up")
        >>> c.apply(np.array([[76, 85, 255]])).tolist()
        [[254, 0, 0]]
        """
        x = np.asarray(x, np.int64)
        if self.shift is not None:
            acc = np.rint(_product(self.matrix_int, x)).astype(np.int64) + self.offset_int
            out = _round_shift(acc, self.shift, self.rounding)
        else:
            out = _round_float(_product(self.matrix, x) + self.offset, self.rounding)
        return np.clip(out, 0, 255)

    def decode(self, y: np.ndarray, uv: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 in :attr:`order` from NV12 planes (decode direction).

        Examples
        --------
        >>> c = standard_conversion("studio", "bt601", "half_up")
        >>> y, uv = np.full((2, 2), 120, np.uint8), np.array([[[100, 160]]], np.uint8)
        >>> c.decode(y, uv)[0, 0].tolist()
        [172, 106, 65]
        """
        h, w = y.shape
        up = upsample_chroma(uv, h, w, self.upsample)
        x = np.concatenate([y[..., None].astype(np.int64), up.astype(np.int64)], axis=2)
        out = self.apply(x.reshape(-1, 3)).reshape(h, w, 3)
        return out[..., [("rgb".index(ch)) for ch in self.order]].astype(np.uint8)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible fields."""
        return {
            "direction": self.direction,
            "matrix": self.matrix.tolist(),
            "offset": self.offset.tolist(),
            "rounding": self.rounding,
            "shift": self.shift,
            "matrix_int": None if self.matrix_int is None else self.matrix_int.tolist(),
            "offset_int": None if self.offset_int is None else self.offset_int.tolist(),
            "standard": list(self.standard) if self.standard else None,
            "order": self.order,
            "upsample": self.upsample,
            "notes": list(self.notes),
        }


def _product(m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x @ m.T`` for (N, 3) samples, in float64 as ``(m @ x.T).T`` (BLAS-friendly: the
    (N, 3) @ (3, 3) form is ~70x slower in numpy). Exact for the integer matrices here:
    every product and sum stays below 2^53."""
    return (np.asarray(m, np.float64) @ np.asarray(x, np.float64).T).T


def standard_conversion(swing: str, matrix: str, rounding: str, direction: str = "decode"):
    """The named standard as a float :class:`Conversion`.

    Examples
    --------
    >>> standard_conversion("studio", "bt601", "half_up").apply([[235, 128, 128]]).tolist()
    [[255, 255, 255]]
    """
    a = yuv_to_rgb_affine(swing, matrix) if direction == "decode" else yuv_matrix(swing, matrix)
    return Conversion(
        direction, np.array(a[:, :3]), np.array(a[:, 3]), rounding, standard=(swing, matrix)
    )


def _round_shift(acc: np.ndarray, q: int, mode: str) -> np.ndarray:
    if mode == "truncate":
        return acc >> q
    if mode == "half_up":
        return (acc + (1 << (q - 1))) >> q
    base, rem = acc >> q, acc & ((1 << q) - 1)
    half = 1 << (q - 1)
    return base + (rem > half) + ((rem == half) & (base & 1 == 1))


def _round_float(v: np.ndarray, mode: str) -> np.ndarray:
    if mode == "truncate":
        return np.floor(v + _EPS).astype(np.int64)
    if mode == "half_up":
        return np.floor(v + 0.5 + _EPS).astype(np.int64)
    return np.round(v).astype(np.int64)


def upsample_chroma(uv: np.ndarray, height: int, width: int, mode: str) -> np.ndarray:
    """(H, W, 2) uint8 chroma at full resolution under one of :data:`UPSAMPLINGS`.

    ``nearest`` and ``bilinear`` are :func:`nv12_widgets.core.upsample_uv` (repeat;
    centre-sited half-pixel bilinear, ``(S + 8) >> 4``). ``bilinear-left`` is chroma
    co-sited with the even columns and centred vertically (H.264 / HEVC
    ``chroma_sample_loc_type`` 0, FFmpeg's ``AVCHROMA_LOC_LEFT``, MPEG-2's default):
    even columns take the sample, odd columns the mean of two, rows 3/4 + 1/4, every
    value ``S / 8`` rounded half up once (``(S + 4) >> 3``).

    Examples
    --------
    >>> uv = np.array([[[0, 0], [80, 0]]], np.uint8)
    >>> upsample_chroma(uv, 2, 4, "bilinear-left")[0, :, 0].tolist()
    [0, 40, 80, 80]
    """
    if mode in ("nearest", "bilinear"):
        return upsample_uv(np.ascontiguousarray(uv), height, width, mode)
    if mode != "bilinear-left":
        raise InputError(f"Unknown chroma upsampling {mode!r}; choose one of {list(UPSAMPLINGS)}.")
    c = uv.astype(np.int64)
    up, down = np.vstack([c[:1], c[:-1]]), np.vstack([c[1:], c[-1:]])
    rows = np.empty((height, c.shape[1], 2), np.int64)
    rows[0::2] = 3 * c + up  # each row of samples covers two luma rows
    rows[1::2] = 3 * c + down
    right = np.concatenate([rows[:, 1:], rows[:, -1:]], axis=1)
    s = np.empty((height, width, 2), np.int64)
    s[:, 0::2] = 2 * rows
    s[:, 1::2] = rows + right
    return ((s + 4) >> 3).astype(np.uint8)


# ---------------------------------------------------------------------- least squares
def _least_squares(x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Per output channel: coefficients (3, 3), offsets (3,), rms residual (unclipped).

    Three passes: the samples kept for the second are chosen by the first fit's
    *prediction* (well inside 0..255), not by the output, which would bias the fit
    near the clipping limits (a rounded output at 1 or 254 is kept only when its noise
    pulls inwards); the third drops samples more than 2 levels off (a converter's
    input clamp, e.g. OpenCV's ``max(Y - 16, 0)``, must not tilt the matrix).
    """
    if len(x) > _LS_SAMPLES:  # plenty for 1e-5 precision; keeps camera sizes fast
        pick = np.random.default_rng(0).choice(len(x), _LS_SAMPLES, replace=False)
        x, out = x[pick], out[pick]
    m = np.zeros((3, 3))
    b = np.zeros(3)
    res = []
    design_all = np.column_stack([x.astype(np.float64), np.ones(len(x))])
    for c in range(3):
        keep = (out[:, c] > 0) & (out[:, c] < 255)
        pred = np.zeros(len(x))
        for rnd in range(3):
            if rnd == 2:
                keep &= np.abs(out[:, c] - pred) <= 2.0
            if keep.sum() < 8:
                raise InputError(
                    f"Output channel {c} is clipped (0 or 255) almost everywhere: the probe "
                    "frames were not converted as colour images (check the files and sizes)."
                )
            design = design_all[keep]
            sol, *_ = np.linalg.lstsq(design, out[keep, c].astype(np.float64), rcond=None)
            pred = design_all @ sol
            keep = (pred > 3.0) & (pred < 252.0)
        m[c], b[c] = sol[:3], sol[3]
        res.append(out[keep, c] - design_all[keep] @ sol)
    return m, b, float(np.sqrt(np.mean(np.concatenate(res) ** 2)))


def affine_residual(inputs: np.ndarray, outputs: np.ndarray) -> float:
    """RMS residual (levels) of the per-channel least-squares affine fit (unclipped samples).

    Examples
    --------
    >>> x = np.random.default_rng(0).integers(0, 256, (100, 3))
    >>> y = np.clip(x @ [[1, 0, 0], [0, 0.5, 0.2], [0.1, 0, 0.4]], 0, 255).round()
    >>> 0.2 < affine_residual(x, y) < 0.4  # rounding to integers leaves ~0.29 levels rms
    True
    """
    x = np.asarray(inputs, np.int64).reshape(-1, 3)
    return _least_squares(x, np.asarray(outputs, np.int64).reshape(-1, 3))[2]


def _order(m: np.ndarray, direction: str) -> str | None:
    """Channel order from the solved matrix (None when it is not a colour conversion)."""
    if direction == "decode":  # rows are outputs; V drives R, U drives B
        r, b = int(np.argmax(m[:, 2])), int(np.argmax(m[:, 1]))
    else:  # columns are inputs; V reads R, U reads B
        r, b = int(np.argmax(m[2])), int(np.argmax(m[1]))
    if r == b:
        return None
    g = 3 - r - b
    letters = [""] * 3
    letters[r], letters[g], letters[b] = "r", "g", "b"
    return "".join(letters)


# ---------------------------------------------------------------------- exact fits
def _structural(mi: np.ndarray, q: int, y0: int, direction: str) -> np.ndarray:
    """Integer offsets (3,) of the structural (standard-shaped) offsets, truncating."""
    if direction == "decode":
        return -(mi @ np.array([y0, 128, 128], np.int64))
    return np.array([y0, 128, 128], np.int64) << q


def _k_interval(acc: np.ndarray, out: np.ndarray, q: int) -> tuple[int, int]:
    """The integer offsets k with clip(floor((acc + k) / 2^q)) == out for every sample."""
    one = 1 << q
    lo = np.where(out > 0, out * one - acc, np.iinfo(np.int64).min // 4)
    hi = np.where(out < 255, (out + 1) * one - 1 - acc, np.iinfo(np.int64).max // 4)
    return int(lo.max()), int(hi.min())


def _fit_channel(x, out_c, row, q, direction):
    """Best integer row near ``row * 2^q``: (row_int, k_lo, k_hi), k exact in the
    truncate / half-up family, or (row_int, k, k) for half-even with a structural
    offset; None when neither reproduces the samples."""
    base = np.rint(row * (1 << q)).astype(np.int64)
    near = list(itertools.product((-1, 0, 1), repeat=3))
    far = [d for d in itertools.product((-2, -1, 0, 1, 2), repeat=3) if max(map(abs, d)) == 2]
    near.remove((0, 0, 0))
    for delta in [(0, 0, 0), *near, *far]:
        mi = base + np.array(delta, np.int64)
        acc = x @ mi
        lo, hi = _k_interval(acc, out_c, q)
        if lo <= hi:
            return mi, lo, hi, "floor"
        for k in _channel_structural(mi, q, direction):
            if np.array_equal(np.clip(_round_shift(acc + k, q, "half_even"), 0, 255), out_c):
                return mi, k, k, "half_even"
    return None


def _channel_structural(mi: np.ndarray, q: int, direction: str) -> list[int]:
    """Structural offsets of one channel row (decode: y0 0 or 16; encode: the output
    offset 0, 16 or 128, scaled)."""
    if direction == "decode":
        return [int(-(mi @ np.array([y0, 128, 128], np.int64))) for y0 in (0, 16)]
    return [o << q for o in (0, 16, 128)]


def _fixed_point(x, out, m, direction, notes):
    """Smallest-q bit-exact fixed-point converter (or None)."""
    sub = np.random.default_rng(0).permutation(len(x))[: min(len(x), 6000)]
    for q in _SHIFTS:
        rows = []
        for c in range(3):
            fit = _fit_channel(x[sub], out[sub, c], m[c], q, direction)
            if fit is not None:
                fit = _fit_channel(x, out[:, c], fit[0] / (1 << q), q, direction)
            if fit is None:
                break
            rows.append(fit)
        if len(rows) == 3:
            found = _name_rounding(x, out, q, rows, direction, notes)
            if found is not None:
                return found
    return None


def _name_rounding(x, out, q, rows, direction, notes):
    """Fixed-point converter from per-channel (row, k_lo, k_hi): name its rounding."""
    mi = np.stack([r[0] for r in rows])
    lo = np.array([r[1] for r in rows])
    hi = np.array([r[2] for r in rows])
    half = 1 << (q - 1)
    floor_family = all(r[3] == "floor" for r in rows)
    for y0 in (0, 16):
        k = _structural(mi, q, y0, direction)
        acc = np.rint(_product(mi, x)).astype(np.int64) + k
        ties = int(np.sum((acc & ((1 << q) - 1)) == half))
        for mode, kk in (("truncate", k), ("half_up", k + half)) if floor_family else ():
            if np.all((lo <= kk) & (kk <= hi)):
                if mode == "half_up" and ties == 0:
                    notes.append("no sample fell on an exact .5 tie: half-up and half-even "
                                 "agree on every probe sample")  # fmt: skip
                return _fixed(direction, mi, k, q, mode, y0, ties, notes)
        conv = Conversion(direction, mi / (1 << q), k / (1 << q), "half_even", q, mi, k)
        if np.array_equal(conv.apply(x), out):
            return _fixed(direction, mi, k, q, "half_even", y0, ties, notes)
    if not floor_family:
        return None
    k = np.clip(_structural(mi, q, 0, direction) + half, lo, hi)
    notes.append("the offsets are not the standard ones (16 / 128 scaled by the matrix): "
                 "reported as truncation of acc + offset_int")  # fmt: skip
    return _fixed(direction, mi, k, q, "truncate", None, -1, notes)


def _fixed(direction, mi, k, q, rounding, y0, ties, notes):
    conv = Conversion(
        direction, mi / (1 << q), k / (1 << q), rounding, q, mi, k, notes=tuple(notes)
    )
    return conv, y0, ties


# ---------------------------------------------------------------------- the solver
def solve_conversion(
    inputs: np.ndarray, outputs: np.ndarray, direction: str = "decode", *, fit_on=None
):
    """Solve the conversion that maps ``inputs`` codes to ``outputs`` (module docstring).

    Parameters
    ----------
    inputs, outputs : numpy.ndarray
        (N, 3) integer codes: decode (Y, U, V) -> the device's three output channels
        (any order); encode: the device's three input channels -> (Y, U, V).
    direction : {"decode", "encode"}
    fit_on : numpy.ndarray, optional
        (N,) bool: the samples the least squares use (default all). Give the dithered
        ones (the ``ties`` design): on ramps and flat patches the rounding error is
        a deterministic function of the input, not noise, and biases the fit by a
        few 1/1024 (the exact checks use every sample anyway).

    Returns
    -------
    dict
        ``conversion`` (:class:`Conversion`, channels in canonical order, ``order``
        set), ``exact`` (bool: reproduces every sample), ``mismatches``, ``max_error``,
        ``rms_error`` (of the conversion on all samples), ``least_squares`` (matrix,
        offset, rms), ``range`` ("full" / "studio" / None), ``luma_offset`` (the y0 the
        least squares imply), ``nearest_standard`` ((swing, matrix), distance),
        ``ties_seen`` (-1: not counted), ``clips`` (saturates instead of wrapping).

    Examples
    --------
    >>> yuv = np.random.default_rng(0).integers(0, 256, (4000, 3))
    >>> ref = standard_conversion("studio", "bt709", "half_up").apply(yuv)
    >>> r = solve_conversion(yuv, ref)
    >>> r["exact"], r["conversion"].standard, r["conversion"].rounding
    (True, ('studio', 'bt709'), 'half_up')
    """
    if direction not in ("decode", "encode"):
        raise InputError(f"direction must be 'decode' or 'encode', got {direction!r}.")
    x = np.asarray(inputs, np.int64).reshape(-1, 3)
    out = np.asarray(outputs, np.int64).reshape(-1, 3)
    if len(x) != len(out) or len(x) < 16:
        raise InputError(f"need matching (N, 3) samples, N >= 16; got {len(x)} and {len(out)}.")
    sel = np.ones(len(x), bool) if fit_on is None else np.asarray(fit_on, bool).reshape(-1)
    if sel.shape != (len(x),) or sel.sum() < 16:
        sel = np.ones(len(x), bool)
    m, b, rms_ls = _least_squares(x[sel], out[sel])
    order = _order(m, direction)
    if order is None:
        raise InputError(
            "The outputs do not look like a colour conversion of the probe frames (no "
            "channel follows V or U): check that the files are the board's outputs for "
            "the probe frames of the same name and size."
        )
    perm = ["rgb".index(ch) for ch in order]  # canonical index of each device channel
    inv = np.argsort(perm)
    if direction == "decode":
        out = out[:, inv]
    else:
        x = x[:, inv]
    m, b, rms_ls = _least_squares(x[sel], out[sel])  # canonical channel order
    if rms_ls > MAX_AFFINE_RMS:
        raise InputError(
            f"The outputs follow no affine conversion of the probe codes (rms residual "
            f"{rms_ls:.1f} levels): they are not the board's outputs of these probe frames "
            "(check the names, sizes and the seed)."
        )
    conv, y0, ties = _best_exact(x, out, direction, m)
    notes = []
    if conv is None:
        conv = Conversion(direction, m, b, "half_up", notes=("no exact converter found: the "
                          "least-squares matrix is reported",))  # fmt: skip
        ties = -1
    conv = _with(conv, order=order)
    pred = conv.apply(x)
    err = np.abs(pred - out)
    nearest = _nearest_standard(m, b, direction)
    luma = _luma_offset(m, b, direction)
    rng = conv.standard[0] if conv.standard else _range_of(y0, luma)
    return {
        "conversion": conv,
        "exact": bool(err.max() == 0),
        "mismatches": int((err > 0).sum()),
        "samples": int(err.size),
        "max_error": int(err.max()),
        "rms_error": float(np.sqrt(np.mean(err.astype(np.float64) ** 2))),
        "least_squares": {"matrix": m.tolist(), "offset": b.tolist(), "rms": rms_ls},
        "range": rng,
        "luma_offset": luma,
        "nearest_standard": nearest,
        "ties_seen": ties,
        "clips": _clips(x, out, conv),
        "notes": notes,
    }


def _with(conv: Conversion, **changes: Any) -> Conversion:
    fields = {k: getattr(conv, k) for k in conv.__dataclass_fields__}
    fields.update(changes)
    return Conversion(**fields)


def _best_exact(x, out, direction, m):
    sub = np.random.default_rng(1).permutation(len(x))[: min(len(x), 5000)]
    for swing, matrix in _STANDARDS:
        for mode in ROUNDINGS:
            conv = standard_conversion(swing, matrix, mode, direction)
            if np.array_equal(conv.apply(x[sub]), out[sub]) and np.array_equal(conv.apply(x), out):
                return conv, (16 if swing == "studio" else 0), -1
    found = _fixed_point(x, out, m, direction, [])
    return found if found is not None else (None, None, -1)


def _nearest_standard(m: np.ndarray, b: np.ndarray, direction: str):
    best = None
    for swing, matrix in _STANDARDS:
        ref = standard_conversion(swing, matrix, "half_up", direction)
        d = float(np.abs(ref.matrix - m).max())
        if best is None or d < best[1]:
            best = ((swing, matrix), d)
    return {"swing": best[0][0], "matrix": best[0][1], "max_coefficient_difference": best[1]}


def _luma_offset(m: np.ndarray, b: np.ndarray, direction: str) -> float:
    """The Y code of black the least squares imply (0 full swing, 16 studio)."""
    if direction == "encode":
        return float(b[0])
    gains = m[:, 0]
    return float(np.mean(-(b + 128.0 * (m[:, 1] + m[:, 2])) / gains))


def _range_of(y0: int | None, luma: float) -> str | None:
    if y0 is not None:
        return "studio" if y0 == 16 else "full"
    if abs(luma - 16.0) < 2.0:
        return "studio"
    return "full" if abs(luma) < 2.0 else None


def _clips(x: np.ndarray, out: np.ndarray, conv: Conversion) -> bool:
    """True when out-of-range values saturate (no wrap-around) on these samples."""
    raw = _product(conv.matrix, x) + conv.offset
    low, high = raw < -1.0, raw > 256.0
    return bool(np.all(out[low] == 0) and np.all(out[high] == 255))
