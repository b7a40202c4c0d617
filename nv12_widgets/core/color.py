"""Colour conversion between RGB/BGR and YUV (Y'CbCr) at full resolution.

Vocabulary follows colour-science: *full* swing (JFIF / "full range", Y, U, V in
0..255) and *studio* swing ("legal" / video range, Y in 16..235, U and V in 16..240).
Matrices are BT.601 (SD video, JPEG) and BT.709 (HD video).

Every conversion rounds the exact value of each sample once, to nearest with ties up
(``floor(x + 0.5)``), and clips to 0..255, so they are the *ideal* reference a
fixed-point device pipeline is measured against (see "arithmetic" below for how, and how
exact). The fixed-point pipelines of real tools are the device records of
:mod:`nv12_widgets.devices`.
"""

from __future__ import annotations

import functools
import threading

import cv2
import numpy as np

from ._checks import InputError, check_choice, check_image
from .threads import for_row_bands

__all__ = [
    "SWINGS",
    "MATRICES",
    "ORDERS",
    "TRAIN_FORMATS",
    "yuv_matrix",
    "yuv_to_rgb_affine",
    "rgb_to_yuv444",
    "yuv444_to_rgb",
    "rgb_to_format",
    "to_centered",
    "from_centered",
]

SWINGS = ("full", "studio")
MATRICES = ("bt601", "bt709")
ORDERS = ("rgb", "bgr")
#: The vendor's ``input_type_train`` values an image can be converted to.
TRAIN_FORMATS = ("rgb", "bgr", "yuv444", "gray")

_KR_KB = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}


@functools.cache
def yuv_matrix(swing: str = "full", matrix: str = "bt601") -> np.ndarray:
    """The affine RGB -> YUV matrix.

    Parameters
    ----------
    swing : {"full", "studio"}
    matrix : {"bt601", "bt709"}

    Returns
    -------
    numpy.ndarray
        (3, 4) float64, rows Y, U (Cb), V (Cr); columns R, G, B, offset; for R, G, B
        in 0..255. ``yuv = M[:, :3] @ rgb + M[:, 3]``. Read-only.

    Examples
    --------
    >>> m = yuv_matrix("full", "bt601")
    >>> m[0, :3].round(3).tolist(), m[:, 3].tolist()  # Kr, Kg, Kb; offsets
    ([0.299, 0.587, 0.114], [0.0, 128.0, 128.0])
    """
    check_choice("swing", swing, SWINGS)
    check_choice("matrix", matrix, MATRICES)
    kr, kb = _KR_KB[matrix]
    kg = 1.0 - kr - kb
    luma = np.array([kr, kg, kb])
    cb = (np.array([0.0, 0.0, 1.0]) - luma) / (2.0 * (1.0 - kb))
    cr = (np.array([1.0, 0.0, 0.0]) - luma) / (2.0 * (1.0 - kr))
    if swing == "full":
        ys, cs, yo = 1.0, 1.0, 0.0
    else:
        ys, cs, yo = 219.0 / 255.0, 224.0 / 255.0, 16.0
    m = np.empty((3, 4))
    m[0, :3], m[0, 3] = ys * luma, yo
    m[1, :3], m[1, 3] = cs * cb, 128.0
    m[2, :3], m[2, 3] = cs * cr, 128.0
    m.setflags(write=False)
    return m


@functools.cache
def yuv_to_rgb_affine(swing: str = "full", matrix: str = "bt601") -> np.ndarray:
    """The affine YUV -> RGB matrix: the exact inverse of :func:`yuv_matrix`.

    The numbers :func:`yuv444_to_rgb` and ``nv12_to_rgb`` apply (before rounding once,
    ties up, and clipping); an ONNX graph that decodes NV12 uses the same matrix.
    Computed as ``inv(M[:, :3])`` with offset ``-inv(M[:, :3]) @ M[:, 3]`` in float64
    (ITU-R BT.601-7 / BT.709-6 coefficients, see :func:`yuv_matrix`).

    Parameters
    ----------
    swing : {"full", "studio"}
    matrix : {"bt601", "bt709"}

    Returns
    -------
    numpy.ndarray
        (3, 4) float64, rows R, G, B; columns Y, U, V, offset:
        ``rgb = A[:, :3] @ yuv + A[:, 3]``. Read-only.

    Examples
    --------
    >>> a = yuv_to_rgb_affine("full", "bt601")
    >>> a.shape, round(float(a[0, 2]), 3)  # the V -> R coefficient, 2 (1 - Kr)
    ((3, 4), 1.402)
    >>> a[:, :3] @ [128, 128, 128] + a[:, 3]  # mid-grey stays grey
    array([128., 128., 128.])
    """
    check_choice("swing", swing, SWINGS)
    check_choice("matrix", matrix, MATRICES)
    m = yuv_matrix(swing, matrix)
    inv = np.linalg.inv(m[:, :3])
    out = np.empty((3, 4))
    out[:, :3] = inv
    out[:, 3] = -inv @ m[:, 3]
    out.setflags(write=False)
    return out


def reorder_columns(m: np.ndarray, order: str) -> np.ndarray:
    """Affine matrix that reads BGR pixels instead of RGB ones."""
    check_choice("order", order, ORDERS)
    return m if order == "rgb" else m[:, [2, 1, 0, 3]]


def reorder_rows(m: np.ndarray, order: str) -> np.ndarray:
    check_choice("order", order, ORDERS)
    return m if order == "rgb" else m[[2, 1, 0], :]


# -- arithmetic -------------------------------------------------------------------------
# Every generic conversion rounds the exact affine value once, to nearest with ties up
# (floor(x + 0.5)), and saturates to 0..255. Two kernels do it quickly, with OpenCV's
# vectorised primitives only:
#
# * encoding, "hi-byte transform": cv2.transform on uint16
#   input evaluates z = 256 * x + 127.5 + 256 * _TIE_GUARD in float32 (24-bit mantissa:
#   an absolute error of a few 1e-5 levels of x), rounds z to an integer and saturates
#   it to 0..65535; the high byte of that uint16 is floor(x + 0.5) clipped to 0..255 --
#   the saturation of z *is* the clipping of x. The guard (2^-14 levels) makes exact
#   ties round up whatever the float32 evaluation order (SIMD body, scalar tail), so a
#   result can only differ from exact rounding where x lies within ~1e-4 of a .5 tie.
#   Full-swing BT.601 values never get that close (they are multiples of 1/7088 at
#   worst): exact for every input. Measured exhaustively, full-swing BT.709 is exact
#   except its mean chroma (0.0007 % of all possible 2x2 blocks, within 6.4e-5 of a
#   tie); studio-swing encoding differs on about 0.006 % of the samples.
# * studio-swing decoding: the affine in float64 (exact: see affine_exact_u8).
# * full-swing decoding, "chroma tables": R, G, B = Y + c(U, V) with an integer Y, so
#   round(Y + c) = Y + round(c). round(c) is tabulated exactly (float64) for all 65536
#   (U, V) pairs, split into its positive and negative parts P, N (uint8), and the output
#   is saturate(saturate(Y + P) - N) with OpenCV's saturating uint8 add / subtract, which
#   equals clip(Y + round(c), 0, 255) because P and N are never both non-zero.
_TIE_GUARD = 2.0**-14
_HI_BETA = -127.5 / 256.0  # convertScaleAbs(z, 1/256, beta) = floor(z / 256), no ties


def hi_matrix(m: np.ndarray, in_scale: float) -> np.ndarray:
    """(3, 4) float32 matrix for the hi-byte transform of ``m`` (K <= 3 affine rows).

    The transform's input holds ``in_scale`` times the values ``m`` expects; missing
    rows repeat the last one (cv2.transform is only vectorised for 3 -> 3 channels).
    """
    m = np.asarray(m, np.float64)
    if m.shape[0] < 3:
        m = np.concatenate([m, np.repeat(m[-1:], 3 - m.shape[0], axis=0)])
    out = np.empty((3, 4))
    out[:, :3] = m[:, :3] * (256.0 / in_scale)
    out[:, 3] = m[:, 3] * 256.0 + (127.5 + 256.0 * _TIE_GUARD)
    return out.astype(np.float32)


_scratch = threading.local()


def scratch_array(slot: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A reusable per-thread work array (fresh large arrays cost page faults per band).

    Created zero-filled; afterwards it holds whatever its last user wrote.
    """
    arrays = getattr(_scratch, "arrays", None)
    if arrays is None:
        arrays = _scratch.arrays = {}
    key = (slot, shape, np.dtype(dtype).str)
    arr = arrays.get(key)
    if arr is None:
        if len(arrays) >= 32:
            arrays.clear()
        arr = arrays[key] = np.zeros(shape, dtype)
    return arr


def times4_u16(image: np.ndarray) -> np.ndarray:
    """uint8 -> uint16 times 4 (one pass, into scratch): its 2x2 INTER_AREA mean is an
    exact sum. The result is overwritten by the next call on this thread."""
    out = scratch_array("times4", image.shape, np.uint16)
    np.copyto(out, image)  # widening copy, then an in-place same-type multiply:
    return np.multiply(out, np.uint16(4), out=out)  # faster than one casting multiply


def scratch_transform(src: np.ndarray, m: np.ndarray, slot: str) -> np.ndarray:
    """cv2.transform into a per-thread scratch array named ``slot``."""
    return cv2.transform(src, m, dst=scratch_array(slot, src.shape, src.dtype))


def _hi_bytes(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """High byte of every uint16 element, as uint8 of the same shape."""
    return cv2.convertScaleAbs(z, out, 1.0 / 256.0, _HI_BETA)


def hi_byte_channels(z: np.ndarray, out: np.ndarray, channels: tuple[int, ...]) -> None:
    """Write the high bytes of the given channels of z (H, W, 3) uint16 into out."""
    h, w = z.shape[:2]
    pairs: list[int] = []
    for i, c in enumerate(channels):
        pairs += [2 * c + 1, i]
    cv2.mixChannels([z.view(np.uint8).reshape(h, w, 6)], [out], pairs)


def luma_band(image: np.ndarray, out: np.ndarray, m_y: np.ndarray, image4=None) -> None:
    """Y of an (H, W, 3) uint8 band into ``out`` (H, W) uint8 with the hi-byte transform.

    ``m_y`` is ``hi_matrix(luma row, 4.0)``; ``image4`` is ``times4_u16(image)`` when
    the caller has it already.
    """
    z = scratch_transform(times4_u16(image) if image4 is None else image4, m_y, "z")
    hi_byte_channels(z, out, (0,))


#: Added before ``floor(x + 0.5)`` when a float64 affine value may be an exact .5 tie
#: (full swing: exact values are a tie or at least 1e-6 away from one; studio swing has
#: none within 1e-7): makes every exact tie round up whatever the float64 evaluation
#: order, and moves no other value across a rounding boundary. Shared by the numpy
#: tables and the ONNX executor's affine (``model.builder.emit_affine_round``).
ROUND_GUARD = 1e-9


@functools.cache
def chroma_tables(matrix: str, order: str, pair: bool) -> tuple[np.ndarray, np.ndarray]:
    """Full-swing decoding tables indexed by ``U + 256 * V`` (an NV12 byte pair).

    Returns
    -------
    (P, N) : tuple of numpy.ndarray
        (65536,) read-only tables of the positive (P) and negative (N) part of round(c)
        for the three output channels, c being what the chroma adds to Y (ties round up;
        computed in float64: exact values are a tie or at least 1e-6 away from one).
        Little-endian uint32 with bytes ``[p0, p1, p2, 0]``, or with ``pair`` uint64
        ``[p0, p1, p2, 0, p0, p1, p2, 0]`` (one chroma sample for two pixels).
    """
    inv = reorder_rows(yuv_to_rgb_affine("full", matrix), order)
    codes = np.arange(256, dtype=np.float64)
    v, u = np.meshgrid(codes, codes, indexing="ij")  # row V, column U: index V * 256 + U
    # Y's coefficient is 1 in every full-swing inverse.
    c = u[..., None] * inv[:, 1] + v[..., None] * inv[:, 2] + inv[:, 3]
    c = np.floor(c + (0.5 + ROUND_GUARD)).reshape(65536, 3)
    tables = []
    for part in (c, -c):
        b = np.clip(part, 0, 255).astype(np.uint64)
        quad = b[:, 0] | (b[:, 1] << np.uint64(8)) | (b[:, 2] << np.uint64(16))
        t = (quad | (quad << np.uint64(32))).astype("<u8") if pair else quad.astype("<u4")
        t.setflags(write=False)
        tables.append(t)
    return tables[0], tables[1]


def _add_chroma(out: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> None:
    """out = saturate(saturate(out + pos) - neg), uint8, in place (same shapes)."""
    cv2.add(out, pos, dst=out)
    cv2.subtract(out, neg, dst=out)


def decode_full_swing_band(
    y: np.ndarray, uv: np.ndarray, out: np.ndarray, tables: tuple[np.ndarray, np.ndarray]
) -> None:
    """Full-swing YUV -> RGB for one band (the chroma-table kernel).

    Parameters
    ----------
    y : (H, W) uint8
    uv : (H, W, 2) uint8 full-resolution chroma, or (H/2, W/2, 2) uint8 with one sample
        per 2x2 block (nearest upsampling, done by the kernel without materialising it;
        then ``tables`` must be the ``pair`` ones). C-contiguous.
    out : (H, W, 3) uint8, written.
    """
    h, w = y.shape
    hc, wc = uv.shape[:2]
    idx = uv.view("<u2").reshape(hc, wc).astype(np.intp)
    quads = wc if hc == h else 2 * wc  # 4-byte groups [p0, p1, p2, 0] per row
    pos, neg = (
        cv2.cvtColor(
            np.take(t, idx).view(np.uint8).reshape(hc, quads, 4), cv2.COLOR_RGBA2RGB
        ).reshape(hc, quads * 3)
        for t in tables
    )
    cv2.cvtColor(y, cv2.COLOR_GRAY2RGB, dst=out)
    if hc == h:
        _add_chroma(out.reshape(h, w * 3), pos, neg)
        return
    rows = out.reshape(hc, 2, w * 3)  # the two rows of each block share the chroma
    for j in (0, 1):
        _add_chroma(rows[:, j], pos, neg)


def affine_u8(image: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Apply an affine colour matrix to an (H, W, 3) uint8 image, rounding once.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) uint8.
    m : numpy.ndarray
        (K, 4) affine matrix, K = 1..3 (``out = m[:, :3] @ pixel + m[:, 3]``).

    Returns
    -------
    numpy.ndarray
        (H, W, K) uint8 ((H, W) for K = 1): floor(x + 0.5) clipped to 0..255, evaluated
        by the hi-byte transform (see the module notes).
    """
    h, w = image.shape[:2]
    k = m.shape[0]
    mh = hi_matrix(m, 4.0)
    out = np.empty((h, w, k) if k > 1 else (h, w), np.uint8)

    def band(r0: int, r1: int) -> None:
        z = scratch_transform(times4_u16(image[r0:r1]), mh, "z")
        if k == 3:
            _hi_bytes(z, out[r0:r1])
        else:
            hi_byte_channels(z, out[r0:r1], tuple(range(k)))

    for_row_bands(band, h, w, align=1)
    return out


def affine_exact_u8(image: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``floor(m[:, :3] @ pixel + m[:, 3] + 0.5)`` clipped to 0..255, evaluated in float64.

    Exact for the studio-swing YUV -> RGB matrices: over all 2^24 8-bit inputs the
    exact value is never closer than 1.0e-7 (BT.601) / 3.2e-7 (BT.709) to a .5 tie
    (measured exhaustively), far above float64's ~1e-13 error, so any evaluation order
    (this one, or the ``MatMul`` + ``Add`` + ``Floor`` of the ONNX executor) gives the
    exactly rounded result.
    """
    h, w = image.shape[:2]
    out = np.empty((h, w, 3), np.uint8)
    mt = np.ascontiguousarray(m[:, :3].T, dtype=np.float64)
    offset = m[:, 3] + 0.5

    def band(r0: int, r1: int) -> None:
        v = image[r0:r1].astype(np.float64) @ mt
        v += offset
        np.floor(v, out=v)
        np.clip(v, 0, 255, out=v)
        out[r0:r1] = v

    for_row_bands(band, h, w, align=1)
    return out


def rgb_to_yuv444(
    rgb: np.ndarray, *, swing: str = "full", matrix: str = "bt601", order: str = "rgb"
) -> np.ndarray:
    """Convert an RGB (or BGR) image to YUV 4:4:4.

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8, channel order given by ``order``.
    swing : {"full", "studio"}
        Full swing gives Y, U, V in 0..255 (PIL's ``YCbCr``, JPEG); studio swing gives
        Y in 16..235 and U, V in 16..240.
    matrix : {"bt601", "bt709"}
    order : {"rgb", "bgr"}
        Channel order of ``rgb``.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, channels Y, U (Cb), V (Cr).

    Examples
    --------
    >>> rgb_to_yuv444(np.full((1, 1, 3), 255, np.uint8))[0, 0].tolist()
    [255, 128, 128]

    Notes
    -----
    Each sample is the exact affine value rounded once, to nearest with ties up
    (``floor(x + 0.5)``), clipped to 0..255. The arithmetic is float32 on values scaled
    by 256 (the "hi-byte transform" in this module's notes): it can differ from exact
    rounding only where x lies within ~1e-4 of a .5 tie. Measured over all 2^24
    colours: full swing (BT.601 and BT.709) is exact for every colour; studio swing
    differs on about 0.006 % of the samples, by one level, each within ~1e-4 of a tie.
    ``rgb_to_nv12`` computes Y, and the chroma of a flat 2x2 block, with the same
    arithmetic, so a flat block gives the same YUV from both.
    """
    check_image(rgb, "rgb")
    m = reorder_columns(yuv_matrix(swing, matrix), order)
    return affine_u8(rgb, m)


def yuv444_to_rgb(
    yuv: np.ndarray, *, swing: str = "full", matrix: str = "bt601", order: str = "rgb"
) -> np.ndarray:
    """Convert YUV 4:4:4 to RGB (or BGR), the inverse of :func:`rgb_to_yuv444`.

    Parameters
    ----------
    yuv : numpy.ndarray
        (H, W, 3) uint8, channels Y, U, V.
    swing, matrix : str
        How ``yuv`` was encoded; see :func:`rgb_to_yuv444`.
    order : {"rgb", "bgr"}
        Channel order of the result.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, clipped to 0..255 (studio-swing codes outside 16..235 and
        out-of-gamut YUV combinations clip).

    Notes
    -----
    Rounded once, to nearest with ties up, then clipped. Full swing: R, G, B = Y + c(U, V)
    and round(c) comes from a table computed exactly in float64 for all 65536 (U, V)
    pairs, so the result is exact for every input (the "chroma tables" in this module's
    notes). Studio swing: the affine evaluated in float64, exact for every input too
    (no input comes within 1e-7 of a tie). ``nv12_to_rgb`` uses the same arithmetic.

    Examples
    --------
    >>> yuv444_to_rgb(np.full((1, 1, 3), (76, 85, 255), np.uint8))[0, 0].tolist()
    [254, 0, 0]
    """
    check_image(yuv, "yuv")
    check_choice("swing", swing, SWINGS)
    check_choice("matrix", matrix, MATRICES)
    check_choice("order", order, ORDERS)
    if swing == "studio":
        return affine_exact_u8(yuv, reorder_rows(yuv_to_rgb_affine(swing, matrix), order))
    h, w = yuv.shape[:2]
    tables = chroma_tables(matrix, order, False)
    out = np.empty((h, w, 3), np.uint8)

    def band(r0: int, r1: int) -> None:
        y = scratch_array("y", (r1 - r0, w), np.uint8)
        uv = scratch_array("uv", (r1 - r0, w, 2), np.uint8)
        cv2.mixChannels([yuv[r0:r1]], [y, uv], [0, 0, 1, 1, 2, 2])
        decode_full_swing_band(y, uv, out[r0:r1], tables)

    for_row_bands(band, h, w, align=1)
    return out


def rgb_to_format(
    rgb: np.ndarray, fmt: str, *, swing: str = "full", matrix: str = "bt601"
) -> np.ndarray:
    """Convert an RGB image to a model's training format (the vendor's input_type_train).

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8 RGB.
    fmt : {"rgb", "bgr", "yuv444", "gray"}
    swing, matrix : str
        Used by "yuv444" and "gray" (gray is the Y channel of that YUV).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, or (H, W, 1) uint8 for "gray".

    Examples
    --------
    >>> rgb = np.array([[[255, 0, 0], [0, 0, 255]]], np.uint8)
    >>> rgb_to_format(rgb, "bgr")[0].tolist()
    [[0, 0, 255], [255, 0, 0]]
    >>> rgb_to_format(rgb, "gray")[..., 0].tolist()  # BT.601 full-swing Y
    [[76, 29]]
    """
    check_choice("train format", fmt, TRAIN_FORMATS)
    check_image(rgb, "rgb")
    if fmt == "rgb":
        return rgb
    if fmt == "bgr":  # the channel swap; OpenCV's kernel is ~50x numpy's strided copy
        return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
    if fmt == "yuv444":
        return rgb_to_yuv444(rgb, swing=swing, matrix=matrix)
    return affine_u8(rgb, yuv_matrix(swing, matrix)[:1])[..., None]


def to_centered(x: np.ndarray) -> np.ndarray:
    """Centred YUV: uint8 codes minus 128, as int8 (-128..127), the BPU pyramid's output.

    Parameters
    ----------
    x : numpy.ndarray
        Any shape, uint8.

    Returns
    -------
    numpy.ndarray
        Same shape, int8.

    Examples
    --------
    >>> to_centered(np.array([0, 128, 255], np.uint8))
    array([-128,    0,  127], dtype=int8)
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8:
        raise InputError(
            f"to_centered() takes uint8 YUV codes; got {getattr(x, 'dtype', type(x).__name__)}."
        )
    return (x ^ np.uint8(0x80)).view(np.int8)


def from_centered(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_centered`: int8 centred codes back to uint8 (adds 128).

    Examples
    --------
    >>> from_centered(np.array([-128, 0, 127], np.int8))
    array([  0, 128, 255], dtype=uint8)
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.int8:
        raise InputError(
            "from_centered() takes int8 centred codes; got "
            f"{getattr(x, 'dtype', type(x).__name__)}."
        )
    return x.view(np.uint8) ^ np.uint8(0x80)
