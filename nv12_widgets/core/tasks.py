"""Output kinds and the task-level agreement users read (top-k, decoded text, mask IoU).

A cosine says how far an output moved; users ask whether the *answer* changed: the
class, the decoded text, the detected region. This module guesses each output's kind
from its shape and values (override it when the guess is wrong) and measures the
agreement of that kind between a reference output and a test output.

Kinds (:func:`output_kind`, first rule that applies; only floating outputs are judged,
integer / bool / other outputs are ``"other"``):

============  ====================================  ====================================
kind          shapes                                agreement (:func:`task_agreement`)
============  ====================================  ====================================
classifier    (C,), (N, C), (N, C, 1, 1), C >= 2    top-1 / top-5 (``topk_agreement``)
dense         (N, 1, H, W), H, W >= 2               IoU of the maps thresholded at 0.3
sequence      (N, T, C): see below                  per-step argmax agreement, CTC
                                                    greedy decode: exact match, edit
                                                    distance
dense         (N, H, W): see below
other         anything else
============  ====================================  ====================================

A 3-D (N, A, B) output is a **sequence** (T = A steps of C = B scores) when its rows
along the last axis are probability distributions (>= 0, summing to 1 within 1e-3: a
softmax, like PaddleOCR's recogniser, 1 x 40 x 6625) or log-distributions (<= 0,
logsumexp 0 within 1e-3: a log-softmax, like CRNN); else a **dense** map when all its
values are in [0, 1] (a sigmoid map); else a sequence when B > A (more classes than
steps: logits) and a dense map otherwise. The last two are guesses: pass ``override``.

CTC greedy decoding (Graves et al. 2006; PaddleOCR ``ppocr/postprocess/rec_postprocess.py``
``BaseRecLabelDecode.decode``): argmax per step, collapse runs of the same index, drop the
blank (index 0 in PaddleOCR's ``CTCLabelDecode``, which prepends ``"blank"`` to the
dictionary; settable).

Dense maps: ``map > threshold`` (strict, as PaddleOCR's ``DBPostProcess``:
``segmentation = pred > self.thresh``, 0.3 by default); IoU = |A & B| / |A | B|, and the
IoU of two empty masks is 1 by definition (both say "nothing here": they agree).

User interpreters: an :class:`OutputInterpreter` turns the dict of output arrays into a
decoded result (boxes, labels, text) and scores two decoded results with its
``metric``; :class:`Interpreter` builds one from two functions, and
:class:`DBTextDetection` is a worked example for the bundled PP-OCRv4 text detector
(DB post-processing, box matching F1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import cv2
import numpy as np

from ._checks import InputError, check_choice
from .metrics import is_classifier_shaped, topk_agreement

__all__ = [
    "DENSE_THRESHOLD",
    "KINDS",
    "DBTextDetection",
    "Interpreter",
    "OutputInterpreter",
    "box_iou",
    "box_match",
    "ctc_greedy_decode",
    "db_boxes",
    "edit_distance",
    "interpret",
    "mask_iou",
    "output_kind",
    "sequence_agreement",
    "step_agreement",
    "task_agreement",
    "task_summary",
]

KINDS = ("classifier", "sequence", "dense", "other")

#: Default threshold of dense probability maps (PaddleOCR DB ``thresh``).
DENSE_THRESHOLD = 0.3

_DIST_TOL = 1e-3


# ---------------------------------------------------------------------- kinds
def _is_float(a: np.ndarray) -> bool:
    return a.dtype != object and np.issubdtype(a.dtype, np.floating)


def _guess_3d(a: np.ndarray) -> str:
    if a.size == 0 or not np.all(np.isfinite(a)):
        return "other"
    x = a.astype(np.float64)
    if x.min() >= 0.0 and np.all(np.abs(x.sum(axis=-1) - 1.0) <= _DIST_TOL):
        return "sequence"
    if x.max() <= 0.0:
        m = x.max(axis=-1, keepdims=True)
        lse = m[..., 0] + np.log(np.exp(x - m).sum(axis=-1))
        if np.all(np.abs(lse) <= _DIST_TOL):
            return "sequence"
    if x.min() >= 0.0 and x.max() <= 1.0:
        return "dense"
    return "sequence" if a.shape[2] > a.shape[1] else "dense"


def _fits(a: np.ndarray, kind: str) -> bool:
    s = a.shape
    if kind == "classifier":
        return (a.ndim in (1, 2) and s[-1] >= 2) or (a.ndim == 4 and s[2:] == (1, 1))
    if kind == "sequence":
        return a.ndim == 3 and s[2] >= 2
    if kind == "dense":
        return a.ndim == 3 or (a.ndim == 4 and s[1] == 1)
    return True


def output_kind(array: Any, override: str | None = None) -> str:
    """The kind of one model output: "classifier", "sequence", "dense" or "other".

    Parameters
    ----------
    array : array_like
        The output (the reference path's, usually).
    override : {"classifier", "sequence", "dense", "other"}, optional
        Use this kind instead of the guess (checked against the shape).

    Returns
    -------
    str
        See the rule table in the module docstring.

    Raises
    ------
    InputError
        Unknown ``override``, or one the shape cannot be read as (e.g. "sequence" for
        a 2-D array).

    Examples
    --------
    >>> output_kind(np.zeros((1, 1000), np.float32))
    'classifier'
    >>> output_kind(np.full((1, 40, 6625), 1 / 6625, np.float32))
    'sequence'
    >>> output_kind(np.zeros((1, 1, 320, 320), np.float32))
    'dense'
    """
    a = np.asarray(array)
    if override is not None:
        check_choice("override", override, KINDS)
        if not _fits(a, override):
            raise InputError(
                f"an output of shape {a.shape} cannot be read as {override!r}: classifier "
                "needs (C,), (N, C) or (N, C, 1, 1); sequence (N, T, C); dense (N, H, W) "
                "or (N, 1, H, W)."
            )
        return override
    if not _is_float(a) or a.size == 0:
        return "other"
    s = a.shape
    if is_classifier_shaped(a) or (a.ndim == 1 and s[0] >= 2):
        return "classifier"
    if a.ndim == 4 and s[2:] == (1, 1) and s[1] >= 2:
        return "classifier"
    if a.ndim == 4 and s[1] == 1 and s[2] >= 2 and s[3] >= 2:
        return "dense"
    if a.ndim == 3 and s[1] >= 2 and s[2] >= 2:
        return _guess_3d(a)
    return "other"


# ---------------------------------------------------------------------- sequences
def _as_ntc(scores: Any, name: str) -> np.ndarray:
    a = np.asarray(scores)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[2] < 2:
        raise InputError(
            f"{name} must be (T, C) or (N, T, C) per-step scores with C >= 2, got shape {a.shape}."
        )
    return a


def step_agreement(reference: Any, test: Any) -> float:
    """Fraction of steps whose argmax class agrees.

    Parameters
    ----------
    reference, test : array_like
        (T, C) or (N, T, C) per-step scores, same shape.

    Returns
    -------
    float
        In [0, 1], over all N * T steps.
    """
    r, t = _as_ntc(reference, "reference"), _as_ntc(test, "test")
    if r.shape != t.shape:
        raise InputError(f"shapes differ: {r.shape} and {t.shape}.")
    return float(np.mean(np.argmax(r, axis=-1) == np.argmax(t, axis=-1)))


def ctc_greedy_decode(scores: Any, blank: int = 0) -> list[list[int]]:
    """CTC greedy (best path) decoding: argmax per step, collapse repeats, drop blanks.

    Parameters
    ----------
    scores : array_like
        (T, C) or (N, T, C): probabilities, log-probabilities or logits per step.
    blank : int
        Index of the CTC blank (0 in PaddleOCR; some toolkits use C - 1).

    Returns
    -------
    list of list of int
        One label sequence per batch item.

    Examples
    --------
    >>> onehot = np.eye(4)[[1, 1, 0, 1, 2, 2, 0, 0, 3]]  # "a a _ a b b _ _ c"
    >>> ctc_greedy_decode(onehot)
    [[1, 1, 2, 3]]
    """
    a = _as_ntc(scores, "scores")
    if not (isinstance(blank, int | np.integer) and 0 <= blank < a.shape[2]):
        raise InputError(f"blank must be a class index in 0..{a.shape[2] - 1}, got {blank!r}.")
    best = np.argmax(a, axis=-1)
    out = []
    for row in best:
        keep = np.ones(row.shape, bool)
        keep[1:] = row[1:] != row[:-1]
        keep &= row != blank
        out.append([int(v) for v in row[keep]])
    return out


def edit_distance(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Levenshtein distance (insertions, deletions, substitutions, each costing 1).

    Examples
    --------
    >>> edit_distance("kitten", "sitting")
    3
    """
    a, b = list(a), list(b)
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def sequence_agreement(reference: Any, test: Any, *, blank: int = 0) -> dict[str, Any]:
    """Agreement of two per-step score tensors: per step and after CTC decoding.

    Parameters
    ----------
    reference, test : array_like
        (T, C) or (N, T, C), same shape.
    blank : int
        CTC blank index.

    Returns
    -------
    dict
        ``step_agreement`` (fraction of equal per-step argmaxes), ``exact_match``
        (fraction of batch items whose decoded sequences are equal),
        ``edit_distance`` (summed over items), ``normalized_edit_distance`` (mean over
        items of distance / max(len_ref, len_test), 0 when both are empty),
        ``reference_decoded`` / ``test_decoded`` (the label sequences) and ``blank``.
    """
    r, t = _as_ntc(reference, "reference"), _as_ntc(test, "test")
    if r.shape != t.shape:
        raise InputError(f"shapes differ: {r.shape} and {t.shape}.")
    dr, dt = ctc_greedy_decode(r, blank), ctc_greedy_decode(t, blank)
    dists = [edit_distance(x, y) for x, y in zip(dr, dt, strict=True)]
    norm = [
        d / max(len(x), len(y)) if (x or y) else 0.0 for d, x, y in zip(dists, dr, dt, strict=True)
    ]
    return {
        "step_agreement": step_agreement(r, t),
        "exact_match": float(np.mean([x == y for x, y in zip(dr, dt, strict=True)])),
        "edit_distance": int(sum(dists)),
        "normalized_edit_distance": float(np.mean(norm)),
        "reference_decoded": dr,
        "test_decoded": dt,
        "blank": int(blank),
    }


# ---------------------------------------------------------------------- dense maps
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
    a, b = r > threshold, t > threshold
    union = int(np.count_nonzero(a | b))
    if union == 0:
        return 1.0
    return int(np.count_nonzero(a & b)) / union


# ---------------------------------------------------------------------- bundle
def task_agreement(reference: Any, test: Any, kind: str, **opts: Any) -> dict[str, Any]:
    """The task-level agreement of one output pair, for its kind.

    Parameters
    ----------
    reference, test : array_like
        The same output on two paths, same shape.
    kind : {"classifier", "sequence", "dense", "other"}
        Usually ``output_kind(reference, override)``.
    **opts
        ``blank`` (int, sequence), ``threshold`` (float, dense). Others raise.

    Returns
    -------
    dict
        Always ``"kind"``; classifier: ``top1``, ``top5`` (None when C <= 5);
        sequence: see :func:`sequence_agreement`; dense: ``iou``, ``threshold``,
        ``reference_area``, ``test_area`` (pixels above the threshold); other: nothing
        more.

    Examples
    --------
    >>> task_agreement(np.array([[0.1, 0.9]]), np.array([[0.8, 0.2]]), "classifier")
    {'kind': 'classifier', 'top1': 0.0, 'top5': None}
    """
    check_choice("kind", kind, KINDS)
    allowed = {"classifier": set(), "sequence": {"blank"}, "dense": {"threshold"}, "other": set()}
    unknown = set(opts) - allowed[kind]
    if unknown:
        raise InputError(
            f"option(s) {sorted(unknown)} do not apply to kind {kind!r}; "
            f"it takes {sorted(allowed[kind]) or 'none'}."
        )
    r, t = np.asarray(reference), np.asarray(test)
    if r.shape != t.shape:
        raise InputError(f"shapes differ: reference {r.shape}, test {t.shape}.")
    out: dict[str, Any] = {"kind": kind}
    if kind == "classifier":
        if r.ndim == 4:
            r, t = r.reshape(r.shape[:2]), t.reshape(t.shape[:2])
        if not _fits(r, "classifier"):
            raise InputError(f"a classifier output must be (C,) or (N, C), got {r.shape}.")
        out["top1"] = topk_agreement(r, t, k=1)
        out["top5"] = topk_agreement(r, t, k=5) if r.shape[-1] > 5 else None
    elif kind == "sequence":
        out.update(sequence_agreement(r, t, blank=opts.get("blank", 0)))
    elif kind == "dense":
        thr = float(opts.get("threshold", DENSE_THRESHOLD))
        out["iou"] = mask_iou(r, t, thr)
        out["threshold"] = thr
        out["reference_area"] = int(np.count_nonzero(r > thr))
        out["test_area"] = int(np.count_nonzero(t > thr))
    return out


def task_summary(task: Mapping[str, Any] | None) -> str:
    """One short line of a :func:`task_agreement` result, as the tables show it.

    Classifier: ``top-1 1.000, top-5 1.000``; sequence: ``steps 0.975, decoded equal``
    (or ``decoded differs (3 edits)``); dense: ``IoU 0.912 (> 0.3)``; other or None:
    ``""``.

    Examples
    --------
    >>> task_summary({"kind": "dense", "iou": 0.5, "threshold": 0.3})
    'IoU 0.500 (> 0.3)'
    >>> task_summary({"kind": "sequence", "step_agreement": 0.95, "exact_match": 0.0,
    ...               "edit_distance": 2})
    'steps 0.950, decoded differs (2 edits)'
    """
    if not task:
        return ""
    kind = task.get("kind")
    if kind == "classifier" and task.get("top1") is not None:
        top5 = task.get("top5")
        return f"top-1 {task['top1']:.3f}" + (f", top-5 {top5:.3f}" if top5 is not None else "")
    if kind == "sequence" and task.get("step_agreement") is not None:
        exact = task.get("exact_match")
        if exact is None:
            decoded = ""
        elif exact >= 1.0:
            decoded = ", decoded equal"
        else:
            decoded = f", decoded differs ({task.get('edit_distance', '?')} edits)"
        return f"steps {task['step_agreement']:.3f}{decoded}"
    if kind == "dense" and task.get("iou") is not None:
        return f"IoU {task['iou']:.3f} (> {task.get('threshold', DENSE_THRESHOLD):g})"
    return ""


# ---------------------------------------------------------------------- interpreters
@runtime_checkable
class OutputInterpreter(Protocol):
    """A user's decoder for heads we cannot decode generically (YOLO boxes, ...).

    Attributes
    ----------
    name : str
        Shown next to its metric, e.g. "db-text-boxes F1".

    Methods
    -------
    __call__(outputs) -> decoded
        ``outputs`` is the dict output name -> array of one path; returns anything
        (boxes, labels, text).
    metric(reference, test) -> float
        Agreement of two decoded results, higher is better (1 = same answer).
    """

    name: str

    def __call__(self, outputs: Mapping[str, np.ndarray]) -> Any: ...

    def metric(self, reference: Any, test: Any) -> float: ...


@dataclass(frozen=True)
class Interpreter:
    """An :class:`OutputInterpreter` made of two plain functions.

    Examples
    --------
    >>> top = Interpreter("label", lambda o: int(np.argmax(o["y"])), lambda a, b: float(a == b))
    >>> interpret(top, {"y": np.array([0.1, 0.9])}, {"y": np.array([0.7, 0.3])})["value"]
    0.0
    """

    name: str
    decode: Callable[[Mapping[str, np.ndarray]], Any]
    score: Callable[[Any, Any], float]

    def __call__(self, outputs: Mapping[str, np.ndarray]) -> Any:
        return self.decode(outputs)

    def metric(self, reference: Any, test: Any) -> float:
        return float(self.score(reference, test))


def interpret(
    interpreter: OutputInterpreter,
    reference_outputs: Mapping[str, np.ndarray],
    test_outputs: Mapping[str, np.ndarray],
) -> dict[str, Any]:
    """Decode both paths' outputs with ``interpreter`` and score them.

    Returns
    -------
    dict
        ``name``, ``value`` (the metric), ``reference`` and ``test`` (decoded).
    """
    if not isinstance(interpreter, OutputInterpreter):
        raise InputError(
            "interpreter must be callable on the outputs dict and have .name and "
            ".metric(reference, test); build one with Interpreter(name, decode, score)."
        )
    ref = interpreter(reference_outputs)
    test = interpreter(test_outputs)
    return {
        "name": interpreter.name,
        "value": float(interpreter.metric(ref, test)),
        "reference": ref,
        "test": test,
    }


# ---------------------------------------------------------------------- DB text boxes
def _mini_box(points: np.ndarray) -> tuple[np.ndarray, float, tuple]:
    rect = cv2.minAreaRect(points.reshape(-1, 1, 2).astype(np.float32))
    return cv2.boxPoints(rect).astype(np.float64), float(min(rect[1])), rect


def db_boxes(
    prob_map: Any,
    *,
    thresh: float = DENSE_THRESHOLD,
    box_thresh: float = 0.6,
    unclip_ratio: float = 1.5,
    min_size: int = 3,
    max_candidates: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """DB post-processing of a text probability map into rotated boxes ("quad" mode).

    Re-implements PaddleOCR ``ppocr/postprocess/db_postprocess.py``
    ``DBPostProcess.boxes_from_bitmap`` with the PP-OCR inference defaults of
    ``tools/infer/utility.py`` (``det_db_thresh=0.3``, ``det_db_box_thresh=0.6``,
    ``det_db_unclip_ratio=1.5``, ``min_size=3``): ``bitmap = map > thresh``;
    ``cv2.findContours(RETR_LIST, CHAIN_APPROX_SIMPLE)``; per contour the minimum-area
    rectangle (dropped when its short side < ``min_size``); its score is the mean of
    the map inside the rectangle (``box_score_fast``, dropped below ``box_thresh``);
    it is "unclipped" by ``d = area * unclip_ratio / perimeter``. PaddleOCR offsets the
    polygon with pyclipper (round joins) and takes the minimum-area rectangle again;
    for a rectangle that is exactly the rectangle grown by ``d`` on every side, which
    is what is done here (no pyclipper). Boxes whose short side is then below
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
    """
    m = np.asarray(prob_map, dtype=np.float32)
    while m.ndim > 2 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 2:
        raise InputError(
            f"db_boxes() takes one (H, W) map (or with leading 1-axes), got {np.shape(prob_map)}."
        )
    bitmap = (m > thresh).astype(np.uint8) * 255
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    h, w = m.shape
    boxes, scores = [], []
    for contour in contours[:max_candidates]:
        pts, sside, rect = _mini_box(contour)
        if sside < min_size:
            continue
        xmin = int(np.clip(np.floor(pts[:, 0].min()), 0, w - 1))
        xmax = int(np.clip(np.ceil(pts[:, 0].max()), 0, w - 1))
        ymin = int(np.clip(np.floor(pts[:, 1].min()), 0, h - 1))
        ymax = int(np.clip(np.ceil(pts[:, 1].max()), 0, h - 1))
        mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), np.uint8)
        shifted = (pts - [xmin, ymin]).astype(np.int32).reshape(1, -1, 2)
        cv2.fillPoly(mask, shifted, 1)
        score = cv2.mean(m[ymin : ymax + 1, xmin : xmax + 1], mask)[0]
        if score < box_thresh:
            continue
        (cx, cy), (rw, rh), angle = rect
        d = rw * rh * unclip_ratio / (2.0 * (rw + rh))
        grown = ((cx, cy), (rw + 2 * d, rh + 2 * d), angle)
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
    """Match two sets of boxes one to one (greedy by IoU) and score the match.

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
class DBTextDetection:
    """Worked :class:`OutputInterpreter`: the bundled PP-OCRv4 detector's boxes.

    Decodes the probability map (``output``, default: the only output) of batch item
    0 with :func:`db_boxes`, and scores two box lists with :func:`box_match`'s F1.

    Examples
    --------
    >>> m = np.zeros((1, 1, 32, 32), np.float32); m[0, 0, 8:16, 4:28] = 0.9
    >>> det = DBTextDetection()
    >>> len(det({"maps": m})), interpret(det, {"maps": m}, {"maps": m})["value"]
    (1, 1.0)
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
        pred = np.asarray(pred)
        if pred.ndim == 4:
            pred = pred[0, 0]
        elif pred.ndim == 3:
            pred = pred[0]
        boxes, _ = db_boxes(
            pred, thresh=self.thresh, box_thresh=self.box_thresh, unclip_ratio=self.unclip_ratio
        )
        return list(boxes)

    def metric(self, reference: Any, test: Any) -> float:
        return box_match(reference, test, iou_threshold=self.iou_threshold)["f1"]
