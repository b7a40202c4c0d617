"""Classifiers (top-k), semantic segmentation (argmax masks, mIoU) and "other".

Classifier answers are the score rows themselves: top-1 / top-5 agreement is
:func:`nv12_widgets.core.metrics.topk_agreement` (the one home of that rule).
Segmentation answers are the per-pixel argmax over the class axis of ``(N, C, H, W)``;
two masks agree by their mean IoU over the classes present in either (the PASCAL VOC /
Cityscapes mIoU, per image) and by pixel accuracy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import InputError
from ..metrics import is_classifier_shaped, topk_agreement
from .base import Default, OutputKind

__all__ = [
    "BinaryKind",
    "BinaryScores",
    "ClassScores",
    "ClassifierKind",
    "OtherKind",
    "SegmentationKind",
    "SegmentationMask",
    "MAX_LABEL",
    "label_map",
    "mean_iou",
]


@dataclass(frozen=True)
class ClassScores:
    """A classifier's answer: the ``(N, C)`` scores and the confidence floor used.

    Examples
    --------
    >>> ClassifierKind().decode([np.array([0.2, 0.8])]).scores.shape
    (1, 2)
    """

    scores: np.ndarray
    min_confidence: float = 0.0


class ClassifierKind(OutputKind):
    """Class scores ``(C,)``, ``(N, C)`` or ``(N, C, 1, 1)``: top-1 / top-5.

    The answer is a :class:`ClassScores` (the ``(N, C)`` scores). A classifier always answers (an argmax
    exists); ``min_confidence`` (default 0: no family threshold exists) makes answers
    whose best score is at or below it "empty".

    Examples
    --------
    >>> k = ClassifierKind()
    >>> k.compare([np.array([[0.1, 0.9]])], [np.array([[0.8, 0.2]])])
    {'score': 0.0, 'top1': 0.0, 'top5': None}
    >>> ans = k.decode([np.array([[0.1, 0.9]])])
    >>> ans.scores.tolist(), k.empty(ans)
    ([[0.1, 0.9]], False)
    >>> k.summary(k.agreement(ans, ans))
    'top-1 1.000'
    >>> k.fits([np.zeros((1, 1000))]), round(k.confidence([np.zeros((1, 1000))]), 2)
    (True, 0.8)
    >>> k.fits([np.zeros((1, 3, 8, 8))])
    False
    """

    name = "classifier"
    defaults = {
        "min_confidence": Default(0.0, "none: a classifier's argmax always answers"),
    }

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> ClassScores:
        p = self.params(**params)
        (a,) = self.arrays(arrays)
        if a.ndim == 4 and a.shape[2:] == (1, 1):
            a = a.reshape(a.shape[:2])
        if a.ndim == 1:
            a = a[None]
        if a.ndim != 2 or a.shape[1] < 2:
            raise InputError(
                f"a classifier output must be (C,), (N, C) or (N, C, 1, 1), got {a.shape}."
            )
        return ClassScores(a, float(p["min_confidence"]))

    def empty(self, answer: ClassScores) -> bool:
        floor = answer.min_confidence
        return bool(floor > 0 and np.max(answer.scores) <= floor)

    def agreement(self, reference: ClassScores, test: ClassScores) -> dict[str, Any]:
        reference, test = reference.scores, test.scores
        if reference.shape != test.shape:
            raise InputError(f"shapes differ: reference {reference.shape}, test {test.shape}.")
        top1 = topk_agreement(reference, test, k=1)
        top5 = topk_agreement(reference, test, k=5) if reference.shape[-1] > 5 else None
        return {"score": top1, "top1": top1, "top5": top5}

    def summary(self, agreement: Mapping[str, Any]) -> str:
        if not agreement or agreement.get("top1") is None:
            return ""
        top5 = agreement.get("top5")
        return f"top-1 {agreement['top1']:.3f}" + (
            f", top-5 {top5:.3f}" if top5 is not None else ""
        )

    def fits(self, arrays, metadata=None) -> bool:
        """The shapes it reads (see :meth:`confidence`)."""
        return self.confidence(arrays, metadata) > 0.0

    def confidence(
        self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> float:
        if len(arrays) != 1:
            return 0.0
        a = np.asarray(arrays[0])
        if a.dtype.kind != "f" or a.size == 0:
            return 0.0
        if metadata and metadata.get("task") == "classify":
            return 0.95
        if is_classifier_shaped(a) or (a.ndim == 1 and a.shape[0] >= 2):
            return 0.8
        if a.ndim == 4 and a.shape[2:] == (1, 1) and a.shape[1] >= 2:
            return 0.8
        if a.ndim == 2 and a.shape[1] >= 2:
            return 0.5
        return 0.0


@dataclass(frozen=True)
class BinaryScores:
    """A one-output binary classifier's answer: one score per image and the threshold.

    Examples
    --------
    >>> BinaryScores(np.array([0.7, 0.2]), 0.5).positive.tolist()
    [True, False]
    """

    scores: np.ndarray
    threshold: float = 0.5

    @property
    def positive(self) -> np.ndarray:
        """``score > threshold`` per image (the predicted class is 1)."""
        return self.scores > self.threshold


class BinaryKind(OutputKind):
    """A binary sigmoid classifier: one score per image, ``(N, 1)`` or ``(1,)``.

    The class is 1 when the sigmoid probability is above 0.5 (Keras
    ``keras/src/metrics/accuracy_metrics.py`` ``BinaryAccuracy(threshold=0.5)``;
    scikit-learn ``LinearClassifierMixin.predict``: decision function ``> 0``, i.e. a
    probability ``> 0.5``); for logits (``logits=True``: values outside [0, 1]) the
    same rule is ``logit > 0``. Two answers agree image by image when they fall on
    the same side of the threshold (``score``: the fraction that do); ``max_change``
    is how far the score moved. A binary classifier always answers (never empty).

    Examples
    --------
    >>> k = BinaryKind()
    >>> a = k.agreement(k.decode([np.array([[0.7]])]), k.decode([np.array([[0.4]])]))
    >>> a["score"], round(a["max_change"], 2)
    (0.0, 0.3)
    >>> k.summary(a)
    'same side of 0.5: 0/1 (ref 1 positive, test 0)'
    >>> k.confidence([np.array([[0.7]], np.float32)]), k.confidence([np.array([[3.2]], np.float32)])
    (0.75, 0.5)
    >>> k.suggest([np.array([[3.2]], np.float32)]), k.decode([np.array([[3.2]])], logits=True).threshold
    ({'logits': True}, 0.0)
    >>> k.fits([np.array([[0.7]], np.float32)]), k.fits([np.zeros((1, 10), np.float32)])
    (True, False)
    """

    name = "binary"
    aliases = ("sigmoid", "binary_classifier")
    defaults = {
        "threshold": Default(
            0.5, "Keras BinaryAccuracy(threshold=0.5); scikit-learn predict (proba > 0.5)"
        ),
        "logits": Default(False, "sigmoid outputs; True: logits, compared with 0"),
    }

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> BinaryScores:
        p = self.params(**params)
        (a,) = self.arrays(arrays)
        if not self.fits([a]):
            raise InputError(f"a binary classifier output must be (N, 1) or (1,), got {a.shape}.")
        t = float(p["threshold"])
        if p["logits"]:
            t = float(np.log(t / (1.0 - t)))  # the logit of the probability threshold
        return BinaryScores(a.reshape(-1).astype(np.float64), t)

    def agreement(self, reference: BinaryScores, test: BinaryScores) -> dict[str, Any]:
        if reference.scores.shape != test.scores.shape:
            raise InputError(
                f"shapes differ: reference {reference.scores.shape}, test {test.scores.shape}."
            )
        same = reference.positive == test.positive
        change = np.abs(test.scores - reference.scores)
        return {
            "score": float(same.mean()),
            "same_side": float(same.sum()),
            "images": float(same.size),
            "reference_positive": float(reference.positive.sum()),
            "test_positive": float(test.positive.sum()),
            "max_change": float(change.max()) if change.size else 0.0,
            "threshold": reference.threshold,
        }

    def summary(self, agreement: Mapping[str, Any]) -> str:
        if not agreement or agreement.get("same_side") is None:
            return ""
        return (
            f"same side of {agreement['threshold']:g}: "
            f"{int(agreement['same_side'])}/{int(agreement['images'])} "
            f"(ref {int(agreement['reference_positive'])} positive, "
            f"test {int(agreement['test_positive'])})"
        )

    def fits(self, arrays, metadata=None) -> bool:
        """``(N, 1)`` or ``(1,)`` float."""
        if len(arrays) != 1:
            return False
        a = np.asarray(arrays[0])
        shaped = (a.ndim == 2 and a.shape[1] == 1) or a.shape == (1,)
        return shaped and a.dtype.kind == "f" and a.size > 0

    def confidence(self, arrays, metadata=None) -> float:
        """0.75 for ``(N, 1)`` probabilities (every value in [0, 1]), 0.5 for logits: a
        guess that informs but does not decide verdicts (below the model layer's
        trusted 0.8: a single regressed value looks the same); name the kind to let
        its answers decide."""
        if not self.fits(arrays):
            return 0.0
        a = np.asarray(arrays[0])
        if not np.all(np.isfinite(a)):
            return 0.0
        return 0.75 if a.min() >= 0 and a.max() <= 1 else 0.5

    def suggest(self, arrays, metadata=None) -> dict[str, Any]:
        a = np.asarray(arrays[0])
        return {"logits": True} if a.size and (a.min() < 0 or a.max() > 1) else {}


@dataclass(frozen=True)
class SegmentationMask:
    """A semantic segmentation answer: ``labels`` (N, H, W) class indices.

    Examples
    --------
    >>> SegmentationKind().decode([np.zeros((1, 2, 8, 8))]).labels.shape
    (1, 8, 8)
    """

    labels: np.ndarray
    num_classes: int
    background: int | None = 0


def mean_iou(reference: np.ndarray, test: np.ndarray, num_classes: int) -> dict[str, float]:
    """Mean IoU over the classes present in either label map, and pixel accuracy.

    Per class c: ``|R==c & T==c| / |R==c | T==c|``; classes absent from both are
    skipped (the VOC / Cityscapes convention of ignoring classes without pixels); two
    maps with no class at all agree (mIoU 1).

    Examples
    --------
    >>> r = np.array([[0, 0, 1, 1]]); t = np.array([[0, 1, 1, 1]])
    >>> mean_iou(r, t, 2)["miou"]  # class 0: 1/2, class 1: 2/3
    0.5833333333333333
    """
    r, t = np.asarray(reference).ravel(), np.asarray(test).ravel()
    if r.shape != t.shape:
        raise InputError(f"label maps differ in shape: {reference.shape} and {test.shape}.")
    n = int(num_classes)
    confusion = np.bincount(r.astype(np.int64) * n + t.astype(np.int64), minlength=n * n)
    confusion = confusion.reshape(n, n)
    inter = np.diag(confusion).astype(np.float64)
    union = confusion.sum(0) + confusion.sum(1) - inter
    present = union > 0
    miou = float(np.mean(inter[present] / union[present])) if present.any() else 1.0
    acc = float(inter.sum() / r.size) if r.size else 1.0
    return {"miou": miou, "pixel_accuracy": acc, "classes": float(present.sum())}


#: The largest class index an integer map may hold to be read as a label map (the
#: logits' channel limit of :class:`SegmentationKind`).
MAX_LABEL = 1023


def label_map(array: Any) -> np.ndarray | None:
    """An argmax label map as ``(N, H, W)`` int64, or None when ``array`` is not one:
    integer or boolean, ``(H, W)``, ``(N, H, W)`` or ``(N, 1, H, W)``, values in
    ``0..MAX_LABEL``. Segmentation exports often end in ArgMax: PaddleSeg's
    ``tools/export.py`` appends it by default (``--output_op argmax``, int32
    ``[N, H, W]``; docs/model_export.md), mmdeploy's ``mmseg`` configs keep the
    segmentor's ``ArgMax`` (``seg_maps``, int64 ``[N, 1, H, W]``).

    Examples
    --------
    >>> label_map(np.array([[[0, 2], [1, 1]]], np.int32)).shape
    (1, 2, 2)
    >>> label_map(np.zeros((1, 2, 4, 4), np.int64)) is None, label_map(np.zeros((2, 2))) is None
    (True, True)
    """
    a = np.asarray(array)
    if a.dtype.kind not in "iub" or a.size == 0:
        return None
    if a.ndim == 2:
        a = a[None]
    elif a.ndim == 4 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 3:
        return None
    lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi > MAX_LABEL:
        return None
    return a.astype(np.int64)


class SegmentationKind(OutputKind):
    """Semantic segmentation: logits ``(N, C, H, W)`` (C >= 2) read by their argmax, or
    the argmax label map itself (:func:`label_map`: an integer ``(N, H, W)`` /
    ``(N, 1, H, W)`` output); agreement by mIoU.

    ``background`` (default 0, the VOC / Cityscapes-style "background" class index;
    None: no background class) decides :meth:`empty`: a mask with no other class.
    An integer map of image size (both sides >= 8) is guessed a label map with
    confidence 0.85 (trusted: nothing else an image model outputs is an integer map of
    small class indices); logits only weakly (0.3: any float map fits).

    Examples
    --------
    >>> x = np.zeros((1, 3, 4, 4), np.float32); x[0, 2, :2] = 1.0
    >>> k = SegmentationKind()
    >>> ans = k.decode([x])
    >>> int((ans.labels == 2).sum()), k.agreement(ans, ans)["score"], k.empty(ans)
    (8, 1.0, False)
    >>> k.summary(k.agreement(ans, ans))
    'mIoU 1.000, pixels 1.000'
    >>> big = np.zeros((1, 3, 8, 8), np.float32)
    >>> k.fits([big]), round(k.confidence([big]), 2), k.fits([x])  # a 4 x 4 map is too small to guess
    (True, 0.3, False)
    >>> labels = np.zeros((1, 8, 8), np.int64); labels[0, :4] = 3  # an ArgMax output
    >>> k.confidence([labels]), k.decode([labels]).num_classes
    (0.85, 4)
    """

    name = "segmentation"
    defaults = {
        "background": Default(0, "PASCAL VOC / Cityscapes-style label maps: class 0"),
    }

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> SegmentationMask:
        p = self.params(**params)
        (a,) = self.arrays(arrays)
        labels = label_map(a)
        if labels is not None:
            return SegmentationMask(labels, max(2, int(labels.max()) + 1), p["background"])
        if a.ndim == 3:
            a = a[None]
        if a.ndim != 4 or a.shape[1] < 2:
            raise InputError(f"a segmentation output must be (N, C, H, W), C >= 2, got {a.shape}.")
        return SegmentationMask(np.argmax(a, axis=1), int(a.shape[1]), p["background"])

    def empty(self, answer: SegmentationMask) -> bool:
        if answer.background is None:
            return False
        return not bool(np.any(answer.labels != answer.background))

    def agreement(self, reference: SegmentationMask, test: SegmentationMask) -> dict[str, float]:
        out = mean_iou(reference.labels, test.labels, max(reference.num_classes, test.num_classes))
        return {"score": out["miou"], **out}

    def summary(self, agreement: Mapping[str, Any]) -> str:
        if not agreement or agreement.get("miou") is None:
            return ""
        return f"mIoU {agreement['miou']:.3f}, pixels {agreement['pixel_accuracy']:.3f}"

    def fits(self, arrays, metadata=None) -> bool:
        """The shapes it reads (see :meth:`confidence`)."""
        return self.confidence(arrays, metadata) > 0.0

    def confidence(
        self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> float:
        if len(arrays) != 1:
            return 0.0
        a = np.asarray(arrays[0])
        labels = label_map(a)
        if labels is not None:
            return 0.85 if min(labels.shape[1:]) >= 8 else 0.0
        if a.dtype.kind != "f" or a.ndim != 4:
            return 0.0
        if a.shape[1] >= 2 and min(a.shape[2:]) >= 8 and a.shape[1] <= 1024:
            return 0.3  # any (N, C, H, W) map fits: a weak guess
        return 0.0


class OtherKind(OutputKind):
    """An output with no task reading: decodes to None, agreement ``{}``.

    Examples
    --------
    >>> OtherKind().compare([np.zeros(3)], [np.ones(3)])
    {}
    >>> OtherKind().decode([np.zeros(3)]), OtherKind().agreement(None, None)
    (None, {})
    >>> OtherKind().confidence([np.zeros(3)])
    0.01
    """

    name = "other"
    n_outputs = 0

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> None:
        self.params(**params)
        return None

    def agreement(self, reference: Any, test: Any) -> dict[str, float]:
        return {}

    def confidence(
        self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> float:
        return 0.01
