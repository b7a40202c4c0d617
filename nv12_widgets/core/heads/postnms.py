"""Detectors whose export ends in NMS: the outputs already are the kept detections.

Every kind here decodes into the package's :class:`~.boxes.Detections` and is judged
by the one detection agreement of :mod:`.boxes` (:func:`~.boxes.detection_agreement`:
precision / recall / F1 at IoU 0.5, AP@0.5, class changes). The number of kept boxes
``K`` may differ between the reference and a test path (a dynamic ``K``): the raw
tensors then cannot be compared element by element, the answers still can.

* ``end2end`` — Ultralytics ``model.export(nms=True)`` (``ultralytics/engine/
  exporter.py`` ``NMSModel.forward``, 8.3) and the NMS-free YOLOv10 / YOLO26 heads:
  ``(1, max_det, 6 + extra)`` rows ``x1, y1, x2, y2, score, class`` (input pixels),
  zero rows padding up to ``max_det`` (300). Ultralytics' own reading keeps the rows
  with ``score > conf`` (``ultralytics/utils/nms.py`` ``non_max_suppression``,
  end2end branch: ``pred[pred[:, 4] > conf_thres][:max_det]``; ``conf`` 0.25 from
  ``ultralytics/cfg/default.yaml``).
* ``nms_gathered`` — an ONNX graph ending in ``NonMaxSuppression`` (ONNX operator
  spec, opset 10+: ``selected_indices`` ``(K, 3)`` int64 ``[batch, class, box]``)
  followed by ``Gather`` of the kept boxes ``(K, 4)`` (``center_point_box=0``:
  ``y1, x1, y2, x2`` corners in the spec's words, but any consistent corner order
  works for IoU; ``box_format`` says which) and their scores ``(K,)``; the class is
  ``selected_indices[:, 1]`` or a gathered ``(K,)`` integer output.
* ``nms_indices`` — ``selected_indices`` ``(K, 3)`` exported next to the NMS inputs:
  boxes ``(1, N, 4)`` and scores ``(1, C, N)`` (the operator's own input layouts).
* ``dets_labels`` — mmdeploy's detection exports (``mmdeploy/codebase/mmdet/
  deploy/object_detection_model.py``, ONNX outputs ``dets`` ``(1, K, 5)`` = ``x1, y1,
  x2, y2, score`` and ``labels`` ``(1, K)``), zero-score rows padding up to
  ``keep_top_k``.
* ``tf_detections`` — the TensorFlow Object Detection API export
  (``research/object_detection/exporter_lib_v2.py``; tf2onnx keeps the names):
  ``num_detections`` ``(1,)``, ``detection_boxes`` ``(1, K, 4)`` = ``ymin, xmin, ymax,
  xmax`` normalised to [0, 1], ``detection_scores`` ``(1, K)``, ``detection_classes``
  ``(1, K)`` (float label ids); TensorRT ``EfficientNMS_TRT`` exports (``num_dets``,
  ``det_boxes`` in pixels ``x1, y1, x2, y2``, ``det_scores``, ``det_classes``) are read
  with ``box_format="xyxy"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._checks import InputError
from .base import Binding, Default
from .boxes import DetectionKind, Detections
from .guess import metadata_names

__all__ = [
    "DetsLabelsKind",
    "EndToEndKind",
    "NMSGatheredKind",
    "NMSIndicesKind",
    "TFDetectionsKind",
    "kept_detections",
]

_ULTRA = "Ultralytics ultralytics/cfg/default.yaml: conf (predict default 0.25)"
_ONNX_NMS = "ONNX operator spec NonMaxSuppression (opset 10+)"
_MMDEPLOY = "mmdeploy configs/mmdet/_base_/base_static.py post_processing.score_threshold (0.05)"
_TFOD = "TF Object Detection API research/object_detection/exporter_lib_v2.py"


def kept_detections(
    boxes: Any,
    scores: Any,
    classes: Any,
    *,
    conf: float = 0.0,
    box_format: str = "xyxy",
    scale: Any = None,
    names: Any = None,
) -> Detections:
    """The :class:`Detections` of rows an exported NMS kept: ``score > conf``.

    Parameters
    ----------
    boxes : array_like
        (K, 4) corners, ``box_format`` "xyxy" (x1, y1, x2, y2) or "yxyx" (y1, x1, y2, x2).
    scores, classes : array_like
        (K,) each (classes rounded to integers: exports store them as floats).
    conf : float
        Rows with ``score <= conf`` are dropped (zero-score padding rows always are).
    scale : (h, w), optional
        Multiply normalised boxes by the input size (TF-OD boxes are in [0, 1]).

    Examples
    --------
    >>> d = kept_detections([[1, 2, 5, 6], [0, 0, 0, 0]], [0.9, 0.0], [3.0, 0.0])
    >>> d.boxes.tolist(), d.classes.tolist(), d.peak
    ([[1.0, 2.0, 5.0, 6.0]], [3], 0.9)
    >>> kept_detections([[0.1, 0.2, 0.5, 0.6]], [0.8], [1], box_format="yxyx",
    ...                 scale=(100, 200)).boxes.round(6).tolist()
    [[40.0, 10.0, 120.0, 50.0]]
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    s = np.asarray(scores, np.float64).reshape(-1)
    c = np.asarray(classes).reshape(-1)
    if not len(b) == len(s) == len(c):
        raise InputError(f"{len(b)} boxes, {len(s)} scores and {len(c)} classes: not one per box.")
    if box_format == "yxyx":
        b = b[:, [1, 0, 3, 2]]
    elif box_format != "xyxy":
        raise InputError(f"box_format must be 'xyxy' or 'yxyx', got {box_format!r}.")
    if scale is not None:
        h, w = scale
        b = b * np.array([w, h, w, h], np.float64)
    keep = np.nonzero(np.isfinite(s) & (s > max(float(conf), 0.0)))[0]
    keep = keep[np.argsort(-s[keep], kind="stable")]
    cls = np.rint(np.asarray(c, np.float64)[keep]).astype(np.int64)
    peak = float(s.max()) if s.size else float("nan")
    return Detections(b[keep], s[keep], cls, tuple(names) if names else None, peak=peak)


def _names_param(metadata) -> dict[str, Any]:
    names = metadata_names(metadata) if metadata else None
    return {"names": names} if names else {}


def _flag(metadata, *keys: str) -> bool:
    """A metadata entry (or an Ultralytics ``args`` dict entry) that is true."""
    if not metadata:
        return False
    for key in keys:
        if str(metadata.get(key, "")).strip().lower() in ("true", "1"):
            return True
    args = str(metadata.get("args", "")).replace(" ", "").replace('"', "'")
    return any(f"'{k}':True" in args for k in keys)


class EndToEndKind(DetectionKind):
    """Ultralytics ``export(nms=True)`` / end-to-end heads: ``(1, K, 6 + extra)`` rows
    ``x1, y1, x2, y2, score, class`` (module docstring for the source).

    Examples
    --------
    >>> out = np.zeros((1, 300, 6), np.float32)
    >>> out[0, 0] = [10, 20, 50, 60, 0.9, 2]; out[0, 1] = [0, 0, 8, 8, 0.2, 0]
    >>> d = EndToEndKind().decode([out])
    >>> d.boxes.tolist(), d.classes.tolist()  # 0.2 <= conf 0.25, padding dropped
    ([[10.0, 20.0, 50.0, 60.0]], [2])
    >>> EndToEndKind().confidence([out]), EndToEndKind().confidence([out], {"args": "{'nms': True}"})
    (0.92, 0.95)
    >>> EndToEndKind().fits([out]), EndToEndKind().suggest([out], {"names": "{0: 'cat'}"})
    (True, {'names': ['cat']})
    """

    name = "end2end"
    aliases = ("ultralytics_nms", "yolov10", "yolo26")
    defaults = {
        "conf": Default(0.25, _ULTRA),
        "names": Default(None, "Ultralytics ONNX metadata names"),
    }

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        (a,) = self.arrays(arrays)
        if a.ndim != 3 or a.shape[0] != 1 or a.shape[2] < 6:
            raise InputError(f"end2end reads (1, K, 6 + extra) rows, got {a.shape}.")
        rows = a[0].astype(np.float64)
        return kept_detections(
            rows[:, :4], rows[:, 4], rows[:, 5], conf=p["conf"], names=p["names"]
        )

    def fits(self, arrays, metadata=None) -> bool:
        a = np.asarray(arrays[0]) if len(arrays) == 1 else None
        return a is not None and a.ndim == 3 and a.shape[0] == 1 and a.shape[2] >= 6

    def confidence(self, arrays, metadata=None) -> float:
        if not self.fits(arrays) or np.asarray(arrays[0]).dtype.kind != "f":
            return 0.0
        if _flag(metadata, "nms", "end2end"):
            return 0.95
        rows = np.asarray(arrays[0])[0].astype(np.float64)
        if not len(rows) or not np.all(np.isfinite(rows[:, :6])):
            return 0.0
        score, cls = rows[:, 4], rows[:, 5]
        kept = score > 0
        ordered = np.all(rows[kept, 2] >= rows[kept, 0]) and np.all(rows[kept, 3] >= rows[kept, 1])
        padded = np.all(rows[~kept, :6] == 0)
        integral = np.all(cls == np.rint(cls)) and cls.min() >= 0
        # a YOLOv5 / YOLOX head (1, N, 6) has a class probability in column 5 and no
        # zero rows; a class index above 1 cannot be a probability (surer than a
        # YOLOX guess for N = a grid count, 0.9)
        if integral and ordered and padded and score.max() <= 1 and (~kept).any():
            return 0.92 if cls.max() > 1 else 0.85
        return 0.0

    def suggest(self, arrays, metadata=None) -> dict[str, Any]:
        return _names_param(metadata)


def _int(a: np.ndarray) -> bool:
    return a.dtype.kind in "iu"


class NMSGatheredKind(DetectionKind):
    """An ONNX ``NonMaxSuppression`` + ``Gather`` ending: boxes ``(K, 4)``, scores
    ``(K,)`` and classes (``(K,)`` integers or ``selected_indices`` ``(K, 3)``).

    Examples
    --------
    >>> boxes = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    >>> sel = np.array([[0, 1, 4], [0, 0, 7]], np.int64)
    >>> d = NMSGatheredKind().decode([boxes, np.array([0.9, 0.7], np.float32), sel])
    >>> d.classes.tolist(), d.scores.round(2).tolist()
    ([1, 0], [0.9, 0.7])
    >>> outs = {"b": boxes, "s": np.array([0.9, 0.7], np.float32), "selected_indices": sel}
    >>> [(bd.kind, bd.outputs) for bd in NMSGatheredKind().bind(outs)]
    [('nms_gathered', ('b', 's', 'selected_indices'))]
    """

    name = "nms_gathered"
    aliases = ("onnx_nms",)
    n_outputs = 3
    defaults = {
        "conf": Default(0.0, f"{_ONNX_NMS}: score_threshold already applied in the graph"),
        "box_format": Default("xyxy", f"{_ONNX_NMS}: corners, any consistent order"),
        "names": Default(None, "model metadata names"),
    }

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        boxes, scores, classes = self.arrays(arrays)
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise InputError(f"nms_gathered boxes must be (K, 4), got {boxes.shape}.")
        classes = classes[:, 1] if classes.ndim == 2 and classes.shape[1] == 3 else classes
        return kept_detections(
            boxes, scores.reshape(-1), classes.reshape(-1), conf=p["conf"],
            box_format=p["box_format"], names=p["names"],
        )  # fmt: skip

    def bind(self, outputs: Mapping[str, np.ndarray], metadata=None) -> list[Binding]:
        arrays = {n: np.asarray(a) for n, a in outputs.items()}
        for bn, b in arrays.items():
            if b.ndim != 2 or b.shape[1] != 4 or b.dtype.kind != "f":
                continue
            k = b.shape[0]  # one leading K shared by boxes (K, 4), scores and classes
            scores = [
                n for n, a in arrays.items()
                if n != bn and a.shape in ((k,), (k, 1)) and a.dtype.kind == "f"
            ]  # fmt: skip
            classes = [
                n for n, a in arrays.items()
                if n != bn and n not in scores[:1] and _int(a) and a.shape in ((k,), (k, 1), (k, 3))
            ]  # fmt: skip
            if scores and classes:
                params = _names_param(metadata)
                out = (bn, scores[0], classes[0])
                return [Binding(self.name, out, params, 0.85, "NMS + Gather: (K, 4), (K,), (K,)")]
        return []


class NMSIndicesKind(DetectionKind):
    """``selected_indices`` ``(K, 3)`` of an ONNX ``NonMaxSuppression`` with its inputs,
    boxes ``(1, N, 4)`` and scores ``(1, C, N)``, as outputs (the operator's layouts).

    Examples
    --------
    >>> boxes = np.array([[[0, 0, 10, 10], [20, 20, 30, 30]]], np.float32)
    >>> scores = np.array([[[0.9, 0.1], [0.2, 0.8]]], np.float32)  # (1, C=2, N=2)
    >>> sel = np.array([[0, 0, 0], [0, 1, 1]], np.int64)
    >>> d = NMSIndicesKind().decode([sel, boxes, scores])
    >>> d.boxes.tolist(), d.scores.round(2).tolist(), d.classes.tolist()
    ([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]], [0.9, 0.8], [0, 1])
    >>> [bd.outputs for bd in NMSIndicesKind().bind({"b": boxes, "s": scores, "i": sel})]
    [('i', 'b', 's')]
    """

    name = "nms_indices"
    n_outputs = 3
    defaults = {
        "conf": Default(0.0, f"{_ONNX_NMS}: score_threshold already applied in the graph"),
        "box_format": Default("xyxy", f"{_ONNX_NMS}: corners, any consistent order"),
        "names": Default(None, "model metadata names"),
    }

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        sel, boxes, scores = self.arrays(arrays)
        if sel.ndim != 2 or sel.shape[1] != 3 or boxes.ndim != 3 or scores.ndim != 3:
            raise InputError(
                f"nms_indices reads (K, 3), (B, N, 4), (B, C, N); got {sel.shape}, "
                f"{boxes.shape}, {scores.shape}."
            )
        sel = sel.astype(np.int64)
        if len(sel) and (sel[:, 0].max() >= boxes.shape[0] or sel[:, 2].max() >= boxes.shape[1]):
            raise InputError("selected_indices point outside the boxes.")
        b = boxes[sel[:, 0], sel[:, 2]]
        s = scores[sel[:, 0], sel[:, 1], sel[:, 2]]
        return kept_detections(
            b, s, sel[:, 1], conf=p["conf"], box_format=p["box_format"], names=p["names"]
        )

    def bind(self, outputs: Mapping[str, np.ndarray], metadata=None) -> list[Binding]:
        arrays = {n: np.asarray(a) for n, a in outputs.items()}
        sels = [n for n, a in arrays.items() if _int(a) and a.ndim == 2 and a.shape[1] == 3]
        three = {n: a for n, a in arrays.items() if a.ndim == 3 and a.dtype.kind == "f"}
        for sn in sels:
            for bn, b in three.items():
                if b.shape[2] != 4:
                    continue
                for cn, c in three.items():
                    if cn != bn and c.shape[0] == b.shape[0] and c.shape[2] == b.shape[1]:
                        out = (sn, bn, cn)
                        params = _names_param(metadata)
                        reason = "NonMaxSuppression indices + its boxes and scores"
                        return [Binding(self.name, out, params, 0.9, reason)]
        return []


class DetsLabelsKind(DetectionKind):
    """mmdeploy detection exports: ``dets`` ``(1, K, 5)`` + ``labels`` ``(1, K)``.

    Examples
    --------
    >>> dets = np.array([[[0, 0, 10, 10, 0.9], [0, 0, 0, 0, 0]]], np.float32)
    >>> labels = np.array([[3, 0]], np.int64)
    >>> d = DetsLabelsKind().decode([dets, labels])
    >>> d.classes.tolist(), len(d)
    ([3], 1)
    >>> [bd.outputs for bd in DetsLabelsKind().bind({"dets": dets, "labels": labels})]
    [('dets', 'labels')]
    """

    name = "dets_labels"
    aliases = ("mmdeploy",)
    n_outputs = 2
    defaults = {
        "conf": Default(0.05, _MMDEPLOY),
        "names": Default(None, "model metadata names"),
    }

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        dets, labels = self.arrays(arrays)
        if dets.ndim != 3 or dets.shape[0] != 1 or dets.shape[2] != 5:
            raise InputError(f"dets must be (1, K, 5), got {dets.shape}.")
        d = dets[0].astype(np.float64)
        return kept_detections(
            d[:, :4], d[:, 4], labels.reshape(-1), conf=p["conf"], names=p["names"]
        )

    def bind(self, outputs: Mapping[str, np.ndarray], metadata=None) -> list[Binding]:
        arrays = {n: np.asarray(a) for n, a in outputs.items()}
        for dn, d in arrays.items():
            if d.ndim != 3 or d.shape[0] != 1 or d.shape[2] != 5 or d.dtype.kind != "f":
                continue
            for ln, lab in arrays.items():
                if ln != dn and _int(lab) and lab.shape == d.shape[:2]:
                    reason = "mmdeploy dets (1, K, 5) + labels (1, K)"
                    return [Binding(self.name, (dn, ln), _names_param(metadata), 0.9, reason)]
        return []


_TF_NAMES = (
    ("num_detections", "detection_boxes", "detection_scores", "detection_classes"),
    ("num_dets", "det_boxes", "det_scores", "det_classes"),
)


class TFDetectionsKind(DetectionKind):
    """The 4-output TF-OD form: ``num_detections``, ``detection_boxes`` ``(1, K, 4)``,
    ``detection_scores`` ``(1, K)``, ``detection_classes`` ``(1, K)``.

    ``box_format`` "yxyx" (TF-OD; normalised boxes are scaled by ``input_size``
    ``(h, w)`` when given) or "xyxy" (TensorRT ``EfficientNMS_TRT``, pixels). Rows past
    ``num_detections`` are padding and dropped.

    Examples
    --------
    >>> n = np.array([1.0], np.float32)
    >>> boxes = np.array([[[0.1, 0.2, 0.5, 0.6], [0, 0, 0, 0]]], np.float32)
    >>> scores, classes = np.array([[0.8, 0.0]], np.float32), np.array([[18.0, 0.0]], np.float32)
    >>> d = TFDetectionsKind().decode([n, boxes, scores, classes], input_size=(100, 100))
    >>> d.boxes.round(4).tolist(), d.classes.tolist()
    ([[20.0, 10.0, 60.0, 50.0]], [18])
    >>> outs = dict(zip(("num_detections", "detection_boxes", "detection_scores",
    ...                  "detection_classes"), (n, boxes, scores, classes)))
    >>> [bd.params for bd in TFDetectionsKind().bind(outs)]
    [{'box_format': 'yxyx'}]
    """

    name = "tf_detections"
    aliases = ("tf_od", "efficient_nms")
    n_outputs = 4
    defaults = {
        "conf": Default(0.0, f"{_TFOD}: the exported graph's score threshold already applied"),
        "box_format": Default("yxyx", f"{_TFOD}: detection_boxes ymin, xmin, ymax, xmax"),
        "input_size": Default(None, "the model input (h, w) for normalised boxes"),
        "names": Default(None, "model metadata names"),
    }

    def decode(self, arrays, **params) -> Detections:
        p = self.params(**params)
        num, boxes, scores, classes = self.arrays(arrays)
        if boxes.ndim != 3 or boxes.shape[0] != 1 or boxes.shape[2] != 4:
            raise InputError(f"detection_boxes must be (1, K, 4), got {boxes.shape}.")
        k = boxes.shape[1]
        n = min(int(np.asarray(num).reshape(-1)[0]), k) if np.size(num) else k
        b = boxes[0, :n].astype(np.float64)
        normalised = b.size and np.abs(b).max() <= 1.5
        scale = tuple(p["input_size"]) if p["input_size"] and normalised else None
        return kept_detections(
            b, scores.reshape(-1)[:n], classes.reshape(-1)[:n], conf=p["conf"],
            box_format=p["box_format"], scale=scale, names=p["names"],
        )  # fmt: skip

    def bind(self, outputs: Mapping[str, np.ndarray], metadata=None) -> list[Binding]:
        for names, box_format in zip(_TF_NAMES, ("yxyx", "xyxy"), strict=True):
            found = [next((o for o in outputs if o.split(":")[0].endswith(n)), None) for n in names]
            if all(found):
                reason = f"output names {', '.join(names)}"
                params = {"box_format": box_format, **_names_param(metadata)}
                return [Binding(self.name, tuple(found), params, 0.95, reason)]
        return []
