"""Pixels for people: error maps, heatmaps, lossless PNG encoding, display downscaling.

The widgets and the report show only what these functions compute, so what is on
screen is tested here.
"""

from __future__ import annotations

import cv2
import numpy as np

from ._checks import InputError, check_image

__all__ = [
    "CHANGED_COLOR",
    "LOST_COLOR",
    "KEPT_COLOR",
    "changed_boxes",
    "draw_boxes",
    "mask_overlay",
    "text_edits",
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

    Examples
    --------
    >>> a = np.array([[10, 20], [30, 40]], np.uint8)
    >>> b = a.copy(); b[0, 1] = 23  # 3 levels off
    >>> error_map(a, b).tolist(), error_map(a, b, gain=100).tolist()
    ([[0, 48], [0, 0]], [[0, 255], [0, 0]])
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

    Examples
    --------
    >>> heatmap(np.array([[0.0, 1.0]])).tolist()  # viridis: dark purple to yellow
    [[[68, 1, 84], [253, 231, 37]]]
    >>> heatmap(np.array([[0.0, 1.0]]), cmap="gray").tolist()
    [[[0, 0, 0], [255, 255, 255]]]
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

    Examples
    --------
    >>> image_like_output(np.zeros((1, 1, 8, 8), np.float32)).shape
    (8, 8)
    >>> image_like_output(np.zeros((1, 10), np.float32)) is None  # a classifier's scores
    True
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

    Examples
    --------
    >>> small, factor = display_downscale(np.zeros((1000, 500, 3), np.uint8))
    >>> small.shape, factor
    ((500, 250, 3), 2)
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

    Examples
    --------
    >>> png_bytes(np.zeros((2, 2, 3), np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
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

    Examples
    --------
    >>> crop_zoom(np.arange(16, dtype=np.uint8).reshape(4, 4), 0, 0, half=1, scale=2).tolist()
    [[0, 0, 1, 1], [0, 0, 1, 1], [4, 4, 5, 5], [4, 4, 5, 5]]
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

    Examples
    --------
    >>> ref, test = np.zeros((8, 8), np.float32), np.full((8, 8), 0.5, np.float32)
    >>> ref_rgb, test_rgb, diff_rgb, scale = output_heatmaps(ref, test)
    >>> ref_rgb.shape, diff_rgb.dtype, scale
    ((8, 8, 3), dtype('uint8'), {'lo': 0.0, 'hi': 0.5, 'diff_max': 0.5})
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


# ---------------------------------------------------------------------- task pictures
#: Colours (RGB) of the task pictures: kept answers, answers lost on the test path
#: (reference only) and answers that changed or appeared on the test path.
KEPT_COLOR = (40, 200, 60)
LOST_COLOR = (40, 120, 255)
CHANGED_COLOR = (255, 0, 200)


def _as_boxes(boxes) -> np.ndarray:
    """(K, 4) xyxy or (K, 4, 2) corner points -> (K, 4, 2) float64 corners."""
    b = np.asarray(boxes, np.float64)
    if b.size == 0:
        return np.zeros((0, 4, 2))
    if b.ndim == 2 and b.shape[1] == 4:
        x1, y1, x2, y2 = b.T
        return np.stack([np.stack([x1, y1], 1), np.stack([x2, y1], 1),
                         np.stack([x2, y2], 1), np.stack([x1, y2], 1)], 1)  # fmt: skip
    if b.ndim == 3 and b.shape[1:] == (4, 2):
        return b
    raise InputError(
        f"boxes must be (K, 4) x1, y1, x2, y2 or (K, 4, 2) corner points, got {b.shape}."
    )


def draw_boxes(
    image: np.ndarray,
    boxes,
    *,
    labels=None,
    highlight=None,
    color: tuple[int, int, int] = KEPT_COLOR,
    highlight_color: tuple[int, int, int] = CHANGED_COLOR,
) -> np.ndarray:
    """Boxes drawn over a copy of an image, the highlighted ones thicker in another colour.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) uint8 RGB (not modified).
    boxes : array_like
        (K, 4) ``x1, y1, x2, y2`` or (K, 4, 2) corner points (rotated text boxes), in
        the image's pixels.
    labels : sequence of str, optional
        One caption per box (class name and score), drawn above it.
    highlight : sequence of bool, optional
        Per box: drawn with ``highlight_color`` and a thicker line (a changed answer).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8.

    Examples
    --------
    >>> img = np.zeros((20, 20, 3), np.uint8)
    >>> out = draw_boxes(img, [[2, 2, 10, 10]], highlight=[True])
    >>> out[2, 5].tolist() == list(CHANGED_COLOR), bool(img.any())
    (True, False)
    """
    img = check_image(image, "image").copy()
    quads = _as_boxes(boxes)
    k = len(quads)
    marks = np.zeros(k, bool) if highlight is None else np.asarray(highlight, bool)
    if marks.shape != (k,) or (labels is not None and len(labels) != k):
        raise InputError(f"labels and highlight need one entry per box ({k}).")
    scale = max(img.shape[:2]) / 640.0
    for i, quad in enumerate(quads):
        c = highlight_color if marks[i] else color
        pts = np.round(quad).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [pts], True, c, 2 if marks[i] else 1, cv2.LINE_8)
        if labels is not None and labels[i]:
            x, y = int(pts[:, 0, 0].min()), int(pts[:, 0, 1].min())
            cv2.putText(img, str(labels[i]), (x, max(y - 3, 8)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.4 * max(scale, 1.0), c, 1, cv2.LINE_AA)  # fmt: skip
    return img


def _iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of the axis-aligned bounds of two sets of (K, 4, 2) corner points."""
    la, ha = a.min(1), a.max(1)
    lb, hb = b.min(1), b.max(1)
    lo = np.maximum(la[:, None], lb[None])
    hi = np.minimum(ha[:, None], hb[None])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area_a, area_b = np.prod(ha - la, 1), np.prod(hb - lb, 1)
    union = area_a[:, None] + area_b[None] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def changed_boxes(
    reference_boxes,
    test_boxes,
    *,
    reference_classes=None,
    test_classes=None,
    iou_threshold: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Which boxes of two answers have no counterpart in the other (for highlighting).

    Greedy one-to-one matching by decreasing IoU of the boxes' bounds, same class only,
    a pair matching at ``IoU >= iou_threshold`` (the PASCAL VOC / COCO AP@0.5 rule).

    Returns
    -------
    lost : numpy.ndarray
        (K_ref,) bool: reference boxes the test path lost (or moved / relabelled).
    new : numpy.ndarray
        (K_test,) bool: test boxes with no reference counterpart.

    Examples
    --------
    >>> lost, new = changed_boxes([[0, 0, 10, 10], [20, 20, 30, 30]], [[1, 0, 11, 10]])
    >>> lost.tolist(), new.tolist()
    ([False, True], [False])
    """
    a, b = _as_boxes(reference_boxes), _as_boxes(test_boxes)
    ca = np.zeros(len(a), np.int64) if reference_classes is None else np.asarray(reference_classes)
    cb = np.zeros(len(b), np.int64) if test_classes is None else np.asarray(test_classes)
    if ca.shape != (len(a),) or cb.shape != (len(b),):
        raise InputError("classes need one entry per box.")
    lost, new = np.ones(len(a), bool), np.ones(len(b), bool)
    if len(a) and len(b):
        iou = _iou_matrix(a, b)
        iou[ca[:, None] != cb[None]] = -1.0
        for flat in np.argsort(-iou, axis=None):
            i, j = divmod(int(flat), len(b))
            if iou[i, j] < iou_threshold:
                break
            if lost[i] and new[j]:
                lost[i] = new[j] = False
    return lost, new


def mask_overlay(
    image: np.ndarray, reference_mask, test_mask=None, *, alpha: float = 0.45
) -> np.ndarray:
    """Masks blended over an image: where both paths agree (:data:`KEPT_COLOR`), the
    reference only (:data:`LOST_COLOR`) and the test path only (:data:`CHANGED_COLOR`).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) uint8 RGB.
    reference_mask, test_mask : array_like
        Boolean (h, w) masks (a map's ``pred > threshold``, a segmentation class);
        resized to the image with nearest neighbour when their size differs.
        ``test_mask`` None: only the reference is drawn.
    alpha : float
        Opacity of the colour, in (0, 1].

    Examples
    --------
    >>> img = np.zeros((4, 4, 3), np.uint8)
    >>> ref = np.zeros((4, 4), bool); ref[:2] = True
    >>> out = mask_overlay(img, ref, np.zeros((4, 4), bool), alpha=1.0)
    >>> out[0, 0].tolist() == list(LOST_COLOR), out[3, 3].tolist()
    (True, [0, 0, 0])
    """
    img = check_image(image, "image")
    if not 0 < alpha <= 1:
        raise InputError(f"alpha must be in (0, 1], got {alpha!r}.")
    h, w = img.shape[:2]

    def fit(mask) -> np.ndarray:
        m = np.asarray(mask)
        while m.ndim > 2 and m.shape[0] == 1:
            m = m[0]
        if m.ndim != 2:
            raise InputError(f"a mask must be (h, w), got shape {np.shape(mask)}.")
        if m.shape != (h, w):
            m = cv2.resize(m.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        return m.astype(bool)

    r = fit(reference_mask)
    t = r if test_mask is None else fit(test_mask)
    out = img.astype(np.float32)
    for region, colour in ((r & t, KEPT_COLOR), (r & ~t, LOST_COLOR), (~r & t, CHANGED_COLOR)):
        out[region] = (1 - alpha) * out[region] + alpha * np.asarray(colour, np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def text_edits(reference: str, test: str) -> list[tuple[str, str, str]]:
    """The edits that turn ``reference`` into ``test``, for showing them side by side.

    A minimal Levenshtein alignment (insertions, deletions, substitutions cost 1;
    ties prefer substitution, then deletion).

    Returns
    -------
    list of (op, reference_part, test_part)
        ``op`` in ``"equal"``, ``"replace"``, ``"delete"`` (reference only),
        ``"insert"`` (test only); runs of the same op are merged. The number of edited
        characters equals ``core.heads.edit_distance(reference, test)``.

    Examples
    --------
    >>> text_edits("x7k3p", "x1k3")
    [('equal', 'x', 'x'), ('replace', '7', '1'), ('equal', 'k3', 'k3'), ('delete', 'p', '')]
    """
    a, b = str(reference), str(test)
    n, m = len(a), len(b)
    d = np.zeros((n + 1, m + 1), np.int32)
    d[:, 0], d[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(
                d[i - 1, j - 1] + (a[i - 1] != b[j - 1]), d[i - 1, j] + 1, d[i, j - 1] + 1
            )
    ops: list[tuple[str, str, str]] = []
    i, j = n, m
    while i or j:
        if i and j and d[i, j] == d[i - 1, j - 1] + (a[i - 1] != b[j - 1]):
            op = "equal" if a[i - 1] == b[j - 1] else "replace"
            step = (op, a[i - 1], b[j - 1])
            i, j = i - 1, j - 1
        elif i and d[i, j] == d[i - 1, j] + 1:
            step = ("delete", a[i - 1], "")
            i -= 1
        else:
            step = ("insert", "", b[j - 1])
            j -= 1
        if ops and ops[-1][0] == step[0]:
            ops[-1] = (step[0], step[1] + ops[-1][1], step[2] + ops[-1][2])
        else:
            ops.append(step)
    return ops[::-1]
