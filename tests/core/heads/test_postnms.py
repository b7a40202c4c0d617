"""Post-NMS output kinds: decoding checked against onnxruntime's own NonMaxSuppression
and an independent plain-Python NMS / IoU matching written out here."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core.heads import Detections, get, guess_bindings, task_agreement

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T  # noqa: E402
from onnx import helper as h  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def plain_nms(boxes, scores, iou_thr, score_thr):
    """Per class: drop score <= thr, keep the best, drop the rest overlapping > iou_thr."""
    kept = []
    for c in range(scores.shape[0]):
        order = sorted((i for i in range(len(boxes)) if scores[c, i] > score_thr),
                       key=lambda i: -scores[c, i])  # fmt: skip
        while order:
            i = order.pop(0)
            kept.append((c, i, float(scores[c, i])))
            order = [j for j in order if _iou(boxes[i], boxes[j]) <= iou_thr]
    return kept


def plain_f1(ref, test, thr=0.5):
    """Greedy per class, test boxes by descending score, best unmatched ref IoU >= thr."""
    used, tp = set(), 0
    for t in sorted(range(len(test)), key=lambda i: -test.scores[i]):
        best, best_iou = None, thr
        for r in range(len(ref)):
            if r in used or ref.classes[r] != test.classes[t]:
                continue
            v = _iou(ref.boxes[r], test.boxes[t])
            if v >= best_iou:
                best, best_iou = r, v
        if best is not None:
            used.add(best)
            tp += 1
    p, r = tp / len(test), tp / len(ref)
    return 2 * p * r / (p + r) if tp else 0.0


def _ort_nms(boxes, scores, iou_thr=0.5, score_thr=0.3):
    """onnxruntime's NonMaxSuppression + Gather: (selected_indices, kept boxes, scores)."""
    nodes = [
        h.make_node("NonMaxSuppression", ["b", "s", "k", "iou", "st"], ["sel"]),
        h.make_node("Gather", ["sel", "two"], ["idx"], axis=1),
        h.make_node("Squeeze", ["b", "zero"], ["b2"]),
        h.make_node("Gather", ["b2", "idx"], ["kb"], axis=0),
        h.make_node("GatherND", ["s", "sel"], ["ks"]),
    ]
    inits = [
        nh.from_array(np.array([50], np.int64), "k"),
        nh.from_array(np.array([iou_thr], np.float32), "iou"),
        nh.from_array(np.array([score_thr], np.float32), "st"),
        nh.from_array(np.array(2, np.int64), "two"),
        nh.from_array(np.array([0], np.int64), "zero"),
    ]
    ins = [h.make_tensor_value_info("b", T.FLOAT, [1, None, 4]),
           h.make_tensor_value_info("s", T.FLOAT, [1, None, None])]  # fmt: skip
    outs = [h.make_tensor_value_info("sel", T.INT64, None),
            h.make_tensor_value_info("kb", T.FLOAT, None),
            h.make_tensor_value_info("ks", T.FLOAT, None)]  # fmt: skip
    m = h.make_model(h.make_graph(nodes, "nms", ins, outs, inits),
                     opset_imports=[h.make_opsetid("", 13)])  # fmt: skip
    m.ir_version = 8
    sess = ort.InferenceSession(m.SerializeToString())
    return sess.run(None, {"b": boxes, "s": scores})


def _random_boxes(seed, n=40, classes=3):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 80, (n, 2))
    wh = rng.uniform(8, 30, (n, 2))
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)[None]
    scores = rng.uniform(0, 1, (1, classes, n)).astype(np.float32)
    return boxes, scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_onnx_nms_forms_decode_as_onnxruntime_keeps(seed):
    boxes, scores = _random_boxes(seed)
    sel, kb, ks = _ort_nms(boxes, scores)
    want = plain_nms(boxes[0].astype(float), scores[0].astype(float), 0.5, 0.3)
    assert sorted((c, i) for c, i, _ in want) == sorted(map(tuple, sel[:, 1:].tolist()))
    outputs = {"boxes": boxes, "scores": scores, "selected_indices": sel, "kb": kb, "ks": ks}
    by_kind = {b.kind: b for b in guess_bindings(outputs)}
    assert by_kind["nms_indices"].outputs == ("selected_indices", "boxes", "scores")
    gathered = get("nms_gathered").decode([kb, ks, sel])
    indexed = by_kind["nms_indices"].decode(outputs)
    for d in (gathered, indexed):
        assert len(d) == len(want)
        # best score first; every kept (class, box) of the plain NMS with its score
        got = sorted(zip(d.classes.tolist(), d.scores.round(5).tolist(), strict=True))
        assert got == sorted((c, round(s, 5)) for c, _, s in want)
        i = int(np.argmax(d.scores))
        c, b, _ = max(want, key=lambda w: w[2])
        assert d.classes[i] == c and np.allclose(d.boxes[i], boxes[0, b])


def test_gathered_binding_and_agreement_against_plain_matching():
    boxes, scores = _random_boxes(5)
    sel, kb, ks = _ort_nms(boxes, scores)
    moved = scores.copy()
    moved[0, :, ::3] *= 0.5  # some boxes fall under the threshold: K differs
    sel2, kb2, ks2 = _ort_nms(boxes + 1.5, moved)
    assert len(sel2) != len(sel)
    ref_out = {"det_boxes": kb, "det_scores": ks, "selected_indices": sel}
    (b,) = guess_bindings(ref_out)
    assert (b.kind, b.outputs, b.confidence >= 0.8) == (
        "nms_gathered", ("det_boxes", "det_scores", "selected_indices"), True,
    )  # fmt: skip
    ref = b.decode(ref_out)
    test = b.decode({"det_boxes": kb2, "det_scores": ks2, "selected_indices": sel2})
    a = b.compare(ref_out, {"det_boxes": kb2, "det_scores": ks2, "selected_indices": sel2})
    assert a["score"] == pytest.approx(plain_f1(ref, test))
    assert 0 < a["score"] < 1 and a["test_boxes"] == len(sel2)


def test_end2end_rows_and_guess():
    out = np.zeros((1, 300, 6), np.float32)
    out[0, :3] = [[10, 20, 50, 60, 0.9, 2], [5, 5, 9, 9, 0.5, 0], [0, 0, 4, 4, 0.1, 1]]
    (b,) = guess_bindings({"output0": out})
    assert b.kind == "end2end" and b.confidence >= 0.8
    d = b.decode({"output0": out})
    assert d.classes.tolist() == [2, 0] and d.boxes[0].tolist() == [10, 20, 50, 60]
    (b,) = guess_bindings({"output0": out}, {"args": "{'batch': 1, 'nms': True}",
                                             "names": "{0: 'a', 1: 'b', 2: 'c'}"})  # fmt: skip
    assert b.confidence == 0.95 and b.decode({"output0": out}).label(0) == "c"
    # a YOLOv5 head (1, N, 6) of one class is not read as post-NMS rows
    v5 = np.random.default_rng(0).uniform(0, 1, (1, 6300, 6)).astype(np.float32)
    assert get("end2end").confidence([v5]) == 0.0
    # Ultralytics' own reading of (1, 300, 6) (ultralytics/utils/nms.py
    # non_max_suppression, end2end branch): pred[pred[:, 4] > conf_thres][:max_det]
    rng = np.random.default_rng(3)
    rows = np.zeros((1, 300, 6), np.float32)
    xy = rng.uniform(0, 500, (40, 2))
    rows[0, :40, :4] = np.concatenate([xy, xy + rng.uniform(5, 90, (40, 2))], 1)
    rows[0, :40, 4] = np.sort(rng.uniform(0.05, 1, 40))[::-1]
    rows[0, :40, 5] = rng.integers(0, 80, 40)
    pred = rows[0]
    want = pred[pred[:, 4] > 0.25][:300]
    d = get("end2end").decode([rows])
    assert np.allclose(d.boxes, want[:, :4]) and np.array_equal(d.classes, want[:, 5])
    assert np.allclose(d.scores, want[:, 4])
    shifted = out.copy()
    shifted[0, 0, :4] += 2
    assert task_agreement(out, shifted, "end2end")["f1"] == 1.0


def test_end2end_padded_to_a_grid_count_is_not_read_as_yolox():
    out = np.zeros((1, 8400, 6), np.float32)  # max_det = 8400 anchors of a 640 x 640 grid
    out[0, :2] = [[10, 20, 50, 60, 0.9, 2], [1, 1, 5, 5, 0.4, 7]]
    (b,) = guess_bindings({"output0": out})
    assert (b.kind, b.confidence) == ("end2end", 0.92)


def test_dets_labels_and_tf_detections():
    dets = np.zeros((1, 100, 5), np.float32)
    dets[0, :2] = [[0, 0, 10, 10, 0.9], [20, 20, 30, 30, 0.03]]
    labels = np.zeros((1, 100), np.int64)
    labels[0, 0] = 7
    (b,) = guess_bindings({"dets": dets, "labels": labels})
    assert b.kind == "dets_labels"
    assert b.decode({"dets": dets, "labels": labels}).classes.tolist() == [7]  # 0.03 <= 0.05

    tf = {
        "num_detections": np.array([2.0], np.float32),
        "detection_boxes": np.array(
            [[[0.1, 0.2, 0.3, 0.4], [0.5, 0.5, 0.9, 0.9], [0, 0, 1, 1]]], np.float32
        ),  # fmt: skip
        "detection_scores": np.array([[0.9, 0.6, 0.5]], np.float32),
        "detection_classes": np.array([[1.0, 3.0, 2.0]], np.float32),
    }
    (b,) = guess_bindings(tf)
    assert b.kind == "tf_detections" and b.params["box_format"] == "yxyx"
    d = get("tf_detections").decode(list(tf.values()), input_size=(100, 200))
    assert d.classes.tolist() == [1, 3]  # the third row is past num_detections
    assert np.allclose(d.boxes[0], [40, 10, 80, 30])


def test_kept_detections_is_a_detections():
    d = get("nms_gathered").decode(
        [np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 3), np.int64)]
    )
    assert isinstance(d, Detections) and len(d) == 0 and get("nms_gathered").empty(d)
