"""DB text-probability maps: threshold, boxes, box matching (kind ``db``, alias ``dense``).

The map is thresholded ``map > thresh`` (strict, PaddleOCR ``DBPostProcess``:
``segmentation = pred > self.thresh``, 0.3 by default) and turned into rotated boxes
with :func:`db_boxes`. Two answers agree by their box F1 (:func:`box_match`, IoU >= 0.5,
the ICDAR convention) and by the IoU of their masks (:func:`mask_iou`; two empty
masks agree: IoU 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .._checks import InputError
from .base import Default, OutputKind

__all__ = [
    "DENSE_THRESHOLD",
    "DBKind",
    "DBTextDetection",
    "TextBoxes",
    "box_iou",
    "box_match",
    "db_boxes",
    "mask_iou",
]

#: Default threshold of dense probability maps (PaddleOCR DB ``thresh``).
DENSE_THRESHOLD = 0.3


def mask_iou(reference: Any, test: Any, threshold: float = DENSE_THRESHOLD) -> float:
    """IoU of two maps thresholded with ``map > threshold``.

    Parameters
    ----------
    reference, test : array_like
        Maps of the same shape (any shape: (N, 1, H, W), (N, H, W), (H, W)).
    threshold : float
        Strict threshold (PaddleOCR DB: ``pred > 0.3``).

    Returns
    -------
    float
        ``|A & B| / |A | B|``; 1.0 when both masks are empty (they agree that there is
        nothing).

    Examples
    --------
    >>> a = np.zeros((4, 4)); a[:2, :2] = 1  # 4 pixels
    >>> b = np.zeros((4, 4)); b[:2, 1:3] = 1  # 4 pixels, 2 shared
    >>> mask_iou(a, b)  # 2 / 6
    0.3333333333333333
    """
    r, t = np.asarray(reference), np.asarray(test)
    if r.shape != t.shape:
        raise InputError(f"mask_iou() needs maps of the same shape, got {r.shape} and {t.shape}.")
    if not np.isfinite(threshold):
        raise InputError(f"threshold must be finite, got {threshold!r}.")
    return _bool_iou(r > threshold, t > threshold)


def _bool_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = int(np.count_nonzero(a | b))
    if union == 0:
        return 1.0
    return int(np.count_nonzero(a & b)) / union


def _mini_box(points: np.ndarray) -> tuple[np.ndarray, float, tuple]:
    rect = cv2.minAreaRect(points.reshape(-1, 1, 2).astype(np.float32))
    return cv2.boxPoints(rect).astype(np.float64), float(min(rect[1])), rect


def _squeeze_map(prob_map: Any, name: str) -> np.ndarray:
    m = np.asarray(prob_map, dtype=np.float32)
    while m.ndim > 2 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 2:
        raise InputError(
            f"{name} takes one (H, W) map (or with leading 1-axes), got {np.shape(prob_map)}."
        )
    return m


def _box_score(m: np.ndarray, pts: np.ndarray) -> float:
    h, w = m.shape
    xmin = int(np.clip(np.floor(pts[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(pts[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(pts[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(pts[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), np.uint8)
    shifted = (pts - [xmin, ymin]).astype(np.int32).reshape(1, -1, 2)
    cv2.fillPoly(mask, shifted, 1)
    return cv2.mean(m[ymin : ymax + 1, xmin : xmax + 1], mask)[0]


_CIRCLE = np.stack([np.cos(np.arange(64) * np.pi / 32), np.sin(np.arange(64) * np.pi / 32)], 1)


def _round_offset(pts: np.ndarray, d: float) -> np.ndarray:
    """pyclipper's round-join offset of a convex quad by ``d``, as points: pyclipper
    truncates the path to integers, the offset of a convex polygon is the union of
    discs of radius ``d`` around its corners' hull, and its output is integer."""
    ring = np.trunc(pts)[:, None, :] + _CIRCLE[None] * d
    return np.round(ring.reshape(-1, 2)).astype(np.float32)


#: PaddleOCR's ``DBPostProcess.min_size`` (a box's shortest side, map pixels).
MIN_SIZE = 3


def db_boxes(
    prob_map: Any,
    *,
    thresh: float = DENSE_THRESHOLD,
    box_thresh: float = 0.6,
    unclip_ratio: float = 1.5,
    min_size: int = MIN_SIZE,
    max_candidates: int = 1000,
    use_dilation: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """DB post-processing of a text probability map into rotated boxes ("quad" mode).

    Re-implements PaddleOCR ``ppocr/postprocess/db_postprocess.py``
    ``DBPostProcess.boxes_from_bitmap`` (also rapidocr-onnxruntime 1.4.4
    ``ch_ppocr_det/utils.py``) with the PP-OCR inference defaults of
    ``tools/infer/utility.py`` (``det_db_thresh=0.3``, ``det_db_box_thresh=0.6``,
    ``det_db_unclip_ratio=1.5``, ``min_size=3``, ``use_dilation=False``):
    ``bitmap = map > thresh`` (dilated with a 2x2 kernel when ``use_dilation``);
    ``cv2.findContours(RETR_LIST, CHAIN_APPROX_SIMPLE)``; per contour the minimum-area
    rectangle (dropped when its short side < ``min_size``); its score is the mean of
    the map inside the rectangle (``box_score_fast``, dropped below ``box_thresh``);
    it is "unclipped" by ``d = area * unclip_ratio / perimeter``. PaddleOCR offsets the
    polygon with pyclipper (round joins, on integer coordinates: the corners are
    truncated, the result rounded) and takes the minimum-area rectangle again; here the
    offset is the discs of radius ``d`` around the truncated corners (64 points each,
    rounded): for a convex quadrilateral that is the same outline (no pyclipper). Boxes whose short side is then below
    ``min_size + 2`` are dropped. Coordinates stay in map pixels (PaddleOCR then
    scales them to the source image).

    Parameters
    ----------
    prob_map : array_like
        (H, W), (1, H, W) or (1, 1, H, W) probabilities.

    Returns
    -------
    boxes : numpy.ndarray
        (K, 4, 2) float64 corner points (x, y).
    scores : numpy.ndarray
        (K,) float64 box scores.

    Examples
    --------
    >>> m = np.zeros((32, 32), np.float32); m[8:16, 4:28] = 0.9
    >>> boxes, scores = db_boxes(m)
    >>> boxes.shape, round(float(scores[0]), 3)
    ((1, 4, 2), 0.9)
    """
    m = _squeeze_map(prob_map, "db_boxes()")
    return _db_boxes(
        m, m > thresh, box_thresh, unclip_ratio, min_size, max_candidates, use_dilation
    )


def _db_boxes(m, mask, box_thresh, unclip_ratio, min_size, max_candidates, use_dilation):
    """:func:`db_boxes` of the (H, W) float32 map ``m`` and its thresholded ``mask``."""
    bitmap = mask.view(np.uint8)  # 0 / 1: findContours reads any non-zero as 1
    if use_dilation:
        bitmap = cv2.dilate(bitmap, np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes, scores = [], []
    for contour in contours[:max_candidates]:
        pts, sside, rect = _mini_box(contour)
        if sside < min_size:
            continue
        score = _box_score(m, pts)
        if score < box_thresh:
            continue
        rw, rh = rect[1]
        d = rw * rh * unclip_ratio / (2.0 * (rw + rh))
        grown = cv2.minAreaRect(_round_offset(pts, d))
        if min(grown[1]) < min_size + 2:
            continue
        boxes.append(cv2.boxPoints(grown).astype(np.float64))
        scores.append(float(score))
    if not boxes:
        return np.zeros((0, 4, 2)), np.zeros((0,))
    return np.stack(boxes), np.asarray(scores)


def box_iou(a: Any, b: Any) -> float:
    """IoU of two convex quadrilaterals given as (4, 2) corner points.

    Intersection with ``cv2.intersectConvexConvex``, areas with ``cv2.contourArea``.

    Examples
    --------
    >>> sq = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    >>> box_iou(sq, sq + [1, 0])  # 2 / 6
    0.3333333333333333
    """
    pa = np.asarray(a, np.float32).reshape(-1, 2)
    pb = np.asarray(b, np.float32).reshape(-1, 2)
    inter, _ = cv2.intersectConvexConvex(pa, pb)
    union = abs(cv2.contourArea(pa)) + abs(cv2.contourArea(pb)) - inter
    return float(inter / union) if union > 0 else 0.0


def box_match(reference: Any, test: Any, *, iou_threshold: float = 0.5) -> dict[str, float]:
    """Match two sets of quadrilateral boxes one to one (greedy by IoU) and score it.

    Parameters
    ----------
    reference, test : sequence of (4, 2) arrays
    iou_threshold : float
        A pair matches when its IoU is at least this (0.5, the ICDAR convention).

    Returns
    -------
    dict
        ``f1``, ``precision`` (matched / test boxes), ``recall`` (matched / reference
        boxes), ``mean_iou`` (over matched pairs; 1.0 when both sets are empty, 0.0
        when nothing matched), ``matched``. Two empty sets agree: f1 = 1.

    Examples
    --------
    >>> sq = np.array([[0, 0], [4, 0], [4, 4], [0, 4]], float)
    >>> box_match([sq], [sq + [1, 0]])["f1"]  # IoU 12 / 20 = 0.6 >= 0.5
    1.0
    """
    ref, tst = list(reference), list(test)
    if not ref and not tst:
        return {"f1": 1.0, "precision": 1.0, "recall": 1.0, "mean_iou": 1.0, "matched": 0}
    pairs = sorted(
        ((box_iou(r, t), i, j) for i, r in enumerate(ref) for j, t in enumerate(tst)),
        reverse=True,
    )
    used_r, used_t, ious = set(), set(), []
    for iou, i, j in pairs:
        if iou < iou_threshold:
            break
        if i in used_r or j in used_t:
            continue
        used_r.add(i)
        used_t.add(j)
        ious.append(iou)
    k = len(ious)
    precision = k / len(tst) if tst else 0.0
    recall = k / len(ref) if ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if k else 0.0
    return {
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "mean_iou": float(np.mean(ious)) if ious else 0.0,
        "matched": k,
    }


@dataclass(frozen=True)
class TextBoxes:
    """A DB text detector's answer: rotated boxes (map pixels), their scores, the mask.

    Attributes
    ----------
    boxes : numpy.ndarray
        (K, 4, 2) corner points.
    scores : numpy.ndarray
        (K,) box scores.
    mask : numpy.ndarray
        (H, W) bool, ``map > thresh`` of batch item 0.
    threshold : float
    peak : float
        The map's maximum (how close the image came to having text).

    Examples
    --------
    >>> DBKind().decode([np.full((1, 1, 8, 8), 0.1, np.float32)]).peak
    0.1...
    >>> sorted(DBKind().decode([np.full((1, 1, 8, 8), 0.1, np.float32)]).to_dict())
    ['boxes', 'peak', 'scores', 'threshold']
    """

    boxes: np.ndarray
    scores: np.ndarray
    mask: np.ndarray
    threshold: float
    peak: float

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON / drawing: the quads, their scores, threshold and peak."""
        return {
            "boxes": self.boxes.astype(float).tolist(),
            "scores": self.scores.astype(float).tolist(),
            "threshold": float(self.threshold),
            "peak": float(self.peak),
        }


_PADDLE = "PaddleOCR tools/infer/utility.py"


class DBKind(OutputKind):
    """DB text-probability map ``(1, 1, H, W)`` / ``(1, H, W)``: boxes via :func:`db_boxes`.

    Defaults are PaddleOCR's inference defaults (rapidocr-onnxruntime's
    ``config.yaml`` uses ``box_thresh=0.5``, ``unclip_ratio=1.6``, ``use_dilation=True``:
    pass them to reproduce it). Only batch item 0 is read.

    Examples
    --------
    >>> m = np.zeros((1, 1, 32, 32), np.float32); m[0, 0, 8:16, 4:28] = 0.9
    >>> k = DBKind()
    >>> ans = k.decode([m])
    >>> len(ans.boxes), k.agreement(ans, ans)["score"], k.empty(k.decode([m * 0]))
    (1, 1.0, True)
    >>> k.first_map(m).shape
    (32, 32)
    >>> k.summary(k.agreement(ans, ans))
    'IoU 1.000 (> 0.3), boxes F1 1.000'
    >>> k.fits([m]), round(k.confidence([m]), 2)
    (True, 0.7)
    """

    name = "db"
    aliases = ("dense",)
    defaults = {
        "thresh": Default(DENSE_THRESHOLD, f"{_PADDLE}: det_db_thresh"),
        "box_thresh": Default(0.6, f"{_PADDLE}: det_db_box_thresh"),
        "unclip_ratio": Default(1.5, f"{_PADDLE}: det_db_unclip_ratio"),
        "use_dilation": Default(False, f"{_PADDLE}: use_dilation"),
        "max_candidates": Default(1000, "PaddleOCR DBPostProcess max_candidates"),
    }

    @staticmethod
    def first_map(array: np.ndarray) -> np.ndarray:
        """Batch item 0 of a map as (H, W)."""
        a = np.asarray(array)
        if a.ndim == 4:
            if a.shape[1] != 1:
                raise InputError(f"a DB map must be (N, 1, H, W), got {a.shape}.")
            a = a[0, 0]
        elif a.ndim == 3:
            a = a[0]
        if a.ndim != 2:
            raise InputError(f"a DB map must be (N, 1, H, W), (N, H, W) or (H, W), got {a.shape}.")
        return a

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> TextBoxes:
        p = self.params(**params)
        (a,) = self.arrays(arrays)
        m = np.asarray(self.first_map(a), dtype=np.float32)  # no copy of a float32 map
        mask = m > p["thresh"]  # thresholded once: the boxes' bitmap and the mask
        boxes, scores = _db_boxes(
            m,
            mask,
            p["box_thresh"],
            p["unclip_ratio"],
            MIN_SIZE,
            p["max_candidates"],
            p["use_dilation"],
        )
        peak = float(m.max()) if m.size else 0.0
        return TextBoxes(boxes, scores, mask, float(p["thresh"]), peak)

    def empty(self, answer: TextBoxes) -> bool:
        return len(answer.boxes) == 0

    def agreement(self, reference: TextBoxes, test: TextBoxes) -> dict[str, float]:
        match = box_match(reference.boxes, test.boxes)
        same = reference.mask.shape == test.mask.shape
        return {
            "score": float(match["f1"]),
            "f1": float(match["f1"]),
            "precision": float(match["precision"]),
            "recall": float(match["recall"]),
            "mean_iou": float(match["mean_iou"]),
            "matched": float(match["matched"]),
            "reference_boxes": float(len(reference.boxes)),
            "test_boxes": float(len(test.boxes)),
            "iou": _bool_iou(reference.mask, test.mask) if same else float("nan"),
            "threshold": reference.threshold,
            "reference_area": float(np.count_nonzero(reference.mask)),
            "test_area": float(np.count_nonzero(test.mask)),
        }

    def summary(self, agreement: Mapping[str, Any]) -> str:
        if not agreement or agreement.get("iou") is None:
            return ""
        line = f"IoU {agreement['iou']:.3f} (> {agreement.get('threshold', DENSE_THRESHOLD):g})"
        if agreement.get("f1") is not None:
            line += f", boxes F1 {agreement['f1']:.3f}"
        return line

    def fits(self, arrays, metadata=None) -> bool:
        """The shapes it reads: one float ``(1, 1, H, W)`` or ``(N, H, W)`` map. A user
        may read any such map as DB; only the guess (:meth:`confidence`) asks its values
        to be probabilities."""
        if len(arrays) != 1:
            return False
        a = np.asarray(arrays[0])
        if a.dtype.kind != "f" or a.size == 0:
            return False
        if a.ndim == 4:
            return a.shape[1] == 1 and a.shape[2] >= 2 and a.shape[3] >= 2
        return a.ndim == 3 and min(a.shape[1:]) >= 2

    def confidence(
        self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> float:
        """How sure a shape guess can be that ``arrays`` is one DB probability map.

        DB's map is a sigmoid output (PaddleOCR ``ppocr/modeling/heads/det_db_head.py``:
        ``Head.forward`` ends in ``F.sigmoid``): a ``(1, 1, H, W)`` map with a value
        outside 0..1 (logits, depth, a heat map) is not one (0), whatever its shape.
        """
        if len(arrays) != 1:
            return 0.0
        a = np.asarray(arrays[0])
        if a.dtype.kind != "f" or a.size == 0:
            return 0.0
        if a.ndim == 4 and a.shape[1] == 1 and a.shape[2] >= 2 and a.shape[3] >= 2:
            return 0.7 if _probabilities(a) else 0.0
        if a.ndim == 3 and min(a.shape[1:]) >= 2:
            return 0.5 if _probabilities(a) else 0.2
        return 0.0


def _probabilities(a: np.ndarray) -> bool:
    """Every value finite and within 0..1 (min / max: NaN fails both comparisons)."""
    lo, hi = float(np.min(a)), float(np.max(a))
    return lo >= 0.0 and hi <= 1.0


@dataclass(frozen=True)
class DBTextDetection:
    """Worked :class:`~nv12_widgets.core.heads.OutputInterpreter`: DB map boxes.

    Decodes the probability map (``output``, default: the only output) of batch item
    0 with :func:`db_boxes`, and scores two box lists with :func:`box_match`'s F1.
    (The built-in kind ``db`` does the same and more; this stays as an example of a
    user's interpreter.)

    Examples
    --------
    >>> from nv12_widgets.core.heads import interpret
    >>> m = np.zeros((1, 1, 32, 32), np.float32); m[0, 0, 8:16, 4:28] = 0.9
    >>> det = DBTextDetection()
    >>> len(det({"maps": m})), interpret(det, {"maps": m}, {"maps": m})["value"]
    (1, 1.0)
    >>> det.metric(det({"maps": m}), det({"maps": m * 0}))
    0.0
    """

    output: str | None = None
    thresh: float = DENSE_THRESHOLD
    box_thresh: float = 0.6
    unclip_ratio: float = 1.5
    iou_threshold: float = 0.5
    name: str = "db-text-boxes F1"

    def __call__(self, outputs: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        if self.output is None:
            if len(outputs) != 1:
                raise InputError(
                    f"the model has {len(outputs)} outputs {list(outputs)}; name the "
                    "probability map with DBTextDetection(output=NAME)."
                )
            (pred,) = outputs.values()
        else:
            if self.output not in outputs:
                raise InputError(f"no output {self.output!r}; outputs are {list(outputs)}.")
            pred = outputs[self.output]
        boxes, _ = db_boxes(
            DBKind.first_map(pred),
            thresh=self.thresh,
            box_thresh=self.box_thresh,
            unclip_ratio=self.unclip_ratio,
        )
        return list(boxes)

    def metric(self, reference: Any, test: Any) -> float:
        return box_match(reference, test, iou_threshold=self.iou_threshold)["f1"]
