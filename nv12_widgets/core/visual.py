"""Pixels for people: error maps, heatmaps, lossless PNG encoding, display downscaling.

The widgets and the report show only what these functions compute, so what is on
screen is tested here.
"""

from __future__ import annotations

import cv2
import numpy as np

from ._checks import InputError, check_image

__all__ = [
    "crop_zoom",
    "output_heatmaps",
    "error_map",
    "heatmap",
    "image_like_output",
    "display_downscale",
    "png_bytes",
    "sequence_steps",
]

_COLORMAPS = {
    "viridis": cv2.COLORMAP_VIRIDIS,
    "inferno": cv2.COLORMAP_INFERNO,
    "magma": cv2.COLORMAP_MAGMA,
    "gray": None,
}


def error_map(a: np.ndarray, b: np.ndarray, *, gain: float = 16.0) -> np.ndarray:
    """Amplified absolute difference of two images, the largest over channels.

    Parameters
    ----------
    a, b : numpy.ndarray
        (H, W) or (H, W, C), same shape, any numeric dtype (pixel units).
    gain : float
        Multiplier, > 0: with the default 16 a 1-level difference shows as 16 and
        anything >= 16 levels saturates at 255.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8, ``min(255, round(gain * max_c |a - b|))``.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim not in (2, 3):
        raise InputError(
            f"error_map() takes two (H, W) or (H, W, C) images of the same shape, got "
            f"{a.shape} and {b.shape}."
        )
    if not gain > 0:
        raise InputError(f"gain must be > 0, got {gain!r}.")
    d = cv2.absdiff(a.astype(np.float32), b.astype(np.float32))
    if d.ndim == 3:
        d = d.max(axis=2)
    return np.clip(np.rint(d * gain), 0, 255).astype(np.uint8)


def heatmap(
    x: np.ndarray,
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "viridis",
) -> np.ndarray:
    """Colour a 2-D array for display.

    Parameters
    ----------
    x : numpy.ndarray
        (H, W), any real dtype; NaN shows as the low end.
    vmin, vmax : float or None
        Value range mapped to the colour map; default: the data's min and max
        (a constant array maps to the low end).
    cmap : {"viridis", "inferno", "magma", "gray"}

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.size == 0:
        raise InputError(f"heatmap() takes a non-empty 2-D array, got shape {x.shape}.")
    if cmap not in _COLORMAPS:
        raise InputError(f"cmap={cmap!r} is not supported; use one of {', '.join(_COLORMAPS)}.")
    finite = x[np.isfinite(x)]
    lo = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    span = hi - lo
    scaled = np.zeros_like(x) if span <= 0 else (x - lo) / span
    codes = np.clip(np.rint(np.nan_to_num(scaled, nan=0.0) * 255.0), 0, 255).astype(np.uint8)
    if _COLORMAPS[cmap] is None:
        return np.repeat(codes[..., None], 3, axis=2)
    return cv2.cvtColor(cv2.applyColorMap(codes, _COLORMAPS[cmap]), cv2.COLOR_BGR2RGB)


def image_like_output(output: np.ndarray) -> np.ndarray | None:
    """The 2-D map of a dense, image-shaped model output, or None for other outputs.

    Parameters
    ----------
    output : numpy.ndarray
        A model output: (N, 1, H, W), (N, H, W, 1), (N, H, W) or (H, W) with H, W >= 8
        counts as image-like (e.g. a text detector's probability map); (N, C, H, W)
        with C > 1 gives its first channel.

    Returns
    -------
    numpy.ndarray or None
        (H, W) float32 view of the first batch item and channel, or None.
    """
    a = np.asarray(output)
    if a.ndim == 4:
        a = a[0]
        # channels-first unless the last axis is the small one
        a = a[..., 0] if a.shape[-1] <= 4 < a.shape[0] else a[0]
    elif a.ndim == 3:
        a = a[0]
    if a.ndim != 2 or min(a.shape) < 8:
        return None
    return a.astype(np.float32, copy=False)


def display_downscale(image: np.ndarray, max_side: int = 640) -> tuple[np.ndarray, int]:
    """Shrink an image by a whole factor so its longest side fits ``max_side``.

    Uses nearest-neighbour decimation, so the codes shown are codes of the image
    (no averaging that would hide a 1-level difference).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C) uint8.
    max_side : int

    Returns
    -------
    (numpy.ndarray, int)
        The image (itself when it fits) and the factor (1 when unchanged).
    """
    check_image(image, "image", channels=None)
    side = max(image.shape[:2])
    factor = max(1, -(-side // max(1, int(max_side))))
    if factor == 1:
        return image, 1
    return np.ascontiguousarray(image[::factor, ::factor]), factor


def png_bytes(image: np.ndarray, *, compression: int = 1) -> bytes:
    """Encode an RGB or grey uint8 image as lossless PNG.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W), (H, W, 1) or (H, W, 3) uint8 RGB.
    compression : int
        zlib level 0-9; 1 is fast and still small for planes.

    Returns
    -------
    bytes
        The PNG file.
    """
    check_image(image, "image", channels=None)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 3:
        if image.shape[2] != 3:
            raise InputError(
                f"png_bytes() takes grey or RGB images, got {image.shape[2]} channels."
            )
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, int(compression)])
    if not ok:  # pragma: no cover - OpenCV only fails on invalid input, checked above
        raise InputError("PNG encoding failed.")
    return buf.tobytes()


def crop_zoom(
    image: np.ndarray, row: int, col: int, *, half: int = 12, scale: int = 8
) -> np.ndarray:
    """A square crop centred on a pixel, enlarged with nearest neighbour (pixels stay crisp).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C) uint8.
    row, col : int
        The centre pixel (clamped into the image).
    half : int
        Half the crop side: the crop is (2 * half + 1) pixels wide, fewer at the borders.
    scale : int
        Enlargement factor.

    Returns
    -------
    numpy.ndarray
        (h * scale, w * scale[, C]) uint8.
    """
    check_image(image, "image", channels=None)
    h, w = image.shape[:2]
    r = min(max(int(row), 0), h - 1)
    c = min(max(int(col), 0), w - 1)
    crop = image[max(0, r - half) : r + half + 1, max(0, c - half) : c + half + 1]
    return np.ascontiguousarray(np.repeat(np.repeat(crop, scale, axis=0), scale, axis=1))


def output_heatmaps(
    reference: np.ndarray, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    """Heatmaps of two dense outputs on one colour scale, and of their difference.

    Parameters
    ----------
    reference, test : numpy.ndarray
        (H, W) float maps (see :func:`image_like_output`).

    Returns
    -------
    (ref_rgb, test_rgb, diff_rgb, scale)
        Three (H, W, 3) uint8 RGB images (viridis on the shared range; inferno for
        ``|reference - test|`` from 0 to its max) and ``scale`` = {"lo", "hi", "diff_max"}.
    """
    a = np.asarray(reference, np.float32)
    b = np.asarray(test, np.float32)
    if a.shape != b.shape or a.ndim != 2:
        raise InputError(
            f"output_heatmaps() takes two (H, W) maps of one shape, got {a.shape} and {b.shape}."
        )
    lo = float(min(a.min(), b.min()))
    hi = float(max(a.max(), b.max()))
    diff = np.abs(a - b)
    dmax = float(diff.max())
    return (
        heatmap(a, vmin=lo, vmax=hi),
        heatmap(b, vmin=lo, vmax=hi),
        heatmap(diff, vmin=0.0, vmax=dmax if dmax > 0 else 1.0, cmap="inferno"),
        {"lo": lo, "hi": hi, "diff_max": dmax},
    )


def sequence_steps(
    reference: np.ndarray, test: np.ndarray, *, item: int = 0, max_rows: int = 40
) -> dict:
    """Per-step argmax of a sequence output (T x C per-step scores) on two paths.

    What the dashboard shows for a "sequence" output (``core.heads.output_kind``: a
    CTC text recogniser's 1 x 40 x 6625 softmax) instead of a T x C heatmap squeezed
    to slivers: per step the class each path picks and its score, listing the steps
    where the two paths differ.

    Parameters
    ----------
    reference, test : numpy.ndarray
        (T, C) or (N, T, C) scores of the same shape, C >= 2.
    item : int
        The batch item shown (0..N-1).
    max_rows : int
        At most this many differing steps are listed in ``rows`` (the first ones).

    Returns
    -------
    dict
        ``steps`` (T), ``classes`` (C), ``reference`` / ``test`` ((T,) int argmax per
        step), ``differ`` ((K,) int: the steps where they differ), ``rows`` (list of
        dicts ``step``, ``reference``, ``reference_score``, ``test``, ``test_score``
        for the first ``max_rows`` differing steps) and ``truncated`` (differing steps
        not listed).

    Examples
    --------
    >>> ref = np.eye(3)[[1, 1, 0, 2]][None]  # (1, 4, 3) one-hot: steps 1 1 0 2
    >>> out = sequence_steps(ref, np.eye(3)[[1, 2, 0, 2]][None])
    >>> out["differ"].tolist(), out["rows"][0]["reference"], out["rows"][0]["test"]
    ([1], 1, 2)
    """
    r, t = np.asarray(reference), np.asarray(test)
    if r.shape != t.shape:
        raise InputError(f"sequence_steps() needs one shape, got {r.shape} and {t.shape}.")
    if r.ndim == 2:
        r, t = r[None], t[None]
    if r.ndim != 3 or r.shape[2] < 2 or r.shape[1] < 1:
        raise InputError(
            f"sequence_steps() takes (T, C) or (N, T, C) per-step scores with C >= 2, got "
            f"{np.shape(reference)}."
        )
    if not 0 <= int(item) < r.shape[0]:
        raise InputError(f"item must be in 0..{r.shape[0] - 1}, got {item!r}.")
    r = r[int(item)].astype(np.float64)
    t = t[int(item)].astype(np.float64)
    ra, ta = np.argmax(r, axis=-1), np.argmax(t, axis=-1)
    steps = np.arange(r.shape[0])
    rs, ts = r[steps, ra], t[steps, ta]
    differ = np.flatnonzero(ra != ta)
    rows = [
        {
            "step": int(i),
            "reference": int(ra[i]),
            "reference_score": float(rs[i]),
            "test": int(ta[i]),
            "test_score": float(ts[i]),
        }
        for i in differ[: max(0, int(max_rows))]
    ]
    return {
        "steps": int(r.shape[0]),
        "classes": int(r.shape[1]),
        "reference": ra,
        "test": ta,
        "differ": differ,
        "rows": rows,
        "truncated": int(max(0, differ.size - len(rows))),
    }
