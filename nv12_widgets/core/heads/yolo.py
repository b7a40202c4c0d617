"""YOLO heads: anchor-free v8/v11 (``yolov8``), YOLOv5/v7 (``yolov5``), YOLOX (``yolox``).

* ``yolov8`` — Ultralytics export ``(1, 4 + nc + extra, N)`` (or its transpose):
  rows ``cx, cy, w, h`` (input pixels), ``nc`` sigmoid class scores, then per-anchor
  extras: ``3K`` keypoint rows for pose heads (``kpt_shape`` metadata; face models
  with 5 landmarks are pose heads too) or 32 mask coefficients for segmentation heads
  (second output: ``(1, 32, h/4, w/4)`` prototypes). Decoding follows
  ``ultralytics/utils/nms.py`` ``non_max_suppression``: candidates with best class
  score ``> conf``, xywh -> xyxy, at most ``max_nms`` by score, class-aware NMS by
  offsetting boxes with ``class * max_wh`` (0 when ``agnostic``), at most ``max_det``.
  Mask prototypes: ``ultralytics/utils/ops.py`` ``process_mask`` (coefficients @
  prototypes, cropped to the box, ``> 0`` on logits = sigmoid ``> 0.5`` in older
  releases), kept at prototype resolution.
* ``yolov5`` — ``(1, N, 5 + nc)`` with objectness (YOLOv5 / YOLOv7 exports): YOLOv5
  ``utils/general.py`` ``non_max_suppression``: ``obj > conf``, class scores times
  objectness, best class ``> conf``, class-aware NMS.
* ``yolox`` — ``(1, N, 5 + nc)``, objectness x class score, either decoded or raw grid
  outputs (``decode_in_inference=False`` exports): YOLOX ``yolox/utils/demo_utils.py``
  ``demo_postprocess`` (``xy = (xy + grid) * stride``, ``wh = exp(wh) * stride``) and
  ``multiclass_nms`` (class-agnostic, score ``> score_thr``, NMS with ``+1`` areas).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import InputError
from .base import Binding, Default
from .boxes import DetectionKind, Detections, nms, xywh_to_xyxy
from .grids import grid_centers, input_sizes_for
from .guess import metadata_names, metadata_size

__all__ = ["YOLOXKind", "YOLOv5Kind", "YOLOv8Kind", "select_detections"]

_ULTRA = "Ultralytics ultralytics/cfg/default.yaml"
_ULTRA_NMS = "Ultralytics ultralytics/utils/nms.py non_max_suppression"
_V5 = "YOLOv5 detect.py / utils/general.py non_max_suppression"
_YOLOX = "YOLOX demo/ONNXRuntime/onnx_inference.py + yolox/utils/demo_utils.py"


def select_detections(
    boxes_xyxy: np.ndarray,
    class_scores: np.ndarray,
    *,
    conf: float,
    iou: float,
    agnostic: bool,
    max_det: int | None,
    max_nms: int | None = None,
    max_wh: float = 7680.0,
    offset: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best class per box, ``score > conf``, top ``max_nms``, NMS: kept indices, scores, classes.

    The shared selection of the single-label YOLO families (see the module docstring
    for each family's source).

    Examples
    --------
    >>> b = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10]], float)
    >>> s = np.array([[0.9, 0.1], [0.8, 0.1], [0.1, 0.7]])
    >>> [x.tolist() for x in select_detections(b, s, conf=0.25, iou=0.5, agnostic=False,
    ...                                         max_det=10)]
    [[0, 2], [0.9, 0.7], [0, 1]]
    """
    if class_scores.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, np.zeros(0), empty
    best = class_scores.argmax(1)
    score = class_scores[np.arange(len(best)), best]
    cand = np.nonzero(score > conf)[0]
    if max_nms is not None and len(cand) > max_nms:
        cand = cand[np.argsort(-score[cand], kind="stable")[:max_nms]]
    shift = 0.0 if agnostic else best[cand, None] * float(max_wh)
    keep = nms(boxes_xyxy[cand] + shift, score[cand], iou, offset=offset, max_det=max_det)
    idx = cand[keep]
    return idx, score[idx], best[idx].astype(np.int64)


def _head_2d(array: np.ndarray, layout: str) -> np.ndarray:
    """(N, rows) of a (1, rows, N) / (1, N, rows) / 2-D head."""
    a = np.asarray(array)
    if a.ndim == 3:
        if a.shape[0] != 1:
            raise InputError(f"detector heads are read for batch size 1, got {a.shape}.")
        a = a[0]
    if a.ndim != 2:
        raise InputError(f"a detector head must be (1, rows, N) or (1, N, rows), got {a.shape}.")
    if layout == "auto":
        layout = "cn" if a.shape[0] <= a.shape[1] else "nc"
    if layout not in ("cn", "nc"):
        raise InputError(
            f"layout must be 'auto', 'cn' (rows, N) or 'nc' (N, rows), got {layout!r}."
        )
    return a.T if layout == "cn" else a


def _parse_kpt(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = ast.literal_eval(value)
    shape = tuple(int(v) for v in value)
    if len(shape) != 2 or shape[1] not in (2, 3):
        raise InputError(f"kpt_shape must be (K, 2) or (K, 3), got {value!r}.")
    return shape


def _fits_n_5c(arrays) -> bool:
    a = np.asarray(arrays[0]) if len(arrays) == 1 else None
    return a is not None and a.ndim == 3 and a.shape[0] == 1 and a.shape[2] >= 6


def _grid_match(n: int, rows: int, anchors: int) -> bool:
    return rows >= 5 and bool(input_sizes_for(n, anchors=anchors))


class YOLOv8Kind(DetectionKind):
    """Anchor-free YOLO (v8 / v11) heads; detect, pose and segment variants.

    Examples
    --------
    >>> head = np.zeros((1, 6, 2100), np.float32)  # 4 box rows + 2 classes, 320x320
    >>> head[0, :4, 5] = [100, 80, 40, 20]; head[0, 5, 5] = 0.9
    >>> d = YOLOv8Kind().decode([head])
    >>> d.boxes.tolist(), d.classes.tolist()
    ([[80.0, 70.0, 120.0, 90.0]], [1])
    >>> sorted(YOLOv8Kind().components([head]))
    ['boxes', 'class_scores']
    >>> YOLOv8Kind().fits([head]), round(YOLOv8Kind().confidence([head]), 2)
    (True, 0.85)
    >>> YOLOv8Kind().suggest([head], {'names': "{0: 'person', 1: 'car'}", 'imgsz': '[320, 320]'})
    {'names': ['person', 'car'], 'imgsz': (320, 320)}
    >>> seg = {"output0": np.zeros((1, 4 + 2 + 32, 2100), np.float32), "output1": np.zeros((1, 32, 80, 80), np.float32)}
    >>> [(bd.outputs, bd.reason) for bd in YOLOv8Kind().bind(seg)]
    [(('output0', 'output1'), 'grid head + mask prototypes')]
    """

    name = "yolov8"
    aliases = ("yolo11", "yolov11")
    n_outputs = 0
    defaults = {
        "conf": Default(0.25, f"{_ULTRA}: conf (predict default 0.25)"),
        "iou": Default(0.7, f"{_ULTRA}: iou"),
        "agnostic": Default(False, f"{_ULTRA}: agnostic_nms"),
        "max_det": Default(300, f"{_ULTRA}: max_det"),
        "max_nms": Default(30000, f"{_ULTRA_NMS}: max_nms"),
        "max_wh": Default(7680, f"{_ULTRA_NMS}: max_wh (class offset)"),
        "nc": Default(None, "len(names), else rows - 4 - extras"),
        "kpt_shape": Default(None, "Ultralytics ONNX metadata kpt_shape (pose)"),
        "objectness": Default(False, "Ultralytics v8/v11 heads have none"),
        "layout": Default("auto", "Ultralytics exports (1, rows, N); 'nc' for the transpose"),
        "names": Default(None, "Ultralytics ONNX metadata names"),
        "imgsz": Default(None, "Ultralytics ONNX metadata imgsz, else from N"),
    }

    def _layout(self, rows: int, p: Mapping[str, Any], n_masks: int) -> tuple[int, int, int]:
        """(first class row, classes, keypoint rows) of a head with ``rows`` rows."""
        kpt = _parse_kpt(p["kpt_shape"])
        n_kpt = int(np.prod(kpt)) if kpt else 0
        start = 5 if p["objectness"] else 4
        nc = p["nc"] or (len(p["names"]) if p["names"] else rows - start - n_kpt - n_masks)
        if nc < 1 or start + nc > rows:
            raise InputError(f"a head with {rows} rows cannot hold {nc} classes.")
        return start, nc, n_kpt

    def _split(self, x: np.ndarray, p: Mapping[str, Any], n_masks: int) -> dict[str, np.ndarray]:
        start, nc, n_kpt = self._layout(x.shape[1], p, n_masks)
        parts = {"boxes": x[:, :4], "class_scores": x[:, start : start + nc]}
        if p["objectness"]:
            parts["objectness"] = x[:, 4]
        extra = x[:, start + nc :]
        if n_kpt:
            parts["keypoints"] = extra[:, :n_kpt]
        elif extra.shape[1]:
            parts["mask_coefficients" if n_masks else "extras"] = extra
        return parts

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> Detections:
        p = self.params(**params)
        arrays = self.arrays(arrays)
        if len(arrays) not in (1, 2):
            raise InputError("yolov8 reads the head (and, for segmentation, the prototypes).")
        rows_n = _head_2d(arrays[0], p["layout"]).T  # (rows, N): the export's own layout
        protos = arrays[1] if len(arrays) == 2 else None
        n_masks = protos.shape[-3] if protos is not None else 0
        start, nc, _ = self._layout(rows_n.shape[0], p, n_masks)
        cls_rows = rows_n[start : start + nc]
        if p["objectness"]:
            cls_rows = cls_rows * rows_n[4]
        best = cls_rows.max(axis=0) if cls_rows.size else np.zeros(0)
        peak = float(best.max()) if best.size else float("nan")
        # only anchors above the threshold go on (Ultralytics' first candidate filter)
        x = rows_n[:, np.nonzero(best > p["conf"])[0]].T.astype(np.float64)
        parts = self._split(x, p, n_masks)
        scores = parts["class_scores"]
        if p["objectness"]:
            scores = scores * parts["objectness"][:, None]
        names = tuple(p["names"]) if p["names"] else None
        boxes = xywh_to_xyxy(parts["boxes"])
        idx, score, cls = select_detections(
            boxes,
            scores,
            conf=p["conf"],
            iou=p["iou"],
            agnostic=p["agnostic"],
            max_det=p["max_det"],
            max_nms=p["max_nms"],
            max_wh=p["max_wh"],
        )
        kpts = None
        if "keypoints" in parts:
            kpts = parts["keypoints"][idx].reshape(len(idx), *_parse_kpt(p["kpt_shape"]))
        extras = parts.get("mask_coefficients", parts.get("extras"))
        extras = extras[idx] if extras is not None else None
        masks = None
        if protos is not None and extras is not None:
            masks = self._masks(protos, extras, boxes[idx], p, rows_n.shape[1])
        return Detections(boxes[idx], score, cls, names, kpts, extras, masks, peak)

    def _masks(self, protos, coeffs, boxes, p, n_anchors) -> np.ndarray:
        pr = np.asarray(protos, np.float64)
        pr = pr[0] if pr.ndim == 4 else pr
        c, mh, mw = pr.shape
        logits = (coeffs @ pr.reshape(c, -1)).reshape(-1, mh, mw)
        size = tuple(p["imgsz"]) if p["imgsz"] else (input_sizes_for(n_anchors) or [None])[0]
        if size is None:
            raise InputError("pass imgsz=(h, w): the input size is needed to crop masks.")
        scaled = boxes * [mw / size[1], mh / size[0], mw / size[1], mh / size[0]]
        cols, rows = np.arange(mw)[None, None, :], np.arange(mh)[None, :, None]
        x1, y1, x2, y2 = (scaled[:, i, None, None] for i in range(4))
        inside = (cols >= x1) & (cols < x2) & (rows >= y1) & (rows < y2)
        return (logits > 0) & inside

    def components(self, arrays: Sequence[np.ndarray], **params: Any) -> dict[str, np.ndarray]:
        p = self.params(**params)
        arrays = self.arrays(arrays)
        x = _head_2d(arrays[0], p["layout"])
        n_masks = arrays[1].shape[-3] if len(arrays) == 2 else 0
        return self._split(x, p, n_masks)

    def suggest(self, arrays, metadata=None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        names = metadata_names(metadata)
        if names:
            out["names"] = names
        size = metadata_size(metadata)
        if size:
            out["imgsz"] = size
        if metadata and metadata.get("kpt_shape"):
            out["kpt_shape"] = _parse_kpt(metadata["kpt_shape"])
        return out

    def confidence(self, arrays, metadata=None) -> float:
        if len(arrays) != 1:
            return 0.0
        a = np.asarray(arrays[0])
        if a.ndim != 3 or a.shape[0] != 1 or a.dtype.kind != "f":
            return 0.0
        rows, n = min(a.shape[1:]), max(a.shape[1:])
        task = metadata.get("task") if metadata else None
        if task in ("obb", "classify"):  # rotated boxes (an angle row): not read here
            return 0.0
        if task in ("detect", "pose") and a.shape[1] == rows:
            return 0.95
        if not _grid_match(n, rows, 1):
            return 0.0
        x = _head_2d(a, "auto")
        cls = x[:, 4:]
        if np.all(np.isfinite(cls)) and cls.min() >= 0 and cls.max() <= 1 and a.shape[1] == rows:
            return 0.85
        return 0.5 if a.shape[1] == rows else 0.4

    def fits(self, arrays, metadata=None) -> bool:
        """A ``(1, rows, N)`` / ``(1, N, rows)`` float head with at least 5 rows (and
        optionally the prototypes)."""
        a = np.asarray(arrays[0]) if len(arrays) in (1, 2) else None
        return a is not None and a.ndim == 3 and a.shape[0] == 1 and min(a.shape[1:]) >= 5

    def bind(self, outputs, metadata=None):
        """A segmentation head and its prototypes ``(1, nm, h/4, w/4)``: by metadata
        (``task: segment``) or by shape (a grid head with at least ``4 + 1 + nm`` rows)."""
        heads = [(n, a) for n, a in outputs.items() if np.ndim(a) == 3 and a.shape[0] == 1]
        protos = [(n, a) for n, a in outputs.items() if np.ndim(a) == 4 and a.shape[0] == 1]
        if not heads or not protos:
            return []
        (head, a), (proto, b) = heads[0], protos[0]
        rows, n = min(a.shape[1:]), max(a.shape[1:])
        if metadata and metadata.get("task") == "segment":
            conf, reason = 0.95, "metadata task: segment"
        elif rows >= 5 + b.shape[1] and _grid_match(n, rows, 1) and a.shape[1] == rows:
            conf, reason = 0.8, "grid head + mask prototypes"
        else:
            return []
        return [Binding(self.name, (head, proto), self.suggest([a], metadata), conf, reason)]


class YOLOv5Kind(DetectionKind):
    """YOLOv5 / YOLOv7 heads ``(1, N, 5 + nc)``: boxes, objectness, class scores.

    Examples
    --------
    >>> head = np.zeros((1, 3 * 2100, 7), np.float32)
    >>> head[0, 9, :] = [100, 80, 40, 20, 0.9, 0.1, 0.8]
    >>> d = YOLOv5Kind().decode([head])
    >>> d.boxes.tolist(), d.scores.round(2).tolist(), d.classes.tolist()
    ([[80.0, 70.0, 120.0, 90.0]], [0.72], [1])
    >>> sorted(YOLOv5Kind().components([head]))
    ['boxes', 'class_scores', 'objectness']
    >>> YOLOv5Kind().fits([head]), round(YOLOv5Kind().confidence([head]), 2)
    (True, 0.85)
    >>> YOLOv5Kind().suggest([head], {'names': "{0: 'person', 1: 'car'}"})
    {'names': ['person', 'car']}
    """

    name = "yolov5"
    aliases = ("yolov7",)
    defaults = {
        "conf": Default(0.25, f"{_V5}: --conf-thres"),
        "iou": Default(0.45, f"{_V5}: --iou-thres"),
        "agnostic": Default(False, f"{_V5}: --agnostic-nms"),
        "max_det": Default(1000, f"{_V5}: --max-det"),
        "max_nms": Default(30000, f"{_V5}: max_nms"),
        "max_wh": Default(7680, f"{_V5}: max_wh"),
        "names": Default(None, "model metadata names"),
    }

    def components(self, arrays, **params) -> dict[str, np.ndarray]:
        (a,) = self.arrays(arrays)
        x = _head_2d(a, "nc")
        return {"boxes": x[:, :4], "objectness": x[:, 4], "class_scores": x[:, 5:]}

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        parts = self.components(arrays)
        obj = parts["objectness"].astype(np.float64)
        scores = parts["class_scores"].astype(np.float64) * obj[:, None]
        scores[~(obj > p["conf"])] = 0.0
        boxes = xywh_to_xyxy(parts["boxes"])
        idx, score, cls = select_detections(
            boxes, scores, conf=p["conf"], iou=p["iou"], agnostic=p["agnostic"],
            max_det=p["max_det"], max_nms=p["max_nms"], max_wh=p["max_wh"],
        )  # fmt: skip
        names = tuple(p["names"]) if p["names"] else None
        peak = float(scores.max()) if scores.size else float("nan")
        return Detections(boxes[idx], score, cls, names, peak=peak)

    def suggest(self, arrays, metadata=None):
        names = metadata_names(metadata)
        return {"names": names} if names else {}

    def fits(self, arrays, metadata=None) -> bool:
        """A ``(1, N, 5 + nc)`` head."""
        return _fits_n_5c(arrays)

    def confidence(self, arrays, metadata=None) -> float:
        if len(arrays) != 1:
            return 0.0
        a = np.asarray(arrays[0])
        if a.ndim != 3 or a.shape[0] != 1 or a.dtype.kind != "f" or a.shape[2] < 6:
            return 0.0
        if not _grid_match(a.shape[1], a.shape[2], 3):
            return 0.0
        obj = a[0, :, 4]
        return 0.85 if np.all(np.isfinite(obj)) and obj.min() >= 0 and obj.max() <= 1 else 0.3


class YOLOXKind(DetectionKind):
    """YOLOX heads ``(1, N, 5 + nc)``, decoded or raw grid outputs.

    ``grid=None`` decides by the values: raw outputs hold cell offsets (|x| of a few
    cells) where decoded ones hold pixel centres (the median centre of a decoded head
    is tens to hundreds of pixels).

    Examples
    --------
    >>> raw = np.zeros((1, 3549, 6), np.float32)  # 416 x 416, strides 8 / 16 / 32
    >>> raw[0, 52 * 3 + 2, :] = [0.5, 0.5, np.log(4), np.log(2), 0.9, 0.9]  # cell (2, 3)
    >>> d = YOLOXKind().decode([raw])
    >>> d.boxes.round(4).tolist()
    [[4.0, 20.0, 36.0, 36.0]]
    >>> YOLOXKind.is_raw(raw)
    True
    >>> sorted(YOLOXKind().components([raw]))
    ['boxes', 'class_scores', 'objectness']
    >>> YOLOXKind().grid_decode(raw[0], YOLOXKind().params(input_size=(416, 416)))[52 * 3 + 2].round(4).tolist()
    [20.0, 28.0, 32.0, 16.0]
    >>> YOLOXKind().fits([raw]), round(YOLOXKind().confidence([raw]), 2)
    (True, 0.9)
    >>> YOLOXKind().suggest([raw], {'names': "{0: 'person', 1: 'car'}", 'imgsz': '[416, 416]'})
    {'names': ['person', 'car'], 'input_size': (416, 416)}
    """

    name = "yolox"
    defaults = {
        "score_thr": Default(0.1, f"{_YOLOX}: multiclass_nms(score_thr=0.1)"),
        "nms_thr": Default(0.45, f"{_YOLOX}: multiclass_nms(nms_thr=0.45)"),
        "class_agnostic": Default(True, f"{_YOLOX}: multiclass_nms class_agnostic=True"),
        "grid": Default(None, f"{_YOLOX}: demo_postprocess for raw exports (None: detect)"),
        "strides": Default((8, 16, 32), f"{_YOLOX}: demo_postprocess strides (p6: + 64)"),
        "input_size": Default(None, "the model input (h, w); None: from N (square first)"),
        "names": Default(None, "model metadata names"),
    }

    @staticmethod
    def is_raw(x: np.ndarray) -> bool:
        """Raw grid outputs (offsets in cells) rather than decoded pixel boxes."""
        return bool(np.median(np.abs(x[:, :2])) < 2.0)

    def components(self, arrays, **params) -> dict[str, np.ndarray]:
        (a,) = self.arrays(arrays)
        x = _head_2d(a, "nc")
        return {"boxes": x[:, :4], "objectness": x[:, 4], "class_scores": x[:, 5:]}

    def grid_decode(self, x: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
        """YOLOX ``demo_postprocess``: pixel ``cx, cy, w, h`` from raw grid outputs."""
        strides = tuple(p["strides"])
        size = p["input_size"] or (input_sizes_for(len(x), strides) or [None])[0]
        if size is None:
            raise InputError(f"cannot infer the input size of {len(x)} anchors; pass input_size.")
        cells, stride = grid_centers(tuple(size), strides)
        if len(cells) != len(x):
            raise InputError(
                f"input_size {size} gives {len(cells)} anchors, the head has {len(x)}."
            )
        out = np.empty((len(x), 4))
        out[:, :2] = (x[:, :2] + cells) * stride[:, None]
        out[:, 2:4] = np.exp(x[:, 2:4]) * stride[:, None]
        return out

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        parts = self.components(arrays)
        x = np.concatenate([parts["boxes"], parts["objectness"][:, None]], 1).astype(np.float64)
        raw = self.is_raw(x) if p["grid"] is None else bool(p["grid"])
        box = self.grid_decode(x, p) if raw else x[:, :4]
        scores = parts["objectness"][:, None].astype(np.float64) * parts["class_scores"]
        boxes = xywh_to_xyxy(box)
        idx, score, cls = select_detections(
            boxes, scores, conf=p["score_thr"], iou=p["nms_thr"],
            agnostic=p["class_agnostic"], max_det=None, offset=1.0,
            max_wh=float(np.abs(boxes).max()) + 1 if boxes.size else 0.0,
        )  # fmt: skip
        names = tuple(p["names"]) if p["names"] else None
        peak = float(scores.max()) if scores.size else float("nan")
        return Detections(boxes[idx], score, cls, names, peak=peak)

    def suggest(self, arrays, metadata=None):
        out: dict[str, Any] = {}
        names = metadata_names(metadata)
        if names:
            out["names"] = names
        if metadata_size(metadata):
            out["input_size"] = metadata_size(metadata)
        return out

    def fits(self, arrays, metadata=None) -> bool:
        """A ``(1, N, 5 + nc)`` head."""
        return _fits_n_5c(arrays)

    def confidence(self, arrays, metadata=None) -> float:
        if len(arrays) != 1:
            return 0.0
        a = np.asarray(arrays[0])
        if a.ndim != 3 or a.shape[0] != 1 or a.dtype.kind != "f" or a.shape[2] < 6:
            return 0.0
        if a.shape[1] < a.shape[2] or not _grid_match(a.shape[1], a.shape[2], 1):
            return 0.0
        x = a[0].astype(np.float64)
        if not np.all(np.isfinite(x)):
            return 0.0
        return 0.9 if self.is_raw(x) else 0.45
