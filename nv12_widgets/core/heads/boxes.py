"""Axis-aligned detections: the answer, NMS, and detection agreement in task terms.

The answer of every detector kind is a :class:`Detections` (boxes ``x1, y1, x2, y2``
in model-input pixels, scores, class indices, optional keypoints / extras / masks).

:func:`nms` is greedy non-maximum suppression as the detectors' own code does it:
sort by score, keep the best, drop the rest whose IoU with it exceeds the threshold
(``iou <= thr`` survives: torchvision / Ultralytics ``TorchNMS.nms``, YOLOX
``demo_utils.nms``, PaddleDetection PicoDet ``hard_nms``, OpenCV ``NMSBoxes``).
``offset=1`` is the "+1 pixel" area convention of YOLOX's and Fast R-CNN's NMS.

:func:`detection_agreement` judges a test path's detections with the reference
path's as ground truth: per class, test detections in descending score order are
matched greedily to the unmatched reference box of the same class with the highest
IoU >= 0.5 (pycocotools ``COCOeval.evaluateImg``; PASCAL VOC devkit). From that:
precision, recall, F1 (``"score"``), AP@0.5 per class with **all-point
interpolation** (PASCAL VOC 2010-2012 devkit ``VOCap.m``; py-faster-rcnn
``voc_eval.py`` ``voc_ap(use_07_metric=False)``), averaged over the classes the
reference has (mAP@0.5), and the mean IoU and pixel shift of matched boxes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .._checks import InputError
from .base import OutputKind

__all__ = [
    "DetectionKind",
    "Detections",
    "average_precision",
    "detection_agreement",
    "greedy_nms",
    "iou_matrix",
    "match_image",
    "nms",
    "pooled_average_precision",
    "xywh_to_xyxy",
]


@dataclass(frozen=True)
class Detections:
    """A detector's answer.

    Attributes
    ----------
    boxes : numpy.ndarray
        (K, 4) float64 ``x1, y1, x2, y2`` in model-input pixels.
    scores : numpy.ndarray
        (K,) confidences.
    classes : numpy.ndarray
        (K,) int64 class indices.
    names : tuple of str or None
        Class index -> name.
    keypoints : numpy.ndarray or None
        (K, P, 2 or 3) landmarks / pose keypoints (x, y[, visibility]).
    extras : numpy.ndarray or None
        (K, E) other per-box rows of the head (mask coefficients...).
    masks : numpy.ndarray or None
        (K, h, w) bool instance masks (segmentation heads, prototype resolution).
    peak : float
        The highest class confidence in the head (how close it came to detecting).

    Examples
    --------
    >>> d = Detections(np.array([[0, 0, 10, 10.]]), np.array([0.9]), np.array([2]))
    >>> len(d), d.label(0)
    (1, '2')
    >>> len(Detections.none()), Detections.none().boxes.shape
    (0, (0, 4))
    """

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    names: tuple[str, ...] | None = None
    keypoints: np.ndarray | None = None
    extras: np.ndarray | None = None
    masks: np.ndarray | None = None
    peak: float = float("nan")

    def __len__(self) -> int:
        return len(self.boxes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON / drawing: one record per box (``box`` x1 y1 x2 y2,
        ``score``, ``class``, ``label``; ``keypoints`` when present) and ``peak``.

        Examples
        --------
        >>> d = Detections(np.array([[0, 0, 10, 10.]]), np.array([0.9]), np.array([0]), ("cat",))
        >>> d.to_dict()["boxes"][0]["label"]
        'cat'
        """
        records = []
        for i in range(len(self)):
            rec = {
                "box": [float(v) for v in self.boxes[i]],
                "score": float(self.scores[i]),
                "class": int(self.classes[i]),
                "label": self.label(i),
            }
            if self.keypoints is not None:
                rec["keypoints"] = self.keypoints[i].astype(float).tolist()
            records.append(rec)
        return {"boxes": records, "peak": float(self.peak)}

    def label(self, i: int) -> str:
        """The class name of detection ``i`` (its index when names are unknown)."""
        c = int(self.classes[i])
        return self.names[c] if self.names and 0 <= c < len(self.names) else str(c)

    @classmethod
    def none(cls, peak: float = float("nan"), names=None) -> Detections:
        """An empty answer."""
        return cls(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), names, peak=peak)


def xywh_to_xyxy(boxes: Any) -> np.ndarray:
    """Centre / size boxes ``(cx, cy, w, h)`` to corners ``(x1, y1, x2, y2)``.

    Examples
    --------
    >>> xywh_to_xyxy([[10, 10, 4, 2]]).tolist()
    [[8.0, 9.0, 12.0, 11.0]]
    """
    b = np.asarray(boxes, np.float64)
    out = np.empty_like(b)
    half = b[..., 2:4] / 2
    out[..., :2] = b[..., :2] - half
    out[..., 2:4] = b[..., :2] + half
    return out


def iou_matrix(a: Any, b: Any, offset: float = 0.0) -> np.ndarray:
    """IoU of every box of ``a`` (M, 4) with every box of ``b`` (N, 4), xyxy.

    Degenerate boxes (``x2 <= x1`` or ``y2 <= y1``, e.g. a head's negative widths)
    have no area; two identical boxes have IoU 1 even then (they are the same answer).

    Examples
    --------
    >>> iou_matrix([[0, 0, 2, 2]], [[1, 0, 3, 2], [5, 5, 6, 6]]).round(4).tolist()
    [[0.3333, 0.0]]
    >>> iou_matrix([[3, 3, 1, 1]], [[3, 3, 1, 1]]).tolist()
    [[1.0]]
    """
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt + offset, 0.0, None)
    inter = wh[..., 0] * wh[..., 1]
    size_a = np.clip(a[:, 2:] - a[:, :2] + offset, 0.0, None)
    size_b = np.clip(b[:, 2:] - b[:, :2] + offset, 0.0, None)
    area_a, area_b = size_a[:, 0] * size_a[:, 1], size_b[:, 0] * size_b[:, 1]
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return np.where(np.all(a[:, None, :] == b[None, :, :], axis=-1), 1.0, iou)


def nms(
    boxes: Any,
    scores: Any,
    iou_threshold: float,
    *,
    offset: float = 0.0,
    max_det: int | None = None,
) -> np.ndarray:
    """Greedy NMS: indices of the kept boxes, best score first.

    Parameters
    ----------
    boxes : array_like
        (N, 4) xyxy (add a per-class offset to the coordinates for class-aware NMS,
        as Ultralytics does with ``max_wh``).
    scores : array_like
        (N,).
    iou_threshold : float
        Boxes overlapping a kept one by more than this are dropped.
    offset : float
        0 (torchvision, Ultralytics, OpenCV, PicoDet) or 1 (YOLOX demo: ``+ 1`` in
        widths and heights).
    max_det : int, optional
        Stop after this many kept boxes.

    Examples
    --------
    >>> nms([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5).tolist()
    [0, 2]
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    s = np.asarray(scores, np.float64).reshape(-1)
    if len(b) != len(s):
        raise InputError(f"nms() got {len(b)} boxes and {len(s)} scores.")
    if offset == 0 and len(b) > 1 and np.all(np.isfinite(b)) and s.min() > 0:
        # the same rule in C++ (greedy_nms is tested equal to it): OpenCV's NMSBoxes on
        # (x, y, w, h), every score > 0 a candidate
        xywh = np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], 1)
        kept = cv2.dnn.NMSBoxes(xywh, s, 0.0, float(iou_threshold))
        kept = np.asarray(kept, np.int64).reshape(-1)
        return kept[:max_det] if max_det is not None else kept
    return greedy_nms(b, s, iou_threshold, offset=offset, max_det=max_det)


def greedy_nms(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    *,
    offset: float = 0.0,
    max_det: int | None = None,
) -> np.ndarray:
    """The numpy loop of :func:`nms` (any offset, any scores).

    Examples
    --------
    >>> b = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]], float)
    >>> greedy_nms(b, np.array([0.9, 0.8, 0.7]), 0.5).tolist()
    [0, 2]
    """
    b, s = np.asarray(boxes, np.float64), np.asarray(scores, np.float64)
    x1, y1, x2, y2 = b.T
    areas = (x2 - x1 + offset) * (y2 - y1 + offset)
    order = np.argsort(-s, kind="stable")
    keep: list[int] = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        if max_det is not None and len(keep) >= max_det:
            break
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + offset)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + offset)
        inter = w * h
        with np.errstate(divide="ignore", invalid="ignore"):
            iou = inter / (areas[i] + areas[rest] - inter)
        order = rest[~(iou > iou_threshold)]
    return np.asarray(keep, np.int64)


def average_precision(tp: Sequence[bool], n_reference: int) -> float:
    """All-point interpolated AP of score-ordered hits (PASCAL VOC 2010+ ``VOCap``).

    Parameters
    ----------
    tp : sequence of bool
        For each test detection of one class in descending score order: matched?
    n_reference : int
        Reference (ground-truth) boxes of that class (> 0).

    Examples
    --------
    >>> average_precision([True, False, True], 2)  # P=1 at R=.5, P=2/3 at R=1
    0.8333333333333333
    """
    if n_reference <= 0:
        raise InputError("average_precision() needs at least one reference box.")
    hits = [bool(h) for h in tp]  # plain Python: a few detections per class
    if not hits:
        return 0.0
    found, precision, recall = 0, [0.0], [0.0]
    for i, hit in enumerate(hits, 1):
        found += hit
        precision.append(found / i)
        recall.append(found / n_reference)
    precision.append(0.0)
    recall.append(1.0)
    for i in range(len(precision) - 2, -1, -1):  # the precision envelope
        precision[i] = max(precision[i], precision[i + 1])
    return float(
        sum(
            (recall[i + 1] - recall[i]) * precision[i + 1]
            for i in range(len(recall) - 1)
            if recall[i + 1] != recall[i]
        )
    )


def _match_class(ref: np.ndarray, test: np.ndarray, test_scores: np.ndarray, thr: float):
    """Greedy COCO-style matching of one class: (hits in score order, pairs (t, r, iou))."""
    order = np.argsort(-test_scores, kind="stable")
    ious = iou_matrix(test[order], ref) if len(ref) and len(test) else np.zeros((len(test), 0))
    used = np.zeros(len(ref), bool)
    hits, pairs = [], []
    for row, t in enumerate(order):
        cand = np.where(used, -1.0, ious[row]) if len(ref) else np.zeros(0)
        j = int(np.argmax(cand)) if cand.size else -1
        if j >= 0 and cand[j] >= thr:
            used[j] = True
            hits.append(True)
            pairs.append((int(t), j, float(cand[j])))
        else:
            hits.append(False)
    return hits, pairs


def detection_agreement(
    reference: Detections, test: Detections, *, iou_threshold: float = 0.5
) -> dict[str, float]:
    """Agreement of a test path's detections with the reference's (as ground truth).

    Returns
    -------
    dict
        ``score`` (= ``f1``), ``precision``, ``recall``, ``ap50`` (mAP@0.5 over the
        reference's classes, all-point interpolation; 1 when both answers are empty,
        0 when only the reference is), ``mean_iou`` and ``mean_shift`` / ``max_shift``
        (mean / max absolute corner-coordinate difference of matched boxes, pixels),
        ``matched``, ``reference_boxes``, ``test_boxes`` and ``class_changes`` (boxes
        that stayed, IoU >= 0.5, but changed class); with instance masks on both sides,
        ``mask_iou`` (mean mask IoU of matched boxes). Two empty answers agree.

    Examples
    --------
    >>> r = Detections(np.array([[0, 0, 10, 10.], [20, 20, 30, 30]]), np.array([.9, .8]),
    ...                np.array([0, 1]))
    >>> t = Detections(np.array([[1, 0, 11, 10.]]), np.array([.9]), np.array([0]))
    >>> a = detection_agreement(r, t)
    >>> a["precision"], a["recall"], a["ap50"], a["mean_shift"]
    (1.0, 0.5, 0.5, 0.5)
    """
    nr, nt = len(reference), len(test)
    base = {"matched": 0.0, "reference_boxes": float(nr), "test_boxes": float(nt)}
    if nr == 0 and nt == 0:
        ones = dict.fromkeys(("score", "f1", "precision", "recall", "ap50", "mean_iou"), 1.0)
        return {**ones, "mean_shift": 0.0, "max_shift": 0.0, **base, "class_changes": 0.0}
    classes = np.union1d(reference.classes, test.classes)
    tp_total, aps, ious, shifts, mask_ious = 0, [], [], [], []
    free_ref, free_test = np.ones(nr, bool), np.ones(nt, bool)
    for c in classes:
        rm, tm = np.nonzero(reference.classes == c)[0], np.nonzero(test.classes == c)[0]
        ref_b, test_b = reference.boxes[rm], test.boxes[tm]
        hits, pairs = _match_class(ref_b, test_b, test.scores[tm], iou_threshold)
        tp_total += len(pairs)
        if len(ref_b):
            aps.append(average_precision(hits, len(ref_b)))
        for t, r, iou in pairs:
            ious.append(iou)
            shifts.append(np.abs(test_b[t] - ref_b[r]))
            free_ref[rm[r]], free_test[tm[t]] = False, False
            if reference.masks is not None and test.masks is not None:
                a, b = reference.masks[rm[r]], test.masks[tm[t]]
                union = np.count_nonzero(a | b)
                mask_ious.append(np.count_nonzero(a & b) / union if union else 1.0)
    changed = _class_changes(reference, test, free_ref, free_test, iou_threshold)
    extra = {"mask_iou": sum(mask_ious) / len(mask_ious)} if mask_ious else {}
    precision = tp_total / nt if nt else 0.0
    recall = tp_total / nr if nr else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp_total else 0.0
    shift = np.asarray(shifts) if shifts else np.zeros((0, 4))
    return {
        "score": f1,
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "ap50": sum(aps) / len(aps) if aps else 0.0,
        "mean_iou": sum(ious) / len(ious) if ious else 0.0,
        "mean_shift": float(shift.mean()) if shift.size else float("nan"),
        "max_shift": float(shift.max()) if shift.size else float("nan"),
        **base,
        "matched": float(tp_total),
        "class_changes": float(changed),
        **extra,
    }


def match_image(
    truth: Detections, test: Detections, *, iou_threshold: float = 0.5
) -> dict[int, tuple[np.ndarray, np.ndarray, int]]:
    """One image's detections matched to its ground truth, per class, for a set's mAP.

    The matching is :func:`detection_agreement`'s (greedy, best unmatched box of the
    same class at IoU >= ``iou_threshold``, pycocotools ``COCOeval.evaluateImg``).

    Returns
    -------
    dict
        class -> ``(scores, hits, n_truth)``: the test detections' scores in descending
        order, whether each matched a ground-truth box, and that class's ground-truth
        boxes in the image. Read by :func:`pooled_average_precision`.

    Examples
    --------
    >>> gt = Detections(np.array([[0, 0, 10, 10.]]), np.ones(1), np.array([3]))
    >>> t = Detections(np.array([[0, 0, 10, 9.], [50, 50, 60, 60]]), np.array([.6, .9]),
    ...                np.array([3, 3]))
    >>> scores, hits, n = match_image(gt, t)[3]
    >>> scores.tolist(), hits.tolist(), n
    ([0.9, 0.6], [False, True], 1)
    """
    out = {}
    for c in np.union1d(truth.classes, test.classes):
        rm, tm = truth.classes == c, test.classes == c
        scores = np.asarray(test.scores[tm], np.float64)
        hits, _pairs = _match_class(truth.boxes[rm], test.boxes[tm], scores, iou_threshold)
        ordered = scores[np.argsort(-scores, kind="stable")]
        out[int(c)] = (ordered, np.asarray(hits, bool), int(np.count_nonzero(rm)))
    return out


def pooled_average_precision(
    matches: Sequence[Mapping[int, tuple[np.ndarray, np.ndarray, int]]],
) -> dict[str, Any]:
    """mAP@0.5 of a set of images: per class, every image's detections pooled.

    PASCAL VOC 2010-2012 evaluation (devkit ``VOCevaldet.m`` / ``VOCap.m``;
    py-faster-rcnn ``lib/datasets/voc_eval.py`` with ``use_07_metric=False``): per
    class, the test detections of all images sorted by descending score, each a hit
    or a false positive as matched in its own image (:func:`match_image`), AP with
    **all-point interpolation** (:func:`average_precision`) over the class's
    ground-truth boxes in the set; mAP = the mean over the classes that have ground
    truth. Ties in score keep the images' order (a stable sort). Differences from
    the devkit: no "difficult" flags; matching takes the best *unmatched* box
    (COCO) where the devkit takes the best box and counts a duplicate.

    Parameters
    ----------
    matches : sequence of dict
        :func:`match_image` of each image (resampled images may repeat).

    Returns
    -------
    dict
        ``map50`` (NaN when no image has ground truth), ``per_class`` (class -> AP),
        ``truth_boxes``, ``detections``.

    Examples
    --------
    >>> gt = Detections(np.array([[0, 0, 10, 10.]]), np.ones(1), np.array([0]))
    >>> hit = Detections(np.array([[0, 0, 10, 10.]]), np.array([.8]), np.array([0]))
    >>> miss = Detections(np.array([[40, 40, 50, 50.]]), np.array([.9]), np.array([0]))
    >>> r = pooled_average_precision([match_image(gt, hit), match_image(gt, miss)])
    >>> r["map50"]  # ranked: miss (.9), hit (.8): P=1/2 at R=1/2
    0.25
    """
    scores: dict[int, list[np.ndarray]] = {}
    hits: dict[int, list[np.ndarray]] = {}
    truth: dict[int, int] = {}
    for image in matches:
        for c, (s, h, n) in image.items():
            scores.setdefault(c, []).append(np.asarray(s, np.float64))
            hits.setdefault(c, []).append(np.asarray(h, bool))
            truth[c] = truth.get(c, 0) + int(n)
    per_class = {}
    for c in sorted(truth):
        if truth[c] <= 0:
            continue
        s, h = np.concatenate(scores[c]), np.concatenate(hits[c])
        per_class[c] = average_precision(h[np.argsort(-s, kind="stable")], truth[c])
    return {
        "map50": float(np.mean(list(per_class.values()))) if per_class else float("nan"),
        "per_class": per_class,
        "truth_boxes": int(sum(truth.values())),
        "detections": int(sum(len(x) for v in scores.values() for x in v)),
    }


def _class_changes(reference, test, free_ref, free_test, thr: float) -> int:
    """Unmatched test boxes on an unmatched reference box of another class (IoU >= thr),
    one to one: the boxes that stayed but changed class."""
    r_idx, t_idx = np.nonzero(free_ref)[0], np.nonzero(free_test)[0]
    if not len(r_idx) or not len(t_idx):
        return 0
    ious = iou_matrix(test.boxes[t_idx], reference.boxes[r_idx])
    changed, used = 0, set()
    for row in np.argsort(-test.scores[t_idx], kind="stable"):
        for j in np.argsort(-ious[row], kind="stable"):
            if ious[row, j] < thr:
                break
            if j not in used:
                used.add(j)
                changed += 1
                break
    return changed


class DetectionKind(OutputKind):
    """Shared behaviour of detector kinds: empty, agreement, summary.

    Examples
    --------
    >>> DetectionKind().empty(Detections.none())
    True
    >>> k = DetectionKind()
    >>> a = Detections(np.array([[0, 0, 10, 10.]]), np.array([0.9]), np.array([2]))
    >>> b = Detections(np.array([[0, 0, 10, 12.]]), np.array([0.8]), np.array([2]))
    >>> agreement = k.agreement(a, b)
    >>> round(agreement["score"], 4)
    1.0
    >>> k.summary(agreement)
    'F1 1.000, AP50 1.000, 1/1 boxes, IoU 0.833, shift 0.50 px'
    """

    def empty(self, answer: Detections) -> bool:
        return len(answer) == 0

    def agreement(self, reference: Detections, test: Detections) -> dict[str, float]:
        return detection_agreement(reference, test)

    def summary(self, agreement: Mapping[str, Any]) -> str:
        if not agreement or agreement.get("f1") is None:
            return ""
        line = (
            f"F1 {agreement['f1']:.3f}, AP50 {agreement['ap50']:.3f}, "
            f"{int(agreement['matched'])}/{int(agreement['reference_boxes'])} boxes"
        )
        if agreement.get("matched"):
            line += f", IoU {agreement['mean_iou']:.3f}, shift {agreement['mean_shift']:.2f} px"
        if agreement.get("class_changes"):
            line += f", {int(agreement['class_changes'])} changed class"
        return line
