"""Multi-output detectors: PicoDet per-stride heads (``picodet``) and box + score
tensors (``boxes_scores``: PP-YOLOE exported without NMS, SSD-style heads).

* ``picodet`` — per stride one score tensor ``(1, N_s, C)`` (sigmoid) and one box
  distribution tensor ``(1, N_s, 4 (reg_max + 1))`` (GFL / DFL), strides 8, 16, 32,
  64. Decoding as rapid-layout 1.2.1 ``model_handler/pp/post_process.py``
  ``PPPostProcess`` (from PaddleDetection's PicoDet ONNX demos): centres
  ``(cell + 0.5) * stride``, distances = softmax expectation over ``reg_max + 1``
  bins times stride, the ``nms_top_k`` best anchors of each stride, then per class
  (multi-label) ``score > conf``, at most ``candidate_size`` candidates, hard NMS
  keeping ``iou <= thr``, at most ``keep_top_k`` per class; boxes clipped to the input.
* ``boxes_scores`` — decoded boxes ``(1, N, 4)`` and scores ``(1, N, C)`` or
  ``(1, C, N)``; per class (multi-label, skipping a ``background`` class) ``score >
  conf``, per-class NMS. Defaults of PaddleDetection PP-YOLOE+ (``configs/ppyoloe/
  _base_/ppyoloe_plus_crn.yml`` ``MultiClassNMS``: ``score_threshold 0.01``,
  ``nms_threshold 0.7``, ``nms_top_k 1000``, ``keep_top_k 300``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import InputError
from .base import Binding, Default
from .boxes import DetectionKind, Detections, nms, xywh_to_xyxy
from .grids import cell_counts, grid_centers, input_sizes_for
from .guess import metadata_names, metadata_size

__all__ = ["BoxesScoresKind", "PicoDetKind", "multilabel_nms"]

_RAPID = "rapid-layout 1.2.1 model_handler/pp/post_process.py PPPostProcess"
_PPYOLOE = (
    "PaddleDetection configs/ppyoloe/_base_/ppyoloe_plus_crn.yml PPYOLOEHead.nms (MultiClassNMS)"
)


def multilabel_nms(
    boxes: np.ndarray,
    scores: np.ndarray,
    *,
    conf: float,
    iou: float,
    candidate_size: int | None,
    keep_top_k: int | None,
    skip: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class: ``score > conf``, best ``candidate_size``, NMS, ``keep_top_k``.

    Returns kept box indices, scores and classes, class by class (one box may be kept
    for several classes: PicoDet / PP-YOLOE multi-label NMS).

    Examples
    --------
    >>> b = np.array([[0, 0, 10, 10], [1, 0, 11, 10]], float)
    >>> s = np.array([[0.9, 0.6], [0.8, 0.1]])
    >>> [x.tolist() for x in multilabel_nms(b, s, conf=0.5, iou=0.5, candidate_size=200,
    ...                                      keep_top_k=100)]
    [[0, 0], [0.9, 0.6], [0, 1]]
    """
    keep_i, keep_s, keep_c = [], [], []
    for c in range(scores.shape[1]):
        if c == skip:
            continue
        cand = np.nonzero(scores[:, c] > conf)[0]
        if not len(cand):
            continue
        if candidate_size is not None and len(cand) > candidate_size:
            cand = cand[np.argsort(-scores[cand, c], kind="stable")[:candidate_size]]
        kept = cand[nms(boxes[cand], scores[cand, c], iou, max_det=keep_top_k)]
        keep_i.append(kept)
        keep_s.append(scores[kept, c])
        keep_c.append(np.full(len(kept), c, np.int64))
    if not keep_i:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)
    return np.concatenate(keep_i), np.concatenate(keep_s), np.concatenate(keep_c)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class PicoDetKind(DetectionKind):
    """PicoDet (GFL) per-stride score + box-distribution heads.

    ``arrays``: the score tensors of every stride, then the box tensors (rapid-layout's
    output order), or interleaved; tensors are paired by anchor count. An ``h x w``
    input and its transpose have the same anchor counts: pass ``input_size`` (the
    model input's ``(h, w)``; auto-detection reads metadata ``input_size`` / ``imgsz``),
    otherwise the portrait reading (``h >= w``, a page) is taken.

    Examples
    --------
    >>> scores = [np.zeros((1, n, 2), np.float32) for n in (16, 4, 1, 1)]  # 32 x 32 input
    >>> boxes = [np.zeros((1, n, 32), np.float32) for n in (16, 4, 1, 1)]
    >>> scores[0][0, 5, 1] = 0.9; boxes[0][0, 5, ::8] = 20.0  # bin 0 of each side: 0 px
    >>> d = PicoDetKind().decode(scores + boxes)
    >>> d.classes.tolist(), d.boxes.round(3).tolist()  # a point box at cell (1, 1)
    ([1], [[12.0, 12.0, 12.0, 12.0]])
    >>> [(s.shape[1], bx.shape[1]) for s, bx in PicoDetKind.pairs(scores + boxes)]
    [(16, 16), (4, 4), (1, 1), (1, 1)]
    >>> sorted(PicoDetKind().components(scores + boxes))
    ['box_distribution', 'class_scores']
    >>> named = {f"o{i}": a for i, a in enumerate(scores + boxes)}
    >>> [bd.kind for bd in PicoDetKind().bind(named)]
    ['picodet']
    """

    name = "picodet"
    aliases = ("pp-picodet",)
    n_outputs = 0
    defaults = {
        "conf": Default(0.5, "rapid-layout 1.2.1 RapidLayoutInput.conf_thresh"),
        "iou": Default(0.5, "rapid-layout 1.2.1 RapidLayoutInput.iou_thresh"),
        "nms_top_k": Default(1000, f"{_RAPID}: nms_top_k"),
        "keep_top_k": Default(100, f"{_RAPID}: keep_top_k"),
        "candidate_size": Default(200, f"{_RAPID}: hard_nms candidate_size"),
        "strides": Default((8, 16, 32, 64), f"{_RAPID}: strides"),
        "input_size": Default(None, "the model input (h, w); None: from the anchor counts"),
        "names": Default(None, "ONNX metadata 'character' (rapid-layout labels)"),
    }

    @staticmethod
    def pairs(arrays: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(scores, box distribution) per stride, largest grid first."""
        if len(arrays) < 2 or len(arrays) % 2:
            raise InputError(f"picodet reads score + box tensors per stride, got {len(arrays)}.")
        half = len(arrays) // 2
        first, second = arrays[:half], arrays[half:]
        if [a.shape[1] for a in first] != [a.shape[1] for a in second]:
            first, second = arrays[0::2], arrays[1::2]
        out = []
        for a, b in zip(first, second, strict=True):
            if a.ndim != 3 or b.ndim != 3 or a.shape[1] != b.shape[1]:
                raise InputError(f"picodet tensors must pair by anchors: {a.shape} / {b.shape}.")
            out.append((a, b) if b.shape[2] % 4 == 0 and b.shape[2] >= 8 else (b, a))
        return sorted(out, key=lambda sb: -sb[0].shape[1])

    def components(self, arrays, **params) -> dict[str, np.ndarray]:
        pairs = self.pairs(self.arrays(arrays))
        return {
            "class_scores": np.concatenate([s[0] for s, _ in pairs]),
            "box_distribution": np.concatenate([b[0] for _, b in pairs]),
        }

    def _size(self, pairs, p) -> tuple[int, int]:
        counts = tuple(s.shape[1] for s, _ in pairs)
        strides = tuple(p["strides"])[: len(counts)]
        if p["input_size"]:
            size = tuple(p["input_size"])
            if cell_counts(size, strides) != counts:
                raise InputError(f"input_size {size} does not give the anchor counts {counts}.")
            return size
        for size in input_sizes_for(sum(counts), strides):
            if cell_counts(size, strides) == counts:
                return size
        raise InputError(f"cannot infer the input size from anchor counts {counts}.")

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        pairs = self.pairs(self.arrays(arrays))
        size = self._size(pairs, p)
        strides = tuple(p["strides"])[: len(pairs)]
        all_boxes, all_scores = [], []
        for (score, dist), stride in zip(pairs, strides, strict=True):
            score, dist = score[0].astype(np.float64), dist[0].astype(np.float64)
            cells, _ = grid_centers(size, (stride,), offset=0.5)
            center = np.tile(cells * stride, 2)
            bins = dist.shape[1] // 4
            d = (_softmax(dist.reshape(-1, bins)) @ np.arange(bins)).reshape(-1, 4) * stride
            top = np.argsort(score.max(axis=1))[::-1][: p["nms_top_k"]]
            all_boxes.append(center[top] + np.array([-1, -1, 1, 1]) * d[top])
            all_scores.append(score[top])
        boxes, scores = np.concatenate(all_boxes), np.concatenate(all_scores)
        idx, score, cls = multilabel_nms(
            boxes, scores, conf=p["conf"], iou=p["iou"],
            candidate_size=p["candidate_size"], keep_top_k=p["keep_top_k"],
        )  # fmt: skip
        kept = boxes[idx].copy()
        kept[:, [0, 2]] = kept[:, [0, 2]].clip(0, size[1])
        kept[:, [1, 3]] = kept[:, [1, 3]].clip(0, size[0])
        names = tuple(p["names"]) if p["names"] else None
        return Detections(kept, score, cls, names, peak=float(scores.max()))

    def bind(self, outputs: Mapping[str, np.ndarray], metadata=None) -> list[Binding]:
        three = {n: a for n, a in outputs.items() if np.ndim(a) == 3 and a.shape[0] == 1}
        by_count: dict[int, list[str]] = {}
        for n, a in three.items():
            by_count.setdefault(a.shape[1], []).append(n)
        groups = [g for g in by_count.values() if len(g) == 2]
        if len(groups) < 2:
            return []
        score_names, box_names = [], []
        for g in sorted(groups, key=lambda g: -three[g[0]].shape[1]):
            a, b = (three[n] for n in g)
            box_first = a.shape[2] % 4 == 0 and a.shape[2] >= 8 and b.shape[2] != a.shape[2]
            s, bx = (g[1], g[0]) if box_first else (g[0], g[1])
            score_names.append(s)
            box_names.append(bx)
        arrays = [three[n] for n in score_names + box_names]
        try:
            self._size(self.pairs(arrays), self.params())
        except InputError:
            return []
        params: dict[str, Any] = {}
        if metadata_size(metadata):
            params["input_size"] = metadata_size(metadata)
        names = metadata_names(metadata)
        if names and len(names) == three[score_names[0]].shape[2]:
            params["names"] = names
        out = tuple(score_names + box_names)
        return [Binding(self.name, out, params, 0.9, "per-stride score / box pairs")]


class BoxesScoresKind(DetectionKind):
    """Decoded boxes ``(1, N, 4)`` + class scores ``(1, N, C)`` / ``(1, C, N)``.

    Examples
    --------
    >>> b = np.array([[[0, 0, 10, 10], [1, 0, 11, 10]]], np.float32)
    >>> s = np.array([[[0.9, 0.05], [0.8, 0.3]]], np.float32)
    >>> d = BoxesScoresKind().decode([b, s])
    >>> d.classes.tolist(), d.scores.round(2).tolist()
    ([0, 1], [0.9, 0.3])
    >>> sorted(BoxesScoresKind().components([b, s]))
    ['boxes', 'class_scores']
    >>> outputs = {"boxes": np.zeros((1, 6, 4), np.float32), "scores": np.zeros((1, 6, 2), np.float32)}
    >>> [(bd.kind, bd.outputs) for bd in BoxesScoresKind().bind(outputs)]
    [('boxes_scores', ('boxes', 'scores'))]
    """

    name = "boxes_scores"
    aliases = ("ppyoloe", "ssd")
    n_outputs = 2
    defaults = {
        "conf": Default(0.01, f"{_PPYOLOE}: score_threshold"),
        "iou": Default(0.7, f"{_PPYOLOE}: nms_threshold"),
        "nms_top_k": Default(1000, f"{_PPYOLOE}: nms_top_k"),
        "keep_top_k": Default(300, f"{_PPYOLOE}: keep_top_k"),
        "background": Default(None, "PP-YOLOE has none; SSD heads: 0"),
        "box_format": Default("xyxy", "PaddleDetection exports corners; 'xywh' for centre/size"),
        "names": Default(None, "model metadata names"),
    }

    def components(self, arrays, **params) -> dict[str, np.ndarray]:
        boxes, scores = self.arrays(arrays)
        boxes, scores = np.asarray(boxes)[0], np.asarray(scores)[0]
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise InputError(f"boxes must be (1, N, 4), got {np.shape(arrays[0])}.")
        if scores.shape[0] != boxes.shape[0]:
            scores = scores.T
        if scores.shape[0] != boxes.shape[0]:
            raise InputError(f"scores {np.shape(arrays[1])} do not match {boxes.shape[0]} boxes.")
        return {"boxes": boxes, "class_scores": scores}

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        parts = self.components(arrays)
        boxes = parts["boxes"].astype(np.float64)
        if p["box_format"] == "xywh":
            boxes = xywh_to_xyxy(boxes)
        scores = parts["class_scores"].astype(np.float64)
        idx, score, cls = multilabel_nms(
            boxes, scores, conf=p["conf"], iou=p["iou"], candidate_size=p["nms_top_k"],
            keep_top_k=None, skip=p["background"],
        )  # fmt: skip
        order = np.argsort(-score, kind="stable")[: p["keep_top_k"]]
        names = tuple(p["names"]) if p["names"] else None
        fg = scores if p["background"] is None else np.delete(scores, p["background"], 1)
        peak = float(fg.max()) if fg.size else 0.0
        return Detections(boxes[idx[order]], score[order], cls[order], names, peak=peak)

    def bind(self, outputs: Mapping[str, np.ndarray], metadata=None) -> list[Binding]:
        items = [(n, a) for n, a in outputs.items() if np.ndim(a) == 3 and a.shape[0] == 1]
        for bn, b in items:
            if b.shape[2] != 4:
                continue
            for sn, s in items:
                if sn != bn and b.shape[1] in (s.shape[1], s.shape[2]) and max(s.shape[1:]) > 4:
                    names = metadata_names(metadata)
                    params = {"names": names} if names else {}
                    return [Binding(self.name, (bn, sn), params, 0.7, "boxes (1, N, 4) + scores")]
        return []
