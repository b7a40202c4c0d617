"""A model whose ONNX graph ends in NonMaxSuppression + Gather, compared end to end:
the paths keep different numbers of boxes (K), the raw tensors cannot be compared,
the task answers (detections) still are, and the verdict rests on them."""

from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

from nv12_widgets.model import Model, PreprocessConfig, compare


def nms_model(n_side=4, size=32, classes=2, thr=0.5, seed=0):
    """Scores from the image (8x8 average, 1x1 conv, sigmoid) of 16 fixed grid boxes ->
    NonMaxSuppression -> Gather: det_boxes (K, 4), det_scores (K,), selected_indices."""
    rng = np.random.default_rng(seed)
    cell = size // n_side
    grid = [(x * cell + 1, y * cell + 1, x * cell + cell - 1, y * cell + cell - 1)
            for y in range(n_side) for x in range(n_side)]  # fmt: skip
    boxes = np.array(grid, np.float32)[None]
    n = n_side * n_side
    nodes = [
        h.make_node("AveragePool", ["x"], ["p"], kernel_shape=[cell, cell], strides=[cell, cell]),
        h.make_node("Conv", ["p", "w", "b"], ["c"]),
        h.make_node("Reshape", ["c", "shp"], ["logit"]),
        h.make_node("Sigmoid", ["logit"], ["scores"]),
        h.make_node("NonMaxSuppression", ["boxes", "scores", "maxk", "iou", "sthr"], ["sel"]),
        h.make_node("Identity", ["sel"], ["selected_indices"]),
        h.make_node("Gather", ["sel", "two"], ["box_idx"], axis=1),
        h.make_node("Squeeze", ["boxes", "zero"], ["boxes2d"]),
        h.make_node("Gather", ["boxes2d", "box_idx"], ["det_boxes"], axis=0),
        h.make_node("GatherND", ["scores", "sel"], ["det_scores"]),
    ]
    inits = [
        nh.from_array(boxes, "boxes"),
        nh.from_array(rng.normal(0, 3, (classes, 3, 1, 1)).astype(np.float32), "w"),
        nh.from_array(np.full(classes, -1.0, np.float32), "b"),
        nh.from_array(np.array([1, classes, n], np.int64), "shp"),
        nh.from_array(np.array([100], np.int64), "maxk"),
        nh.from_array(np.array([0.5], np.float32), "iou"),
        nh.from_array(np.array([thr], np.float32), "sthr"),
        nh.from_array(np.array(2, np.int64), "two"),
        nh.from_array(np.array([0], np.int64), "zero"),
    ]
    outs = [
        h.make_tensor_value_info("det_boxes", T.FLOAT, ["K", 4]),
        h.make_tensor_value_info("det_scores", T.FLOAT, ["K"]),
        h.make_tensor_value_info("selected_indices", T.INT64, ["K", 3]),
    ]
    x = h.make_tensor_value_info("x", T.FLOAT, [1, 3, size, size])
    m = h.make_model(h.make_graph(nodes, "nms", [x], outs, inits),
                     opset_imports=[h.make_opsetid("", 13)])  # fmt: skip
    m.ir_version = 8
    onnx.checker.check_model(m)
    return Model(m)


def _plain_f1(ref: dict, test: dict) -> float:
    """Independent: same class and IoU >= 0.5, each reference box matched once."""

    def iou(a, b):
        ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
        return ix * iy / u

    rb, rc = ref["det_boxes"].tolist(), ref["selected_indices"][:, 1].tolist()
    tb, tc = test["det_boxes"].tolist(), test["selected_indices"][:, 1].tolist()
    order = np.argsort(-test["det_scores"], kind="stable")
    used, tp = set(), 0
    for t in order:
        cands = [(iou(rb[r], tb[t]), r) for r in range(len(rb)) if r not in used and rc[r] == tc[t]]
        best = max(cands, default=(0.0, None))
        if best[1] is not None and best[0] >= 0.5:
            used.add(best[1])
            tp += 1
    p, r = tp / len(tb), tp / len(rb)
    return 2 * p * r / (p + r) if tp else 0.0


def test_swing_mismatch_k_differs_judged_by_detections():
    model = nms_model()
    img = (np.random.default_rng(0).random((4, 4, 3)) * 255).astype(np.uint8)
    img = img.repeat(8, 0).repeat(8, 1)
    c = compare(model, img, device=PreprocessConfig(decode_swing="studio"))
    ref, nv = c.outputs_reference, c.outputs_nv12
    assert ref["det_boxes"].shape != nv["det_boxes"].shape  # K differs between the paths
    (task,) = c.tasks.values()
    assert task.binding.kind == "nms_gathered" and task.trusted
    assert task.binding.outputs == ("det_boxes", "det_scores", "selected_indices")
    assert task.score("nv12") == _plain_f1(ref, nv) and task.score("nv12") < 1
    m = c.metrics["det_boxes"]
    assert math.isnan(m.cosine_nv12) and any("shapes differ" in n for n in m.notes)
    assert m.task_nv12["f1"] == task.score("nv12")
    v = c.verdict()
    assert (v.code, v.rule) == ("preprocessing", "R1")  # the lint names the swing mistake


def test_format_alone_changes_k_verdict_rests_on_the_task():
    model = nms_model()
    img = (np.random.default_rng(10).random((32, 32, 3)) * 255).astype(np.uint8)
    device = PreprocessConfig(swing="studio", decode_swing="studio")  # consistent
    c = compare(model, img, device=device)
    ref, nv = c.outputs_reference, c.outputs_nv12
    assert ref["det_boxes"].shape != nv["det_boxes"].shape
    (task,) = c.tasks.values()
    assert task.score("nv12") == _plain_f1(ref, nv) < 1
    v = c.verdict()
    assert v.rule == "R3b" and v.code != "unmeasurable"
    assert v.loss_nv12 == 1 - task.score("nv12")
    assert v.numbers["basis"] == "task" and "task answers decide" in v.text
